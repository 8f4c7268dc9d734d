// The humanitarian notifications the log holds (sites, movements, acknowledgements, delivery
// outcomes), parsed once as their entries are applied and kept in log order, so that any
// question "as of log size N" is a prefix of them. Part of the derived views (views.h): rebuilt
// from the log when the application opens, advanced with each appended entry.
//
// A site or movement is notified when the log receives it: its notified_at is its entry's
// received_at, an answer's time and an outcome's reported_at likewise. Thread-safe.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <shared_mutex>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "app/submission.h"
#include "store/store.h"
#include "truce/access.h"
#include "truce/notification.h"
#include "truce/scenario.h"

namespace truce::app {

// Where one revision of a notification came from.
struct NotificationRevision {
  uint64_t entry = 0;
  int revision = 1;
  UtcTime received_at{};
  std::string submitter;  // token id
};

// The notifications as of one log size: the latest revision of each site and movement (in
// the order their ids were first notified), every answer and outcome in log order.
struct NotificationState {
  std::vector<ProtectedSite> sites;
  std::vector<NotificationRevision> site_revisions;  // parallel to `sites`
  std::vector<Movement> movements;
  std::vector<NotificationRevision> movement_revisions;  // parallel to `movements`
  std::vector<Acknowledgement> answers;
  std::vector<DeliveryOutcome> outcomes;

  const ProtectedSite* FindSite(std::string_view id) const;
  const Movement* FindMovement(std::string_view id) const;
};

class NotificationViews {
 public:
  NotificationViews() = default;
  NotificationViews(const NotificationViews&) = delete;
  NotificationViews& operator=(const NotificationViews&) = delete;

  // Applies an entry of a notification kind (site, movement, acknowledgement,
  // delivery_outcome, disclosure). kInvalidInput when its data is not a well-formed entry.
  // REQUIRES: entries in index order, each once.
  [[nodiscard]] Status Apply(const store::LogEntry& entry, SubmissionKind kind,
                             const nlohmann::json& data);

  // The state at log size `size` (entries with index < size).
  NotificationState At(uint64_t size) const;
  // The site or movement revision log entry `entry` notified, if it notified one.
  std::optional<ProtectedSite> SiteOf(uint64_t entry) const;
  std::optional<Movement> MovementOf(uint64_t entry) const;

  // Who is told of what under one scenario version (NotificationAudience), built once per
  // version. REQUIRES: `scenario` outlives the application (stored scenarios are kept).
  std::shared_ptr<const NotificationAudience> AudienceFor(uint64_t scenario_entry,
                                                          const Scenario& scenario) const;

 private:
  struct SiteEntry {
    NotificationRevision revision;
    ProtectedSite site;
  };
  struct MovementEntry {
    NotificationRevision revision;
    Movement movement;
  };
  struct AnswerEntry {
    uint64_t entry;
    Acknowledgement answer;
  };
  struct OutcomeEntry {
    uint64_t entry;
    DeliveryOutcome outcome;
  };

  mutable std::shared_mutex mu_;
  std::vector<SiteEntry> sites_;  // every revision, log order
  std::vector<MovementEntry> movements_;
  std::vector<AnswerEntry> answers_;
  std::vector<OutcomeEntry> outcomes_;

  mutable std::mutex audience_mu_;
  mutable std::map<uint64_t, std::shared_ptr<const NotificationAudience>> audiences_;
};

}  // namespace truce::app
