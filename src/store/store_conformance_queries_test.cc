// The store conformance suite, continued: the query tables (reports, positions, claims, ...).
#include <algorithm>
#include <set>

#include <gtest/gtest.h>

#include "store/store_conformance.h"

namespace truce::store {
namespace {

using conformance::StoreConformance;
using conformance::V;
using testing::ReportEntry;
using testing::T;

// --- Queries --------------------------------------------------------------------------------

TEST_P(StoreConformance, ReportQueriesLatestRevisionsAsOfFiltersAndPages) {
  ASSERT_TRUE(
      AppendAll({ReportEntry(0, "A", 1, "2024-01-01T10:00:00Z", "2017-06-01"),
                 ReportEntry(1, "B", 1, "2024-01-01T11:00:00Z", "2017-07-01", 35.0),
                 ReportEntry(2, "A", 2, "2024-01-03T10:00:00Z", "2017-06-01", 33.6),
                 ReportEntry(3, "C", 1, "2024-01-04T10:00:00Z", "2017-08-01", 33.5, "party-x")})
          .ok());
  EXPECT_EQ(Ids(*store_->QueryReports({})), (V{"B/1", "A/2", "C/1"}));
  ReportQuery all;
  all.all_revisions = true;
  EXPECT_EQ(Ids(*store_->QueryReports(all)), (V{"A/1", "B/1", "A/2", "C/1"}));
  ReportQuery past;
  past.as_of = T("2024-01-02");
  EXPECT_EQ(Ids(*store_->QueryReports(past)), (V{"A/1", "B/1"}));
  // as_of is inclusive: what was received at that very millisecond counts.
  past.as_of = T("2024-01-03T10:00:00Z");
  EXPECT_EQ(Ids(*store_->QueryReports(past)), (V{"B/1", "A/2"}));
  ReportQuery when;
  when.from = T("2017-06-15");
  when.to = T("2017-07-15");
  EXPECT_EQ(Ids(*store_->QueryReports(when)), (V{"B/1"}));
  ReportQuery box;
  box.bbox = LatLngRect{33.55, 33.65, 36.0, 37.0};
  EXPECT_EQ(Ids(*store_->QueryReports(box)), (V{"A/2"}));
  ReportQuery by_party;
  by_party.party = "party-x";
  EXPECT_EQ(Ids(*store_->QueryReports(by_party)), (V{"C/1"}));
  ReportQuery by_event;
  by_event.event_id = "A";
  by_event.all_revisions = true;
  EXPECT_EQ(Ids(*store_->QueryReports(by_event)), (V{"A/1", "A/2"}));
  ReportQuery by_type;
  by_type.event_type = "Protests";
  EXPECT_TRUE(store_->QueryReports(by_type)->empty());
  ReportQuery page;
  page.limit = 2;
  auto first = *store_->QueryReports(page);
  EXPECT_EQ(Ids(first), (V{"B/1", "A/2"}));
  page.after = first.back().row.entry;
  EXPECT_EQ(Ids(*store_->QueryReports(page)), (V{"C/1"}));
  EXPECT_EQ((*store_->QueryReports({}))[1].data, "{\"report\":2}");
}

TEST_P(StoreConformance, TheLatestRevisionIsChosenBeforeTheOtherFilters) {
  // A's revision 2 moved out of the box: A is not in the box any more, even though revision 1
  // was (filters apply to the latest revision, not to any revision).
  ASSERT_TRUE(AppendAll({ReportEntry(0, "A", 1, "2024-01-01T10:00:00Z", "2017-06-01", 33.5),
                         ReportEntry(1, "A", 2, "2024-01-02T10:00:00Z", "2017-06-01", 40.0)})
                  .ok());
  ReportQuery box;
  box.bbox = LatLngRect{33.0, 34.0, 36.0, 37.0};
  EXPECT_TRUE(store_->QueryReports(box)->empty());
  box.as_of = T("2024-01-01T12:00:00Z");
  EXPECT_EQ(Ids(*store_->QueryReports(box)), (V{"A/1"}));
  box.as_of.reset();
  box.all_revisions = true;
  EXPECT_EQ(Ids(*store_->QueryReports(box)), (V{"A/1"}));
}

TEST_P(StoreConformance, IntervalAndBoxEdges) {
  // The event of entry 0 happens over [2017-06-01, 2017-06-02); centre 33.5, 36.4.
  ASSERT_TRUE(AppendAll({ReportEntry(0, "A", 1, "2024-01-01T10:00:00Z", "2017-06-01")}).ok());
  auto count = [&](ReportQuery q) { return store_->QueryReports(q)->size(); };
  ReportQuery q;
  q.from = T("2017-06-02");  // overlaps [from, to) only if it ends after `from`
  EXPECT_EQ(count(q), 0u);
  q.from = T("2017-06-01T23:59:59.999Z");
  EXPECT_EQ(count(q), 1u);
  q = {};
  q.to = T("2017-06-01");  // ... and begins before `to`
  EXPECT_EQ(count(q), 0u);
  q.to = T("2017-06-01T00:00:00.001Z");
  EXPECT_EQ(count(q), 1u);
  q = {};
  q.bbox = LatLngRect{33.5, 33.5, 36.4, 36.4};  // closed box: the edge is inside
  EXPECT_EQ(count(q), 1u);
  q.bbox = LatLngRect{33.50000001, 34, 36, 37};
  EXPECT_EQ(count(q), 0u);
  q.bbox = LatLngRect{34, 33, 36, 37};  // empty box
  EXPECT_EQ(count(q), 0u);
}

TEST_P(StoreConformance, PositionsClaimsScenariosPublications) {
  LogEntry e{0, "positions", T("2024-01-01"), "tok", "", "[...]", LeafHash("p"), "sig"};
  EntryIndex rows;
  for (int i = 0; i < 5; ++i) {
    rows.positions.push_back(PositionRow{0, i, i % 2 ? "abc123" : "def456",
                                         T("2018-08-01") + std::chrono::seconds(i), 46.0 + i, 7.0,
                                         "{}"});
  }
  LogEntry c{1, "claim", T("2024-01-02"), "tok", "party-x", "{claim}", LeafHash("c"), "sig"};
  EntryIndex claim_rows;
  claim_rows.claims.push_back(ClaimRow{1, "party-x", "A", "deny", c.received_at});
  LogEntry s{2, "scenario", T("2024-01-03"), "tok", "", "{scenario}", LeafHash("s"), "sig"};
  EntryIndex scenario_rows;
  scenario_rows.scenarios.push_back(ScenarioRow{2, "astana", 1, "abcd", s.received_at});
  LogEntry p{3, "publication", T("2024-01-04"), "tok", "", "{pub}", LeafHash("u"), "sig"};
  EntryIndex pub_rows;
  pub_rows.publications.push_back(PublicationRow{3, "A", p.received_at});
  LogEntry c2{4, "claim", T("2024-01-05"), "tok", "party-y", "{claim2}", LeafHash("c2"), "sig"};
  EntryIndex claim2_rows;
  claim2_rows.claims.push_back(ClaimRow{4, "party-y", "", "assert", c2.received_at});
  LogEntry s2{5, "scenario", T("2024-01-06"), "tok", "", "{scenario2}", LeafHash("s2"), "sig"};
  EntryIndex scenario2_rows;
  scenario2_rows.scenarios.push_back(ScenarioRow{5, "astana", 2, "ef01", s2.received_at});
  const std::vector<LogEntry> entries{e, c, s, p, c2, s2};
  const std::vector<EntryIndex> index{rows,     claim_rows,  scenario_rows,
                                      pub_rows, claim2_rows, scenario2_rows};
  ASSERT_TRUE(store_->Append(entries, index, TreeHead{6, Hash{}, T("2024-01-06"), "h"}).ok());

  PositionQuery pq;
  pq.icao24 = "abc123";
  EXPECT_EQ(store_->QueryPositions(pq)->size(), 2u);
  PositionQuery page;
  page.limit = 2;
  auto first = *store_->QueryPositions(page);
  ASSERT_EQ(first.size(), 2u);
  EXPECT_EQ(first[0], rows.positions[0]);
  page.after = std::make_pair(first.back().entry, first.back().ordinal);
  auto second = *store_->QueryPositions(page);
  ASSERT_EQ(second.size(), 2u);
  EXPECT_EQ(second[0].ordinal, 2);
  PositionQuery box;
  box.bbox = LatLngRect{47.5, 49.5, 6.0, 8.0};
  EXPECT_EQ(store_->QueryPositions(box)->size(), 2u);
  PositionQuery times;  // [from, to)
  times.from = T("2018-08-01T00:00:01Z");
  times.to = T("2018-08-01T00:00:03Z");
  EXPECT_EQ(store_->QueryPositions(times)->size(), 2u);
  PositionQuery before;
  before.as_of = T("2023-12-31");
  EXPECT_TRUE(store_->QueryPositions(before)->empty());
  before.as_of = T("2024-01-01");
  EXPECT_EQ(store_->QueryPositions(before)->size(), 5u);

  ClaimQuery cq;
  cq.incident = "A";
  auto claims = *store_->QueryClaims(cq);
  ASSERT_EQ(claims.size(), 1u);
  EXPECT_EQ(claims[0].data, "{claim}");
  EXPECT_EQ(claims[0].row, claim_rows.claims[0]);
  cq.as_of = T("2024-01-01");
  EXPECT_TRUE(store_->QueryClaims(cq)->empty());
  ClaimQuery by_party;
  by_party.party = "party-y";
  EXPECT_EQ(store_->QueryClaims(by_party)->size(), 1u);
  ClaimQuery claim_page;
  claim_page.limit = 1;
  auto one = *store_->QueryClaims(claim_page);
  ASSERT_EQ(one.size(), 1u);
  claim_page.after = one[0].row.entry;
  auto two = *store_->QueryClaims(claim_page);
  ASSERT_EQ(two.size(), 1u);
  EXPECT_EQ(two[0].row.entry, 4u);

  EXPECT_FALSE(store_->LatestScenario(T("2024-01-02"))->has_value());
  auto in_force = *store_->LatestScenario(T("2024-01-04"));
  ASSERT_TRUE(in_force.has_value());
  EXPECT_EQ(in_force->row.version, 1);
  auto scenario = *store_->LatestScenario(std::nullopt);
  ASSERT_TRUE(scenario.has_value());
  EXPECT_EQ(scenario->row, scenario2_rows.scenarios[0]);
  EXPECT_EQ(scenario->data, "{scenario2}");
  auto versions = *store_->ScenarioVersions();
  ASSERT_EQ(versions.size(), 2u);
  EXPECT_EQ(versions[0].version, 1);
  EXPECT_EQ(versions[1].version, 2);
  EXPECT_EQ(*store_->Publications(std::nullopt), pub_rows.publications);
  EXPECT_TRUE(store_->Publications(T("2024-01-03"))->empty());
  EXPECT_EQ(store_->Publications(T("2024-01-04"))->size(), 1u);

  std::vector<uint64_t> scanned;
  ASSERT_TRUE(store_
                  ->ScanEntries(1,
                                [&](const LogEntry& entry, const EntryIndex& stored) {
                                  scanned.push_back(entry.index);
                                  EXPECT_EQ(stored, index[entry.index]);
                                  return true;
                                })
                  .ok());
  EXPECT_EQ(scanned, (std::vector<uint64_t>{1, 2, 3, 4, 5}));
  EXPECT_FALSE(store_->FirstOrphanRow()->has_value());
}

TEST_P(StoreConformance, CursorsWalkEveryRowOnce) {
  std::vector<std::pair<LogEntry, EntryIndex>> batch;
  for (uint64_t i = 0; i < 23; ++i) {
    auto entry = ReportEntry(i, "E" + std::to_string(i % 7), static_cast<int>(i / 7) + 1,
                             "2024-01-01T10:00:00Z", "2017-06-01");
    for (int k = 0; k < 3; ++k) {
      entry.second.positions.push_back(
          PositionRow{i, k, "abc123", T("2018-01-01"), 40.0 + k, 30.0, "{}"});
    }
    batch.push_back(entry);
  }
  ASSERT_TRUE(AppendAll(batch).ok());
  for (size_t limit : {1u, 4u, 7u}) {
    ReportQuery q;
    q.all_revisions = true;
    q.limit = limit;
    std::vector<uint64_t> seen;
    for (;;) {
      auto page = *store_->QueryReports(q);
      for (const auto& r : page) seen.push_back(r.row.entry);
      if (page.size() < limit) break;
      q.after = page.back().row.entry;
    }
    ASSERT_EQ(seen.size(), 23u) << limit;
    for (size_t i = 0; i < seen.size(); ++i) EXPECT_EQ(seen[i], i);

    PositionQuery pq;
    pq.limit = limit;
    std::vector<std::pair<uint64_t, int>> positions;
    for (;;) {
      auto page = *store_->QueryPositions(pq);
      for (const auto& p : page) positions.emplace_back(p.entry, p.ordinal);
      if (page.size() < limit) break;
      pq.after = positions.back();
    }
    ASSERT_EQ(positions.size(), 69u) << limit;
    EXPECT_TRUE(std::is_sorted(positions.begin(), positions.end()));
    EXPECT_EQ(std::set(positions.begin(), positions.end()).size(), 69u);
  }
  ReportQuery latest;  // latest revisions only: E0..E6, at their last entries
  EXPECT_EQ(store_->QueryReports(latest)->size(), 7u);
}

}  // namespace
}  // namespace truce::store
