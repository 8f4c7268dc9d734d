// Humanitarian access: what became of each notified movement (delivered, partial, blocked,
// delayed, with the reason and who reported it), and per zone and period the verdict on the
// humanitarian_access rule: how many notified movements into the zone got through.
// docs/deconfliction.md explains the counting.
//
// DeliveryOutcome is valid once created and immutable; EvaluateAccess is a pure function.
// Safe to share and call from any thread.
#pragma once

#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "truce/notification.h"
#include "truce/result.h"
#include "truce/scenario.h"
#include "truce/time.h"

namespace truce {

enum class DeliveryStatus {
  kDelivered,  // arrived within its window with all its cargo
  kPartial,    // arrived, but part of the cargo or of the convoy was removed or turned back
  kBlocked,    // did not get through
  kDelayed,    // held up beyond its window; a later outcome may follow
};
// "delivered", "partial", "blocked", "delayed".
std::string_view DeliveryStatusName(DeliveryStatus status) noexcept;
std::optional<DeliveryStatus> ParseDeliveryStatus(std::string_view name) noexcept;

struct DeliveryOutcomeSpec {
  std::string origin;
  std::string movement;     // the movement id
  std::string status;       // a DeliveryStatusName spelling
  std::string reason;       // required unless delivered
  std::string reported_by;  // the party or organisation reporting it
  UtcTime reported_at{};
  std::string note;
};

class DeliveryOutcome {
 public:
  // Validates: movement and reported_by given, a known status, a reason unless delivered.
  // Lists every problem, each prefixed "ORIGIN (movement 'ID')".
  [[nodiscard]] static Result<DeliveryOutcome> Create(DeliveryOutcomeSpec spec);

  const DeliveryOutcomeSpec& spec() const noexcept { return spec_; }
  const std::string& movement() const noexcept { return spec_.movement; }
  DeliveryStatus status() const noexcept { return status_; }
  const std::string& reason() const noexcept { return spec_.reason; }
  const std::string& reported_by() const noexcept { return spec_.reported_by; }
  UtcTime reported_at() const noexcept { return spec_.reported_at; }

 private:
  DeliveryOutcome(DeliveryOutcomeSpec spec, DeliveryStatus status)
      : spec_(std::move(spec)), status_(status) {}
  DeliveryOutcomeSpec spec_;
  DeliveryStatus status_;
};

// The outcome of `movement` as known at `as_of`: the latest reported at or before it (equal
// times: the later in `outcomes` wins), or nullptr when none was. The pointer is into
// `outcomes`.
const DeliveryOutcome* LatestOutcome(std::string_view movement,
                                     std::span<const DeliveryOutcome> outcomes, UtcTime as_of);

// The verdict on access to one zone over one period.
enum class AccessRating {
  kNoMovements,  // no notified movement into the zone started in the period
  kUnreported,   // movements were notified, but no outcome has been reported for any
  kRespected,    // every movement with an outcome was delivered
  kImpeded,      // some got through in part, late or not at all, but not all were blocked
  kDenied,       // every movement with an outcome was blocked
};
// "no_movements", "unreported", "respected", "impeded", "denied".
std::string_view AccessRatingName(AccessRating rating) noexcept;

struct MovementAccess {
  const Movement* movement = nullptr;        // into the span given to EvaluateAccess
  const DeliveryOutcome* outcome = nullptr;  // null: no outcome reported yet
  bool late_notice = false;                  // CheckNotice(movement).late
};

struct AccessVerdict {
  std::string zone;
  TimeInterval period = TimeInterval::Instant(UtcTime{});
  // Whether a version of the zone with a humanitarian_access rule was in force at some time
  // in the period, and the clauses those rules cite (unique, in version order).
  bool rule_in_force = false;
  std::vector<std::string> clauses;
  size_t notified = 0;  // movements into the zone whose window starts in the period
  size_t delivered = 0, partial = 0, blocked = 0, delayed = 0, unreported = 0;
  size_t late_notice = 0;
  AccessRating rating = AccessRating::kNoMovements;
  std::vector<MovementAccess> movements;  // by window start, then id

  // Movements that reached the zone, fully or in part.
  size_t got_through() const noexcept { return delivered + partial; }
};

// One verdict per zone that has a humanitarian_access rule in force during `period` or is
// the destination of a movement whose window starts in it, ordered by zone id. A movement
// counts in the period its window starts in, so consecutive periods count it once. Outcomes
// reported after `as_of` are not known yet. REQUIRES: `movements` and `outcomes` outlive the
// verdicts (they point into them).
std::vector<AccessVerdict> EvaluateAccess(const Scenario& scenario,
                                          std::span<const Movement> movements,
                                          std::span<const DeliveryOutcome> outcomes,
                                          const TimeInterval& period, UtcTime as_of);

}  // namespace truce
