// Opening the store a --db value names: every command that takes --db goes through here.
#pragma once

#include <memory>
#include <string>

#include "store/store.h"

namespace truce::store {

// A postgresql:// or postgres:// URL opens that PostgreSQL database (postgres_store.h); anything
// else is the path of a SQLite file, created when missing (sqlite_store.h). Errors as those
// functions give them; no message shows a URL's password.
[[nodiscard]] Result<std::unique_ptr<Store>> OpenStore(const std::string& db);

}  // namespace truce::store
