// Alerts: what the monitoring centre must know as it happens (docs/server.md "Alerts"). Each is
// a typed record with a monotonically increasing id, a kind, the time of the submission that
// caused it and the record it is about (a flight violation, a report's violation), kept
// unredacted and passed through the redaction policy (policy.h) for each reader's role when it
// is read, listed, streamed or delivered.
//
// Alerts are derived from the log: the application produces them as each entry is applied
// (alert_ops.cc), when it opens as when a submission arrives, so the same log gives the same
// alerts with the same ids after a restart, and a client can resume a stream by the last id it
// saw. An id is numbered within its entry's range (FirstAlertId), so a kind added later does
// not renumber the alerts of other entries. A new kind is one enumerator here (with its name in
// alerts.cc) and one producer call in App::ProduceAlerts, whose alerts come after those of the
// older kinds of the same entry (so that theirs keep their ids).
//
// Thread-safe.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "app/policy.h"
#include "app/roles.h"
#include "truce/time.h"

namespace truce::app {

enum class AlertKind {
  kFlightEntry,      // an aircraft entered a no-fly zone (a new flight violation)
  kFlightExit,       // a flight violation closed: left, landed, or silent (lost inside)
  kReportViolation,  // a new report (revision) violates a zone's rule, verdict inside
  // Humanitarian deconfliction (docs/deconfliction.md "Alerts in the stream"): a hostility
  // report near a notified site or movement route, an aircraft low over one; raised by a new
  // report or positions batch, and by a site or movement notified after the evidence.
  kSiteReport,
  kMovementReport,
  kSiteOverflight,
  kMovementOverflight,
};

// "flight_entry", "flight_exit", "report_violation", "site_report", "movement_report",
// "site_overflight", "movement_overflight".
std::string_view AlertKindName(AlertKind kind) noexcept;
std::optional<AlertKind> AlertKindFromName(std::string_view name) noexcept;
// Every kind, for the documentation and the tests.
std::vector<AlertKind> AllAlertKinds();

// Alert ids: log_index * 2^20 + 1, + 2, ... for the alerts of one log entry, in the order
// produced (FirstAlertId), so that an id depends only on the entry that caused the alert and
// the alerts produced before it for that entry.
inline constexpr int kAlertOrdinalBits = 20;
uint64_t FirstAlertId(uint64_t log_index) noexcept;

struct Alert {
  uint64_t id = 0;  // increasing; see FirstAlertId
  AlertKind kind = AlertKind::kFlightEntry;
  UtcTime time{};          // when the submission that caused it was received
  uint64_t log_index = 0;  // the log entry that caused it
  RecordKind record_kind = RecordKind::kFlightViolation;
  Provenance provenance;  // of the record, for the redaction policy
  nlohmann::json record;  // unredacted
  // Deconfliction alerts (record_kind kAlert): the parties told of the site or movement under
  // the scenario in force when the alert was produced; a party reader sees the alert only when
  // it is one of them (Provenance::told).
  std::vector<std::string> told;
};

// "flight_entry, flight_exit, ..." (every kind, for messages).
std::string AlertKindList();

// {"id", "kind", "time", "log_index", "record"} with the record redacted for `who`; nullopt
// when `who` may not see the record at all.
std::optional<nlohmann::json> AlertForReader(const Principal& who, const Alert& alert);

class AlertLog {
 public:
  AlertLog() = default;
  AlertLog(const AlertLog&) = delete;
  AlertLog& operator=(const AlertLog&) = delete;

  // Gives `alerts` the next ids, keeps them, and then calls every listener.
  void Publish(std::vector<Alert> alerts);

  // The alerts with id > `after` (of `kind` when given), at most `limit`, in id order.
  std::vector<Alert> After(uint64_t after, size_t limit,
                           std::optional<AlertKind> kind = std::nullopt) const;
  uint64_t last_id() const;

  // `listener` is called after each Publish, from the publishing thread, with no lock of the
  // log's data held; it must not block. After Unlisten returns it is never called again.
  using Listener = std::function<void()>;
  uint64_t Listen(Listener listener);
  void Unlisten(uint64_t id);

 private:
  mutable std::mutex mu_;
  std::vector<Alert> alerts_;  // by id
  std::mutex listeners_mu_;    // held while listeners run, so Unlisten waits for them
  std::map<uint64_t, Listener> listeners_;
  uint64_t next_listener_ = 1;
};

// One reader's view of the alerts as they come: what `who` may see after a given id. Thread-
// safe; unlistens when destroyed.
class AlertSubscription {
 public:
  AlertSubscription(AlertLog& log, Principal who, uint64_t after, std::optional<AlertKind> kind);
  ~AlertSubscription();
  AlertSubscription(const AlertSubscription&) = delete;
  AlertSubscription& operator=(const AlertSubscription&) = delete;

  // The alerts published since the last call that the reader may see, redacted, at most
  // `limit` (the rest come with the next call); never blocks.
  std::vector<nlohmann::json> Take(size_t limit = 256);
  // `wake` is called (from any thread) whenever Take may have more; replaces the previous one.
  void OnReady(std::function<void()> wake);

 private:
  AlertLog& log_;
  const Principal who_;
  const std::optional<AlertKind> kind_;
  std::mutex mu_;
  uint64_t after_;
  std::function<void()> wake_;
  uint64_t listener_ = 0;
};

}  // namespace truce::app
