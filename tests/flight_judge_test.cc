// app::FlightJudge and JudgeFlightFiles: positions judged as they are read give exactly what
// JudgeFlights gives for all of them at once, on the real Swiss sample in the orders feeds come
// in (as the file has it, by time, grouped by aircraft), while holding a fraction of the
// positions; and an input whose order does not allow it is read again whole, with the same
// answer.
#include <algorithm>
#include <filesystem>
#include <fstream>
#include <random>
#include <string>
#include <vector>

#include <unistd.h>

#include <fmt/format.h>
#include <gtest/gtest.h>

#include "app/flights.h"
#include "flight_test_zones.h"
#include "formats/flight_json.h"
#include "formats/geojson.h"
#include "formats/json_reader.h"
#include "formats/positions.h"
#include "shared_data.h"
#include "truce/flight_monitor.h"
#include "truce/zone_index.h"

namespace truce {
namespace {

namespace fs = std::filesystem;

constexpr const char* kSwiss = "flights/traffic_collections_switzerland.json.gz";

class FlightJudgeTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    auto doc = formats::ParseJson(testing::kFlightTestZones, "flight_test_zones.h");
    ASSERT_TRUE(doc.ok()) << doc.error().message;
    auto zones = formats::ReadZoneVersions(*doc, "flight_test_zones.h");
    ASSERT_TRUE(zones.ok()) << zones.error().message;
    zones_ = new std::vector<ZoneVersion>(std::move(zones).value());
    locator_ = MakeZoneLocator(*zones_).release();
    monitor_ = new FlightMonitor(*zones_, *locator_);
  }
  static void TearDownTestSuite() {
    delete monitor_;
    delete locator_;
    delete zones_;
  }

  void TearDown() override {
    for (const std::string& f : written_) fs::remove(f);
  }

  // The Swiss sample's positions, in the file's order.
  static std::vector<Position> Swiss() {
    auto batch = formats::ReadPositionsFile(testing::SharedDataPath(kSwiss));
    EXPECT_TRUE(batch.ok());
    return batch.ok() ? std::move(batch->positions) : std::vector<Position>{};
  }

  // Writes `positions` as JSON lines in the traffic schema.
  std::string WriteLines(const std::string& name, const std::vector<Position>& positions) {
    const std::string path =
        (fs::temp_directory_path() / fmt::format("truce_judge_{}_{}", ::getpid(), name)).string();
    std::ofstream out(path);
    for (const Position& p : positions) {
      out << fmt::format(
          R"({{"timestamp":{},"icao24":"{}","latitude":{:.17g},"longitude":{:.17g},"callsign":"{}"}})"
          "\n",
          p.time.time_since_epoch().count(), p.icao24, p.where.lat(), p.where.lng(), p.callsign);
    }
    written_.push_back(path);
    return path;
  }

  // The positions of `files` read whole, in order.
  static std::vector<Position> ReadWhole(const std::vector<std::string>& files) {
    std::vector<Position> out;
    for (const std::string& f : files) {
      auto batch = formats::ReadPositionsFile(f);
      EXPECT_TRUE(batch.ok()) << f;
      if (batch.ok())
        std::move(batch->positions.begin(), batch->positions.end(), std::back_inserter(out));
    }
    return out;
  }

  // JudgeFlightFiles over `files` against JudgeFlights over their positions read whole: the
  // same violations and counts. The result, for the caller's own checks.
  app::JudgedFlights ExpectJudgedAlike(const std::vector<std::string>& files,
                                       const app::FlightJudgeOptions& options) {
    TrackStats whole_stats;
    const auto whole = Dump(app::JudgeFlights(ReadWhole(files), *monitor_, &whole_stats));
    auto judged = app::JudgeFlightFiles(files, *monitor_, options);
    EXPECT_TRUE(judged.ok()) << judged.error().message;
    if (!judged.ok()) return {};
    EXPECT_EQ(Dump(judged->violations), whole);
    ExpectSameStats(judged->stats, whole_stats);
    return std::move(judged).value();
  }

