#include "bus/flight_worker.h"

#include <algorithm>
#include <thread>

#include <fmt/format.h>

#include "app/flight_views.h"
#include "app/flights.h"
#include "app/scenario_bundle.h"
#include "formats/flight_json.h"
#include "formats/positions.h"
#include "formats/text_file.h"
#include "truce/zone_index.h"

namespace truce::bus {
namespace {

using nlohmann::json;

std::string Dump(const nlohmann::ordered_json& j) {
  return j.dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace);
}

store::FlightViolationRow RowOf(const FlightViolation& v, int ordinal) {
  store::FlightViolationRow r;
  r.icao24 = v.icao24;
  r.zone = v.zone->zone();
  r.version = v.zone->version();
  r.entry_time = v.entry.time;
  r.ordinal = ordinal;
  r.exit_time = v.exit.time;
  r.lost_inside = v.lost_inside;
  r.record = Dump(formats::FlightViolationToJson(v));
  if (v.lost_inside) r.open_record = Dump(formats::OpenFlightViolationToJson(v));
  json path = json::array();
  path.push_back({v.entry.where.lat(), v.entry.where.lng()});
  for (const LatLng& p : v.path) path.push_back({p.lat(), p.lng()});
  path.push_back({v.exit.where.lat(), v.exit.where.lng()});
  r.path = path.dump();
  return r;
}

std::string ViolationId(const store::FlightViolationRow& r) {
  return fmt::format("{}.{}.v{}.{}", r.icao24, r.zone, r.version,
                     r.entry_time.time_since_epoch().count());
}

using Key = std::tuple<std::string, int, UtcTime>;
Key KeyOf(const store::FlightViolationRow& r) { return {r.zone, r.version, r.entry_time}; }

}  // namespace

// The rules every aircraft is judged with: the latest scenario version and every exemption
// the log holds, as read from truce.rules.
struct FlightWorker::Rules {
  std::unique_ptr<Reader> reader;
  uint64_t read_up_to = 0;  // stream sequence of the last rules message read
  uint64_t generation = 0;  // grows with each change
  std::shared_ptr<const Scenario> scenario;
  std::shared_ptr<const ZoneLocator> locator;
  std::vector<Exemption> exemptions;
  std::unique_ptr<FlightMonitor> monitor;  // null until a scenario is known
};

struct FlightWorker::Partition {
  struct Fix {
    uint64_t entry = 0;
    int ordinal = 0;
    Position position;
  };
  int number = 0;
  store::Lease lease;
  std::unique_ptr<Reader> reader;
  uint64_t replay_until = 0;  // judged by an earlier owner up to this sequence
  uint64_t last_seq = 0;
  uint64_t committed_seq = 0;
  std::set<uint64_t> entries;                        // log entries whose fixes are here
  std::map<std::string, std::vector<Fix>> aircraft;  // by icao24, fixes by (entry, ordinal)
  std::set<std::string> dirty;
  std::map<std::string, std::vector<store::FlightViolationRow>> stored;  // as committed
  std::optional<UtcTime> watermark;
  uint64_t judged_rules = 0;
};

FlightWorker::FlightWorker(store::Store& store, NatsBus& bus, WorkerOptions options,
                           app::Clock clock)
    : store_(store),
      bus_(bus),
      options_(std::move(options)),
      clock_(std::move(clock)),
      rules_(std::make_unique<Rules>()) {}

FlightWorker::~FlightWorker() = default;

WorkerStats FlightWorker::stats() const {
  WorkerStats s = stats_;
  s.owned = static_cast<int>(owned_.size());
  return s;
}

void FlightWorker::Release() {
  for (const auto& [n, p] : owned_) (void)store_.ReleaseLease(p->lease.name, options_.id);
  owned_.clear();
  (void)store_.ReleaseLease("worker/" + options_.id, options_.id);
}

