// truce verify --db PATH|URL [--key FILE] | --server URL --head FILE
//              | --receipt FILE --head FILE [--server URL]: check the transparency log.
//   --db recomputes every leaf, receipt, query row and signed tree head from the database and
//        names the first entry found altered or removed (exit 1).
//   --server checks that a live server's log extends a head kept earlier (a consistency proof),
//        so that a party can show the history was only appended to. --update keeps the new
//        head in FILE afterwards (and starts a FILE that does not exist yet).
//   --receipt checks the receipts a submission was answered with (a receipt, a list of them, or
//        the whole response) against the log's key in a kept head, and with --server that each
//        entry is in the server's log now (an inclusion proof in its current head). A list
//        read's response (sites, movements) is checked whole: its disclosure's receipt, the
//        entry it carries, and the items served against the digest that entry records.
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <optional>
#include <sstream>

#include <fmt/format.h>

#include "app/ledger.h"
#include "command.h"
#include "formats/geojson.h"
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
  std::string receipt;
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

// The hashes of a proof the server answered with.
Result<std::vector<Hash>> ProofIn(const json& doc) {
  std::vector<Hash> proof;
  const json hashes = doc.is_object() ? doc.value("proof", json::array()) : json();
  if (!hashes.is_array()) {
    return MakeError(ErrorCode::kInvalidInput, "the server's proof is malformed");
  }
  for (const json& h : hashes) {
    const auto hash = h.is_string() ? HashFromHex(h.get<std::string>()) : std::nullopt;
    if (!hash) return MakeError(ErrorCode::kInvalidInput, "the server's proof is malformed");
    proof.push_back(*hash);
  }
  return proof;
}

