#include "local_app.h"

#include <filesystem>

#include <fmt/format.h>

#include "app/signing.h"
#include "store/sqlite_store.h"

namespace truce::cli {

Result<std::unique_ptr<LocalApp>> OpenLocalApp(const std::string& db) {
  namespace fs = std::filesystem;
  if (!fs::is_regular_file(db)) {
    return MakeError(ErrorCode::kNotFound,
                     fmt::format("{}: no such database (made by `truce serve --db`)", db));
  }
  auto key = app::SigningKey::Load(app::KeyFileFor(db));
  if (!key.ok()) return key.error();
  auto local = std::make_unique<LocalApp>();
  auto store = store::OpenSqliteStore(db);
  if (!store.ok()) return store.error();
  local->store = std::move(store).value();
  auto ledger = app::Ledger::Open(*local->store, std::move(key).value());
  if (!ledger.ok()) return ledger.error();
  local->ledger = std::move(ledger).value();
  auto application = app::App::Open(*local->store, *local->ledger, local->metrics);
  if (!application.ok()) return application.error();
  local->app = std::move(application).value();
  return local;
}

Result<app::Principal> LocalPrincipal(const std::string& role, const std::string& party) {
  if (role.empty() || role == "public") return app::Principal::Anonymous();
  const auto r = app::ParseRole(role);
  if (!r) {
    return MakeError(ErrorCode::kInvalidArgument,
                     fmt::format("--role: expected admin, monitor, party, guarantor, "
                                 "humanitarian or public, got '{}'",
                                 role));
  }
  if (*r == app::Role::kParty && party.empty()) {
    return MakeError(ErrorCode::kInvalidArgument, "--role party needs --party ID");
  }
  return app::Principal{*r, *r == app::Role::kParty ? party : "", "cli"};
}

}  // namespace truce::cli