Status FlightWorker::Acquire(int number, const store::Lease& lease) {
  auto p = std::make_unique<Partition>();
  p->number = number;
  p->lease = lease;
  const std::string subject = PositionsSubject(number);
  auto last = bus_.LastSequence(kPositionsStream, subject);
  if (!last.ok()) return last.error();
  p->replay_until = std::min<uint64_t>(lease.cursor, *last);
  p->committed_seq = lease.cursor;
  auto rows = store_.FlightViolationRows();
  if (!rows.ok()) return rows.error();
  for (store::FlightViolationRow& r : *rows) {
    if (PartitionOf(r.icao24, options_.partitions) == number) {
      p->stored[r.icao24].push_back(std::move(r));
    }
  }
  for (auto& [icao, list] : p->stored) {
    std::sort(list.begin(), list.end(),
              [](const auto& x, const auto& y) { return x.ordinal < y.ordinal; });
  }
  auto reader = bus_.Replay(subject);
  if (!reader.ok()) return reader.error();
  p->reader = std::move(reader).value();
  owned_[number] = std::move(p);
  return Status::Ok();
}

Status FlightWorker::Heartbeat() {
  const UtcTime now = clock_();
  next_heartbeat_ = now + options_.lease_ttl / 3;
  auto me = store_.TakeLease("worker/" + options_.id, options_.id, now, options_.lease_ttl);
  if (!me.ok()) return me.error();
  auto workers = store_.Leases("worker/");
  if (!workers.ok()) return workers.error();
  int live = 0;
  for (const store::Lease& w : *workers) live += w.expires > now;
  const int share = (options_.partitions + std::max(live, 1) - 1) / std::max(live, 1);
  // Renew what is owned; a lease that changed hands in between is dropped with its state.
  for (auto it = owned_.begin(); it != owned_.end();) {
    auto renewed = store_.TakeLease(it->second->lease.name, options_.id, now, options_.lease_ttl);
    if (!renewed.ok()) return renewed.error();
    if (!renewed->has_value() || (*renewed)->epoch != it->second->lease.epoch) {
      it = owned_.erase(it);
      continue;
    }
    it->second->lease.expires = (*renewed)->expires;
    ++it;
  }
  // Give up what is beyond the fair share (committed at the end of the last round).
  while (static_cast<int>(owned_.size()) > share) {
    auto last = std::prev(owned_.end());
    (void)store_.ReleaseLease(last->second->lease.name, options_.id);
    owned_.erase(last);
  }
  // Take free or expired partitions up to it, starting at a place of this worker's own.
  const int start = PartitionOf(options_.id, options_.partitions);
  for (int i = 0; i < options_.partitions && static_cast<int>(owned_.size()) < share; ++i) {
    const int n = (start + i) % options_.partitions;
    if (owned_.contains(n)) continue;
    auto got =
        store_.TakeLease(fmt::format("partition/{}", n), options_.id, now, options_.lease_ttl);
    if (!got.ok()) return got.error();
    if (!got->has_value()) continue;
    if (Status st = Acquire(n, **got); !st.ok()) {
      (void)store_.ReleaseLease(fmt::format("partition/{}", n), options_.id);
      return st;
    }
  }
  return Status::Ok();
}

Status FlightWorker::ReadRules() {
  Rules& r = *rules_;
  if (!r.reader) {
    auto reader = bus_.Replay(kRulesSubject);
    if (!reader.ok()) return reader.error();
    r.reader = std::move(reader).value();
  }
  // Every rule published before the positions read in this round: rules and positions share
  // the stream, so they are those up to the last rules message now.
  auto last = bus_.LastSequence(kPositionsStream, kRulesSubject);
  if (!last.ok()) return last.error();
  bool changed = false;
  while (r.read_up_to < *last) {
    auto msg = r.reader->Next(std::chrono::seconds(5));
    if (!msg.ok()) return msg.error();
    if (!*msg) {
      return MakeError(
          ErrorCode::kUnavailable,
          fmt::format("nats {}: {} stopped before sequence {}", bus_.url(), kRulesSubject, *last));
    }
    r.read_up_to = (*msg)->sequence;
    auto parsed = formats::ParseJson((*msg)->data, kRulesSubject);
    if (!parsed.ok()) return parsed.error();
    const std::string kind = parsed->value("kind", "");
    const uint64_t entry = parsed->value("entry", uint64_t{0});
    auto data = formats::ParseJson(parsed->value("data", ""), fmt::format("log entry {}", entry));
    if (!data.ok()) return data.error();
    const json& body = data->value("body", json());
    if (kind == "scenario") {
      auto scenario = app::ScenarioFromBundle(body, fmt::format("scenario of log entry {}", entry));
      if (!scenario.ok()) return scenario.error();
      r.scenario = std::make_shared<const Scenario>(std::move(scenario).value());
      r.locator = MakeZoneLocator(r.scenario->zone_versions());
    } else if (kind == "exemption") {
      std::vector<Problem> problems;
      auto e = formats::ExemptionFromJson(body, "", problems);
      if (!e) {
        return MakeError(ErrorCode::kInvalidInput,
                         fmt::format("log entry {}: not a valid exemption", entry));
      }
      r.exemptions.push_back(std::move(*e));
    } else {
      continue;
    }
    changed = true;
  }
  if (changed && r.scenario) {
    r.monitor = std::make_unique<FlightMonitor>(r.scenario->zone_versions(), *r.locator,
                                                r.exemptions, FlightMonitorOptions{});
    ++r.generation;
  }
  return Status::Ok();
}

