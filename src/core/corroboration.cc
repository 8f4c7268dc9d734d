// The corroboration engine: reports clustered through a space-time grid and a union-find of
// linked reports, analysts' decisions as must-link and cannot-link constraints, incidents kept
// per connected component and recomputed only where something changed.
#include <algorithm>
#include <deque>
#include <map>
#include <set>
#include <unordered_map>
#include <unordered_set>

#include <fmt/format.h>

#include "incident_builder.h"
#include "space_time_grid.h"
#include "truce/incident.h"

namespace truce {
namespace {

using detail::Footprint;

constexpr std::string_view kIdPrefix = "INC-";
constexpr uint32_t kNone = UINT32_MAX;

// One side of a cannot-link constraint that a report belongs to.
struct Tag {
  uint32_t constraint;
  uint8_t side;  // 0: the reports split off, 1: the rest
  friend auto operator<=>(const Tag&, const Tag&) = default;
};

bool Conflict(const std::vector<Tag>& a, const std::vector<Tag>& b) {
  for (const Tag& t : a) {
    if (std::binary_search(b.begin(), b.end(), Tag{t.constraint, static_cast<uint8_t>(1 - t.side)}))
      return true;
  }
  return false;
}

void MergeTags(std::vector<Tag>& into, const std::vector<Tag>& from) {
  std::vector<Tag> out;
  std::set_union(into.begin(), into.end(), from.begin(), from.end(), std::back_inserter(out));
  into = std::move(out);
}

}  // namespace

struct Corroborator::Impl {
  struct Node {
    const Report* report = nullptr;
    uint64_t arrival = 0;
    Footprint fp;
    bool linkable = false;
    bool earlier = false;  // linked by the criterion to an earlier-arrived report
    bool monitor = false;
    uint32_t party = 0;  // index into party_names
    uint32_t parent = 0;
    uint32_t size = 1;
    int32_t must = -1;     // must-link group, or -1
    uint32_t cluster = 0;  // index of its incident in its component (valid after Refresh)
  };
  struct Component {
    std::vector<std::vector<uint32_t>> clusters;  // nodes by arrival; the anchor first
    std::vector<Incident> incidents;              // parallel to clusters
    std::vector<std::vector<uint32_t>> claims;    // linked claim indices, per cluster
  };
  struct StoredDecision {
    Decision decision;
    std::vector<uint32_t> s, r;  // split: the nodes split off and the rest
    uint32_t before = kNone;     // split: the earliest node of both, whose id was split
    bool live = true;            // split: its cannot-link still holds
  };

  explicit Impl(const Scenario& s) : criterion(s.corroboration()), grid(criterion), builder(s) {
    party_names.emplace_back();
  }

  detail::LinkCriterion criterion;
  detail::SpaceTimeGrid grid;
  detail::IncidentBuilder builder;

  std::vector<Node> nodes;
  std::vector<std::vector<uint32_t>> members;  // per root
  std::unordered_map<std::string, uint32_t> by_event;
  std::vector<std::string> party_names;
  std::unordered_map<std::string, uint32_t> party_index;
  uint32_t latest = kNone;  // the node with the largest key
  size_t too_vague = 0;

  std::vector<std::vector<uint32_t>> must_groups;
  std::unordered_map<uint32_t, std::vector<Tag>> tags;  // live cannot-link sides per node
  std::vector<StoredDecision> decisions;
  std::unordered_map<uint32_t, std::vector<uint32_t>> decisions_of;  // node -> decisions
  std::unordered_set<uint32_t> merge_named;

  std::deque<Claim> claims;          // incidents point into it: a deque keeps addresses
  std::vector<uint32_t> claim_node;  // per claim after Refresh: a node of its incident, or kNone

  std::unordered_map<uint32_t, Component> components;  // by root
  std::vector<uint32_t> dirty;                         // nodes whose component must be redone
  std::vector<uint32_t> with_claims;                   // roots that had linked claims
  bool order_dirty = true;
  bool changed = true;  // anything added since the last Refresh
  std::vector<const Incident*> ordered;

