// scenarios/vocabulary.hpp: the names the scenarios' registries define, as the flags
// check them. The whole vocabulary, as vtbench publishes it (vtbench --list, and the
// vtb_vocabulary key of every JSON file's context), is vocabulary_json (run_options.hpp):
// the scripts read it from there and keep no list of their own.
#pragma once

#include <span>
#include <string_view>

namespace vtb::scenarios {

std::span<const std::string_view> implementation_names();  // all_implementations, in order
std::span<const std::string_view> payload_names();         // all_payloads
std::span<const std::string_view> db_mode_names();         // all_db_modes

}  // namespace vtb::scenarios
