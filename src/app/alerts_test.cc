// Alert ids: numbered within the range of the log entry that caused them, so that a kind added
// later (whose alerts appear on replay at entries that had none, or after the older kinds' in
// the same entry) renumbers no other alert; readers resume by id across such a change.
#include "app/alerts.h"

#include <gtest/gtest.h>

namespace truce::app {
namespace {

Alert At(uint64_t log_index, AlertKind kind) {
  Alert a;
  a.kind = kind;
  a.log_index = log_index;
  a.record_kind = RecordKind::kFlightViolation;
  a.record = {{"entry", log_index}};
  return a;
}

std::vector<uint64_t> Ids(const AlertLog& log, std::optional<AlertKind> kind = std::nullopt) {
  std::vector<uint64_t> out;
  for (const Alert& a : log.After(0, 1000, kind)) out.push_back(a.id);
  return out;
}

TEST(AlertIdsTest, AnIdDependsOnlyOnItsEntryAndItsPlaceInIt) {
  EXPECT_EQ(FirstAlertId(0), 1u);
  EXPECT_EQ(FirstAlertId(3), (uint64_t{3} << 20) + 1);
  // A log replayed by a build that knows only flight alerts ...
  AlertLog before;
  before.Publish({At(3, AlertKind::kFlightEntry), At(3, AlertKind::kFlightExit)});
  before.Publish({At(7, AlertKind::kFlightEntry)});
  // ... and by one that also produces site alerts: at an entry that had none, and after the
  // flight alerts of an entry that had some.
  AlertLog after;
  after.Publish({At(3, AlertKind::kFlightEntry), At(3, AlertKind::kFlightExit),
                 At(3, AlertKind::kSiteOverflight)});
  after.Publish({At(5, AlertKind::kSiteReport)});
  after.Publish({At(7, AlertKind::kFlightEntry)});
  EXPECT_EQ(Ids(before),
            (std::vector<uint64_t>{FirstAlertId(3), FirstAlertId(3) + 1, FirstAlertId(7)}));
  std::vector<uint64_t> flights;
  for (const Alert& a : after.After(0, 1000)) {
    if (a.kind == AlertKind::kFlightEntry || a.kind == AlertKind::kFlightExit) {
      flights.push_back(a.id);
    }
  }
  EXPECT_EQ(flights, Ids(before));
  EXPECT_EQ(Ids(after, AlertKind::kSiteReport), std::vector<uint64_t>{FirstAlertId(5)});
  EXPECT_EQ(after.last_id(), FirstAlertId(7));
  // Resuming after an id gives what follows it, whatever the gaps.
  const auto rest = after.After(FirstAlertId(3) + 1, 10);
  ASSERT_EQ(rest.size(), 3u);
  EXPECT_EQ(rest[0].kind, AlertKind::kSiteOverflight);
  EXPECT_EQ(rest[1].id, FirstAlertId(5));
  EXPECT_TRUE(after.After(after.last_id(), 10).empty());
  EXPECT_EQ(AlertLog().last_id(), 0u);
}

TEST(AlertIdsTest, IdsAlwaysIncrease) {
  // More alerts in one entry than its range holds run on into the next entry's range; the
  // next entry's alerts still come after them.
  AlertLog log;
  std::vector<Alert> many(3, At(0, AlertKind::kFlightEntry));
  log.Publish(std::move(many));
  log.Publish({At(0, AlertKind::kFlightExit)});  // a second call for one entry
  log.Publish({At(1, AlertKind::kFlightEntry)});
  const std::vector<uint64_t> ids = Ids(log);
  ASSERT_EQ(ids.size(), 5u);
  for (size_t i = 1; i < ids.size(); ++i) EXPECT_LT(ids[i - 1], ids[i]);
  EXPECT_EQ(ids[3], 4u);
  EXPECT_EQ(ids[4], FirstAlertId(1));
}

TEST(AlertIdsTest, EveryKindHasAName) {
  for (AlertKind k : AllAlertKinds()) {
    EXPECT_EQ(AlertKindFromName(AlertKindName(k)), k);
    EXPECT_NE(AlertKindList().find(AlertKindName(k)), std::string::npos);
  }
  EXPECT_EQ(AllAlertKinds().size(), 7u);
  EXPECT_FALSE(AlertKindFromName("site_raid").has_value());
}

}  // namespace
}  // namespace truce::app