  // --- keys and union-find ---------------------------------------------------------------
  bool Before(uint32_t a, uint32_t b) const {
    const Node &x = nodes[a], &y = nodes[b];
    if (x.arrival != y.arrival) return x.arrival < y.arrival;
    return x.report->event_id() < y.report->event_id();
  }
  uint32_t Find(uint32_t a) {
    while (nodes[a].parent != a) {
      nodes[a].parent = nodes[nodes[a].parent].parent;
      a = nodes[a].parent;
    }
    return a;
  }
  void Union(uint32_t a, uint32_t b) {
    a = Find(a), b = Find(b);
    if (a == b) return;
    if (nodes[a].size < nodes[b].size) std::swap(a, b);
    nodes[b].parent = a;
    nodes[a].size += nodes[b].size;
    auto& into = members[a];
    auto& from = members[b];
    into.insert(into.end(), from.begin(), from.end());
    std::vector<uint32_t>().swap(from);
    components.erase(a);
    components.erase(b);
    dirty.push_back(a);
  }

  uint32_t PartyIndex(const std::string& party) {
    if (party.empty()) return 0;
    auto [it, added] = party_index.emplace(party, static_cast<uint32_t>(party_names.size()));
    if (added) party_names.push_back(party);
    return it->second;
  }

  // Links `n` to its partners in the grid. `fast` (n arrived after every other report, and
  // alone): partners already in n's component are skipped, and n's first partner tells that n
  // has an earlier one. Otherwise every partner is tested and both flags are kept exact.
  void Link(uint32_t n, bool fast) {
    const Footprint fp = nodes[n].fp;
    grid.ForEachCandidate(fp, [&](uint32_t c) {
      if (c == n) return;
      if (fast && Find(c) == Find(n)) return;
      if (!criterion.Linked(fp, nodes[c].fp)) return;
      if (Before(c, n)) {
        nodes[n].earlier = true;
      } else {
        nodes[c].earlier = true;
      }
      Union(n, c);
    });
  }

  void UnionMust(uint32_t n) {
    const int32_t g = nodes[n].must;
    if (g < 0) return;
    for (uint32_t m : must_groups[static_cast<size_t>(g)]) Union(n, m);
  }

  // Takes the components of `seeds` apart and links their reports again: after a revision
  // moved a report, or a decision removed a must-link.
  void Rebuild(const std::vector<uint32_t>& seeds) {
    std::set<uint32_t> roots;
    for (uint32_t s : seeds) roots.insert(Find(s));
    std::vector<uint32_t> all;
    for (uint32_t r : roots) {
      all.insert(all.end(), members[r].begin(), members[r].end());
      components.erase(r);
    }
    for (uint32_t n : all) {
      nodes[n].parent = n;
      nodes[n].size = 1;
      nodes[n].earlier = false;
      members[n] = {n};
      dirty.push_back(n);
    }
    for (uint32_t n : all) {
      if (nodes[n].linkable) Link(n, /*fast=*/false);
    }
    for (uint32_t n : all) UnionMust(n);
  }

