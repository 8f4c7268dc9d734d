#include "store/open_store.h"

#include "store/postgres_store.h"
#include "store/sqlite_store.h"

namespace truce::store {

Result<std::unique_ptr<Store>> OpenStore(const std::string& db) {
  if (IsPostgresUrl(db)) return OpenPostgresStore(db);
  return OpenSqliteStore(db);
}

}  // namespace truce::store
