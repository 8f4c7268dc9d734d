// The shared store: a PostgreSQL database (14 or newer; Debian's 15 is tested), which several
// `truce serve` processes may use at once. The schema is the SQLite store's in PostgreSQL types,
// versioned and migrated forward on open like it (docs/server.md "Store"); the submitted tables
// refuse UPDATE, DELETE and TRUNCATE with triggers; every commit waits for its WAL to be flushed
// (synchronous_commit = on) before it is acknowledged.
//
// Several writers: Append takes a transaction-scoped advisory lock and checks that its entries
// follow the log as committed (and the primary key on the entry index backs it), so concurrent
// appends from any number of processes give one sequence with no gaps and no forks;
// LockAppends is a session-level advisory lock, held by a writer from reading the log to
// appending.
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "store/store.h"

namespace truce::store {

// Whether `db` names a PostgreSQL database: a postgresql:// or postgres:// URL.
bool IsPostgresUrl(std::string_view db) noexcept;

// `url` with its password, if any, replaced by "***", for messages and logs.
std::string RedactUrl(std::string_view url);

// The newest schema version of the PostgreSQL store this build knows.
int LatestPostgresSchemaVersion() noexcept;

// Connects to the database at `url` (libpq's URL syntax: postgresql://USER[:PASSWORD]@HOST[:PORT]
// /DB[?PARAMS]; PGPASSWORD and ~/.pgpass work as for psql) and migrates it to the latest schema.
// kIo when the server cannot be reached or refuses the login (the message never shows the
// password); kConflict when a newer truce wrote the schema. Thread-safe: a pool of up to
// `max_connections` connections, opened as needed, serves concurrent calls.
[[nodiscard]] Result<std::unique_ptr<Store>> OpenPostgresStore(const std::string& url,
                                                               int max_connections = 12);

}  // namespace truce::store