// A tree head kept in `path`, its signature checked.
Result<app::SignedHead> ReadKeptHead(const std::string& path) {
  auto text = formats::ReadTextFile(path);
  if (!text.ok()) return text.error();
  auto doc = formats::ParseJson(*text, path);
  if (!doc.ok()) return doc.error();
  auto kept = app::TreeHeadFromJson(*doc);
  if (!kept.ok()) return Error{kept.error().code, path + ": " + kept.error().message, {}};
  return kept;
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
  auto kept = ReadKeptHead(o.head);
  if (!kept.ok()) return ReportError(kept.error());
  std::vector<Hash> proof;
  if (kept->head.size <= current->head.size) {
    auto proof_doc = GetJson(o, fmt::format("/api/v1/log/consistency?first={}&second={}",
                                            kept->head.size, current->head.size));
    if (!proof_doc.ok()) return ReportError(proof_doc.error());
    auto hashes = ProofIn(*proof_doc);
    if (!hashes.ok()) return ReportError(hashes.error());
    proof = std::move(hashes).value();
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

// The receipts in `doc`: one receipt object, an array of them, a submission's response
// ({"results": [...]}, whose unchanged items carry none), or a list read's response with its
// `disclosure` (the receipt of the entry that logged the read, carrying that entry). Errors
// name the item by its JSON pointer in the file.
Result<std::vector<app::Receipt>> ReceiptsIn(const json& doc, const std::string& path) {
  auto bad = [&](std::string_view where, std::string_view what) {
    return MakeError(ErrorCode::kInvalidInput, fmt::format("{}: {}: {}", path, where, what));
  };
  const json* list = &doc;
  std::string pointer;
  if (doc.is_object() && doc.contains("disclosure")) {
    // A list read's answer holds one disclosure beside what it served, and nothing else to
    // check: receipts beside it would go unchecked against it.
    if (doc.contains("results")) return bad("/results", "a list read's answer has no results");
    list = &doc["disclosure"];
    pointer = "/disclosure";
    if (!list->is_object()) return bad(pointer, "expected one receipt object");
  } else if (doc.is_object() && doc.contains("results")) {
    list = &doc["results"];
    pointer = "/results";
  }
  std::vector<std::pair<std::string, const json*>> items;  // JSON pointer, receipt
  if (list->is_array()) {
    for (size_t i = 0; i < list->size(); ++i) {
      const json& item = (*list)[i];
      if (!item.is_object() || item.contains("receipt")) {
        items.emplace_back(fmt::format("{}/{}", pointer, i), &item);
      }
    }
  } else {
    items.emplace_back(pointer.empty() ? "/" : pointer, list);
  }
  if (items.empty()) {
    return MakeError(ErrorCode::kInvalidInput, fmt::format("{}: holds no receipt", path));
  }
  std::vector<app::Receipt> out;
  for (const auto& [where, item] : items) {
    auto r = app::ReceiptFromJson(*item);
    if (!r.ok()) return bad(where, r.error().message);
    // A receipt that carries its entry (a disclosure) is checked to be that entry's.
    if (const auto entry = item->find("entry"); entry != item->end()) {
      Status carried = entry->is_string()
                           ? app::CheckCarriedEntry(*r, entry->get<std::string>())
                           : MakeError(ErrorCode::kInvalidInput, "entry: expected a string");
      if (!carried.ok()) return bad(where, carried.error().message);
    }
    out.push_back(std::move(r).value());
  }
  return out;
}

// Whether the items a list read's answer served are those its disclosure digested: the
// answer's `items` (the API), or `features` (an OGC page, in CRS84 or in EPSG:4326).
Result<std::string> CheckServed(const json& doc, const std::string& path) {
  if (doc.contains("items") == doc.contains("features")) {
    return MakeError(ErrorCode::kInvalidInput,
                     fmt::format("{}: a disclosure, and {} beside it: a list read serves either "
                                 "items or features",
                                 path,
                                 doc.contains("items") ? "both items and features"
                                                       : "no items or features served"));
  }
  const char* key = doc.contains("items") ? "items" : "features";
  const json& served = doc[key];
  if (!served.is_array()) {
    return MakeError(ErrorCode::kInvalidInput,
                     fmt::format("{}: /{}: expected an array", path, key));
  }
  const std::string entry = app::detail::StringField(doc["disclosure"], "entry");
  Status st = app::CheckDisclosedItems(entry, served);
  if (st.ok()) return fmt::format("the {} {} served", served.size(), key);
  if (std::string_view(key) == "features") {
    json swapped = served;
    for (json& feature : swapped) {
      if (feature.is_object() && feature.contains("geometry") && feature["geometry"].is_object()) {
        // An OGC page asked for in EPSG:4326, back in the CRS84 order its disclosure digested.
        formats::SwapAxes(feature["geometry"]["coordinates"]);
      }
    }
    if (app::CheckDisclosedItems(entry, swapped).ok()) {
      return fmt::format("the {} features served (in EPSG:4326, latitude first)", served.size());
    }
  }
  return Error{st.error().code, path + ": " + st.error().message, {}};
}

int VerifyReceipts(const VerifyOptions& o) {
  auto kept = ReadKeptHead(o.head);
  if (!kept.ok()) return ReportError(kept.error());
  auto text = formats::ReadTextFile(o.receipt);
  if (!text.ok()) return ReportError(text.error());
  auto doc = formats::ParseJson(*text, o.receipt);
  if (!doc.ok()) return ReportError(doc.error());
  auto receipts = ReceiptsIn(*doc, o.receipt);
  if (!receipts.ok()) return ReportError(receipts.error());
  size_t batched = 0;
  for (const app::Receipt& r : *receipts) {
    if (Status st = app::VerifyReceipt(kept->key, r); !st.ok()) {
      return ReportError(Error{st.error().code, o.receipt + ": " + st.error().message, {}});
    }
    batched += r.batch ? 1 : 0;
  }
  // A list read's response: what it served is what the log recorded serving.
  std::optional<std::string> served;
  if (doc->is_object() && doc->contains("disclosure")) {
    auto checked = CheckServed(*doc, o.receipt);
    if (!checked.ok()) return ReportError(checked.error());
    served = std::move(checked).value();
  }
  fmt::print(
      "ok: {} receipts ({} of them for entries submitted together) signed by the log's "
      "key {}\n",
      receipts->size(), batched, app::PublicKeyToHex(kept->key));
  if (served) {
    fmt::print("ok: {} are those the log recorded serving, in entry {}\n", *served,
               receipts->front().index);
  }
  if (o.server.empty()) return kExitOk;
  // The log now holds each entry: an inclusion proof in the server's current head, signed by
  // the same key.
  auto current_doc = GetJson(o, "/api/v1/log/head");
  if (!current_doc.ok()) return ReportError(current_doc.error());
  auto current = app::TreeHeadFromJson(*current_doc);
  if (!current.ok()) return ReportError(current.error());
  if (current->key != kept->key) {
    return ReportError(
        MakeError(ErrorCode::kConflict,
                  fmt::format("the log now signs with key {}, not the kept head's key {}",
                              app::PublicKeyToHex(current->key), app::PublicKeyToHex(kept->key))));
  }
  for (const app::Receipt& r : *receipts) {
    if (r.index >= current->head.size) {
      return ReportError(
          MakeError(ErrorCode::kConflict,
                    fmt::format("entry {} is not in the log: the server's head covers {} entries",
                                r.index, current->head.size)));
    }
    auto proof_doc = GetJson(
        o, fmt::format("/api/v1/log/inclusion?index={}&tree_size={}", r.index, current->head.size));
    if (!proof_doc.ok()) return ReportError(proof_doc.error());
    auto proof = ProofIn(*proof_doc);
    if (!proof.ok()) return ReportError(proof.error());
    if (Status st =
            VerifyInclusion(r.index, current->head.size, r.leaf_hash, *proof, current->head.root);
        !st.ok()) {
      return ReportError(MakeError(
          ErrorCode::kConflict,
          fmt::format("entry {} with leaf {} is not in the server's log of {} entries: {}", r.index,
                      HashToHex(r.leaf_hash), current->head.size, st.error().message)));
    }
  }
  fmt::print("ok: every entry is in the server's log of {} entries (root {})\n", current->head.size,
             HashToHex(current->head.root));
  return kExitOk;
}

int Run(const VerifyOptions& o) {
  if (!o.receipt.empty()) {
    if (o.head.empty() || !o.db.empty() || o.update) {
      ReportError(MakeError(ErrorCode::kInvalidArgument,
                            "--receipt needs --head FILE (a head of the log, for its key) and "
                            "takes neither --db nor --update"));
      return kExitUsage;
    }
    return VerifyReceipts(o);
  }
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
      "Check the transparency log: a database end to end (--db), a live server against a "
      "kept tree head (--server URL --head FILE), or the receipts a submission was answered "
      "with (--receipt FILE --head FILE [--server URL])");
  auto o = std::make_shared<VerifyOptions>();
  cmd->add_option("--db", o->db, "SQLite database file, or postgresql://USER@HOST:PORT/DB");
  cmd->add_option("--key", o->key,
                  "The signing key file, checked against the database's public key (default: "
                  "DB.signing-key beside a SQLite file, if present)");
  cmd->add_option("--server", o->server, "Server URL, e.g. http://127.0.0.1:8080");
  cmd->add_option("--head", o->head, "A tree head kept earlier (JSON from /api/v1/log/head)");
  cmd->add_option("--token", o->token, "Bearer token, if the server asks for one");
  cmd->add_flag("--update", o->update, "Keep the server's current head in --head afterwards");
  cmd->add_option("--receipt", o->receipt,
                  "Receipts to check (a receipt, a JSON list of them, or a submission's "
                  "response), signed by the key of the --head kept");
  cmd->callback([&action, o] { action = [o] { return Run(*o); }; });
}

}  // namespace truce::cli
