// truce verify --db PATH|URL [--key FILE] | --server URL --head FILE: check the transparency log.
//   --db recomputes every leaf, receipt, query row and signed tree head from the database and
//        names the first entry found altered or removed (exit 1).
//   --server checks that a live server's log extends a head kept earlier (a consistency proof),
//        so that a party can show the history was only appended to. --update keeps the new
//        head in FILE afterwards (and starts a FILE that does not exist yet).
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include <fmt/format.h>

#include "app/ledger.h"
#include "command.h"
#include "formats/text_file.h"
#include "server/http.h"
#include "store/open_store.h"
#include "store/postgres_store.h"

namespace truce::cli {
namespace {

using nlohmann::json;

struct VerifyOptions {
  std::string db;
  std::string key;
  std::string server;
  std::string head;
  std::string token;
  bool update = false;
};

int VerifyDb(const VerifyOptions& o) {
  const bool shared = store::IsPostgresUrl(o.db);
  // Opening a SQLite file that is not there would create it: verifying nothing is no pass.
  if (!shared && !std::filesystem::exists(o.db)) {
    return ReportError(MakeError(ErrorCode::kNotFound, fmt::format("{}: no such database", o.db)));
  }
  if (!o.key.empty() && !std::filesystem::exists(o.key)) {
    return ReportError(
        MakeError(ErrorCode::kNotFound, fmt::format("--key: {}: no such key file", o.key)));
  }
  auto store = store::OpenStore(o.db);
  if (!store.ok()) return ReportError(store.error());
  // Beside a SQLite file the key is found by convention; a URL has no "beside".
  const std::string key_file = !o.key.empty() ? o.key : shared ? "" : app::KeyFileFor(o.db);
  auto verified = app::VerifyStore(**store, key_file);
  if (!verified.ok()) return ReportError(verified.error());
  fmt::print("ok: {} entries, {} signed tree heads, root {}, public key {}, {} signed tokens\n",
             verified->entries, verified->heads, HashToHex(verified->root),
             app::PublicKeyToHex(verified->key), verified->tokens);
  return kExitOk;
}

Result<json> GetJson(const VerifyOptions& o, const std::string& path) {
  auto reply = server::HttpRequest("GET", o.server, path, o.token);
  if (!reply.ok()) return std::move(reply).error();
  if (reply->status != 200) {
    return MakeError(ErrorCode::kIo, fmt::format("GET {}{}: HTTP {}: {}", o.server, path,
                                                 reply->status, reply->body));
  }
  return formats::ParseJson(reply->body, o.server + path);
}

Status WriteHead(const std::string& path, const json& head) {
  const std::string temp = path + ".tmp";
  {
    std::ofstream out(temp, std::ios::trunc);
    out << head.dump(2) << "\n";
    out.flush();
    if (!out) return MakeError(ErrorCode::kIo, fmt::format("{}: cannot write", temp));
  }
  std::error_code ec;
  std::filesystem::rename(temp, path, ec);
  if (ec) return MakeError(ErrorCode::kIo, fmt::format("{}: {}", path, ec.message()));
  return Status::Ok();
}

int VerifyServer(const VerifyOptions& o) {
  auto current_doc = GetJson(o, "/api/v1/log/head");
  if (!current_doc.ok()) return ReportError(current_doc.error());
  auto current = app::TreeHeadFromJson(*current_doc);
  if (!current.ok()) return ReportError(current.error());
  if (!std::filesystem::exists(o.head)) {
    if (!o.update) {
      return ReportError(MakeError(
          ErrorCode::kNotFound,
          fmt::format("{}: no kept head (use --update to start keeping the server's heads)",
                      o.head)));
    }
    if (Status st = WriteHead(o.head, *current_doc); !st.ok()) return ReportError(st.error());
    fmt::print("kept the head of size {} (root {}) in {}\n", current->head.size,
               HashToHex(current->head.root), o.head);
    return kExitOk;
  }
  auto kept_text = formats::ReadTextFile(o.head);
  if (!kept_text.ok()) return ReportError(kept_text.error());
  auto kept_doc = formats::ParseJson(*kept_text, o.head);
  if (!kept_doc.ok()) return ReportError(kept_doc.error());
  auto kept = app::TreeHeadFromJson(*kept_doc);
  if (!kept.ok()) {
    return ReportError(Error{kept.error().code, o.head + ": " + kept.error().message, {}});
  }
  std::vector<Hash> proof;
  if (kept->head.size <= current->head.size) {
    auto proof_doc = GetJson(o, fmt::format("/api/v1/log/consistency?first={}&second={}",
                                            kept->head.size, current->head.size));
    if (!proof_doc.ok()) return ReportError(proof_doc.error());
    for (const json& h : proof_doc->value("proof", json::array())) {
      const auto hash = h.is_string() ? HashFromHex(h.get<std::string>()) : std::nullopt;
      if (!hash) {
        return ReportError(MakeError(ErrorCode::kInvalidInput, "the server's proof is malformed"));
      }
      proof.push_back(*hash);
    }
  }
  if (Status st = app::VerifyHeadsConsistent(*kept, *current, proof); !st.ok()) {
    return ReportError(st.error());
  }
  fmt::print("ok: the log grew from {} to {} entries by appending only; root {}\n", kept->head.size,
             current->head.size, HashToHex(current->head.root));
  if (o.update) {
    if (Status st = WriteHead(o.head, *current_doc); !st.ok()) return ReportError(st.error());
    fmt::print("kept the head of size {} in {}\n", current->head.size, o.head);
  }
  return kExitOk;
}

int Run(const VerifyOptions& o) {
  // A command line naming neither or both targets is a usage error (exit 2), not bad input.
  if (o.db.empty() == o.server.empty()) {
    ReportError(MakeError(ErrorCode::kInvalidArgument,
                          "give either --db PATH or --server URL --head FILE"));
    return kExitUsage;
  }
  if (!o.server.empty() && o.head.empty()) {
    ReportError(MakeError(ErrorCode::kInvalidArgument, "--server needs --head FILE"));
    return kExitUsage;
  }
  return o.db.empty() ? VerifyServer(o) : VerifyDb(o);
}

}  // namespace

void AddVerifyCommand(CLI::App& app, Action& action) {
  CLI::App* cmd = app.add_subcommand(
      "verify",
      "Check the transparency log: a database end to end (--db), or a live server against a "
      "kept tree head (--server URL --head FILE)");
  auto o = std::make_shared<VerifyOptions>();
  cmd->add_option("--db", o->db, "SQLite database file, or postgresql://USER@HOST:PORT/DB");
  cmd->add_option("--key", o->key,
                  "The signing key file, checked against the database's public key (default: "
                  "DB.signing-key beside a SQLite file, if present)");
  cmd->add_option("--server", o->server, "Server URL, e.g. http://127.0.0.1:8080");
  cmd->add_option("--head", o->head, "A tree head kept earlier (JSON from /api/v1/log/head)");
  cmd->add_option("--token", o->token, "Bearer token, if the server asks for one");
  cmd->add_flag("--update", o->update, "Keep the server's current head in --head afterwards");
  cmd->callback([&action, o] { action = [o] { return Run(*o); }; });
}

}  // namespace truce::cli
