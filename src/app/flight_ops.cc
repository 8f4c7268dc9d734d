// Operations on the flight ban: the no-fly violations of the positions the log holds
// (flight_views.h), and the exemptions (notified flights) they are judged with.
#include <fmt/format.h>

#include "app/app.h"
#include "app/intake.h"
#include "formats/flight_json.h"
#include "formats/records.h"
#include "formats/text_file.h"

namespace truce::app {
namespace {

using nlohmann::json;

}  // namespace

bool FlightViolationMatches(const FlightViolationFilter& f, const FlightViolation& v, bool open) {
  if (!f.zone.empty() && v.zone->zone() != f.zone) return false;
  if (!f.icao24.empty() && v.icao24 != f.icao24) return false;
  if (f.to && v.entry.time >= *f.to) return false;
  if (f.from && !open && v.exit.time < *f.from) return false;
  if (f.bbox) {
    bool meets = f.bbox->Contains(v.entry.where) || f.bbox->Contains(v.exit.where);
    for (const LatLng& p : v.path) meets = meets || f.bbox->Contains(p);
    if (!meets) return false;
  }
  return true;
}

std::string FlightViolationId(const FlightViolation& v) {
  return fmt::format("{}.{}.v{}.{}", v.icao24, v.zone->zone(), v.zone->version(),
                     v.entry.time.time_since_epoch().count());
}

json FlightViolationRecord(const FlightViolation& v, bool open) {
  json out = formats::Unordered(open ? formats::OpenFlightViolationToJson(v)
                                     : formats::FlightViolationToJson(v));
  out["id"] = FlightViolationId(v);
  out["open"] = open;
  out["last_contact"] = open ? json(FormatUtcTime(v.exit.time)) : json(nullptr);
  return out;
}

Result<std::vector<json>> App::FlightViolations(const Principal& who,
                                                const FlightViolationFilter& f) {
  if (Status st = Check(who, Action::kReadFlightViolations); !st.ok()) return st.error();
  FlightViolationFilter filter = f;
  if (!f.icao24.empty()) {
    auto norm = NormalizeIcao24(f.icao24);
    if (!norm) {
      Error e = MakeError(ErrorCode::kInvalidArgument, "icao24: expected 6 hexadecimal digits");
      e.problems.push_back({"?icao24", "expected 6 hexadecimal digits"});
      return e;
    }
    filter.icao24 = *norm;
  }
  if (worker_flights_ && !f.as_of) return StoredFlightViolations(who, filter);
  const uint64_t size = views_.SizeAsOf(f.as_of);
  const auto verdicts = flights_.At(size, views_.ScenarioAt(size));
  std::vector<json> out;
  const Provenance provenance{"", true};
  for (size_t i = 0; i < verdicts->violations.size(); ++i) {
    const FlightViolation& v = verdicts->violations[i];
    if (!FlightViolationMatches(filter, v, verdicts->open[i])) continue;
    if (!Sees(who, RecordKind::kFlightViolation, provenance)) continue;
    json item = FlightViolationRecord(v, verdicts->open[i]);
    Redact(who, RecordKind::kFlightViolation, provenance, item);
    out.push_back(std::move(item));
  }
  return out;
}

Result<std::vector<json>> App::StoredFlightViolations(const Principal& who,
                                                      const FlightViolationFilter& f) {
  auto rows = store_.FlightViolationRows();
  if (!rows.ok()) return rows.error();
  auto partitions = store_.Leases("partition/");
  if (!partitions.ok()) return partitions.error();
  // The feed's clock as the workers saw it: the latest position time of any partition.
  std::optional<UtcTime> watermark;
  for (const store::Lease& l : *partitions) {
    if (l.watermark && (!watermark || *l.watermark > *watermark)) watermark = l.watermark;
  }
  std::vector<json> out;
  const Provenance provenance{"", true};
  for (const store::FlightViolationRow& r : *rows) {
    // As Keeps and FlightViolationRecord, on the stored form.
    const bool open =
        r.lost_inside && watermark && *watermark - r.exit_time <= flights_.options().max_gap;
    if (!f.zone.empty() && r.zone != f.zone) continue;
    if (!f.icao24.empty() && r.icao24 != f.icao24) continue;
    if (f.to && r.entry_time >= *f.to) continue;
    if (f.from && !open && r.exit_time < *f.from) continue;
    if (f.bbox) {
      auto path = formats::ParseJson(r.path, "stored flight violation path");
      bool meets = false;
      if (path.ok() && path->is_array()) {
        for (const json& p : *path) {
          meets = meets || (p.is_array() && p.size() == 2 &&
                            f.bbox->Contains(LatLng(p[0].get<double>(), p[1].get<double>())));
        }
      }
      if (!meets) continue;
    }
    if (!Sees(who, RecordKind::kFlightViolation, provenance)) continue;
    auto record = formats::ParseJson(open ? r.open_record : r.record, "stored flight violation");
    if (!record.ok()) return record.error();
    json item = std::move(record).value();
    item["id"] = fmt::format("{}.{}.v{}.{}", r.icao24, r.zone, r.version,
                             r.entry_time.time_since_epoch().count());
    item["open"] = open;
    item["last_contact"] = open ? json(FormatUtcTime(r.exit_time)) : json(nullptr);
    Redact(who, RecordKind::kFlightViolation, provenance, item);
    out.push_back(std::move(item));
  }
  return out;
}

Result<SubmitOutcome> App::SubmitExemptions(const Principal& who, std::vector<json> items,
                                            bool batch) {
  if (Status st = Check(who, Action::kSubmitExemptions); !st.ok()) return st.error();
  if (items.empty()) return MakeError(ErrorCode::kInvalidInput, "an empty batch of exemptions");
  if (items.size() > limits_.max_claims_per_batch) {
    return MakeError(ErrorCode::kTooLarge,
                     fmt::format("{} exemptions in one batch; the limit is {}", items.size(),
                                 limits_.max_claims_per_batch));
  }
  const auto stored = views_.ScenarioAt(views_.size());
  std::vector<Problem> problems;
  std::vector<Submission> subs;
  for (size_t i = 0; i < items.size(); ++i) {
    const std::string path = batch ? fmt::format("/{}", i) : "";
    auto e = formats::ExemptionFromJson(items[i], path, problems);
    if (!e) continue;
    // An exemption for a zone the scenario in force does not have would exempt nothing.
    if (!e->zone.empty() && stored) {
      bool known = false;
      for (const ZoneVersion& z : stored->scenario->zone_versions()) known |= z.zone() == e->zone;
      if (!known) {
        problems.push_back({JsonPointer(path, "zone"),
                            fmt::format("'{}' is not a zone of the scenario in force", e->zone)});
        continue;
      }
    }
    subs.push_back(
        SubmissionBy(who, SubmissionKind::kExemption, json(formats::ExemptionToJson(*e))));
  }
  if (!problems.empty()) {
    metrics_.Add("truce_submissions_rejected_total");
    return RejectedSubmission("exemptions", std::move(problems));
  }
  std::lock_guard lock(submit_mu_);
  auto entries = AppendLocked(std::move(subs));
  if (!entries.ok()) return entries.error();
  SubmitOutcome out;
  for (Receipt& r : ReceiptsOf(*entries)) {
    out.items.push_back(ItemOutcome{"", 0, true, r.index, std::move(r)});
  }
  out.accepted = entries->size();
  out.head = ledger_.Head();
  return out;
}

Result<std::vector<json>> App::Exemptions(const Principal& who, std::optional<UtcTime> as_of) {
  if (Status st = Check(who, Action::kReadExemptions); !st.ok()) return st.error();
  std::vector<json> out;
  for (const StoredExemption& e : flights_.Exemptions(views_.SizeAsOf(as_of))) {
    json item = formats::ExemptionToJson(e.exemption);
    item["log_index"] = e.entry;
    item["received_at"] = FormatTimestamp(e.received_at);
    item["notified_by"] = e.role;
    out.push_back(std::move(item));
  }
  return out;
}

}  // namespace truce::app