  // Feeds `positions` to a judge in parts of `part`, as a reader would.
  static std::vector<FlightViolation> Feed(app::FlightJudge& judge, std::vector<Position> positions,
                                           TrackStats* stats, size_t part = 1000) {
    for (size_t at = 0; at < positions.size(); at += part) {
      std::vector<Position> piece(
          std::make_move_iterator(positions.begin() + static_cast<ptrdiff_t>(at)),
          std::make_move_iterator(positions.begin() +
                                  static_cast<ptrdiff_t>(std::min(positions.size(), at + part))));
      if (!judge.Take(piece)) return {};
    }
    return judge.Finish(stats);
  }

  static std::vector<std::string> Dump(const std::vector<FlightViolation>& violations) {
    std::vector<std::string> out;
    for (const FlightViolation& v : violations) {
      out.push_back(formats::FlightViolationToJson(v).dump());
    }
    return out;
  }

  static void ExpectSameStats(const TrackStats& a, const TrackStats& b) {
    EXPECT_EQ(a.positions, b.positions);
    EXPECT_EQ(a.duplicates, b.duplicates);
    EXPECT_EQ(a.aircraft, b.aircraft);
    EXPECT_EQ(a.tracks, b.tracks);
    EXPECT_EQ(a.gap_splits, b.gap_splits);
  }

  static inline std::vector<ZoneVersion>* zones_ = nullptr;
  static inline ZoneLocator* locator_ = nullptr;
  static inline FlightMonitor* monitor_ = nullptr;
  std::vector<std::string> written_;
};

// A budget small enough that the Swiss sample (139,098 positions) presses it all the time.
constexpr app::FlightJudgeOptions kTight{4000, 500};

