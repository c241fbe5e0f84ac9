#include "service/pg_connection.hpp"

#include <poll.h>

#include <arpa/inet.h>

#include <cerrno>
#include <charconv>
#include <cstdint>
#include <cstring>
#include <utility>

namespace vtb::scenarios::service {
namespace {

constexpr const char* statement_name = "get_message";
constexpr Oid int4_oid = 23;

// libpq's message on one line: its lines (some indented by a tab) joined by spaces.
std::string trimmed(const char* message) {
    std::string line;
    bool space = false;
    for (const char* c = message != nullptr ? message : ""; *c != '\0'; ++c) {
        if (*c == '\n' || *c == '\t' || *c == ' ') {
            space = !line.empty();
        } else {
            if (space) line += ' ';
            line += *c;
            space = false;
        }
    }
    return line;
}

}  // namespace

pg_connection::pg_connection(const std::string& conninfo, std::string_view payload_column, mode initial_mode)
    : mode_(mode::blocking) {
    connection_ = PQconnectdb(conninfo.c_str());
    if (connection_ == nullptr) throw pg_error("cannot connect to the server: libpq is out of memory");
    if (PQstatus(connection_) != CONNECTION_OK) {
        const std::string message = trimmed(PQerrorMessage(connection_));
        PQfinish(connection_);
        throw pg_error("cannot connect to the server: " + message);
    }
    const std::string sql = "SELECT id, " + std::string(payload_column) + " FROM messages WHERE id = $1";
    PGresult* prepared = PQprepare(connection_, statement_name, sql.c_str(), 1, &int4_oid);
    const bool prepared_ok = PQresultStatus(prepared) == PGRES_COMMAND_OK;
    PQclear(prepared);
    if (!prepared_ok) {
        const std::string message = trimmed(PQerrorMessage(connection_));
        PQfinish(connection_);
        throw pg_error("cannot prepare `" + sql + "`: " + message);
    }
    set_mode(initial_mode);
}

pg_connection::~pg_connection() {
    clear_result();
    PQclear(pending_);
    PQfinish(connection_);
}

void pg_connection::fail(std::string_view what) const {
    const std::string message = trimmed(PQerrorMessage(connection_));
    throw pg_error(std::string(what) + (message.empty() ? "" : ": " + message));
}

void pg_connection::clear_result() {
    PQclear(result_);
    result_ = nullptr;
}

void pg_connection::set_mode(mode new_mode) {
    if (new_mode == mode_) return;
    if (outstanding()) throw std::logic_error("pg_connection: the mode changes only while no query is outstanding");
    if (new_mode == mode::pipeline) {
        if (PQsetnonblocking(connection_, 1) != 0 || PQenterPipelineMode(connection_) != 1)
            fail("cannot enter pipeline mode");
    } else {
        if (PQexitPipelineMode(connection_) != 1 || PQsetnonblocking(connection_, 0) != 0)
            fail("cannot leave pipeline mode");
    }
    mode_ = new_mode;
}

void pg_connection::send_prepared(int key) {
    const std::uint32_t key_in_network_order = htonl(static_cast<std::uint32_t>(key));
    const char* values[1] = {reinterpret_cast<const char*>(&key_in_network_order)};
    const int lengths[1] = {sizeof key_in_network_order};
    const int formats[1] = {1};
    if (PQsendQueryPrepared(connection_, statement_name, 1, values, lengths, formats, 0) != 1)
        fail("cannot send a query");
}

void pg_connection::send(int key) {
    send_prepared(key);
    ++queries_outstanding_;
    sent_since_sync_ = true;
}

void pg_connection::sync() {
    if (!sent_since_sync_) return;
    if (PQpipelineSync(connection_) != 1) fail("cannot send a sync point");
    ++syncs_outstanding_;
    sent_since_sync_ = false;
}

bool pg_connection::flush() {
    const int flushed = PQflush(connection_);
    if (flushed < 0) fail("cannot write to the server");
    return flushed == 0;
}

void pg_connection::consume() {
    if (PQconsumeInput(connection_) != 1) fail("the connection to the server failed");
}

bool pg_connection::answer_ready() {
    while (outstanding()) {
        if (PQisBusy(connection_)) return false;
        if (expecting_end_) {  // the NULL that ends a query's results
            if (PGresult* extra = PQgetResult(connection_)) {
                PQclear(extra);
                throw pg_error("the server answered one query with more than one result");
            }
            expecting_end_ = false;
            continue;
        }
        if (pending_ == nullptr) {
            pending_ = PQgetResult(connection_);
            if (pending_ == nullptr) fail("the server's answers ended before the queries did");
        }
        if (PQresultStatus(pending_) == PGRES_PIPELINE_SYNC) {
            PQclear(std::exchange(pending_, nullptr));
            --syncs_outstanding_;
            continue;
        }
        return queries_outstanding_ > 0;
    }
    return false;
}

std::pair<int, std::string_view> pg_connection::next_answer() {
    if (pending_ == nullptr) throw std::logic_error("pg_connection: next_answer() without answer_ready()");
    clear_result();
    result_ = std::exchange(pending_, nullptr);
    --queries_outstanding_;
    expecting_end_ = true;
    return take_row(result_);
}

std::pair<int, std::string_view> pg_connection::take_row(PGresult* result) {
    if (PQresultStatus(result) != PGRES_TUPLES_OK) {
        throw pg_error("the query failed: " + trimmed(PQresultErrorMessage(result)));
    }
    if (PQntuples(result) != 1 || PQnfields(result) != 2)
        throw pg_error("the query answered " + std::to_string(PQntuples(result)) + " rows of " +
                       std::to_string(PQnfields(result)) + " columns, not 1 of 2");
    const char* id_text = PQgetvalue(result, 0, 0);
    int id = -1;
    const auto [end, error] = std::from_chars(id_text, id_text + PQgetlength(result, 0, 0), id);
    if (error != std::errc() || end != id_text + PQgetlength(result, 0, 0))
        throw pg_error(std::string("the query answered a row whose id is not a number: ") + id_text);
    return {id, std::string_view(PQgetvalue(result, 0, 1), static_cast<std::size_t>(PQgetlength(result, 0, 1)))};
}

void pg_connection::wait_readable() {
    pollfd descriptor{socket(), POLLIN, 0};
    const int ready = ::poll(&descriptor, 1, static_cast<int>(std::chrono::milliseconds(answer_timeout).count()));
    if (ready == 0) throw pg_error("no answer from the server within " + std::to_string(answer_timeout.count()) + " s");
    if (ready < 0) throw pg_error(std::string("cannot wait for the server: ") + std::strerror(errno));
}

std::pair<int, std::string_view> pg_connection::query(int key) {
    if (mode_ != mode::blocking) throw std::logic_error("pg_connection: query() in pipeline mode");
    send_prepared(key);
    while (PQisBusy(connection_)) {
        wait_readable();
        consume();
    }
    clear_result();
    result_ = PQgetResult(connection_);
    if (result_ == nullptr) fail("the server sent no answer");
    const auto row = take_row(result_);
    while (PGresult* extra = PQgetResult(connection_)) {
        PQclear(extra);
        throw pg_error("the server answered one query with more than one result");
    }
    return row;
}

std::string pg_connection::scalar(const std::string& sql) {
    if (mode_ != mode::blocking) throw std::logic_error("pg_connection: scalar() in pipeline mode");
    PGresult* result = PQexec(connection_, sql.c_str());
    if (PQresultStatus(result) != PGRES_TUPLES_OK || PQntuples(result) < 1) {
        const std::string message = trimmed(PQresultErrorMessage(result));
        PQclear(result);
        throw pg_error("`" + sql + "` failed: " + message);
    }
    std::string value = PQgetvalue(result, 0, 0);
    PQclear(result);
    return value;
}

}  // namespace vtb::scenarios::service
