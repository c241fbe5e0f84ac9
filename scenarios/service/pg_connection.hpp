// scenarios/service/pg_connection.hpp: one libpq connection to the run's PostgreSQL server,
// with the service scenario's prepared statement, in one of two modes:
//
// - pipeline (db_mode::async): non-blocking, in libpq's pipeline mode. send() queues a
//   query and returns; sync() ends the batch queued since the last one (one Sync message:
//   one implicit transaction per batch) and flushes it; the answers arrive in order and
//   are taken with next_answer() once the socket is readable and consume() has read them.
// - blocking (db_mode::sync): query() sends one query and waits for its answer, as PQexec
//   does, but never longer than answer_timeout.
//
// The statement is `SELECT id, <payload>_payload FROM messages WHERE id = $1`, the key
// passed as a binary int4 and the row read as text. Every error (a failed connection, a
// closed socket, a server error, a timeout) throws pg_error naming what failed.
//
// Cost: libpq allocates with malloc, not operator new, so the operator new counter does
// not see it: per query one PGresult (PQgetResult) and its buffers, and libpq's own
// growth of its input and output buffers. This class allocates nothing per query itself.
#pragma once

#include <libpq-fe.h>

#include <chrono>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>

namespace vtb::scenarios::service {

struct pg_error : std::runtime_error {
    using std::runtime_error::runtime_error;
};

// The longest a query may wait for its answer before the connection counts as dead.
inline constexpr std::chrono::seconds answer_timeout{10};

class pg_connection {
public:
    enum class mode { pipeline, blocking };

    // Connects (blocking) with the libpq connection string (empty: libpq's PG* environment
    // variables) and prepares the statement that reads `payload_column`.
    pg_connection(const std::string& conninfo, std::string_view payload_column, mode initial_mode);
    ~pg_connection();
    pg_connection(const pg_connection&) = delete;
    pg_connection& operator=(const pg_connection&) = delete;

    // Switches between the modes; only while no query is outstanding.
    void set_mode(mode new_mode);
    mode current_mode() const noexcept { return mode_; }

    int socket() const noexcept { return PQsocket(connection_); }
    int backend_pid() const noexcept { return PQbackendPID(connection_); }

    // Pipeline mode.
    void send(int key);
    void sync();          // ends the batch, if a query was sent since the last sync point
    bool flush();         // writes what is queued; true when all of it is on the socket
    void consume();       // reads what the socket has (call when it is readable)
    bool answer_ready();  // the next query's answer can be taken without waiting
    // The next answer, in the order the queries were sent: its row's (id, payload text),
    // valid until the next answer. Only after answer_ready() returned true.
    std::pair<int, std::string_view> next_answer();
    // Something sent is not answered yet (a query, a sync point, or a result's end).
    bool outstanding() const noexcept { return queries_outstanding_ > 0 || syncs_outstanding_ > 0 || expecting_end_; }

    // Blocking mode: one query and its answer (id, payload text), valid until the next query.
    std::pair<int, std::string_view> query(int key);

    // A statement run on its own (blocking mode only): its first row's first column.
    std::string scalar(const std::string& sql);

private:
    [[noreturn]] void fail(std::string_view what) const;
    void send_prepared(int key);  // the statement with `key` as a binary int4, in either mode
    static std::pair<int, std::string_view> take_row(PGresult* result);
    void wait_readable();
    void clear_result();

    PGconn* connection_ = nullptr;
    PGresult* result_ = nullptr;   // the last answer's result, kept until the next
    PGresult* pending_ = nullptr;  // the next answer, taken by answer_ready()
    mode mode_;
    int queries_outstanding_ = 0;  // sent and not yet answered (pipeline)
    int syncs_outstanding_ = 0;    // sync points sent and not yet taken (pipeline)
    bool sent_since_sync_ = false;
    bool expecting_end_ = false;  // a query's result was taken; the NULL that ends it was not
};

}  // namespace vtb::scenarios::service