Status FlightWorker::Drain(Partition& p, bool& read) {
  for (size_t n = 0; n < options_.max_messages_per_round; ++n) {
    auto msg = p.reader->Next(std::chrono::milliseconds(n == 0 ? 5 : 1));
    if (!msg.ok()) return msg.error();
    if (!*msg) break;
    read = true;
    ++stats_.messages;
    p.last_seq = (*msg)->sequence;
    auto parsed = formats::ParseJson((*msg)->data, (*msg)->subject);
    if (!parsed.ok()) return parsed.error();
    const uint64_t entry = parsed->value("entry", uint64_t{0});
    if (!p.entries.insert(entry).second) continue;  // published twice
    const json& positions = parsed->value("positions", json());
    if (!positions.is_array()) continue;
    for (const json& item : positions) {
      if (!item.is_array() || item.size() != 2) continue;
      const int ordinal = item[0].get<int>();
      std::vector<std::string> reasons;
      auto fix = formats::PositionFromJson(
          item[1], fmt::format("entry {} position {}", entry, ordinal), reasons);
      if (!fix) continue;  // the log accepted it, so it has a fix; nothing else to do
      if (!p.watermark || fix->time > *p.watermark) p.watermark = fix->time;
      auto& fixes = p.aircraft[fix->icao24];
      const auto at = std::upper_bound(
          fixes.begin(), fixes.end(), std::pair(entry, ordinal),
          [](const auto& key, const auto& f) { return key < std::pair(f.entry, f.ordinal); });
      p.dirty.insert(fix->icao24);
      fixes.insert(at, Partition::Fix{entry, ordinal, std::move(*fix)});
      ++stats_.positions;
    }
    if (p.reader->Buffered() == 0 && (*msg)->pending == 0) break;
  }
  return Status::Ok();
}

