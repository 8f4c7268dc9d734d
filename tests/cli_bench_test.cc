// End-to-end: `truce bench zones`, run as the real binary (the pattern of cli_test.cc).
#include <filesystem>
#include <fstream>
#include <random>
#include <regex>
#include <sstream>

#include <gtest/gtest.h>

#include "cli_harness.h"

namespace truce {
namespace {

namespace fs = std::filesystem;
using testing::CliRun;

class CliBenchTest : public testing::CliHarness {
 protected:
  // A zone with a hole, a second version of it, and a neighbour sharing an edge.
  std::string ZonesFile() {
    return Write("zones.geojson", R"({"type":"FeatureCollection","features":[
      {"type":"Feature","properties":{"zone":"ghouta","version":1,"valid_from":"2017-05-06","valid_to":"2017-07-22"},
       "geometry":{"type":"Polygon","coordinates":[[[36.3,33.5],[36.6,33.5],[36.6,33.7],[36.3,33.7],[36.3,33.5]],
                                                   [[36.4,33.55],[36.4,33.6],[36.5,33.6],[36.5,33.55],[36.4,33.55]]]}},
      {"type":"Feature","properties":{"zone":"ghouta","version":2,"valid_from":"2017-07-22"},
       "geometry":{"type":"Polygon","coordinates":[[[36.3,33.5],[36.45,33.5],[36.45,33.7],[36.3,33.7],[36.3,33.5]]]}},
      {"type":"Feature","properties":{"zone":"east","valid_from":"2017-05-06"},
       "geometry":{"type":"Polygon","coordinates":[[[36.6,33.5],[36.9,33.5],[36.9,33.7],[36.6,33.7],[36.6,33.5]]]}}]})");
  }
};

// The value of the machine-readable line `key=VALUE`, which must be one of the last three.
double Figure(const std::string& out, const std::string& key) {
  std::smatch m;
  const std::regex re("(^|\n)" + key + "=([0-9.]+)\n");
  if (!std::regex_search(out, m, re)) return -1;
  return std::stod(m[2]);
}

TEST_F(CliBenchTest, ZonesFileEndsWithThreeMachineReadableLines) {
  const CliRun r = Truce("bench zones " + ZonesFile() + " --points 20000 --seed 7");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.err, "");
  EXPECT_NE(r.out.find("3 versions"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("identical on all 20000 points"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("truce ZoneIndex"), std::string::npos);
  EXPECT_NE(r.out.find("GEOS prepared geometry + STRtree"), std::string::npos);
  // Exactly three machine-readable lines, last, in this order.
  const std::regex tail(
      "\ntruce_lookups_per_s=[0-9]+\ngeos_lookups_per_s=[0-9]+\nratio_vs_geos=[0-9]+\\.[0-9]+\n$");
  EXPECT_TRUE(std::regex_search(r.out, tail)) << r.out;
  const double truce = Figure(r.out, "truce_lookups_per_s"),
               geos = Figure(r.out, "geos_lookups_per_s");
  const double ratio = Figure(r.out, "ratio_vs_geos");
  EXPECT_GT(truce, 0);
  EXPECT_GT(geos, 0);
  EXPECT_NEAR(ratio, truce / geos, 0.01 * ratio + 0.01);
}

TEST_F(CliBenchTest, DefaultsToTheShippedScenarioInTheWorkingDirectory) {
  ASSERT_TRUE(fs::exists(fs::path(TRUCE_SOURCE_DIR) / "scenarios/astana-2017"));
  const CliRun r = Truce("bench zones --points 5000", "/dev/null", TRUCE_SOURCE_DIR);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("zones: scenarios/astana-2017:"), std::string::npos) << r.out;
  EXPECT_GT(Figure(r.out, "ratio_vs_geos"), 0);
}

TEST_F(CliBenchTest, BadInputExits1WithNothingOnStdout) {
  CliRun r = Truce("bench zones " + (dir_ / "missing.geojson").string() + " --points 100");
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(r.out, "");
  EXPECT_NE(r.err.find("error: "), std::string::npos);
  EXPECT_NE(r.err.find("missing.geojson"), std::string::npos) << r.err;

  r = Truce("bench zones " + Write("bad.geojson", R"({"type":"FeatureCollection","features":[
      {"type":"Feature","properties":{"zone":"z","valid_from":"2017-05-06"},
       "geometry":{"type":"Polygon","coordinates":[[[0,0],[1,1],[1,0],[0,1],[0,0]]]}}]})") +
            " --points 100");
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(r.out, "");
  EXPECT_NE(r.err.find("bad.geojson"), std::string::npos) << r.err;  // the bow tie is named
}

TEST_F(CliBenchTest, UsageErrorsExit2) {
  EXPECT_EQ(Truce("bench").exit_code, 2);
  EXPECT_EQ(Truce("bench zones " + ZonesFile() + " --points 0").exit_code, 2);
  EXPECT_EQ(Truce("bench zones " + ZonesFile() + " --points many").exit_code, 2);
  const CliRun r = Truce("bench zones --help");
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_NE(r.out.find("--points"), std::string::npos);
}

// `truce bench ingest` on a tiny run: every store it writes verifies, and the last lines are
// the two ratios the performance goals name (docs/performance.md).
TEST_F(CliBenchTest, IngestEndsWithTheTwoRatios) {
  const std::string dir = (dir_ / "ingest").string();
  const CliRun r = Truce("bench ingest --dir " + dir + " --single 32 --batched 300 --batch 100");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  for (const char* name : {"raw_single", "raw_batch100", "app_single", "app_batch100",
                           "app_concurrent16", "store_batch100"}) {
    EXPECT_NE(r.out.find(name), std::string::npos) << name << "\n" << r.out;
  }
  const std::regex tail(
      "\nratio_batch100_vs_raw=[0-9]+\\.[0-9]+\nratio_concurrent16_vs_raw_single=[0-9]+\\.[0-9]+"
      "\n$");
  EXPECT_TRUE(std::regex_search(r.out, tail)) << r.out;
  EXPECT_GT(Figure(r.out, "ratio_concurrent16_vs_raw_single"), 0);
  // The store alone, writing app_batch100's log again: the floor under the application's rate.
  EXPECT_GT(Figure(r.out, "ratio_store_batch100_vs_raw"), 0);
  // The application's stores, and the store's copy, are real logs: `truce verify` passes on each.
  for (const char* db : {"app_single.db", "app_batch.db", "app_concurrent.db", "store_batch.db"}) {
    const CliRun v = Truce("verify --db " + dir + "/" + db);
    EXPECT_EQ(v.exit_code, 0) << db << ": " << v.err << v.out;
  }
  // Refuses to write over an earlier run.
  EXPECT_EQ(Truce("bench ingest --dir " + dir + " --single 16 --batched 10").exit_code, 1);
}

}  // namespace
}  // namespace truce
