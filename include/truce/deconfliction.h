// Deconfliction alerts: hostilities reported near a notified protected site during its
// validity or near a convoy route during its movement window, and aircraft passing low over
// one. docs/deconfliction.md gives the distances, altitudes and verdicts and their reasons.
//
// Report alerts. A hostility report (an event type RulesBrokenBy lists under ceasefire) is a
// disc (centre, radius) and an interval. It raises an alert for a target when the interval
// overlaps the target's (site validity, movement window; both half-open) and some point of the
// disc lies within the target's alert distance D: the geodesic distance d from the centre to
// the target (0 inside a Polygon site) is at most D + radius. The verdict is kInside when every
// point of the disc is within D (d + radius <= D; for a centre inside a Polygon site,
// radius - depth <= D) and the interval lies wholly within the target's, kPossible otherwise.
//
// Flight alerts. A track (BuildTracks) flies straight in lon/lat between fixes, time and
// altitude linear, as the flight monitor assumes. It raises an alert for a target when, on a
// segment with both fixes airborne, some point within the target's interval and at or below
// `flight_altitude` (or of unknown altitude) comes within `flight_distance` of the target. A run
// of consecutive such segments is one pass and one alert, at the closest approach. kInside when
// a fix of the pass itself is within flight_distance - position_tolerance, at a known altitude
// at or below flight_altitude - altitude_tolerance and in the target's interval; kPossible when
// the pass rests on the interpolated line or on fixes within the tolerances of a limit.
//
// Each alert has a stable id (a hash of what raised it: the kind and id of the target, and
// the report's event_id, or the aircraft and the closest approach's time), so that computing
// again gives the same alerts and a store can replace rather than duplicate them. The
// computation is a pure function of (targets, evidence, options): the server can run one new
// report against the targets in force, or a new site against recent reports by building a
// monitor over that one site. Core: no I/O.
#pragma once

#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "truce/flight.h"
#include "truce/geo.h"
#include "truce/notification.h"
#include "truce/report.h"
#include "truce/time.h"
#include "truce/verdict.h"

namespace truce {

struct AlertOptions {
  // Alert distance of sites and of routes that give none of their own (alert_distance_m).
  Meters site_distance{1000};
  Meters route_distance{1000};
  // An aircraft closer than this horizontally, at or below flight_altitude (metres above mean
  // sea level, barometric as the flight monitor compares), is passing over the target.
  Meters flight_distance{2000};
  Meters flight_altitude{4500};
  // ADS-B's horizontal and altitude uncertainty (as FlightMonitorOptions): fixes closer than
  // these to a limit do not make a flight alert kInside.
  Meters position_tolerance{100};
  Meters altitude_tolerance{30};
};

// What raised an alert.
enum class AlertCause { kReport, kFlight };
// "report", "flight".
std::string_view AlertCauseName(AlertCause cause) noexcept;

struct Alert {
  std::string id;  // "al_" + 16 hex digits, stable (see the file comment)
  NotificationKind kind = NotificationKind::kSite;
  std::string target;  // the site or movement id
  std::string organisation;
  AlertCause cause = AlertCause::kReport;
  std::string report;    // kReport: the report's event_id
  std::string icao24;    // kFlight
  std::string callsign;  // kFlight, may be empty
  // kReport: from the disc's centre to the target; kFlight: the closest approach.
  Meters distance;
  // kReport: the disc's nearest point to the target, max(0, distance - radius); kFlight: the
  // same as distance.
  Meters nearest;
  Meters radius;  // kReport: the disc's radius; kFlight: 0
  Meters alert_distance;
  Verdict verdict = Verdict::kPossible;
  // kReport: when the report's interval and the target's begin to overlap; kFlight: the time
  // of the closest approach.
  UtcTime time{};
  // kReport: when the overlap ends (exclusive). Absent for flights.
  std::optional<UtcTime> until;
  LatLng where;                    // the disc's centre, or the aircraft at closest approach
  std::optional<Meters> altitude;  // kFlight: at closest approach, when known
  // Whether the target had been notified before the event: true when notified_at is at or
  // before `time`'s interval (kReport: before the overlap begins; kFlight: before the closest
  // approach), false when after the interval, absent when unknown or within it.
  std::optional<bool> after_notice;
  // kFlight: the times of the first and last fix of the pass's segments, so that a live
  // monitor can tell a pass it has seen (whose closest approach moved as fixes arrived) from
  // a new one. Not part of the encoded alert.
  UtcTime pass_begin{}, pass_end{};
};

// Whether a report describes hostilities (a type that can break a ceasefire).
bool IsHostility(const Report& report);

// Orders alerts by time, then kind, target, report or aircraft, then id.
void SortAlerts(std::vector<Alert>& alerts);

// Computes alerts for one set of targets. Construction indexes their geometry. All methods
// are const and thread-safe. REQUIRES: `sites` and `movements` outlive the monitor.
class DeconflictionMonitor {
 public:
  DeconflictionMonitor(std::span<const ProtectedSite> sites, std::span<const Movement> movements,
                       AlertOptions options = {});
  ~DeconflictionMonitor();
  DeconflictionMonitor(const DeconflictionMonitor&) = delete;
  DeconflictionMonitor& operator=(const DeconflictionMonitor&) = delete;

  // The alerts one report raises: sites first, then movements, each in input order. None
  // unless the report is a hostility.
  std::vector<Alert> ForReport(const Report& report) const;
  // All reports: their alerts concatenated, in report order.
  std::vector<Alert> ForReports(std::span<const Report> reports) const;
  // The alerts one track raises: per target (sites, then movements) its passes in time order.
  std::vector<Alert> ForTrack(const Track& track) const;
  std::vector<Alert> ForTracks(std::span<const Track> tracks) const;
  // The alerts aircraft positions raise: BuildTracks(positions, track_options, stats), then
  // ForTracks. The one judgement of positions against the targets, shared by `truce
  // deconflict --positions` and the server's overflight alerts, so that for the same positions
  // both give the same alerts. `stats` may be null.
  std::vector<Alert> ForPositions(std::vector<Position> positions,
                                  const TrackOptions& track_options = {},
                                  TrackStats* stats = nullptr) const;

  const AlertOptions& options() const noexcept { return options_; }
  // The alert distance applied to a site or a movement.
  Meters AlertDistance(const ProtectedSite& site) const noexcept;
  Meters AlertDistance(const Movement& movement) const noexcept;

 private:
  struct Target;
  std::vector<Target> targets_;
  AlertOptions options_;
};

}  // namespace truce
