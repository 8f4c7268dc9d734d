// Operations of humanitarian deconfliction (docs/deconfliction.md "The server"): notified
// sites and movements, the parties' acknowledgements, delivery outcomes and the
// humanitarian_access verdicts, and the alerts stored hostility reports raise near notified
// places. Who is told of what is the scenario's deconfliction policy (NotificationAudience);
// what each role reads is the policy table (policy.h); every read of a site or movement list
// is itself a log entry.
#include <algorithm>
#include <set>

#include <fmt/format.h>

#include "app/app.h"
#include "app/feature_geometry.h"
#include "app/intake.h"
#include "formats/alerts.h"
#include "formats/notifications.h"
#include "truce/merkle_log.h"

namespace truce::app {

using nlohmann::json;

namespace {

// A problem line of the notification readers ("LABEL (site 'x'): properties.valid_from: what")
// as a problem at a JSON Pointer under `path` ("/3/properties/valid_from"). In a Feature
// (`feature`), the fields core names bare ("valid_to: ...") are properties.
Problem AtPointer(const Problem& p, const std::string& label, const std::string& path,
                  bool feature) {
  std::string text = p.ToString();
  if (text.starts_with(label)) text.erase(0, label.size());
  if (text.starts_with(" (")) {  // " (site 'ID')"
    if (const size_t close = text.find("'):"); close != std::string::npos) text.erase(0, close + 2);
  }
  if (text.starts_with(": ")) text.erase(0, 2);
  std::string pointer = path;
  const size_t colon = text.find(": ");
  if (colon != std::string::npos && text.substr(0, colon).find(' ') == std::string::npos) {
    // A field path: "properties.valid_from", "geometry.coordinates[0]".
    std::string field = text.substr(0, colon);
    if (feature && !field.starts_with("properties") && !field.starts_with("geometry")) {
      field = "properties." + field;
    }
    std::string segment;
    for (char ch : field + ".") {
      if (ch == '.' || ch == '[' || ch == ']') {
        if (!segment.empty()) pointer = JsonPointer(pointer, segment);
        segment.clear();
      } else {
        segment += ch;
      }
    }
    text.erase(0, colon + 2);
  }
  return Problem{pointer, text};
}

void AddProblems(const Error& e, const std::string& label, const std::string& path,
                 std::vector<Problem>& problems, bool feature = false) {
  if (e.problems.empty()) problems.push_back(AtPointer({"", e.message}, label, path, feature));
  for (const Problem& p : e.problems) problems.push_back(AtPointer(p, label, path, feature));
}

// The features of a submission body, each with the JSON Pointer it sits at.
struct Located {
  const json* feature;
  std::string path;
};
std::vector<Located> Features(const json& body, std::vector<Problem>& problems) {
  std::vector<Located> out;
  if (body.is_array()) {
    for (size_t i = 0; i < body.size(); ++i) out.push_back({&body[i], fmt::format("/{}", i)});
  } else if (body.is_object() && body.value("type", json()) == "FeatureCollection") {
    const auto features = body.find("features");
    if (features == body.end() || !features->is_array()) {
      problems.push_back({"/features", "expected an array of Features"});
      return out;
    }
    for (size_t i = 0; i < features->size(); ++i) {
      out.push_back({&(*features)[i], fmt::format("/features/{}", i)});
    }
  } else if (body.is_object()) {
    out.push_back({&body, ""});
  } else {
    problems.push_back({"",
                        "expected a GeoJSON Feature, a FeatureCollection or an array of "
                        "Features"});
  }
  return out;
}

// A Feature as stored and compared: without notified_at, which is the entry's time.
json Stored(json feature) {
  if (auto props = feature.find("properties"); props != feature.end() && props->is_object()) {
    props->erase("notified_at");
  }
  return feature;
}

bool InForce(const TimeInterval& interval, const std::optional<UtcTime>& at) {
  return !at || interval.Contains(*at);
}

// The feature collections' filters: an interval overlapping [from, to), a shape meeting bbox.
bool InWindow(const TimeInterval& interval, const NotificationFilter& f) {
  if (f.to && interval.begin() >= *f.to) return false;
  return !f.from || interval.end() > *f.from;
}
bool Meets(const ProtectedSite& site, const std::optional<LatLngRect>& bbox) {
  if (!bbox) return true;
  return site.is_point() ? bbox->Contains(site.point()) : PolygonMeetsRect(site.area(), *bbox);
}
bool Meets(const Movement& movement, const std::optional<LatLngRect>& bbox) {
  return !bbox || PathMeetsRect(movement.route(), *bbox);
}

// Who is told what under the scenario version `scenario` (null: nobody, no scenario).
std::shared_ptr<const NotificationAudience> AudienceOf(
    const Views& views, const std::shared_ptr<const StoredScenario>& scenario) {
  return scenario ? views.notifications().AudienceFor(scenario->entry, *scenario->scenario)
                  : nullptr;
}

// Offset paging over a derived list (the cursor is the offset).
Result<JsonPage> Paged(std::vector<json> all, const PageRequest& page) {
  size_t offset = 0;
  if (page.cursor) {
    const auto parsed = ParseCount(*page.cursor);
    if (!parsed) {
      Error e = MakeError(ErrorCode::kInvalidArgument, "the cursor is not one this server gave");
      e.problems.push_back({"?cursor", "a cursor from a previous page's next"});
      return e;
    }
    offset = static_cast<size_t>(*parsed);
  }
  JsonPage out;
  for (size_t i = offset; i < all.size() && out.items.size() < page.limit; ++i) {
    out.items.push_back(std::move(all[i]));
  }
  if (offset + out.items.size() < all.size()) out.next = std::to_string(offset + out.items.size());
  return out;
}

}  // namespace

// --- Sites and movements -----------------------------------------------------------------------

namespace {

// What SubmitSites and SubmitMovements share: reading the features, revisions, the append.
template <typename T>
struct NotificationKindOps {
  SubmissionKind kind;
  const char* noun;  // "site", "movement"
  Result<T> (*read)(const json&, const std::string&);
  json (*encode)(const T&);
};

}  // namespace

template <typename T>
static void SubmitNotifications(const Principal& who, const json& body,
                                const NotificationKindOps<T>& ops, const std::vector<T>& current,
                                const std::vector<NotificationRevision>& revisions,
                                const StoredScenario* scenario,
                                const NotificationAudience* audience, std::vector<Submission>& subs,
                                std::vector<ItemOutcome>& items, std::vector<json>& details,
                                std::vector<Problem>& problems) {
  std::set<std::string> ids;
  for (const Located& item : Features(body, problems)) {
    const json& feature = *item.feature;
    if (feature.is_object()) {
      const auto props = feature.find("properties");
      if (props != feature.end() && props->is_object() && props->contains("notified_at") &&
          !(*props)["notified_at"].is_null()) {
        problems.push_back(
            {JsonPointer(JsonPointer(item.path, "properties"), "notified_at"),
             fmt::format("set by the server: a {} is notified when it is received", ops.noun)});
        continue;
      }
    }
    const std::string label = std::string(ops.noun) + (item.path.empty() ? "" : " " + item.path);
    auto parsed = ops.read(feature, label);
    if (!parsed.ok()) {
      AddProblems(parsed.error(), label, item.path, problems, /*feature=*/true);
      continue;
    }
    const std::string id = parsed->id();
    const std::string props_path = JsonPointer(item.path, "properties");
    if (!ids.insert(id).second) {
      problems.push_back({JsonPointer(props_path, "id"),
                          fmt::format("{} '{}' appears twice in one submission", ops.noun, id)});
      continue;
    }
    if constexpr (std::is_same_v<T, Movement>) {
      const std::string& zone = parsed->destination_zone();
      if (!zone.empty()) {
        const bool known = scenario != nullptr &&
                           std::any_of(scenario->scenario->zone_versions().begin(),
                                       scenario->scenario->zone_versions().end(),
                                       [&](const ZoneVersion& v) { return v.zone() == zone; });
        if (!known) {
          problems.push_back({JsonPointer(props_path, "destination_zone"),
                              fmt::format("'{}' is not a zone of the scenario in force", zone)});
          continue;
        }
      }
    }
    json stored = Stored(ops.encode(*parsed));
    json detail = json::object();
    detail["audience"] = audience ? json(audience->Audience(*parsed)) : json::array();
    int revision = 1;
    for (size_t i = 0; i < current.size(); ++i) {
      if (current[i].id() != id) continue;
      if (Stored(ops.encode(current[i])) == stored) {
        items.push_back(
            ItemOutcome{id, revisions[i].revision, false, revisions[i].entry, std::nullopt});
        details.push_back(std::move(detail));
        revision = 0;
      } else {
        revision = revisions[i].revision + 1;
      }
      break;
    }
    if (revision == 0) continue;
    items.push_back(ItemOutcome{id, revision, true, 0, std::nullopt});
    details.push_back(std::move(detail));
    subs.push_back(Submission{ops.kind, who.token_id, who.Is(Role::kParty) ? who.party : "",
                              std::move(stored), revision, std::string(RoleName(who.role))});
  }
}

namespace {

Result<ProtectedSite> ReadSite(const json& f, const std::string& where) {
  return formats::SiteFromFeature(f, where);
}
Result<Movement> ReadMovement(const json& f, const std::string& where) {
  return formats::MovementFromFeature(f, where);
}

const NotificationKindOps<ProtectedSite> kSiteOps = {SubmissionKind::kSite, "site", &ReadSite,
                                                     &formats::SiteToFeature};
const NotificationKindOps<Movement> kMovementOps = {SubmissionKind::kMovement, "movement",
                                                    &ReadMovement, &formats::MovementToFeature};

}  // namespace

Result<SubmitOutcome> App::SubmitSites(const Principal& who, json body) {
  return SubmitNotificationFeatures(who, body, NotificationKind::kSite);
}

Result<SubmitOutcome> App::SubmitMovements(const Principal& who, json body) {
  return SubmitNotificationFeatures(who, body, NotificationKind::kMovement);
}

Result<SubmitOutcome> App::SubmitNotificationFeatures(const Principal& who, const json& body,
                                                      NotificationKind kind) {
  if (Status st = Check(who, Action::kSubmitNotifications); !st.ok()) return st.error();
  const bool sites = kind == NotificationKind::kSite;
  std::lock_guard lock(submit_mu_);  // revisions are numbered against what is stored
  const uint64_t size = views_.size();
  const NotificationState state = views_.notifications().At(size);
  const auto scenario = views_.ScenarioAt(size);
  const auto audience = AudienceOf(views_, scenario);
  std::vector<Submission> subs;
  std::vector<ItemOutcome> items;
  std::vector<json> details;
  std::vector<Problem> problems;
  if (sites) {
    SubmitNotifications(who, body, kSiteOps, state.sites, state.site_revisions, scenario.get(),
                        audience.get(), subs, items, details, problems);
  } else {
    SubmitNotifications(who, body, kMovementOps, state.movements, state.movement_revisions,
                        scenario.get(), audience.get(), subs, items, details, problems);
  }
  const std::string what = sites ? "sites" : "movements";
  if (problems.empty() && items.empty()) problems.push_back({"", "no " + what + " submitted"});
  if (!problems.empty()) {
    metrics_.Add("truce_submissions_rejected_total");
    return RejectedSubmission(what, std::move(problems));
  }
  auto entries = AppendLocked(std::move(subs));
  if (!entries.ok()) return entries.error();
  // The notice each movement was given: from its entry's time to its window's start.
  const NotificationState after = views_.notifications().At(views_.size());
  SubmitOutcome out;
  std::vector<Receipt> receipts = ReceiptsOf(*entries);
  size_t next = 0;
  for (ItemOutcome& item : items) {
    if (item.created) {
      item.log_index = (*entries)[next].index;
      item.receipt = std::move(receipts[next++]);
      ++out.accepted;
    } else {
      ++out.unchanged;
    }
    if (const Movement* m = sites ? nullptr : after.FindMovement(item.id)) {
      details[out.items.size()]["notice"] = formats::NoticeCheckToJson(*m);
    }
    out.items.push_back(std::move(item));
  }
  out.details = std::move(details);
  out.head = ledger_.Head();
  return out;
}

namespace {

// A site or movement Feature as listed: its properties with the revision, the log entry that
// notified it, who is told of it and, for movements, the notice it was given.
template <typename T>
json Listed(const T& notification, const NotificationRevision& revision,
            const NotificationAudience* audience) {
  json feature;
  if constexpr (std::is_same_v<T, Movement>) {
    feature = formats::MovementToFeature(notification);
    feature["properties"]["notice"] = formats::NoticeCheckToJson(notification);
  } else {
    feature = formats::SiteToFeature(notification);
  }
  json& props = feature["properties"];
  props["revision"] = revision.revision;
  props["log_index"] = revision.entry;
  props["audience"] = audience ? json(audience->Audience(notification)) : json::array();
  return feature;
}

}  // namespace

template <typename T>
static std::vector<json> VisibleNotifications(const Principal& who, const std::vector<T>& all,
                                              const std::vector<NotificationRevision>& revisions,
                                              const NotificationAudience* audience,
                                              const NotificationFilter& f,
                                              std::vector<json>& disclosed) {
  std::vector<json> out;
  for (size_t i = 0; i < all.size(); ++i) {
    const T& n = all[i];
    if (!f.organisation.empty() && n.organisation() != f.organisation) continue;
    if (!f.id.empty() && n.id() != f.id) continue;
    if (!Meets(n, f.bbox)) continue;
    if constexpr (std::is_same_v<T, Movement>) {
      if (!InForce(n.window(), f.at) || !InWindow(n.window(), f)) continue;
    } else {
      if (!InForce(n.validity(), f.at) || !InWindow(n.validity(), f)) continue;
      if (!f.type.empty() && SiteTypeName(n.type()) != f.type) continue;
    }
    Provenance p;
    p.told = who.Is(Role::kParty) && audience != nullptr && audience->Sees(who.party, n);
    if (!Sees(who, RecordKind::kNotification, p)) continue;
    json feature = Listed(n, revisions[i], audience);
    Redact(who, RecordKind::kNotification, p, feature["properties"]);
    out.push_back(std::move(feature));
    disclosed.push_back({{"id", n.id()}, {"revision", revisions[i].revision}});
  }
  return out;
}

Result<DisclosedPage> App::ListSites(const Principal& who, const NotificationFilter& f,
                                     const PageRequest& page) {
  return ListNotifications(who, f, page, NotificationKind::kSite);
}

Result<DisclosedPage> App::ListMovements(const Principal& who, const NotificationFilter& f,
                                         const PageRequest& page) {
  return ListNotifications(who, f, page, NotificationKind::kMovement);
}

Result<DisclosedPage> App::ListNotifications(const Principal& who, const NotificationFilter& f,
                                             const PageRequest& page, NotificationKind kind,
                                             bool features) {
  if (Status st = Check(who, Action::kReadNotifications); !st.ok()) return st.error();
  const uint64_t size = views_.SizeAsOf(f.as_of);
  const NotificationState state = views_.notifications().At(size);
  const auto audience = AudienceOf(views_, views_.ScenarioAt(size));
  const bool sites = kind == NotificationKind::kSite;
  std::vector<json> ids;
  std::vector<json> all =
      sites ? VisibleNotifications(who, state.sites, state.site_revisions, audience.get(), f, ids)
            : VisibleNotifications(who, state.movements, state.movement_revisions, audience.get(),
                                   f, ids);
  return Disclose(who, sites ? "sites" : "movements", f, std::move(all), std::move(ids), page,
                  features);
}

Result<DisclosedPage> App::Disclose(const Principal& who, std::string_view resource,
                                    const NotificationFilter& f, std::vector<json> all,
                                    std::vector<json> ids, const PageRequest& page, bool features) {
  size_t offset = 0;
  if (page.cursor) offset = static_cast<size_t>(ParseCount(*page.cursor).value_or(0));
  const size_t matched = all.size();
  auto paged = Paged(std::move(all), page);
  if (!paged.ok()) return paged.error();
  // A feature collection's item carries its id as the feature's, before the digest is taken.
  if (features) {
    for (json& feature : paged->items) feature["id"] = feature["properties"]["id"];
  }
  json shown = json::array();
  for (size_t i = offset; i < ids.size() && shown.size() < paged->items.size(); ++i) {
    shown.push_back(std::move(ids[i]));
  }
  // The record of the read: who (the entry's submitter, party and role), when (its time),
  // what (the items shown, and the digest of exactly what was served).
  json body = {{"resource", resource},
               {"query", f.query},
               {"items", std::move(shown)},
               {"digest", DisclosureDigest(json(paged->items))}};
  std::lock_guard lock(submit_mu_);
  auto entries = AppendLocked({SubmissionBy(who, SubmissionKind::kDisclosure, std::move(body))});
  if (!entries.ok()) return entries.error();
  const store::LogEntry& e = entries->front();
  return DisclosedPage{std::move(paged).value(), ReceiptOf(e), e.data, matched};
}

Result<DisclosedPage> App::NotificationFeatures(const Principal& who, NotificationKind kind,
                                                const NotificationFilter& f,
                                                const PageRequest& page) {
  return ListNotifications(who, f, page, kind, /*features=*/true);
}

Result<CollectionExtent> App::NotificationExtent(const Principal& who, NotificationKind kind,
                                                 std::optional<UtcTime> as_of) {
  if (Status st = Check(who, Action::kReadNotifications); !st.ok()) return st.error();
  const uint64_t size = views_.SizeAsOf(as_of);
  const NotificationState state = views_.notifications().At(size);
  const auto audience = AudienceOf(views_, views_.ScenarioAt(size));
  CollectionExtent out;
  auto include = [&](const auto& n, const TimeInterval& interval) {
    Provenance p;
    p.told = who.Is(Role::kParty) && audience != nullptr && audience->Sees(who.party, n);
    if (!Sees(who, RecordKind::kNotification, p)) return;
    out.bbox.Extend(n.bounds());
    if (!out.begin || interval.begin() < *out.begin) out.begin = interval.begin();
    if (!out.end || interval.end() > *out.end) out.end = interval.end();
  };
  if (kind == NotificationKind::kSite) {
    for (const ProtectedSite& s : state.sites) include(s, s.validity());
  } else {
    for (const Movement& m : state.movements) include(m, m.window());
  }
  if (out.end && *out.end == kEndOfTime) out.end.reset();
  return out;
}

// --- Acknowledgements --------------------------------------------------------------------------

Result<SubmitOutcome> App::SubmitAcknowledgements(const Principal& who, std::vector<json> items,
                                                  bool batch) {
  if (Status st = Check(who, Action::kSubmitAcknowledgements); !st.ok()) return st.error();
  if (items.empty()) {
    return MakeError(ErrorCode::kInvalidInput, "an empty batch of acknowledgements");
  }
  if (items.size() > limits_.max_claims_per_batch) {
    return MakeError(ErrorCode::kTooLarge,
                     fmt::format("{} acknowledgements in one batch; the limit is {}", items.size(),
                                 limits_.max_claims_per_batch));
  }
  std::lock_guard lock(submit_mu_);
  const uint64_t size = views_.size();
  const NotificationState state = views_.notifications().At(size);
  const auto scenario = views_.ScenarioAt(size);
  const auto audience = AudienceOf(views_, scenario);
  const bool as_party = who.Is(Role::kParty);
  const UtcTime now = clock_();
  std::vector<Problem> problems;
  std::vector<Submission> subs;
  for (size_t i = 0; i < items.size(); ++i) {
    const std::string path = batch ? fmt::format("/{}", i) : "";
    json& item = items[i];
    if (!item.is_object()) {
      problems.push_back({path, "expected a JSON object"});
      continue;
    }
    if (item.contains("at") && !item["at"].is_null()) {
      problems.push_back(
          {JsonPointer(path, "at"), "set by the server: an answer is given when it is received"});
      continue;
    }
    if (as_party) {
      const auto party = item.find("party");
      if (party != item.end() && !party->is_null() && *party != who.party) {
        Error e = MakeError(ErrorCode::kForbidden,
                            fmt::format("a party token answers only as party '{}'", who.party));
        e.problems.push_back(
            {JsonPointer(path, "party"), fmt::format("must be '{}' or absent", who.party)});
        return e;
      }
      item["party"] = who.party;
    }
    const std::string label = "acknowledgement" + (path.empty() ? "" : " " + path);
    auto answer = formats::AcknowledgementFromJson(item, label, now);
    if (!answer.ok()) {
      AddProblems(answer.error(), label, path, problems);
      continue;
    }
    const bool site = answer->kind() == NotificationKind::kSite;
    const ProtectedSite* s = site ? state.FindSite(answer->notification()) : nullptr;
    const Movement* m = site ? nullptr : state.FindMovement(answer->notification());
    if (s == nullptr && m == nullptr) {
      Error e = MakeError(ErrorCode::kNotFound, fmt::format("no {} '{}' has been notified",
                                                            NotificationKindName(answer->kind()),
                                                            answer->notification()));
      e.problems.push_back(
          {JsonPointer(path, "notification"),
           "an id of a notified " + std::string(NotificationKindName(answer->kind()))});
      return e;
    }
    const bool told = audience != nullptr && (s ? audience->Sees(answer->party(), *s)
                                                : audience->Sees(answer->party(), *m));
    if (!told) {
      const std::string why = fmt::format("{} '{}' was not distributed to party '{}'",
                                          NotificationKindName(answer->kind()),
                                          answer->notification(), answer->party());
      if (as_party) {
        Error e = MakeError(ErrorCode::kForbidden, why);
        e.problems.push_back({JsonPointer(path, "notification"), why});
        return e;
      }
      problems.push_back({JsonPointer(path, "party"), why});
      continue;
    }
    json body = {{"kind", NotificationKindName(answer->kind())},
                 {"notification", answer->notification()},
                 {"party", answer->party()},
                 {"response", answer->spec().response}};
    if (!answer->reason().empty()) body["reason"] = answer->reason();
    subs.push_back(SubmissionBy(who, SubmissionKind::kAcknowledgement, std::move(body)));
  }
  if (!problems.empty()) {
    metrics_.Add("truce_submissions_rejected_total");
    return RejectedSubmission("acknowledgements", std::move(problems));
  }
  auto entries = AppendLocked(std::move(subs));
  if (!entries.ok()) return entries.error();
  SubmitOutcome out;
  for (Receipt& r : ReceiptsOf(*entries)) {
    out.items.push_back(ItemOutcome{"", 0, true, r.index, std::move(r)});
  }
  out.accepted = out.items.size();
  out.head = ledger_.Head();
  return out;
}

Result<std::vector<json>> App::Acknowledgements(const Principal& who,
                                                const AcknowledgementFilter& f) {
  if (Status st = Check(who, Action::kReadAcknowledgements); !st.ok()) return st.error();
  const uint64_t size = views_.SizeAsOf(f.as_of);
  const NotificationState state = views_.notifications().At(size);
  const auto scenario = views_.ScenarioAt(size);
  std::vector<json> out;
  if (!scenario) return out;  // nobody is told anything without a scenario
  const auto audience = views_.notifications().AudienceFor(scenario->entry, *scenario->scenario);
  const DeconflictionPolicy& policy = scenario->scenario->deconfliction();
  // Now: the clock, or the latest entry's time where commits ran ahead of it, so that an
  // answer just stored counts.
  const UtcTime now = f.as_of.value_or(std::max(clock_(), views_.LatestReceived()));
  auto add = [&](NotificationKind kind, const std::string& id, UtcTime notified, UtcTime due,
                 const std::vector<std::string>& parties) {
    if (!f.kind.empty() && f.kind != NotificationKindName(kind)) return;
    if (!f.notification.empty() && f.notification != id) return;
    for (const std::string& party : parties) {
      if (!f.party.empty() && f.party != party) continue;
      const Provenance p{party, false, true};
      if (!Sees(who, RecordKind::kAcknowledgement, p)) continue;
      const AcknowledgementStatus status =
          AcknowledgementAt(kind, id, party, notified, due, state.answers, now);
      if (!f.state.empty() && f.state != AckStateName(status.state)) continue;
      json record = formats::AcknowledgementStatusToJson(status);
      Redact(who, RecordKind::kAcknowledgement, p, record);
      out.push_back(std::move(record));
    }
  };
  for (const ProtectedSite& s : state.sites) {
    add(NotificationKind::kSite, s.id(), NotifiedAt(s), AcknowledgementDue(s, policy),
        audience->Audience(s));
  }
  for (const Movement& m : state.movements) {
    add(NotificationKind::kMovement, m.id(), NotifiedAt(m), AcknowledgementDue(m, policy),
        audience->Audience(m));
  }
  std::stable_sort(out.begin(), out.end(), [](const json& a, const json& b) {
    return std::tie(a["kind"], a["notification"], a["party"]) <
           std::tie(b["kind"], b["notification"], b["party"]);
  });
  return out;
}

// --- Delivery outcomes and access ----------------------------------------------------------------

Result<SubmitOutcome> App::SubmitDeliveryOutcome(const Principal& who, const std::string& movement,
                                                 json body) {
  if (Status st = Check(who, Action::kSubmitDeliveryOutcomes); !st.ok()) return st.error();
  if (!body.is_object()) {
    return RejectedSubmission("delivery outcome", {{"", "expected a JSON object"}});
  }
  std::vector<Problem> problems;
  if (body.contains("reported_at") && !body["reported_at"].is_null()) {
    problems.push_back({"/reported_at",
                        "set by the server: an outcome is reported when it is "
                        "received"});
  }
  if (const auto m = body.find("movement"); m != body.end() && !m->is_null() && *m != movement) {
    problems.push_back({"/movement", fmt::format("must be '{}' (the movement of the path) or "
                                                 "absent",
                                                 movement)});
  }
  body["movement"] = movement;
  std::lock_guard lock(submit_mu_);
  const NotificationState state = views_.notifications().At(views_.size());
  if (state.FindMovement(movement) == nullptr) {
    return MakeError(ErrorCode::kNotFound,
                     fmt::format("no movement '{}' has been notified", movement));
  }
  auto outcome = formats::DeliveryOutcomeFromJson(body, "delivery outcome", clock_());
  if (!outcome.ok()) AddProblems(outcome.error(), "delivery outcome", "", problems);
  if (!problems.empty()) {
    metrics_.Add("truce_submissions_rejected_total");
    return RejectedSubmission("delivery outcome", std::move(problems));
  }
  json stored = {{"movement", movement},
                 {"status", DeliveryStatusName(outcome->status())},
                 {"reason", outcome->reason()},
                 {"reported_by", outcome->reported_by()}};
  if (!outcome->spec().note.empty()) stored["note"] = outcome->spec().note;
  auto entries =
      AppendLocked({SubmissionBy(who, SubmissionKind::kDeliveryOutcome, std::move(stored))});
  if (!entries.ok()) return entries.error();
  SubmitOutcome out;
  const store::LogEntry& e = entries->front();
  out.items.push_back(ItemOutcome{movement, 0, true, e.index, ReceiptOf(e)});
  out.accepted = 1;
  out.head = ledger_.Head();
  return out;
}

Result<std::vector<json>> App::Access(const Principal& who, const AccessQuery& query) {
  if (Status st = Check(who, Action::kReadAccess); !st.ok()) return st.error();
  const uint64_t size = views_.SizeAsOf(query.as_of);
  const auto scenario = views_.ScenarioAt(size);
  if (!scenario) return MakeError(ErrorCode::kNotFound, "no scenario has been loaded");
  if (!query.zone.empty()) {
    const auto& versions = scenario->scenario->zone_versions();
    if (std::none_of(versions.begin(), versions.end(),
                     [&](const ZoneVersion& v) { return v.zone() == query.zone; })) {
      Error e = MakeError(ErrorCode::kNotFound, fmt::format("no zone '{}'", query.zone));
      e.problems.push_back({"?zone", "a zone id of the scenario"});
      return e;
    }
  }
  const NotificationState state = views_.notifications().At(size);
  const auto audience = views_.notifications().AudienceFor(scenario->entry, *scenario->scenario);
  const std::vector<AccessVerdict> verdicts =
      EvaluateAccess(*scenario->scenario, state.movements, state.outcomes, query.period,
                     query.as_of.value_or(std::max(clock_(), views_.LatestReceived())));
  std::vector<json> out;
  for (const AccessVerdict& v : verdicts) {
    if (!query.zone.empty() && v.zone != query.zone) continue;
    json record = formats::AccessVerdictToJson(v);
    // Each movement listed is a record about a notification: a party keeps those it is told of.
    json kept = json::array();
    for (size_t i = 0; i < v.movements.size(); ++i) {
      Provenance p;
      p.told = who.Is(Role::kParty) && audience->Sees(who.party, *v.movements[i].movement);
      if (Sees(who, RecordKind::kNotification, p)) kept.push_back(record["movements"][i]);
    }
    record["movements"] = std::move(kept);
    const Provenance p;
    if (!Sees(who, RecordKind::kAccessVerdict, p)) continue;
    Redact(who, RecordKind::kAccessVerdict, p, record);
    out.push_back(std::move(record));
  }
  return out;
}

// --- Alerts --------------------------------------------------------------------------------------

Result<std::vector<truce::Alert>> App::DeconflictionAlerts(const Principal& who,
                                                           const DeconflictionAlertFilter& f) {
  if (Status st = Check(who, Action::kReadDeconflictionAlerts); !st.ok()) return st.error();
  auto snap = SnapshotAsOf(f.as_of);
  if (!snap.ok()) return snap.error();
  const Snapshot& s = **snap;
  const NotificationState state = views_.notifications().At(s.log_size);
  const auto audience =
      s.scenario ? views_.notifications().AudienceFor(s.scenario->entry, *s.scenario->scenario)
                 : nullptr;
  const DeconflictionMonitor monitor(state.sites, state.movements);
  std::vector<truce::Alert> all;
  for (const StoredReport* r : s.reports) {
    std::vector<truce::Alert> alerts = monitor.ForReport(*r->report);
    all.insert(all.end(), std::make_move_iterator(alerts.begin()),
               std::make_move_iterator(alerts.end()));
  }
  // Aircraft low over them: the positions posted, judged as `truce deconflict --positions`
  // judges a file (one call, DeconflictionMonitor::ForPositions).
  if (!state.sites.empty() || !state.movements.empty()) {
    std::vector<truce::Alert> flights = monitor.ForPositions(flights_.Positions(0, s.log_size));
    all.insert(all.end(), std::make_move_iterator(flights.begin()),
               std::make_move_iterator(flights.end()));
  }
  SortAlerts(all);
  std::vector<truce::Alert> out;
  for (truce::Alert& a : all) {
    if (!f.kind.empty() && f.kind != NotificationKindName(a.kind)) continue;
    if (!f.target.empty() && f.target != a.target) continue;
    if (!f.verdict.empty() && f.verdict != VerdictName(a.verdict)) continue;
    if (f.from && a.time < *f.from) continue;
    if (f.to && a.time >= *f.to) continue;
    Provenance p;
    if (who.Is(Role::kParty) && audience != nullptr) {
      if (a.kind == NotificationKind::kSite) {
        const ProtectedSite* site = state.FindSite(a.target);
        p.told = site != nullptr && audience->Sees(who.party, *site);
      } else {
        const Movement* m = state.FindMovement(a.target);
        p.told = m != nullptr && audience->Sees(who.party, *m);
      }
    }
    if (!Sees(who, RecordKind::kAlert, p)) continue;
    out.push_back(std::move(a));
  }
  return out;
}

Result<std::vector<json>> App::DeconflictionAlertRecords(const Principal& who,
                                                         const DeconflictionAlertFilter& f) {
  auto alerts = DeconflictionAlerts(who, f);
  if (!alerts.ok()) return alerts.error();
  std::vector<json> out;
  Provenance p;
  p.told = true;  // DeconflictionAlerts kept only what the caller sees
  for (const truce::Alert& a : *alerts) {
    json record = json(formats::AlertToJson(a));
    Redact(who, RecordKind::kAlert, p, record);
    out.push_back(std::move(record));
  }
  return out;
}

}  // namespace truce::app
