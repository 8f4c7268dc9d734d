// truce token create|list|revoke --db PATH|URL [--key FILE]: the bearer tokens of a server's
// database. A new token is printed once, as the last line of stdout; only its hash is stored,
// in a row signed with the log key (--key, default PATH.signing-key beside a SQLite file; a new
// database's key is made here as `serve` would make it). `list` flags rows whose signature does
// not verify with the log's recorded public key.
#include <variant>

#include <fmt/format.h>

#include "app/app.h"
#include "app/ledger.h"
#include "app/metrics.h"
#include "app/scenario_bundle.h"
#include "app/tokens.h"
#include "command.h"
#include "store/open_store.h"
#include "store/postgres_store.h"

namespace truce::cli {
namespace {

constexpr const char* kDbHelp = "SQLite database file, or postgresql://USER@HOST:PORT/DB";

struct TokenOptions {
  std::string db;
  std::string key;
  std::string role;
  std::string party;
  std::string id;
};

// A party token must name a party of the scenario in force, when one is loaded.
Status CheckParty(store::Store& store, const std::string& party) {
  auto latest = store.LatestScenario(std::nullopt);
  if (!latest.ok()) return latest.error();
  if (!latest->has_value()) return Status::Ok();
  const auto data = nlohmann::json::parse((*latest)->data, nullptr, false);
  if (data.is_discarded()) return Status::Ok();
  auto scenario = app::ScenarioFromBundle(data["body"], "stored scenario");
  if (!scenario.ok() || !scenario->has_register() || scenario->FindParty(party)) {
    return Status::Ok();
  }
  std::string known;
  for (const Party& p : scenario->parties()) known += (known.empty() ? "" : ", ") + p.id;
  return MakeError(ErrorCode::kInvalidArgument,
                   fmt::format("--party: '{}' is not a party of scenario {} (parties: {})", party,
                               scenario->id(), known));
}

// The log's key for `o.db` (--key, or the file beside a SQLite database); `why` says what the
// key signs, for the usage error when PostgreSQL is given no --key. An exit code on failure.
std::variant<app::SigningKey, int> LogKey(const TokenOptions& o, store::Store& store,
                                          std::string_view why) {
  if (o.key.empty() && store::IsPostgresUrl(o.db)) {
    ReportError(MakeError(ErrorCode::kInvalidArgument,
                          fmt::format("--key FILE is needed with a PostgreSQL database: {}", why)));
    return kExitUsage;
  }
  auto key = app::LoadLogKey(store, o.key.empty() ? app::KeyFileFor(o.db) : o.key);
  if (!key.ok()) return ReportError(key.error());
  return std::move(key).value();
}

int Create(const TokenOptions& o) {
  const auto role = app::ParseRole(o.role);
  if (!role) {
    return ReportError(
        MakeError(ErrorCode::kInvalidArgument,
                  fmt::format("--role: '{}' is not a role (admin, monitor, party, guarantor, "
                              "humanitarian, public)",
                              o.role)));
  }
  auto store = store::OpenStore(o.db);
  if (!store.ok()) return ReportError(store.error());
  if (*role == app::Role::kParty && !o.party.empty()) {
    if (Status st = CheckParty(**store, o.party); !st.ok()) return ReportError(st.error());
  }
  auto key = LogKey(o, **store, "tokens are signed with the log's key");
  if (const int* exit = std::get_if<int>(&key)) return *exit;
  const auto& signing = std::get<app::SigningKey>(key);
  if (Status st = app::CheckLogKey(**store, signing); !st.ok()) return ReportError(st.error());
  auto token = app::CreateToken(**store, signing, *role, o.party, app::SystemNow());
  if (!token.ok()) return ReportError(token.error());
  fmt::print("token {} role {}{} created; it is shown once, keep it secret:\n", token->record.id,
             token->record.role, o.party.empty() ? "" : " party " + o.party);
  fmt::print("{}\n", token->secret);
  return kExitOk;
}

int List(const TokenOptions& o) {
  auto store = store::OpenStore(o.db);
  if (!store.ok()) return ReportError(store.error());
  auto tokens = (*store)->ListTokens();
  if (!tokens.ok()) return ReportError(tokens.error());
  // Rows are checked against the log's recorded public key (none before the first start).
  auto recorded = app::RecordedLogKey(**store);
  if (!recorded.ok()) return ReportError(recorded.error());
  fmt::print("{:<18} {:<13} {:<24} {:<24} {:<24} {}\n", "id", "role", "party", "created", "revoked",
             "row");
  size_t altered = 0;
  for (const store::TokenRecord& t : *tokens) {
    const bool ok = !*recorded || app::TokenSigned(t, **recorded);
    altered += ok ? 0 : 1;
    fmt::print("{:<18} {:<13} {:<24} {:<24} {:<24} {}\n", t.id, t.role, t.party,
               FormatUtcTime(t.created_at), t.revoked_at ? FormatUtcTime(*t.revoked_at) : "",
               !*recorded ? "unchecked"
               : ok       ? "signed"
                          : "ALTERED (refused)");
  }
  if (altered > 0) {
    return ReportError(MakeError(
        ErrorCode::kInvalidInput,
        fmt::format("{} token row(s) do not carry the log's signature: altered in the database "
                    "(or made before tokens were signed); they are refused",
                    altered)));
  }
  return kExitOk;
}

// The revocation is a log entry (App::RevokeToken), so it needs the log's key as `create` does.
int Revoke(const TokenOptions& o) {
  auto store = store::OpenStore(o.db);
  if (!store.ok()) return ReportError(store.error());
  auto key = LogKey(o, **store, "a revocation is an entry of the log, signed with its key");
  if (const int* exit = std::get_if<int>(&key)) return *exit;
  auto ledger = app::Ledger::Open(**store, std::move(std::get<app::SigningKey>(key)));
  if (!ledger.ok()) return ReportError(ledger.error());
  app::Metrics metrics;
  auto application = app::App::Open(**store, **ledger, metrics);
  if (!application.ok()) return ReportError(application.error());
  auto entry = (*application)->RevokeToken(app::Principal{app::Role::kAdmin, "", "operator"}, o.id);
  if (!entry.ok()) return ReportError(entry.error());
  fmt::print("token {} revoked (log entry {})\n", o.id, *entry);
  return kExitOk;
}

}  // namespace

void AddTokenCommand(CLI::App& app, Action& action) {
  CLI::App* cmd = app.add_subcommand("token", "Create, list or revoke API bearer tokens");
  cmd->require_subcommand(1);
  auto o = std::make_shared<TokenOptions>();

  CLI::App* create = cmd->add_subcommand(
      "create", "Create a token; it is printed once, as the last line of stdout");
  create->add_option("--db", o->db, kDbHelp)->required();
  create->add_option("--key", o->key,
                     "The log's signing key file (default DB.signing-key beside a SQLite file; "
                     "needed with PostgreSQL)");
  create->add_option("--role", o->role, "admin, monitor, party, guarantor, humanitarian or public")
      ->required();
  create->add_option("--party", o->party, "The party a party token acts as");
  create->callback([&action, o] { action = [o] { return Create(*o); }; });

  CLI::App* list = cmd->add_subcommand("list", "List tokens (ids and roles, never secrets)");
  list->add_option("--db", o->db, kDbHelp)->required();
  list->callback([&action, o] { action = [o] { return List(*o); }; });

  CLI::App* revoke = cmd->add_subcommand("revoke", "Revoke a token by id");
  revoke->add_option("--db", o->db, kDbHelp)->required();
  revoke->add_option("--key", o->key,
                     "The log's signing key file (default DB.signing-key beside a SQLite file; "
                     "needed with PostgreSQL)");
  revoke->add_option("--id", o->id, "The token id (tok_...)")->required();
  revoke->callback([&action, o] { action = [o] { return Revoke(*o); }; });
}

}  // namespace truce::cli
