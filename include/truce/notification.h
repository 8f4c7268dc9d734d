// Humanitarian notifications: the protected sites and aid movements a deconfliction cell
// notifies to the parties, the notice a movement needs, which parties must be told of each
// (the visibility policy), and each party's acknowledgement as a function of what it answered
// and of the time. docs/deconfliction.md explains the model.
//
// ProtectedSite, Movement and Acknowledgement are valid once created and immutable; they are
// safe to share between threads. NotificationAudience is immutable after construction and
// safe to share too. Core: no I/O, the time comes in as a value.
#pragma once

#include <chrono>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "truce/geo.h"
#include "truce/geometry.h"
#include "truce/result.h"
#include "truce/scenario.h"
#include "truce/time.h"

namespace truce {

// What a notification is about. Sites and movements have separate id spaces.
enum class NotificationKind { kSite, kMovement };
// "site", "movement".
std::string_view NotificationKindName(NotificationKind kind) noexcept;
std::optional<NotificationKind> ParseNotificationKind(std::string_view name) noexcept;

// The kinds of protected site (OCHA's humanitarian notification system notifies hospitals,
// schools, warehouses, camps and the like). Files spell them as below.
enum class SiteType {
  kHospital,
  kClinic,
  kSchool,
  kWarehouse,
  kCamp,
  kShelter,
  kOffice,
  kDistributionPoint,
  kWaterFacility,
  kBakery,
  kOther,
};
// "hospital", "clinic", "school", "warehouse", "camp", "shelter", "office",
// "distribution_point", "water_facility", "bakery", "other".
std::string_view SiteTypeName(SiteType type) noexcept;
std::optional<SiteType> ParseSiteType(std::string_view name) noexcept;

// A protected site as read from a file or a request.
struct ProtectedSiteSpec {
  std::string origin;  // "sites.geojson feature 3", for messages
  std::string id;
  std::string name;
  std::string type;  // one of SiteTypeName's spellings
  std::string organisation;
  // Exactly one of the two: the site is a point or an area.
  std::optional<LatLng> point;
  std::optional<Polygon> area;
  UtcTime valid_from{};
  std::optional<UtcTime> valid_to;  // exclusive; absent: until further notice
  std::optional<UtcTime> notified_at;
  // Overrides the alert distance of AlertOptions for this site.
  std::optional<Meters> alert_distance;
  std::string note;
};

class ProtectedSite {
 public:
  // Validates: id, type and organisation given, one geometry (a valid polygon: closed rings,
  // no self-intersection; orientation is normalised), valid_from < valid_to, alert distance
  // > 0. Lists every problem, each prefixed "ORIGIN (site 'ID')".
  [[nodiscard]] static Result<ProtectedSite> Create(ProtectedSiteSpec spec);

  const ProtectedSiteSpec& spec() const noexcept { return spec_; }
  const std::string& id() const noexcept { return spec_.id; }
  const std::string& organisation() const noexcept { return spec_.organisation; }
  SiteType type() const noexcept { return type_; }
  bool is_point() const noexcept { return spec_.point.has_value(); }
  // REQUIRES: is_point().
  LatLng point() const noexcept { return *spec_.point; }
  // REQUIRES: !is_point().
  const Polygon& area() const noexcept { return *spec_.area; }
  const TimeInterval& validity() const noexcept { return validity_; }
  const std::optional<UtcTime>& notified_at() const noexcept { return spec_.notified_at; }
  const LatLngRect& bounds() const noexcept { return bounds_; }

 private:
  ProtectedSite(ProtectedSiteSpec spec, SiteType type, TimeInterval validity, LatLngRect bounds)
      : spec_(std::move(spec)), type_(type), validity_(validity), bounds_(bounds) {}
  ProtectedSiteSpec spec_;
  SiteType type_;
  TimeInterval validity_;
  LatLngRect bounds_;
};

// An aid movement (convoy) as read from a file or a request.
struct MovementSpec {
  std::string origin;
  std::string id;
  std::string organisation;
  std::vector<LatLng> route;  // the LineString, edges straight in lon/lat
  UtcTime window_start{};
  UtcTime window_end{};  // exclusive
  std::optional<int> vehicles;
  std::string cargo;
  std::string destination_zone;  // a zone id of the scenario, or empty
  bool emergency = false;
  std::optional<UtcTime> notified_at;
  std::optional<Meters> alert_distance;
  std::string note;
};

class Movement {
 public:
  // Validates: id and organisation given, a route of at least two distinct positions,
  // window_start < window_end, vehicles >= 0, alert distance > 0. Lists every problem, each
  // prefixed "ORIGIN (movement 'ID')". Whether destination_zone exists is the scenario's
  // business (CheckDestinations).
  [[nodiscard]] static Result<Movement> Create(MovementSpec spec);

  const MovementSpec& spec() const noexcept { return spec_; }
  const std::string& id() const noexcept { return spec_.id; }
  const std::string& organisation() const noexcept { return spec_.organisation; }
  const std::vector<LatLng>& route() const noexcept { return spec_.route; }
  const TimeInterval& window() const noexcept { return window_; }
  bool emergency() const noexcept { return spec_.emergency; }
  const std::string& destination_zone() const noexcept { return spec_.destination_zone; }
  const std::optional<UtcTime>& notified_at() const noexcept { return spec_.notified_at; }
  const LatLngRect& bounds() const noexcept { return bounds_; }

