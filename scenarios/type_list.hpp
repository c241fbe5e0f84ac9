// scenarios/type_list.hpp: a compile-time list of types, the shape of every registry of
// the scenarios (implementations, factory kinds, footprint holders, payloads).
#pragma once

namespace vtb::scenarios {

template <class... Type>
struct type_list {
    // Calls f.template operator()<Type>() for each type, in order.
    template <class F>
    static void for_each(F&& f) {
        (f.template operator()<Type>(), ...);
    }
};

}  // namespace vtb::scenarios
