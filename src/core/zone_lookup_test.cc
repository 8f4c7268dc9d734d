#include "truce/zone_lookup.h"

#include <gtest/gtest.h>

#include "truce/text_format.h"

namespace truce {
namespace {

UtcTime T(const char* s) { return *ParseUtcTime(s); }

ZoneVersion Make(std::string zone, int version, const char* shape, const char* from,
                 const char* to = nullptr) {
  ZoneVersionSpec s;
  s.origin = "test";
  s.zone = std::move(zone);
  s.version = version;
  s.valid_from = T(from);
  if (to) s.valid_to = T(to);
  s.shape = MakeMultiPolygonOrDie(shape);
  return std::move(ZoneVersion::Create(std::move(s))).value();
}

std::vector<std::string> Names(const std::vector<const ZoneVersion*>& hits) {
  std::vector<std::string> out;
  for (const ZoneVersion* v : hits) out.push_back(v->zone() + "#" + std::to_string(v->version()));
  return out;
}

class GeosZoneLocatorTest : public ::testing::Test {
 protected:
  // A square with a hole, the same zone shrunk in version 2, and a neighbour sharing an edge.
  std::vector<ZoneVersion> versions_ = [] {
    std::vector<ZoneVersion> v;
    v.push_back(
        Make("a", 1, "0:0, 0:10, 10:10, 10:0; 4:4, 4:6, 6:6, 6:4", "2017-05-06", "2017-07-22"));
    v.push_back(Make("a", 2, "0:0, 0:5, 10:5, 10:0", "2017-07-22"));
    v.push_back(Make("b", 1, "0:10, 0:20, 10:20, 10:10", "2017-05-06"));
    return v;
  }();
  GeosZoneLocator locator_{versions_};
};

TEST_F(GeosZoneLocatorTest, InteriorHoleAndOutside) {
  EXPECT_EQ(Names(locator_.Locate(LatLng(2, 2), T("2017-06-01"))), std::vector<std::string>{"a#1"});
  EXPECT_TRUE(locator_.Locate(LatLng(5, 5), T("2017-06-01")).empty());  // in the hole
  EXPECT_TRUE(locator_.Locate(LatLng(-1, 2), T("2017-06-01")).empty());
}

TEST_F(GeosZoneLocatorTest, BoundaryCountsAsInside) {
  // On the shared edge lng = 10: both zones cover it.
  EXPECT_EQ(Names(locator_.Locate(LatLng(3, 10), T("2017-06-01"))),
            (std::vector<std::string>{"a#1", "b#1"}));
  // On the hole's edge and at a vertex.
  EXPECT_EQ(Names(locator_.Locate(LatLng(4, 5), T("2017-06-01"))), std::vector<std::string>{"a#1"});
  EXPECT_EQ(Names(locator_.Locate(LatLng(0, 0), T("2017-06-01"))), std::vector<std::string>{"a#1"});
}

TEST_F(GeosZoneLocatorTest, TimeSelectsTheVersion) {
  EXPECT_TRUE(locator_.Locate(LatLng(2, 2), T("2017-05-05")).empty());
  EXPECT_EQ(Names(locator_.Locate(LatLng(2, 2), T("2017-07-22"))), std::vector<std::string>{"a#2"});
  // (2, 8) was in version 1 but not in the shrunk version 2.
  EXPECT_EQ(Names(locator_.Locate(LatLng(8, 2), T("2017-07-21T23:59:59Z"))),
            std::vector<std::string>{"a#1"});
  EXPECT_TRUE(locator_.Locate(LatLng(2, 8), T("2017-07-22")).empty());
}

}  // namespace
}  // namespace truce