 private:
  Movement(MovementSpec spec, TimeInterval window, LatLngRect bounds)
      : spec_(std::move(spec)), window_(window), bounds_(bounds) {}
  MovementSpec spec_;
  TimeInterval window_;
  LatLngRect bounds_;
};

// Every movement whose destination_zone names no zone of `scenario`, listed. Empty
// destinations are fine.
[[nodiscard]] Status CheckDestinations(const Scenario& scenario,
                                       std::span<const Movement> movements);

// ---- notice ----

// A movement must be notified this long before its window opens; an emergency movement
// (medical evacuation, urgent relief) this long.
inline constexpr std::chrono::hours kMovementNotice{48};
inline constexpr std::chrono::hours kEmergencyNotice{24};

struct NoticeCheck {
  std::chrono::hours required{0};
  // window_start - notified_at; absent when the movement carries no notified_at.
  std::optional<std::chrono::milliseconds> given;
  // The notice given is shorter than required. Flagged, not refused: a late notification
  // is still worth passing on.
  bool late = false;
};
NoticeCheck CheckNotice(const Movement& movement) noexcept;

// ---- acknowledgement ----

enum class AckResponse { kAcknowledged, kRejected };

// One party's answer to one notification.
struct AcknowledgementSpec {
  std::string origin;
  NotificationKind kind = NotificationKind::kSite;
  std::string notification;  // the site or movement id
  std::string party;
  std::string response;  // "acknowledged" or "rejected"
  std::string reason;    // required when rejected
  UtcTime at{};
};

class Acknowledgement {
 public:
  // Validates: notification and party given, response "acknowledged" or "rejected", a reason
  // for a rejection. Lists every problem.
  [[nodiscard]] static Result<Acknowledgement> Create(AcknowledgementSpec spec);

  const AcknowledgementSpec& spec() const noexcept { return spec_; }
  NotificationKind kind() const noexcept { return spec_.kind; }
  const std::string& notification() const noexcept { return spec_.notification; }
  const std::string& party() const noexcept { return spec_.party; }
  AckResponse response() const noexcept { return response_; }
  const std::string& reason() const noexcept { return spec_.reason; }
  UtcTime at() const noexcept { return spec_.at; }

 private:
  Acknowledgement(AcknowledgementSpec spec, AckResponse response)
      : spec_(std::move(spec)), response_(response) {}
  AcknowledgementSpec spec_;
  AckResponse response_;
};

enum class AckState { kPending, kAcknowledged, kRejected, kOverdue };
// "pending", "acknowledged", "rejected", "overdue".
std::string_view AckStateName(AckState state) noexcept;

// Where one party stands on one notification at one time.
struct AcknowledgementStatus {
  NotificationKind kind = NotificationKind::kSite;
  std::string notification;
  std::string party;
  AckState state = AckState::kPending;
  UtcTime notified_at{};
  UtcTime due{};
  std::optional<UtcTime> answered_at;  // the answer that holds, if any
  std::string reason;                  // of a rejection
  bool late = false;                   // answered at or after `due`
};

// When an answer is due: notified_at + policy.acknowledgement_due, and for a movement no
// later than its window start. A notification without notified_at counts as notified when
// its validity (site) or window (movement) begins.
UtcTime NotifiedAt(const ProtectedSite& site) noexcept;
UtcTime NotifiedAt(const Movement& movement) noexcept;
UtcTime AcknowledgementDue(const ProtectedSite& site, const DeconflictionPolicy& policy) noexcept;
UtcTime AcknowledgementDue(const Movement& movement, const DeconflictionPolicy& policy) noexcept;

// The state at `now` from `answers` (any notifications, any parties; those for others are
// ignored): the latest answer of `party` to this notification made in [notified_at, now]
// holds (a later answer replaces an earlier one; answers before notified_at answered an
// earlier revision and do not count; equal times: the later in `answers` wins). With no such
// answer: pending before `due`, overdue from `due` on.
AcknowledgementStatus AcknowledgementAt(NotificationKind kind, std::string_view notification,
                                        std::string_view party, UtcTime notified_at, UtcTime due,
                                        std::span<const Acknowledgement> answers, UtcTime now);

// ---- visibility ----

// Which parties are told of which notifications, from the scenario's DeconflictionPolicy
// (docs/deconfliction.md): by default a party sees a notification when it lies within the
// policy's buffer of a zone version whose rules bind the party and whose validity overlaps the
// notification's (site validity, movement window); a grant replaces those zones with a list,
// changes the buffer, or shows the party everything. A no-strike list can become a target
// list: nobody sees more than this. Immutable; safe to share between threads.
class NotificationAudience {
 public:
  // REQUIRES: `scenario` outlives this object.
  explicit NotificationAudience(const Scenario& scenario);
  ~NotificationAudience();
  NotificationAudience(const NotificationAudience&) = delete;
  NotificationAudience& operator=(const NotificationAudience&) = delete;

  bool Sees(std::string_view party, const ProtectedSite& site) const;
  bool Sees(std::string_view party, const Movement& movement) const;
  // The parties of the scenario that see it, in scenario order.
  std::vector<std::string> Audience(const ProtectedSite& site) const;
  std::vector<std::string> Audience(const Movement& movement) const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace truce
