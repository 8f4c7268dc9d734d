#include "app/notification_views.h"

#include <unordered_map>

#include <fmt/format.h>

#include "formats/notifications.h"

namespace truce::app {
namespace {

using nlohmann::json;

Error Unreadable(const store::LogEntry& entry, const Error& why) {
  std::string text = why.message;
  for (const Problem& p : why.problems) text += "; " + p.ToString();
  return MakeError(ErrorCode::kInvalidInput,
                   fmt::format("log entry {} ({}): {}", entry.index, entry.kind, text));
}

// The latest revision of each id among the entries before `size`, in first-notified order.
template <typename Entry, typename Value>
void Latest(const std::vector<Entry>& all, uint64_t size, Value Entry::*value,
            std::vector<Value>& out, std::vector<NotificationRevision>& revisions) {
  std::unordered_map<std::string, size_t> at;
  for (const Entry& e : all) {
    if (e.revision.entry >= size) break;
    const std::string& id = (e.*value).id();
    if (auto it = at.find(id); it != at.end()) {
      out[it->second] = e.*value;
      revisions[it->second] = e.revision;
    } else {
      at.emplace(id, out.size());
      out.push_back(e.*value);
      revisions.push_back(e.revision);
    }
  }
}

}  // namespace

const ProtectedSite* NotificationState::FindSite(std::string_view id) const {
  for (const ProtectedSite& s : sites) {
    if (s.id() == id) return &s;
  }
  return nullptr;
}

const Movement* NotificationState::FindMovement(std::string_view id) const {
  for (const Movement& m : movements) {
    if (m.id() == id) return &m;
  }
  return nullptr;
}

Status NotificationViews::Apply(const store::LogEntry& entry, SubmissionKind kind,
                                const json& data) {
  const json& body = data.value("body", json());
  const std::string where = fmt::format("{} of log entry {}", entry.kind, entry.index);
  const NotificationRevision revision{entry.index, detail::IntField(data, "revision"),
                                      entry.received_at, entry.submitter};
  switch (kind) {
    case SubmissionKind::kSite: {
      auto site = formats::SiteFromFeature(body, where);
      if (!site.ok()) return Unreadable(entry, site.error());
      ProtectedSiteSpec spec = site->spec();
      spec.notified_at = entry.received_at;  // notified when the log received it
      auto notified = ProtectedSite::Create(std::move(spec));
      if (!notified.ok()) return Unreadable(entry, notified.error());
      std::unique_lock lock(mu_);
      sites_.push_back(SiteEntry{revision, std::move(notified).value()});
      break;
    }
    case SubmissionKind::kMovement: {
      auto movement = formats::MovementFromFeature(body, where);
      if (!movement.ok()) return Unreadable(entry, movement.error());
      MovementSpec spec = movement->spec();
      spec.notified_at = entry.received_at;
      auto notified = Movement::Create(std::move(spec));
      if (!notified.ok()) return Unreadable(entry, notified.error());
      std::unique_lock lock(mu_);
      movements_.push_back(MovementEntry{revision, std::move(notified).value()});
      break;
    }
    case SubmissionKind::kAcknowledgement: {
      auto answer = formats::AcknowledgementFromJson(body, where, entry.received_at);
      if (!answer.ok()) return Unreadable(entry, answer.error());
      std::unique_lock lock(mu_);
      answers_.push_back(AnswerEntry{entry.index, std::move(answer).value()});
      break;
    }
    case SubmissionKind::kDeliveryOutcome: {
      auto outcome = formats::DeliveryOutcomeFromJson(body, where, entry.received_at);
      if (!outcome.ok()) return Unreadable(entry, outcome.error());
      std::unique_lock lock(mu_);
      outcomes_.push_back(OutcomeEntry{entry.index, std::move(outcome).value()});
      break;
    }
    default:
      break;  // disclosures are records of reads: the log itself is their store
  }
  return Status::Ok();
}

NotificationState NotificationViews::At(uint64_t size) const {
  NotificationState out;
  std::shared_lock lock(mu_);
  Latest(sites_, size, &SiteEntry::site, out.sites, out.site_revisions);
  Latest(movements_, size, &MovementEntry::movement, out.movements, out.movement_revisions);
  for (const AnswerEntry& a : answers_) {
    if (a.entry >= size) break;
    out.answers.push_back(a.answer);
  }
  for (const OutcomeEntry& o : outcomes_) {
    if (o.entry >= size) break;
    out.outcomes.push_back(o.outcome);
  }
  return out;
}

// Entries are applied in log order, so the one asked for (usually the latest) is found from
// the back.
std::optional<ProtectedSite> NotificationViews::SiteOf(uint64_t entry) const {
  std::shared_lock lock(mu_);
  for (auto it = sites_.rbegin(); it != sites_.rend() && it->revision.entry >= entry; ++it) {
    if (it->revision.entry == entry) return it->site;
  }
  return std::nullopt;
}

std::optional<Movement> NotificationViews::MovementOf(uint64_t entry) const {
  std::shared_lock lock(mu_);
  for (auto it = movements_.rbegin(); it != movements_.rend() && it->revision.entry >= entry;
       ++it) {
    if (it->revision.entry == entry) return it->movement;
  }
  return std::nullopt;
}

std::shared_ptr<const NotificationAudience> NotificationViews::AudienceFor(
    uint64_t scenario_entry, const Scenario& scenario) const {
  std::lock_guard lock(audience_mu_);
  auto& slot = audiences_[scenario_entry];
  if (!slot) slot = std::make_shared<const NotificationAudience>(scenario);
  return slot;
}

}  // namespace truce::app