  // --- reports -------------------------------------------------------------------------------
  void AddReports(std::span<const ReportEntry> entries) {
    changed = true;
    std::vector<size_t> order(entries.size());
    for (size_t i = 0; i < order.size(); ++i) order[i] = i;
    // Stable: the revisions of one event share its first arrival and its id, so only their
    // order in `entries` (the log's) says which is the latest. An unstable sort applied them
    // in any order once there were enough to sort (a superseded revision left in an incident).
    std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) {
      const ReportEntry &x = entries[a], &y = entries[b];
      if (x.arrival != y.arrival) return x.arrival < y.arrival;
      return x.report->event_id() < y.report->event_id();
    });
    std::vector<uint32_t> revised;
    for (size_t i : order) {
      const ReportEntry& e = entries[i];
      const auto known = by_event.find(e.report->event_id());
      if (known != by_event.end()) {
        Node& node = nodes[known->second];
        const Footprint fp = detail::FootprintOf(*e.report);
        const bool linkable = criterion.Linkable(fp);
        if (node.linkable) grid.Erase(known->second, node.fp);
        too_vague -= !node.linkable;
        node.report = e.report;
        node.fp = fp;
        node.linkable = linkable;
        too_vague += !linkable;
        node.party = PartyIndex(e.party);
        node.monitor = e.monitor;
        if (linkable) grid.Insert(known->second, fp);
        revised.push_back(known->second);
        continue;
      }
      const auto n = static_cast<uint32_t>(nodes.size());
      Node node;
      node.report = e.report;
      node.arrival = e.arrival;
      node.fp = detail::FootprintOf(*e.report);
      node.linkable = criterion.Linkable(node.fp);
      node.monitor = e.monitor;
      node.party = PartyIndex(e.party);
      node.parent = n;
      nodes.push_back(node);
      members.push_back({n});
      by_event.emplace(e.report->event_id(), n);
      dirty.push_back(n);
      const bool in_order = latest == kNone || Before(latest, n);
      if (in_order) latest = n;
      if (node.linkable) {
        Link(n, in_order);
        grid.Insert(n, nodes[n].fp);
      } else {
        ++too_vague;
      }
    }
    if (!revised.empty()) Rebuild(revised);
  }

  // --- decisions -----------------------------------------------------------------------------
  Result<std::vector<uint32_t>> NodesOf(const std::vector<std::string>& ids, const char* field) {
    std::vector<uint32_t> out;
    std::vector<std::string> unknown;
    for (const std::string& id : ids) {
      const auto it = by_event.find(id);
      if (it == by_event.end()) {
        unknown.push_back(id);
      } else if (std::find(out.begin(), out.end(), it->second) == out.end()) {
        out.push_back(it->second);
      }
    }
    if (!unknown.empty()) {
      return MakeError(ErrorCode::kNotFound,
                       fmt::format("{}: no report {}", field, fmt::join(unknown, ", ")));
    }
    return out;
  }

  // Structural checks that hold whenever the decision is replayed.
  Status CheckDecision(const Decision& d) {
    if (d.reason.empty()) {
      return MakeError(ErrorCode::kInvalidArgument, "reason: a decision needs a reason");
    }
    if (d.by.empty()) {
      return MakeError(ErrorCode::kInvalidArgument, "by: a decision needs who made it");
    }
    auto s = NodesOf(d.reports, "reports");
    if (!s.ok()) return s.error();
    switch (d.kind) {
      case DecisionKind::kMerge:
        if (s->size() < 2) {
          return MakeError(ErrorCode::kInvalidArgument,
                           "reports: a merge names reports of two or more incidents");
        }
        break;
      case DecisionKind::kSplit: {
        if (s->empty()) {
          return MakeError(ErrorCode::kInvalidArgument,
                           "reports: a split names the reports to "
                           "split off");
        }
        auto r = NodesOf(d.rest, "rest");
        if (!r.ok()) return r.error();
        for (uint32_t n : *r) {
          if (std::find(s->begin(), s->end(), n) != s->end()) {
            return MakeError(ErrorCode::kInvalidArgument,
                             fmt::format("rest: report {} is also among those split off",
                                         nodes[n].report->event_id()));
          }
        }
        break;
      }
      case DecisionKind::kGrade:
        if (s->size() != 1) {
          return MakeError(ErrorCode::kInvalidArgument,
                           "reports: a grade names exactly one report of the incident");
        }
        break;
    }
    return Status::Ok();
  }

  Result<Decision> Complete(Decision d) {
    if (Status st = CheckDecision(d); !st.ok()) return st.error();
    Refresh();
    auto incident_of = [&](const std::string& id) {
      const uint32_t n = by_event.at(id);
      return &components.at(Find(n)).incidents[nodes[n].cluster];
    };
    if (d.kind == DecisionKind::kMerge) {
      std::set<std::string> ids;
      for (const std::string& r : d.reports) ids.insert(incident_of(r)->id);
      if (ids.size() < 2) {
        return MakeError(ErrorCode::kConflict,
                         fmt::format("reports: already one incident ({})", *ids.begin()));
      }
    } else if (d.kind == DecisionKind::kSplit && d.rest.empty()) {
      const Incident* incident = incident_of(d.reports.front());
      for (const std::string& r : d.reports) {
        if (incident_of(r) != incident) {
          return MakeError(ErrorCode::kConflict,
                           fmt::format("reports: {} is in {}, not in {}: a split takes reports "
                                       "out of one incident",
                                       r, incident_of(r)->id, incident->id));
        }
      }
      for (const Report* r : incident->reports) {
        if (std::find(d.reports.begin(), d.reports.end(), r->event_id()) == d.reports.end()) {
          d.rest.push_back(r->event_id());
        }
      }
      if (d.rest.empty()) {
        return MakeError(
            ErrorCode::kConflict,
            fmt::format("reports: all of {}'s reports; a split leaves some behind", incident->id));
      }
    }
    return d;
  }

  // Moves `nodes_in` into one must-link group, absorbing the groups they were in.
  uint32_t MakeGroup(const std::vector<uint32_t>& nodes_in) {
    std::set<uint32_t> all(nodes_in.begin(), nodes_in.end());
    for (uint32_t n : nodes_in) {
      if (nodes[n].must < 0) continue;
      auto& g = must_groups[static_cast<size_t>(nodes[n].must)];
      all.insert(g.begin(), g.end());
      g.clear();
    }
    const auto id = static_cast<uint32_t>(must_groups.size());
    must_groups.emplace_back(all.begin(), all.end());
    for (uint32_t n : all) nodes[n].must = static_cast<int32_t>(id);
    return id;
  }

  void SetConstraintLive(uint32_t c, bool live) {
    StoredDecision& sd = decisions[c];
    sd.live = live;
    for (uint8_t side = 0; side < 2; ++side) {
      for (uint32_t n : side == 0 ? sd.s : sd.r) {
        auto& t = tags[n];
        const Tag tag{c, side};
        if (live) {
          t.insert(std::upper_bound(t.begin(), t.end(), tag), tag);
        } else {
          t.erase(std::remove(t.begin(), t.end(), tag), t.end());
        }
        dirty.push_back(n);
      }
    }
  }

  Status Add(Decision d) {
    changed = true;
    if (Status st = CheckDecision(d); !st.ok()) return st;
    if (d.kind == DecisionKind::kSplit && d.rest.empty()) {
      auto completed = Complete(std::move(d));
      if (!completed.ok()) return completed.error();
      d = std::move(completed).value();
    }
    const auto index = static_cast<uint32_t>(decisions.size());
    StoredDecision sd{d, *NodesOf(d.reports, "reports"), {}, kNone, true};
    if (d.kind == DecisionKind::kSplit) sd.r = *NodesOf(d.rest, "rest");
    decisions.push_back(sd);
    for (uint32_t n : decisions[index].s) decisions_of[n].push_back(index);
    for (uint32_t n : decisions[index].r) decisions_of[n].push_back(index);
    const std::vector<uint32_t> s = decisions[index].s, r = decisions[index].r;

    switch (d.kind) {
      case DecisionKind::kMerge: {
        merge_named.insert(s.begin(), s.end());
        const uint32_t g = MakeGroup(s);
        const std::set<uint32_t> group(must_groups[g].begin(), must_groups[g].end());
        // A merge lifts the earlier splits it contradicts.
        for (uint32_t c = 0; c < index; ++c) {
          const StoredDecision& old = decisions[c];
          if (old.decision.kind != DecisionKind::kSplit || !old.live) continue;
          auto meets = [&](const std::vector<uint32_t>& side) {
            return std::any_of(side.begin(), side.end(),
                               [&](uint32_t n) { return group.contains(n); });
          };
          if (meets(old.s) && meets(old.r)) SetConstraintLive(c, false);
        }
        for (uint32_t n : group) Union(*group.begin(), n);
        break;
      }
      case DecisionKind::kSplit: {
        StoredDecision& stored = decisions[index];
        std::vector<uint32_t> both = s;
        both.insert(both.end(), r.begin(), r.end());
        stored.before = *std::min_element(both.begin(), both.end(),
                                          [&](uint32_t a, uint32_t b) { return Before(a, b); });
        // A split takes its reports out of the earlier merges that hold them.
        const std::set<uint32_t> off(s.begin(), s.end());
        std::vector<uint32_t> torn;
        for (uint32_t n : s) {
          if (nodes[n].must < 0) continue;
          auto& g = must_groups[static_cast<size_t>(nodes[n].must)];
          std::vector<uint32_t> keep;
          for (uint32_t m : g) {
            if (!off.contains(m)) keep.push_back(m);
          }
          if (!keep.empty()) {
            torn.insert(torn.end(), g.begin(), g.end());
            for (uint32_t m : g) {
              if (off.contains(m)) nodes[m].must = -1;
            }
            g = std::move(keep);
          }
        }
        MakeGroup(s);
        MakeGroup(r);
        SetConstraintLive(index, true);
        if (!torn.empty()) {
          torn.insert(torn.end(), both.begin(), both.end());
          Rebuild(torn);
        } else {
          for (uint32_t n : both) UnionMust(n);
        }
        break;
      }
      case DecisionKind::kGrade:
        break;
    }
    // The incidents the decision names list it, whatever else it changed.
    dirty.insert(dirty.end(), s.begin(), s.end());
    dirty.insert(dirty.end(), r.begin(), r.end());
    changed = true;
    return Status::Ok();
  }

  // --- incidents -----------------------------------------------------------------------------
  // The incidents of one component: the component itself unless a live split separates some of
  // its reports; then the reports are joined greedily, must-links first and then linked pairs in
  // the order they arrived (by the later report, then the earlier), never joining two sets
  // that a split keeps apart. The order is canonical, so the result depends on nothing else.
  std::vector<std::vector<uint32_t>> Partition(uint32_t root) {
    std::vector<uint32_t> m = members[root];
    std::sort(m.begin(), m.end(), [&](uint32_t a, uint32_t b) { return Before(a, b); });
    bool constrained = false;
    if (!tags.empty()) {
      std::map<uint32_t, uint8_t> sides;  // constraint -> sides seen (bit mask)
      for (uint32_t n : m) {
        const auto it = tags.find(n);
        if (it == tags.end()) continue;
        for (const Tag& t : it->second) sides[t.constraint] |= static_cast<uint8_t>(1 << t.side);
      }
      for (const auto& [c, mask] : sides) constrained |= mask == 3;
    }
    if (!constrained) return {m};

    std::unordered_map<uint32_t, uint32_t> local;
    for (uint32_t i = 0; i < m.size(); ++i) local.emplace(m[i], i);
    std::vector<uint32_t> parent(m.size());
    std::vector<std::vector<Tag>> set_tags(m.size());
    for (uint32_t i = 0; i < m.size(); ++i) {
      parent[i] = i;
      if (const auto it = tags.find(m[i]); it != tags.end()) set_tags[i] = it->second;
    }
    auto find = [&](uint32_t a) {
      while (parent[a] != a) a = parent[a] = parent[parent[a]];
      return a;
    };
    auto join = [&](uint32_t a, uint32_t b) {
      a = find(a), b = find(b);
      if (a == b || Conflict(set_tags[a], set_tags[b])) return;
      if (b < a) std::swap(a, b);
      parent[b] = a;
      MergeTags(set_tags[a], set_tags[b]);
      set_tags[b].clear();
    };
    std::map<int32_t, uint32_t> first_of_group;
    for (uint32_t i = 0; i < m.size(); ++i) {
      const int32_t g = nodes[m[i]].must;
      if (g < 0) continue;
      const auto [it, added] = first_of_group.emplace(g, i);
      if (!added) join(it->second, i);
    }
    std::vector<std::pair<uint32_t, uint32_t>> edges;  // (later, earlier) local indices
    for (uint32_t i = 0; i < m.size(); ++i) {
      if (!nodes[m[i]].linkable) continue;
      grid.ForEachCandidate(nodes[m[i]].fp, [&](uint32_t c) {
        const auto it = local.find(c);
        if (it == local.end() || it->second >= i) return;
        if (criterion.Linked(nodes[m[i]].fp, nodes[c].fp)) edges.emplace_back(i, it->second);
      });
    }
    std::sort(edges.begin(), edges.end());
    for (const auto& [later, earlier] : edges) join(later, earlier);
    std::map<uint32_t, std::vector<uint32_t>> sets;
    for (uint32_t i = 0; i < m.size(); ++i) sets[find(i)].push_back(m[i]);
    std::vector<std::vector<uint32_t>> out;
    for (auto& [root_index, nodes_in] : sets) out.push_back(std::move(nodes_in));
    return out;
  }

  std::string IdOf(uint32_t n) const {
    return std::string(kIdPrefix) + nodes[n].report->event_id();
  }

  void BuildIncident(const std::vector<uint32_t>& cluster, const std::vector<uint32_t>& claim_ids,
                     Incident& out) {
    std::vector<detail::Member> ms;
    ms.reserve(cluster.size());
    for (uint32_t n : cluster) {
      ms.push_back(detail::Member{nodes[n].report, nodes[n].arrival, &party_names[nodes[n].party],
                                  nodes[n].monitor});
    }
    std::vector<const Claim*> linked;
    for (uint32_t c : claim_ids) linked.push_back(&claims[c]);
    // The decisions naming these reports, in the order they were made.
    std::set<uint32_t> named;
    for (uint32_t n : cluster) {
      if (const auto it = decisions_of.find(n); it != decisions_of.end()) {
        named.insert(it->second.begin(), it->second.end());
      }
    }
    const Decision* grade = nullptr;
    const std::set<uint32_t> in(cluster.begin(), cluster.end());
    for (uint32_t d : named) {
      const StoredDecision& sd = decisions[d];
      if (sd.decision.kind == DecisionKind::kGrade && in.contains(sd.s.front())) {
        grade = &sd.decision;
      }
    }
    builder.Build(ms, std::move(linked), grade, out);
    out.id = IdOf(cluster.front());
    out.arrival = nodes[cluster.front()].arrival;
    out.decisions.clear();
    out.split_from.clear();
    out.merged.clear();
    std::set<std::string> split_from, merged;
    std::set<uint32_t> split_anchors;
    for (uint32_t d : named) {
      const StoredDecision& sd = decisions[d];
      out.decisions.push_back(DecisionRef{sd.decision.id, sd.decision.kind, sd.decision.by,
                                          sd.decision.at, sd.decision.reason});
      if (sd.decision.kind != DecisionKind::kSplit) continue;
      if (const std::string before = IdOf(sd.before); before != out.id) split_from.insert(before);
      for (const auto* side : {&sd.s, &sd.r}) {
        split_anchors.insert(*std::min_element(
            side->begin(), side->end(), [&](uint32_t a, uint32_t b) { return Before(a, b); }));
      }
    }
    // Every id this incident's reports ever gave an incident: a report that linked to no
    // earlier one started an incident; a decision named the others.
    for (uint32_t n : cluster) {
      if (n == cluster.front()) continue;
      if (!nodes[n].earlier || merge_named.contains(n) || split_anchors.contains(n)) {
        if (std::string id = IdOf(n); !split_from.contains(id)) merged.insert(std::move(id));
      }
    }
    out.split_from.assign(split_from.begin(), split_from.end());
    out.merged.assign(merged.begin(), merged.end());
  }

  // The node of the incident a claim is about, or kNone.
  uint32_t Target(const Claim& c) {
    if (!c.incident.empty()) {
      auto it = by_event.find(c.incident);
      if (it == by_event.end() && c.incident.starts_with(kIdPrefix)) {
        it = by_event.find(c.incident.substr(kIdPrefix.size()));
      }
      return it == by_event.end() ? kNone : it->second;
    }
    if (c.kind != ClaimKind::kAccuse || !c.alleged.when || !c.alleged.where) return kNone;
    Footprint f;
    f.begin = c.alleged.when->begin().time_since_epoch().count();
    f.end = c.alleged.when->end().time_since_epoch().count();
    f.lat = c.alleged.where->lat();
    f.lng = c.alleged.where->lng();
    f.radius = c.alleged.radius.value;
    f.type = detail::EventTypeIndex(c.alleged.event_type);
    if (!criterion.Linkable(f)) return kNone;
    // The nearest linked report, the earliest on a tie.
    uint32_t best = kNone;
    double best_d = 0;
    grid.ForEachCandidate(f, [&](uint32_t n) {
      if (!criterion.Linked(f, nodes[n].fp)) return;
      const double d = detail::GeodesicDistance(f.lat, f.lng, nodes[n].fp.lat, nodes[n].fp.lng);
      if (best == kNone || d < best_d || (d == best_d && Before(n, best))) best = n, best_d = d;
    });
    return best;
  }

  void Refresh() {
    if (!changed && dirty.empty()) return;
    changed = false;
    std::vector<uint32_t> redo;
    redo.reserve(dirty.size());
    for (uint32_t d : dirty) redo.push_back(Find(d));
    dirty.clear();
    std::sort(redo.begin(), redo.end());
    redo.erase(std::unique(redo.begin(), redo.end()), redo.end());
    for (uint32_t root : redo) {
      Component& comp = components[root];
      comp.clusters = Partition(root);
      for (uint32_t c = 0; c < comp.clusters.size(); ++c) {
        for (uint32_t n : comp.clusters[c]) nodes[n].cluster = c;
      }
      comp.incidents.assign(comp.clusters.size(), Incident{});
      comp.claims.assign(comp.clusters.size(), {});
    }
    // Claims link to incidents by report; which incident that is may have changed anywhere.
    std::map<uint32_t, std::vector<std::vector<uint32_t>>> linked;
    claim_node.assign(claims.size(), kNone);
    for (uint32_t i = 0; i < claims.size(); ++i) {
      const uint32_t n = Target(claims[i]);
      claim_node[i] = n;
      if (n == kNone) continue;
      const uint32_t root = Find(n);
      auto& per = linked[root];
      per.resize(components.at(root).clusters.size());
      per[nodes[n].cluster].push_back(i);
    }
    // Rebuild the incidents of the components redone, and of those whose claims changed.
    std::vector<uint32_t> check = redo;
    check.insert(check.end(), with_claims.begin(), with_claims.end());
    with_claims.clear();
    for (const auto& [root, per] : linked) {
      check.push_back(root);
      with_claims.push_back(root);
    }
    std::sort(check.begin(), check.end());
    check.erase(std::unique(check.begin(), check.end()), check.end());
    for (uint32_t root : check) {
      const auto c = components.find(root);
      if (c == components.end()) continue;  // no longer a root
      Component& comp = c->second;
      auto it = linked.find(root);
      std::vector<std::vector<uint32_t>> now;
      if (it != linked.end()) now = std::move(it->second);
      now.resize(comp.clusters.size());
      if (!std::binary_search(redo.begin(), redo.end(), root) && now == comp.claims) continue;
      comp.claims = std::move(now);
      for (size_t k = 0; k < comp.clusters.size(); ++k) {
        BuildIncident(comp.clusters[k], comp.claims[k], comp.incidents[k]);
      }
      order_dirty = true;
    }
    if (order_dirty) {
      ordered.clear();
      for (const auto& [root, comp] : components) {
        for (const Incident& i : comp.incidents) ordered.push_back(&i);
      }
      std::sort(ordered.begin(), ordered.end(), [](const Incident* a, const Incident* b) {
        if (a->arrival != b->arrival) return a->arrival < b->arrival;
        return a->reports.front()->event_id() < b->reports.front()->event_id();
      });
      order_dirty = false;
    }
  }

  const Incident* IncidentOfNode(uint32_t n) {
    Refresh();
    return &components.at(Find(n)).incidents[nodes[n].cluster];
  }
};

