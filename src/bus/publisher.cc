#include "bus/publisher.h"

#include <map>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "app/submission.h"
#include "formats/text_file.h"

namespace truce::bus {

using nlohmann::json;

int PartitionOf(std::string_view icao24, int partitions) {
  uint32_t h = 2166136261u;
  for (char c : icao24) {
    h ^= static_cast<uint8_t>(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
    h *= 16777619u;
  }
  return static_cast<int>(h % static_cast<uint32_t>(partitions));
}

std::string PositionsSubject(int partition) { return fmt::format("truce.positions.{}", partition); }

Status AgreePartitions(store::Store& store, int partitions) {
  const std::string value = std::to_string(partitions);
  Status st = store.SetMetaOnce("bus.partitions", value);
  if (st.ok() || st.error().code != ErrorCode::kConflict) return st;
  auto stored = store.GetMeta("bus.partitions");
  return MakeError(ErrorCode::kInvalidArgument,
                   fmt::format("--partitions {}: the database's position stream has {} "
                               "partitions (every publisher and worker must use that number)",
                               partitions, stored.ok() && *stored ? **stored : "other"));
}

LogPublisher::LogPublisher(store::Store& store, NatsBus& bus, PublisherOptions options,
                           app::Clock clock)
    : store_(store), bus_(bus), options_(std::move(options)), clock_(std::move(clock)) {}

LogPublisher::~LogPublisher() { Stop(); }

Result<size_t> LogPublisher::RunOnce() {
  auto lease = store_.TakeLease("publisher", options_.owner, clock_(), options_.lease_ttl);
  if (!lease.ok()) return lease.error();
  holding_ = lease->has_value();
  if (!holding_) return size_t{0};
  store::Lease held = **lease;
  uint64_t next = held.cursor;
  size_t entries = 0;
  Status failed = Status::Ok();
  Status scanned = store_.ScanEntries(held.cursor, [&](const store::LogEntry& e,
                                                       const store::EntryIndex&) {
    const app::KindSpec* kind = app::FindKind(e.kind);
    const auto k = kind ? kind->kind : app::SubmissionKind::kReport;
    if (kind && k == app::SubmissionKind::kPositions) {
      auto parsed = formats::ParseJson(e.data, fmt::format("log entry {}", e.index));
      const json& body = parsed.ok() ? parsed->value("body", json()) : json();
      std::map<int, json> parts;
      if (body.is_array()) {
        for (size_t i = 0; i < body.size(); ++i) {
          if (!body[i].is_object()) continue;
          const std::string icao = body[i].value("icao24", "");
          json& part = parts[PartitionOf(icao, options_.partitions)];
          part.push_back(json::array({i, body[i].value("record", json())}));
        }
      }
      for (auto& [p, positions] : parts) {
        const json msg = {{"entry", e.index}, {"positions", std::move(positions)}};
        failed = bus_.Publish(PositionsSubject(p), fmt::format("positions.{}.{}", e.index, p),
                              msg.dump(-1, ' ', false, json::error_handler_t::replace));
        if (!failed.ok()) return false;
      }
    } else if (kind &&
               (k == app::SubmissionKind::kScenario || k == app::SubmissionKind::kExemption)) {
      const json msg = {{"entry", e.index},
                        {"kind", k == app::SubmissionKind::kScenario ? "scenario" : "exemption"},
                        {"data", e.data}};
      failed = bus_.Publish(kRulesSubject, fmt::format("rules.{}", e.index),
                            msg.dump(-1, ' ', false, json::error_handler_t::replace));
      if (!failed.ok()) return false;
    }
    next = e.index + 1;
    return ++entries < options_.max_entries_per_round;
  });
  if (!scanned.ok()) return scanned.error();
  if (!failed.ok()) return failed.error();
  if (next == held.cursor) return size_t{0};
  if (Status st = bus_.Flush(); !st.ok()) return st.error();
  const uint64_t moved = next - held.cursor;
  held.cursor = next;
  if (Status st = store_.CommitLeaseWork(held, {}, {}); !st.ok()) return st.error();
  published_ += moved;
  return static_cast<size_t>(moved);
}

void LogPublisher::Start() {
  thread_ = std::thread([this] {
    std::string last_error;
    while (!stop_) {
      auto n = RunOnce();
      const std::string error = n.ok() ? "" : n.error().message;
      if (error != last_error) {
        if (!error.empty()) fmt::print(stderr, "truce serve: bus publisher: {}\n", error);
        if (error.empty()) fmt::print(stderr, "truce serve: bus publisher: publishing again\n");
        last_error = error;
      }
      if (n.ok() && *n == options_.max_entries_per_round) continue;  // more is waiting
      // A standby instance only checks now and then whether the holder went away.
      const auto pause = holding_ ? options_.poll : options_.lease_ttl / 3;
      for (auto waited = std::chrono::milliseconds(0); !stop_ && waited < pause;
           waited += std::chrono::milliseconds(10)) {
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
      }
    }
    (void)store_.ReleaseLease("publisher", options_.owner);
  });
}

void LogPublisher::Stop() {
  stop_ = true;
  if (thread_.joinable()) thread_.join();
}

}  // namespace truce::bus