// By time, grouped by aircraft, and as the file has it (flights grouped, an aircraft's flights
// not in time order). Judged as they come under a tight budget, the violations are
// JudgeFlights' to the byte, in its order, with its counts.
TEST_F(FlightJudgeTest, OrderedFeedsAreJudgedAsTheyComeExactly) {
  TRUCE_REQUIRE_SHARED_DATA(kSwiss);
  std::vector<Position> swiss = Swiss();
  ASSERT_EQ(swiss.size(), 139'098u);
  TrackStats whole_stats;
  const auto whole = Dump(app::JudgeFlights(swiss, *monitor_, &whole_stats));
  ASSERT_EQ(whole.size(), 2095u);  // as tests/cli_flights_test.cc

  auto by_time = swiss;
  std::stable_sort(by_time.begin(), by_time.end(),
                   [](const Position& a, const Position& b) { return a.time < b.time; });
  auto by_aircraft = swiss;
  std::stable_sort(by_aircraft.begin(), by_aircraft.end(),
                   [](const Position& a, const Position& b) {
                     return std::tie(a.icao24, a.time) < std::tie(b.icao24, b.time);
                   });
  for (const auto& [name, positions] :
       {std::pair{"by time", by_time}, {"by aircraft", by_aircraft}, {"as in the file", swiss}}) {
    SCOPED_TRACE(name);
    app::FlightJudge judge(*monitor_, kTight);
    TrackStats stats;
    const auto streamed = Dump(Feed(judge, positions, &stats));
    ASSERT_FALSE(judge.spoiled());
    EXPECT_EQ(streamed, whole);
    ExpectSameStats(stats, whole_stats);
    EXPECT_GT(judge.judged_early(), 1000u);
    // The aircraft in flight at once, not the file: a small part of it.
    EXPECT_LT(judge.max_held(), swiss.size() / 5) << judge.max_held();
  }
}

// The file's own order (flights grouped, an aircraft's flights not in time order) fits the
// default budget: read in one pass, the same answer.
TEST_F(FlightJudgeTest, TheSampleAsItIsFitsTheDefaultBudget) {
  TRUCE_REQUIRE_SHARED_DATA(kSwiss);
  const auto judged = ExpectJudgedAlike({testing::SharedDataPath(kSwiss)}, {});
  EXPECT_FALSE(judged.read_whole);
  EXPECT_EQ(judged.records, 139'098u);
}

// Under a tight budget an input in no order spoils the judgement (an aircraft's fixes come after
// a track of it was judged); JudgeFlightFiles then reads it whole: the same answer. Backwards in
// time is an order, and judged as it comes.
TEST_F(FlightJudgeTest, AnOrderThatSpoilsIsReadAgainWhole) {
  TRUCE_REQUIRE_SHARED_DATA(kSwiss);
  std::vector<Position> swiss = Swiss();
  std::vector<Position> backwards = swiss;
  std::stable_sort(backwards.begin(), backwards.end(),
                   [](const Position& a, const Position& b) { return a.time > b.time; });
  {
    app::FlightJudge judge(*monitor_, kTight);
    TrackStats stats, whole_stats;
    EXPECT_EQ(Dump(Feed(judge, backwards, &stats)),
              Dump(app::JudgeFlights(backwards, *monitor_, &whole_stats)));
    EXPECT_FALSE(judge.spoiled());
    ExpectSameStats(stats, whole_stats);
  }
  std::shuffle(swiss.begin(), swiss.end(), std::mt19937(2017));
  const std::vector<std::string> files = {WriteLines("shuffled.jsonl", swiss)};
  app::FlightJudge judge(*monitor_, kTight);
  Feed(judge, ReadWhole(files), nullptr);
  EXPECT_TRUE(judge.spoiled());
  const auto judged = ExpectJudgedAlike(files, kTight);
  EXPECT_TRUE(judged.read_whole);
  EXPECT_EQ(judged.max_held, 139'098u);
}

// Several files are one input: the sample by time, cut in three files of JSON lines.
TEST_F(FlightJudgeTest, SeveralFilesAreOneInput) {
  TRUCE_REQUIRE_SHARED_DATA(kSwiss);
  std::vector<Position> swiss = Swiss();
  std::stable_sort(swiss.begin(), swiss.end(),
                   [](const Position& a, const Position& b) { return a.time < b.time; });
  const size_t third = swiss.size() / 3;
  const std::vector<std::string> files = {
      WriteLines("a.jsonl", {swiss.begin(), swiss.begin() + third}),
      WriteLines("b.jsonl", {swiss.begin() + third, swiss.begin() + 2 * third}),
      WriteLines("c.jsonl", {swiss.begin() + 2 * third, swiss.end()})};
  const auto judged = ExpectJudgedAlike(files, kTight);
  EXPECT_GT(judged.violations.size(), 2000u);
  EXPECT_FALSE(judged.read_whole);
  EXPECT_LT(judged.max_held, swiss.size() / 5);
  // A file that cannot be read is the error, as ReadPositionsFile gives it.
  auto missing = app::JudgeFlightFiles({files[0], files[1] + ".missing"}, *monitor_);
  ASSERT_FALSE(missing.ok());
  EXPECT_NE(missing.error().message.find(".missing"), std::string::npos);
}

// What spoils and what does not: a position within max_gap of a track judged early (or at its
// very time: a duplicate) spoils; one more than max_gap after it starts a track of its own.
TEST_F(FlightJudgeTest, OnlyAPositionThatWouldJoinAJudgedTrackSpoils) {
  const UtcTime t0 = UtcTime(std::chrono::seconds(1533101250));
  const auto gap = monitor_->options().max_gap;
  auto fix = [&](const std::string& icao, UtcTime t) {
    Position p;
    p.icao24 = icao;
    p.time = t;
    p.where = LatLng(46.9, 7.4);
    return p;
  };
  // Aircraft a: ten fixes; then 100 other aircraft a minute each, pressing a budget of 50 so
  // that a is judged; then a once more.
  auto run = [&](UtcTime again) {
    std::vector<Position> in;
    for (int i = 0; i < 10; ++i) in.push_back(fix("aaaaaa", t0 + std::chrono::seconds(10 * i)));
    for (int k = 0; k < 100; ++k) {
      for (int i = 0; i < 6; ++i) {
        in.push_back(
            fix(fmt::format("{:06x}", k + 1), t0 + std::chrono::seconds(100 + 60 * k + 10 * i)));
      }
    }
    in.push_back(fix("aaaaaa", again));
    app::FlightJudge judge(*monitor_, app::FlightJudgeOptions{50, 10});
    std::vector<Position> copy = in;
    TrackStats stats, whole_stats;
    Feed(judge, in, &stats, 7);
    EXPECT_GT(judge.judged_early(), 0u);
    if (!judge.spoiled()) {
      app::JudgeFlights(copy, *monitor_, &whole_stats);
      ExpectSameStats(stats, whole_stats);
    }
    return judge.spoiled();
  };
  const UtcTime last = t0 + std::chrono::seconds(90);
  EXPECT_TRUE(run(last));                                        // a duplicate
  EXPECT_TRUE(run(t0 + std::chrono::seconds(45)));               // inside the track
  EXPECT_TRUE(run(last + gap));                                  // would join it
  EXPECT_TRUE(run(t0 - gap));                                    // would join it, before
  EXPECT_FALSE(run(last + gap + std::chrono::milliseconds(1)));  // a track of its own
  EXPECT_FALSE(run(t0 - gap - std::chrono::milliseconds(1)));    // one before it
}

// An aircraft with many tracks judged early, in time order or backwards: a fix that would join
// any one of them spoils, one between two of them, more than max_gap from both, does not.
TEST_F(FlightJudgeTest, ManyJudgedTracksOfOneAircraftAreAllWatched) {
  const UtcTime t0 = UtcTime(std::chrono::seconds(1533101250));
  const auto gap = monitor_->options().max_gap;
  const auto spacing = 3 * gap;  // tracks of two fixes, 3 max_gap apart
  auto fix = [&](UtcTime t, const char* icao = "abcdef") {
    Position p;
    p.icao24 = icao;
    p.time = t;
    p.where = LatLng(46.9, 7.4);
    return p;
  };
  // Between two of its tracks, another aircraft far later in time, so that the first is
  // silent and behind: each of its tracks is judged before the next comes.
  const UtcTime later = t0 + 100 * spacing;
  for (const bool backwards : {false, true}) {
    std::vector<Position> in;
    for (int k = 0; k < 60; ++k) {
      const int track = backwards ? 59 - k : k;
      in.push_back(fix(t0 + track * spacing));
      in.push_back(fix(t0 + track * spacing + std::chrono::seconds(10)));
      for (int j = 0; j < 10; ++j) {
        in.push_back(fix(later + std::chrono::seconds(10 * k + j), "fedcba"));
      }
    }
    auto spoils = [&](UtcTime again) {
      // Every sweep of 4 sees the other aircraft; this one is silent through most.
      app::FlightJudge judge(*monitor_, app::FlightJudgeOptions{0, 4});
      std::vector<Position> all = in;
      all.push_back(fix(again));
      TrackStats stats, whole_stats;
      const auto streamed = Dump(Feed(judge, all, &stats, 1));
      if (judge.spoiled()) return true;
      EXPECT_GT(judge.judged_early(), 50u);
      EXPECT_EQ(streamed, Dump(app::JudgeFlights(all, *monitor_, &whole_stats)));
      ExpectSameStats(stats, whole_stats);
      return false;
    };
    SCOPED_TRACE(backwards ? "backwards" : "forwards");
    const UtcTime middle = t0 + 30 * spacing;
    EXPECT_TRUE(spoils(middle + std::chrono::seconds(5)));
    EXPECT_TRUE(spoils(middle + std::chrono::seconds(10) + gap));
    EXPECT_TRUE(spoils(middle - gap));
    EXPECT_FALSE(spoils(middle + std::chrono::seconds(10) + gap + std::chrono::milliseconds(1)));
    EXPECT_FALSE(spoils(middle - gap - std::chrono::milliseconds(1)));
  }
}

// Aircraft grouped one after the other over the same hours: the latest time read is soon the
// end of the day, so times alone never show a track over; an aircraft's silence does.
TEST_F(FlightJudgeTest, AircraftGroupedOverTheSameHoursAreJudgedAsTheyEnd) {
  const UtcTime t0 = UtcTime(std::chrono::seconds(1533101250));
  std::vector<Position> in;
  for (int a = 0; a < 100; ++a) {
    for (int i = 0; i < 1000; ++i) {
      Position p;
      p.icao24 = fmt::format("{:06x}", 0x400000 + a);
      p.time = t0 + std::chrono::seconds(10 * i);
      // Across the Jura and Zurich zones of the test zones, a little apart per aircraft.
      p.where = LatLng(46.5 + 0.0013 * i + 0.001 * a, 6.0 + 0.0025 * i);
      in.push_back(std::move(p));
    }
  }
  TrackStats whole_stats;
  const auto whole = Dump(app::JudgeFlights(in, *monitor_, &whole_stats));
  ASSERT_GT(whole.size(), 100u);
  app::FlightJudge judge(*monitor_, kTight);
  TrackStats stats;
  EXPECT_EQ(Dump(Feed(judge, in, &stats)), whole);
  EXPECT_FALSE(judge.spoiled());
  ExpectSameStats(stats, whole_stats);
  EXPECT_LT(judge.max_held(), 10'000u) << "an aircraft's silence did not end its track";
}

// Keeps what JudgeFlightFiles refuses, as a --skip-invalid file would.
class KeptRejects : public app::RejectedSink {
 public:
  void Take(const formats::RejectedPosition& r) override { origins.push_back(r.origin); }
  void StartOver() override {
    ++start_overs;
    origins.clear();
  }
  std::vector<std::string> origins;
  size_t start_overs = 0;
};

// Refused records go to the caller as they are read, every one, in order; the result keeps a
// count and the first hundred. When the judgement spoils, they come again from the start.
TEST_F(FlightJudgeTest, RefusedRecordsGoToTheCallerAsTheyAreRead) {
  TRUCE_REQUIRE_SHARED_DATA(kSwiss);
  std::vector<Position> swiss = Swiss();
  swiss.resize(30000);
  std::stable_sort(swiss.begin(), swiss.end(),
                   [](const Position& a, const Position& b) { return a.time < b.time; });
  // JSON lines with a bad latitude every 20th line: 1,500 refused.
  std::string lines;
  for (size_t i = 0; i < swiss.size(); ++i) {
    const Position& p = swiss[i];
    lines += fmt::format(R"({{"timestamp":{},"icao24":"{}","latitude":{},"longitude":{:.17g}}})"
                         "\n",
                         p.time.time_since_epoch().count(), p.icao24,
                         i % 20 == 7 ? std::string("95") : fmt::format("{:.17g}", p.where.lat()),
                         p.where.lng());
  }
  const std::string path = WriteLines("refused.jsonl", {});
  std::ofstream(path) << lines;
  const auto reference = formats::ReadPositionsFile(path);
  ASSERT_TRUE(reference.ok());
  ASSERT_EQ(reference->rejected.size(), 1500u);
  std::vector<std::string> want;
  for (const auto& r : reference->rejected) want.push_back(r.origin);
  const auto whole = Dump(app::JudgeFlights(reference->positions, *monitor_));

  KeptRejects kept;
  auto judged = app::JudgeFlightFiles({path}, *monitor_, kTight, &kept);
  ASSERT_TRUE(judged.ok()) << judged.error().message;
  EXPECT_FALSE(judged->read_whole);
  EXPECT_EQ(judged->rejected, 1500u);
  ASSERT_EQ(judged->first_rejected.size(), app::JudgedFlights::kKeptRejected);
  EXPECT_EQ(judged->first_rejected.front().origin, want.front());
  EXPECT_EQ(judged->first_rejected.back().origin, want[app::JudgedFlights::kKeptRejected - 1]);
  EXPECT_EQ(kept.origins, want);
  EXPECT_EQ(kept.start_overs, 0u);
  EXPECT_EQ(Dump(judged->violations), whole);
  const Error e = app::RefusedPositionsError(*judged, "nothing was evaluated");
  EXPECT_EQ(e.message, "1500 bad position records (nothing was evaluated)");
  ASSERT_EQ(e.problems.size(), app::JudgedFlights::kKeptRejected + 1);
  EXPECT_EQ(e.problems.back().message, "... and 1400 more bad records");

  // Shuffled, the judgement spoils under a tight budget: the records refused before come again.
  std::vector<std::string> shuffled;
  for (size_t at = 0; at < lines.size();) {
    const size_t end = lines.find('\n', at);
    shuffled.push_back(lines.substr(at, end + 1 - at));
    at = end + 1;
  }
  std::shuffle(shuffled.begin(), shuffled.end(), std::mt19937(7));
  std::ofstream out(path, std::ios::trunc);
  for (const std::string& l : shuffled) out << l;
  out.close();
  const auto again = formats::ReadPositionsFile(path);
  ASSERT_TRUE(again.ok());
  std::vector<std::string> want_again;
  for (const auto& r : again->rejected) want_again.push_back(r.origin);
  KeptRejects kept_again;
  auto spoiled =
      app::JudgeFlightFiles({path}, *monitor_, app::FlightJudgeOptions{100, 50}, &kept_again);
  ASSERT_TRUE(spoiled.ok()) << spoiled.error().message;
  EXPECT_TRUE(spoiled->read_whole);
  EXPECT_EQ(kept_again.start_overs, 1u);
  EXPECT_EQ(kept_again.origins, want_again);
  EXPECT_EQ(spoiled->rejected, 1500u);
  EXPECT_EQ(Dump(spoiled->violations), Dump(app::JudgeFlights(again->positions, *monitor_)));
}

// A file judged as it is read is not held, so it may hold more text than a file read whole
// may; one that must be read whole after all is refused with the limit, saying why.
TEST_F(FlightJudgeTest, OnlyAFileReadWholeKeepsToTheLimitForAFileReadWhole) {
  TRUCE_REQUIRE_SHARED_DATA(kSwiss);
  std::vector<Position> swiss = Swiss();
  std::stable_sort(swiss.begin(), swiss.end(),
                   [](const Position& a, const Position& b) { return a.time < b.time; });
  const std::vector<std::string> ordered = {WriteLines("ordered.jsonl", swiss)};
  ASSERT_GT(fs::file_size(ordered[0]), size_t{10} << 20);
  app::FlightJudgeOptions small = kTight;
  small.max_whole_bytes = size_t{1} << 20;
  const auto judged = ExpectJudgedAlike(ordered, small);
  EXPECT_FALSE(judged.read_whole);

  std::shuffle(swiss.begin(), swiss.end(), std::mt19937(3));
  const std::vector<std::string> shuffled = {WriteLines("shuffled.jsonl", swiss)};
  auto refused = app::JudgeFlightFiles(shuffled, *monitor_, small);
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().code, ErrorCode::kInvalidInput);
  EXPECT_NE(refused.error().message.find(shuffled[0] + ": "), std::string::npos);
  EXPECT_NE(refused.error().message.find("more than 1 MiB, the limit for an input file"),
            std::string::npos)
      << refused.error().message;
  EXPECT_NE(refused.error().message.find("in no order by time or by aircraft; sort the files"),
            std::string::npos)
      << refused.error().message;
  // Any other error of the whole read is the file's own, without the note.
  auto missing = app::JudgeFlightFiles({shuffled[0], shuffled[0] + ".missing"}, *monitor_, kTight);
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().message, shuffled[0] + ".missing: no such file");
  // The limit on what is streamed holds too, when a caller sets one.
  small.max_streamed_bytes = size_t{2} << 20;
  auto streamed = app::JudgeFlightFiles(ordered, *monitor_, small);
  ASSERT_FALSE(streamed.ok());
  EXPECT_NE(streamed.error().message.find("more than 2 MiB"), std::string::npos)
      << streamed.error().message;
}

// A reader that starts a file again (a record its fast path cannot vouch for) spoils the
// judgement; the whole read then gives the rejects and the answer as without a judge.
TEST_F(FlightJudgeTest, AReaderRestartIsReadAgainWhole) {
  TRUCE_REQUIRE_SHARED_DATA(kSwiss);
  std::vector<Position> swiss = Swiss();
  swiss.resize(5000);
  const std::string path = WriteLines("restart.json", {});
  {
    std::ofstream out(path);
    out << "[";
    for (size_t i = 0; i < swiss.size(); ++i) {
      const Position& p = swiss[i];
      out << fmt::format(
          R"({{"timestamp":{},"icao24":"{}","latitude":{:.17g},"longitude":{:.17g}}},)",
          p.time.time_since_epoch().count(), p.icao24, p.where.lat(), p.where.lng());
    }
    out << R"({"timestamp":1533101250000,"icao24":"xyz","latitude":1,"longitude":2}])";
  }
  auto judged = app::JudgeFlightFiles({path}, *monitor_);
  ASSERT_TRUE(judged.ok()) << judged.error().message;
  EXPECT_TRUE(judged->read_whole);
  ASSERT_EQ(judged->rejected, 1u);
  ASSERT_EQ(judged->first_rejected.size(), 1u);
  EXPECT_EQ(judged->records, 5001u);
  const auto whole = Dump(app::JudgeFlights(ReadWhole({path}), *monitor_));
  ASSERT_FALSE(whole.empty());
  EXPECT_EQ(Dump(judged->violations), whole);
}

}  // namespace
}  // namespace truce
