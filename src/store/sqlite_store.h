// The embedded store: one SQLite file in WAL mode with synchronous=FULL, so that a commit is
// on disk before it is acknowledged. The schema is versioned (table schema_version) and
// migrated forward on open; see docs/server.md for the schema and its migrations.
#pragma once

#include <memory>
#include <string>

#include "store/store.h"

namespace truce::store {

// The newest schema version this build knows.
int LatestSchemaVersion() noexcept;

// Opens (creating if needed) the database at `path` and migrates it to the latest schema.
// kIo when the file cannot be opened or is not a database; kConflict when it was written by
// a newer truce (schema version ahead of this build). The store is thread-safe (one
// connection, serialised by a mutex).
[[nodiscard]] Result<std::unique_ptr<Store>> OpenSqliteStore(const std::string& path);

}  // namespace truce::store