Status FlightWorker::Commit(Partition& p) {
  if (p.last_seq < p.replay_until) return Status::Ok();  // still replaying what is stored
  Rules& r = *rules_;
  const bool everything = p.judged_rules != r.generation;
  if (!everything && p.dirty.empty() && p.last_seq == p.committed_seq) return Status::Ok();
  std::vector<std::string> judged;
  if (everything) {
    for (const auto& [icao, fixes] : p.aircraft) judged.push_back(icao);
    for (const auto& [icao, rows] : p.stored) {
      if (!p.aircraft.contains(icao)) judged.push_back(icao);
    }
  } else {
    judged.assign(p.dirty.begin(), p.dirty.end());
  }
  std::vector<std::string> changed;
  std::vector<store::FlightViolationRow> rows;
  std::map<std::string, std::vector<store::FlightViolationRow>> fresh;
  std::vector<json> alerts;
  for (const std::string& icao : judged) {
    std::vector<store::FlightViolationRow> now;
    const auto it = p.aircraft.find(icao);
    if (r.monitor && it != p.aircraft.end()) {
      std::vector<Position> positions;
      positions.reserve(it->second.size());
      for (const auto& f : it->second) positions.push_back(f.position);
      const std::vector<FlightViolation> violations = app::JudgeFlights(positions, *r.monitor);
      for (size_t i = 0; i < violations.size(); ++i) {
        now.push_back(RowOf(violations[i], static_cast<int>(i)));
      }
    }
    const auto before = p.stored.find(icao);
    const std::vector<store::FlightViolationRow> none;
    const auto& old = before == p.stored.end() ? none : before->second;
    if (now == old) continue;
    std::map<Key, const store::FlightViolationRow*> was;
    for (const auto& row : old) was[KeyOf(row)] = &row;
    for (const auto& row : now) {
      const auto w = was.find(KeyOf(row));
      const bool is_new = w == was.end();
      auto record = formats::ParseJson(row.lost_inside ? row.open_record : row.record, "row");
      json base = {
          {"id", ViolationId(row)}, {"icao24", row.icao24},
          {"zone", row.zone},       {"version", row.version},
          {"partition", p.number},  {"record", record.ok() ? std::move(record).value() : json()}};
      if (is_new) {
        json a = base;
        a["kind"] = "flight_entry";
        alerts.push_back(std::move(a));
      }
      if (!row.lost_inside && (is_new || w->second->lost_inside)) {
        json a = base;
        a["kind"] = "flight_exit";
        alerts.push_back(std::move(a));
      }
    }
    changed.push_back(icao);
    rows.insert(rows.end(), now.begin(), now.end());
    fresh[icao] = std::move(now);
  }
  for (const json& a : alerts) {
    const std::string kind = a["kind"].get<std::string>();
    if (Status st = bus_.Publish("truce.alerts.flight",
                                 fmt::format("{}.{}", a["id"].get<std::string>(),
                                             kind == "flight_entry" ? "entry" : "exit"),
                                 a.dump(-1, ' ', false, json::error_handler_t::replace));
        !st.ok()) {
      return st;
    }
  }
  if (!alerts.empty()) {
    if (Status st = bus_.Flush(); !st.ok()) return st;
  }
  store::Lease work = p.lease;
  work.cursor = p.last_seq;
  work.watermark = p.watermark;
  if (Status st = store_.CommitLeaseWork(work, changed, rows); !st.ok()) return st;
  ++stats_.commits;
  for (auto& [icao, list] : fresh) {
    if (list.empty()) {
      p.stored.erase(icao);
    } else {
      p.stored[icao] = std::move(list);
    }
  }
  p.dirty.clear();
  p.judged_rules = r.generation;
  p.committed_seq = p.last_seq;
  for (const json& a : alerts) {
    ++stats_.alerts;
    if (options_.on_alert) options_.on_alert(a);
  }
  return Status::Ok();
}

Result<bool> FlightWorker::Step() {
  if (clock_() >= next_heartbeat_) {
    if (Status st = Heartbeat(); !st.ok()) return st.error();
  }
  bool read = false;
  for (auto& [n, p] : owned_) {
    if (Status st = Drain(*p, read); !st.ok()) return st.error();
  }
  // The rules after the positions: every rule published before them is then read.
  if (Status st = ReadRules(); !st.ok()) return st.error();
  for (auto it = owned_.begin(); it != owned_.end();) {
    Status st = Commit(*it->second);
    if (!st.ok() && st.error().code == ErrorCode::kConflict) {
      it = owned_.erase(it);  // the lease went to another worker: its state goes with it
      continue;
    }
    if (!st.ok()) return st.error();
    ++it;
  }
  return read;
}

void FlightWorker::Run(const std::atomic<bool>& stop) {
  std::string last_error;
  while (!stop) {
    auto did = Step();
    const std::string error = did.ok() ? "" : did.error().message;
    if (error != last_error) {
      if (!error.empty()) fmt::print(stderr, "truce monitor: {}\n", error);
      if (error.empty()) fmt::print(stderr, "truce monitor: working again\n");
      last_error = error;
    }
    if (!did.ok()) {
      std::this_thread::sleep_for(std::chrono::milliseconds(500));
    } else if (!*did) {
      std::this_thread::sleep_for(std::chrono::milliseconds(owned_.empty() ? 200 : 20));
    }
  }
  Release();
}

}  // namespace truce::bus