Corroborator::Corroborator(const Scenario& scenario) : impl_(std::make_unique<Impl>(scenario)) {}
Corroborator::~Corroborator() = default;

void Corroborator::AddReports(std::span<const ReportEntry> entries) { impl_->AddReports(entries); }

void Corroborator::AddClaims(std::span<const Claim> claims) {
  impl_->changed = true;
  impl_->claims.insert(impl_->claims.end(), claims.begin(), claims.end());
}

Result<Decision> Corroborator::CompleteDecision(Decision decision) {
  return impl_->Complete(std::move(decision));
}

Status Corroborator::AddDecision(Decision decision) { return impl_->Add(std::move(decision)); }

std::vector<const Incident*> Corroborator::Incidents() {
  impl_->Refresh();
  return impl_->ordered;
}

const Incident* Corroborator::Find(std::string_view id) {
  if (!id.starts_with(kIdPrefix)) return nullptr;
  const auto it = impl_->by_event.find(std::string(id.substr(kIdPrefix.size())));
  if (it == impl_->by_event.end()) return nullptr;
  return impl_->IncidentOfNode(it->second);
}

const Incident* Corroborator::IncidentOfReport(std::string_view event_id) {
  const auto it = impl_->by_event.find(std::string(event_id));
  return it == impl_->by_event.end() ? nullptr : impl_->IncidentOfNode(it->second);
}

std::vector<const Claim*> Corroborator::UnlinkedClaims() {
  impl_->Refresh();
  std::vector<const Claim*> out;
  for (size_t i = 0; i < impl_->claims.size(); ++i) {
    if (impl_->claim_node[i] == kNone) out.push_back(&impl_->claims[i]);
  }
  return out;
}

CorroborationStats Corroborator::Stats() {
  impl_->Refresh();
  CorroborationStats s;
  s.reports = impl_->nodes.size();
  s.too_vague = impl_->too_vague;
  s.components = impl_->components.size();
  s.incidents = impl_->ordered.size();
  s.claims = impl_->claims.size();
  s.claims_linked = static_cast<size_t>(std::count_if(
      impl_->claim_node.begin(), impl_->claim_node.end(), [](uint32_t n) { return n != kNone; }));
  s.decisions = impl_->decisions.size();
  return s;
}

}  // namespace truce
