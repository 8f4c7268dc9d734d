// Operations on aircraft positions: submitting batches, listing them.
#include <fmt/format.h>

#include "app/app.h"
#include "app/intake.h"
#include "formats/text_file.h"
#include "truce/flight.h"

namespace truce::app {

using nlohmann::json;

Result<SubmitOutcome> App::SubmitPositions(const Principal& who, json body) {
  if (Status st = Check(who, Action::kSubmitPositions); !st.ok()) return st.error();
  std::string prefix;
  if (body.is_object() && body.contains("positions")) {
    body = json(body["positions"]);
    prefix = "/positions";
  }
  if (!body.is_array()) {
    Error e = MakeError(ErrorCode::kInvalidInput,
                        "expected an array of positions (or {\"positions\": [...]})");
    e.problems.push_back({prefix, "expected an array"});
    return e;
  }
  if (body.empty()) return MakeError(ErrorCode::kInvalidInput, "an empty batch of positions");
  if (body.size() > limits_.max_positions_per_batch) {
    return MakeError(ErrorCode::kTooLarge,
                     fmt::format("{} positions in one batch; the limit is {}", body.size(),
                                 limits_.max_positions_per_batch));
  }
  std::vector<Problem> problems;
  json normal = json::array();
  for (size_t i = 0; i < body.size(); ++i) {
    if (auto p = NormalizePosition(body[i], fmt::format("{}/{}", prefix, i), problems)) {
      normal.push_back(std::move(*p));
    }
    if (problems.size() >= 100) break;  // enough to fix; the rest would repeat them
  }
  if (!problems.empty()) {
    metrics_.Add("truce_submissions_rejected_total");
    // Positions come in bulk: the listing stops at the first 100 problems.
    return RejectedSubmission("positions", std::move(problems));
  }
  const size_t n = normal.size();
  std::lock_guard lock(submit_mu_);
  auto entries = AppendLocked({SubmissionBy(who, SubmissionKind::kPositions, std::move(normal))});
  if (!entries.ok()) return entries.error();
  metrics_.Add("truce_positions_accepted_total", n);
  SubmitOutcome out;
  const store::LogEntry& e = entries->front();
  out.items.push_back(ItemOutcome{"", 0, true, e.index, ReceiptOf(e)});
  out.accepted = 1;
  out.positions = n;
  out.head = ledger_.Head();
  return out;
}

Result<JsonPage> App::ListPositions(const Principal& who, const PositionFilter& f,
                                    const PageRequest& page) {
  if (Status st = Check(who, Action::kReadPositions); !st.ok()) return st.error();
  store::PositionQuery q;
  q.as_of = f.as_of;
  q.from = f.from;
  q.to = f.to;
  q.bbox = f.bbox;
  if (!f.icao24.empty()) {
    auto norm = NormalizeIcao24(f.icao24);
    if (!norm) {
      Error e = MakeError(ErrorCode::kInvalidArgument, "icao24: expected 6 hexadecimal digits");
      e.problems.push_back({"?icao24", "expected 6 hexadecimal digits"});
      return e;
    }
    q.icao24 = *norm;
  }
  if (page.cursor) {
    // "ENTRY.ORDINAL" of the last position of the previous page.
    const std::string& c = *page.cursor;
    const size_t dot = c.find('.');
    auto entry = ParseEntryCursor(std::string_view(c).substr(0, dot));
    const auto ordinal =
        dot == std::string::npos ? std::nullopt : ParseCount(std::string_view(c).substr(dot + 1));
    if (!entry.ok() || !ordinal || *ordinal > (1u << 30)) {
      Error e = MakeError(ErrorCode::kInvalidArgument, "cursor: not a cursor this server gave");
      e.problems.push_back({"?cursor", "use the 'next' value of the previous page"});
      return e;
    }
    q.after = std::make_pair(*entry, static_cast<int>(*ordinal));
  }
  q.limit = page.limit + 1;
  auto rows = store_.QueryPositions(q);
  if (!rows.ok()) return rows.error();
  const bool more = rows->size() == q.limit;
  if (more) rows->pop_back();
  JsonPage out;
  for (const auto& p : *rows) {
    auto fields = formats::ParseJson(p.fields, "stored position");
    json item = fields.ok() ? std::move(fields).value() : json::object();
    item["log_index"] = p.entry;
    out.items.push_back(std::move(item));
  }
  if (more && !rows->empty()) {
    out.next = fmt::format("{}.{}", rows->back().entry, rows->back().ordinal);
  }
  return out;
}

}  // namespace truce::app
