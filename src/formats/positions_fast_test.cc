// The fast position readers against the reference reader (positions.h): on the real ADS-B
// samples (as traffic JSON, as JSON lines and as OpenSky CSV) and on every kind of defect, the
// same records accepted with the same values and the same records or files refused with the
// same messages. The bad-input corpus is compared the same way in
// tests/bad_input/bad_input_test.cc.
#include <cmath>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include <unistd.h>

#include <fmt/format.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "json_reader.h"
#include "position_diff.h"
#include "positions.h"
#include "shared_data.h"
#include "text_file.h"

namespace truce::formats {
namespace {

using testing::ExpectSameBatch;

void ExpectSame(const std::string& text, const std::string& name) {
  ExpectSameBatch(ParsePositions(text, name), ParsePositionsReference(text, name), name);
}

constexpr const char* kTrafficFiles[] = {
    "flights/traffic_collections_switzerland.json.gz",
    "flights/traffic_collections_savan.json.gz",
    "flights/traffic_military_inflight_refuelling.json.gz",
};

constexpr const char* kOpenSkyHeader =
    "time,icao24,lat,lon,velocity,heading,vertrate,callsign,onground,alert,spi,squawk,"
    "baroaltitude,geoaltitude,lastposupdate,lastcontact\n";

std::string Field(const nlohmann::json& v, double scale = 1) {
  if (v.is_null()) return "";
  if (v.is_number()) return fmt::format("{}", v.get<double>() * scale);
  if (v.is_boolean()) return v.get<bool>() ? "True" : "False";
  return v.get<std::string>();
}

// The real samples in the three forms, each read by both readers.
TEST(PositionsFastTest, RealSamplesReadAlikeInEveryForm) {
  for (const char* file : kTrafficFiles) {
    TRUCE_REQUIRE_SHARED_DATA(file);
    const std::string text = *ReadTextFile(testing::SharedDataPath(file));
    auto fast = ParsePositions(text, file);
    ASSERT_TRUE(fast.ok()) << fast.error().message;
    EXPECT_GT(fast->positions.size(), 10000u) << file;
    ExpectSameBatch(fast, ParsePositionsReference(text, file), file);

    const auto records = *ParseJson(text, file);
    std::string lines, csv = kOpenSkyHeader;
    for (const auto& r : records) {
      lines += r.dump() + "\n";
      csv += fmt::format("{},{},{},{},,,,{},{},,,,{},{},{},\n", Field(r["timestamp"], 1e-3),
                         Field(r["icao24"]), Field(r.value("latitude", nlohmann::json())),
                         Field(r.value("longitude", nlohmann::json())),
                         Field(r.value("callsign", nlohmann::json())),
                         Field(r.value("onground", nlohmann::json())),
                         Field(r.value("altitude", nlohmann::json()), 0.3048),
                         Field(r.value("geoaltitude", nlohmann::json()), 0.3048),
                         Field(r.value("last_position", nlohmann::json()), 1e-3));
    }
    ExpectSame(lines, std::string(file) + ".jsonl");
    ExpectSame(csv, std::string(file) + ".csv");
    auto from_csv = ParsePositions(csv, "states.csv");
    ASSERT_TRUE(from_csv.ok());
    EXPECT_EQ(from_csv->positions.size(), fast->positions.size()) << file;
  }
}

// One good record of each schema and every defect we know, each between two good records.
const std::vector<std::string>& JsonRecords() {
  static const std::vector<std::string> records = [] {
    const std::string base = R"("timestamp":1533101250000,"icao24":"3003ae")";
    auto with = [&](const std::string& rest) { return "{" + base + "," + rest + "}"; };
    std::vector<std::string> r = {
        with(R"("latitude":45.8,"longitude":9.2,"altitude":1000)"),
        R"({"time":1533101250,"icao24":"3003ae","lat":45.8,"lon":9.2,"baroaltitude":1000})",
        with(R"("latitude":-0,"longitude":-0.0)"),
        with(R"("latitude":0,"longitude":0e0,"altitude":-0)"),
        with(R"("latitude":45.8,"longitude":9.2,"altitude":123456789012345678901234)"),
        with(R"("latitude":45.8,"longitude":9.2,"altitude":9007199254740993)"),
        with(R"("latitude":45.8,"longitude":9.2,"altitude":1e400)"),
        with(R"("latitude":45.8,"longitude":9.2,"altitude":1e-400)"),
        with(R"("latitude":"45.8","longitude":9.2)"),
        with(R"("latitude":45.8,"longitude":9.2,"altitude":"high")"),
        with(R"("latitude":95,"longitude":9.2)"),
        with(R"("latitude":45.8,"longitude":-181)"),
        with(R"("latitude":45.8)"),
        with(R"("latitude":null,"longitude":null)"),
        with(R"("latitude":"","longitude":"")"),
        with(R"("latitude":45.8,"longitude":9.2,"last_position":"")"),
        with(R"("latitude":45.8,"longitude":9.2,"last_position":null)"),
        with(R"("latitude":45.8,"longitude":9.2,"last_position":1)"),
        with(R"("latitude":45.8,"longitude":9.2,"last_position":1533101249123.4)"),
        R"({"timestamp":"2018-08-01T05:27:30Z","icao24":"3003ae","latitude":1,"longitude":2})",
        R"({"timestamp":"yesterday","icao24":"3003ae","latitude":1,"longitude":2})",
        R"({"timestamp":"1533101250000","icao24":"3003ae","latitude":1,"longitude":2})",
        R"({"timestamp":1533101250,"icao24":"3003ae","latitude":1,"longitude":2})",
        R"({"timestamp":null,"icao24":"3003ae","latitude":1,"longitude":2})",
        R"({"icao24":"3003ae","latitude":1,"longitude":2})",
        R"({"timestamp":1533101250000,"icao24":"3003AE","latitude":1,"longitude":2})",
        R"({"timestamp":1533101250000,"icao24":"xyz","latitude":1,"longitude":2})",
        R"({"timestamp":1533101250000,"icao24":3003,"latitude":1,"longitude":2})",
        R"({"timestamp":1533101250000,"latitude":1,"longitude":2})",
        R"({"timestamp":1533101250000,"icao24":"\u0033003ae","latitude":1,"longitude":2})",
        with(R"("latitude":1,"longitude":2,"callsign":"DLH 8JW  ")"),
        with(R"("latitude":1,"longitude":2,"callsign":"\u202eABC")"),
        with(R"("latitude":1,"longitude":2,"callsign":"A\u200bB")"),
        with("\"latitude\":1,\"longitude\":2,\"callsign\":\"A\xE2\x80\x8B"
             "B\""),
        with(R"("latitude":1,"longitude":2,"callsign":"ABCDEFGHIJKLMNOPQ")"),
        with(R"("latitude":1,"longitude":2,"callsign":7)"),
        with(R"("latitude":1,"longitude":2,"callsign":null)"),
        with("\"latitude\":1,\"longitude\":2,\"callsign\":\"caf\xC3\xA9\""),
        with(R"("latitude":1,"longitude":2,"onground":true)"),
        with(R"("latitude":1,"longitude":2,"onground":1)"),
        with(R"("latitude":1,"longitude":2,"onground":0)"),
        with(R"("latitude":1,"longitude":2,"onground":2)"),
        with(R"("latitude":1,"longitude":2,"onground":1.0)"),
        with(R"("latitude":1,"longitude":2,"onground":"true")"),
        with(R"("latitude":1,"longitude":2,"onground":"yes")"),
        with(R"("latitude":1,"longitude":2,"onground":"")"),
        with(R"("latitude":1,"longitude":2,"extra":{"a":1})"),
        with(R"("latitude":1,"longitude":2,"extra":[1,"\u202e"])"),
        with(R"("latitude":1,"longitude":2,"ex tra":1)"),
        with(R"("latitude":1,"longitude":2,"\u0000":1)"),
        with(R"("latitude":1,"longitude":2,"extra":"tab\there")"),
        with("\"latitude\":1,\"longitude\":2,\"extra\":\"raw\ttab\""),
        with("\"latitude\":1,\"longitude\":2,\"extra\":\"bad \xC3\x28 utf8\""),
        with(R"("latitude":1,"longitude":2,"extra":"\ud800")"),
        with(R"("latitude":1,"longitude":2,"latitude":3)"),
        with(R"("latitude":1,"longitude":2,"x":1,"x":2)"),
        with(R"("latitude":1,"longitude":2,"extra":")" + std::string(70000, 'a') + "\""),
        with(R"("latitude":1,"longitude":2,"extra":)" + std::string(70, '[') +
             std::string(70, ']')),
        with(R"("latitude":1,"longitude":2,"extra":tru)"),
        with(R"("latitude":1,"longitude":2,)"),
        with(R"("latitude":1 "longitude":2)"),
        R"({"time":1533101250,"icao24":"3003ae","lat":45.8,"lon":9.2,"onground":"True"})",
        R"({"time":1533101250000,"icao24":"3003ae","lat":45.8,"lon":9.2})",
        with(R"("latitude":1,"longitude":2,"callsign":"dlh8jw")"),
        with(R"("latitude":1,"longitude":2,"callsign":"DLH-8JW")"),
        R"({"time":1533101250,"icao24":"3003ae","lat":45.8,"lon":9.2,"lat":1})",
        R"({"time":1533101250,"icao24":"3003ae","icao24":"3003ae","lat":45.8,"lon":9.2})",
        R"({"time":1533101250,"icao24":"3003ae","lat":45.8,"lon":9.2,"lot":1,"tim":2,)"
        R"("lastposupdat_":3,"last_positioN":4,"Latitude":5,"icao2":6,"callsigns":7})",
        R"({"time":1533101250,"icao24":"3003ae","lat":45.8,"lon":9.2,"last_position":1,)"
        R"("lastposupdate":1533101249,"altitude":"x","baroaltitude":3})",
        R"({"timestamp":1533101250000,"icao24":"3003ae","lat":45.8,"lon":9.2})",
        R"({"lat":45.8,"lon":9.2,"icao24":"3003ae"})",
        "{}",
        "42",
        "[]",
        "\"x\"",
        "null",
    };
    return r;
  }();
  return records;
}

TEST(PositionsFastTest, EveryDefectReadsAlikeAsAnArrayAndAsLines) {
  const std::string good = JsonRecords().front();
  for (size_t i = 0; i < JsonRecords().size(); ++i) {
    const std::string& r = JsonRecords()[i];
    const std::string name = fmt::format("case{}.json", i);
    ExpectSame("[\n" + good + ",\n" + r + ",\n" + good + "\n]\n", name);
    ExpectSame("[" + r + "]", name);
    ExpectSame(good + "\n" + r + "\r\n  " + good + "\n\n", name + "l");
    ExpectSame(r, name + "l");
  }
  // The array itself.
  for (const std::string& text :
       {std::string("[]"), std::string(" [ ] "), "\xEF\xBB\xBF[" + good + "]", "[" + good + "] x",
        "[" + good + "] ]", "[" + good + ",]", "[" + good + "," + good, "[" + good + "][]",
        "[[" + good + "]]", "[" + good + "]\n\n"}) {
    ExpectSame(text, "array.json");
  }
}

// A good OpenSky CSV row, and rows with every kind of defect.
constexpr const char* kGoodCsvRow =
    "1533101250,3003ae,45.8,9.2,,,,DLH8JW,False,,,,1000,1020,1533101249.5,\n";

std::vector<std::string> CsvDefectRows() {
  const std::string good = kGoodCsvRow;
  return {
      good,
      "1533101250,3003ae,-0,-0.0,,,,,,,,,-0,,,\n",
      "2018-08-01T05:27:30Z,3003ae,45.8,9.2,,,,,,,,,,,,\n",
      "yesterday,3003ae,45.8,9.2,,,,,,,,,,,,\n",
      "1533101250000,3003ae,45.8,9.2,,,,,,,,,,,,\n",
      ",3003ae,45.8,9.2,,,,,,,,,,,,\n",
      "1533101250,3003ae,abc,9.2,,,,,,,,,,,,\n",
      "1533101250,3003ae,,,,,,DLH8JW,,,,,,,,\n",
      "1533101250,3003ae,45.8,,,,,,,,,,,,,\n",
      "1533101250,xyz,45.8,9.2,,,,,,,,,,,,\n",
      "1533101250,,45.8,9.2,,,,,,,,,,,,\n",
      "1533101250,3003ae,+45.8, 9.2 ,,,,,,,,,,,,\n",
      "1533101250,3003ae,95,9.2,,,,,,,,,,,,\n",
      "1533101250,3003ae,45.8,9.2,,,,\xE2\x80\xAE"
      "ABC,,,,,,,,\n",
      "1533101250,3003ae,45.8,9.2,,,,A\xE2\x80\x8B"
      "B,,,,,,,,\n",
      "1533101250,3003ae,45.8,9.2,,,,ABCDEFGHIJKLMNOPQ,,,,,,,,\n",
      "1533101250,3003ae,45.8,9.2,,,,\"DLH 8JW \",,,,,,,,\n",
      "1533101250,3003ae,45.8,9.2,,,,caf\xC3\xA9,,,,,,,,\n",
      "1533101250,3003ae,45.8,9.2,,,,bad\xC3\x28,,,,,,,,\n",
      "1533101250,3003ae,45.8,9.2,,,,,True,,,,,,,\n",
      "1533101250,3003ae,45.8,9.2,,,,,1,,,,,,,\n",
      "1533101250,3003ae,45.8,9.2,,,,,0,,,,,,,\n",
      "1533101250,3003ae,45.8,9.2,,,,,yes,,,,,,,\n",
      "1533101250,3003ae,45.8,9.2,,,,,,,,,high,,,\n",
      "1533101250,3003ae,45.8,9.2,,,,,,,,,1e400,,,\n",
      "1533101250,3003ae,45.8,9.2,,,,,,,,,,,x,\n",
      "1533101250,3003ae,45.8,9.2,,,,,,,,,,,1,\n",
      "1533101250,3003ae,45.8,9.2,,,,\"" + std::string(70000, 'A') + "\",,,,,,,,\n",
      "1533101250,3003ae,45.8,9.2,,,,A\tB,,,,,,,,\n",
      "1533101250,3003ae,45.8,9.2\n",
      "1533101250,3003ae,45.8,9.2,,,,\"open,,,,,,,,\n",
  };
}

// Rows the fast path splits itself around rows the CSV reader reads: line numbers, blank
// lines, quoted fields over several lines, line ends, a row of the wrong width.
std::vector<std::string> CsvTexts() {
  const std::string good = kGoodCsvRow;
  const std::string bad = "1533101250,3003ae,95,9.2,,,,,,,,,,,,\n";
  return {
      std::string(kOpenSkyHeader) + good + "\n\r\n" + bad + "\n" + good,
      std::string(kOpenSkyHeader) + good + "1533101250,3003ae,45.8,9.2,,,,\"DLH\n8JW\",,,,,,,,\n" +
          bad + good,
      std::string(kOpenSkyHeader) + good + "1533101250,3003ae,45.8,9.2,,,,\"DLH8JW\",,,,,,,,\n" +
          bad,
      std::string(kOpenSkyHeader) + good + "1533101250,3003ae,45.8,9.2,,,,\"DLH,8JW\",,,,,,,,\n" +
          bad,
      std::string(kOpenSkyHeader) + good + bad + "1533101250,3003ae,45.8,9.2,,,,,,,,,,,\n" + good,
      std::string(kOpenSkyHeader) + good + bad + "1533101250,3003ae,45.8,9.2,,,,,,,,,,,,,\n",
      std::string(kOpenSkyHeader) + bad + "1533101250,3003ae,45.8,9.2,,,,,,,,,,,,",
      std::string(kOpenSkyHeader) + bad + "1533101250,3003ae,45.8,9.2,,,,,,,,,,,,\r",
      std::string(kOpenSkyHeader) + bad + "1533101250,3003ae,45.8,9.2,,,,AB\rC,,,,,,,,\n" + bad,
      std::string(kOpenSkyHeader) + bad + "1533101250,3003ae,45.8,9.2,,,,\"open,,,,,,,,\n" + good,
      std::string(kOpenSkyHeader) + bad + "1533101250,3003ae,45.8,9.2,,,,x\"y,,,,,,,,\n" + good,
      std::string(kOpenSkyHeader) + bad + "  \n" + good,
      "\xEF\xBB\xBF" + std::string(kOpenSkyHeader) + good + bad,
      "\n\n" + std::string(kOpenSkyHeader) + "\n" + good + bad + "\n\n",
      // The header alone, with and without its line end; a quoted header.
      std::string(kOpenSkyHeader),
      std::string(kOpenSkyHeader).substr(0, std::string(kOpenSkyHeader).size() - 1),
      "\"time\",icao24,lat,lon\n1533101250,3003ae,45.8,9.2\n" + bad,
      "time,icao24,lat,lon\r\n1533101250,3003ae,45.8,9.2\r\n1533101250,3003ae,95,9.2\r\n",
  };
}

TEST(PositionsFastTest, EveryCsvDefectReadsAlike) {
  const std::string good = kGoodCsvRow;
  const std::vector<std::string> rows = CsvDefectRows();
  for (size_t i = 0; i < rows.size(); ++i) {
    const std::string name = fmt::format("case{}.csv", i);
    ExpectSame(kOpenSkyHeader + good + rows[i] + good, name);
    std::string crlf = kOpenSkyHeader + rows[i];
    for (size_t at = crlf.find('\n'); at != std::string::npos; at = crlf.find('\n', at + 2)) {
      crlf.replace(at, 1, "\r\n");
    }
    ExpectSame(crlf, name);
  }
  for (const std::string& text : CsvTexts()) {
    ExpectSame(text, "rows.csv");
  }
  // Fewer columns: only the required ones.
  ExpectSame("time,icao24,lat,lon\n1533101250,3003ae,45.8,9.2\n", "short.csv");
  ExpectSame("icao24,lat,lon\n3003ae,45.8,9.2\n", "missing.csv");
}

// Keeps what ReadPositionsFile gives a sink: the positions and refused records, forgotten at a
// restart.
class RecordingSink : public PositionSink {
 public:
  // Stops the reading after `stop_after` calls to Take (0: never).
  explicit RecordingSink(size_t stop_after = 0) : stop_after_(stop_after) {}

  bool Take(std::vector<Position>& positions) override {
    ++takes;
    std::move(positions.begin(), positions.end(), std::back_inserter(kept));
    return stop_after_ == 0 || takes < stop_after_;
  }
  bool TakeRejected(std::vector<RejectedPosition>& rejected) override {
    std::move(rejected.begin(), rejected.end(), std::back_inserter(refused));
    return true;
  }
  bool Restart() override {
    ++restarts;
    kept.clear();
    refused.clear();
    return true;
  }

  std::vector<Position> kept;
  std::vector<RejectedPosition> refused;
  size_t takes = 0, restarts = 0;

 private:
  size_t stop_after_;
};

// The batch ReadPositionsFile returns with a sink, with the positions and refused records the
// sink kept put back.
Result<PositionBatch> ReadThroughSink(const std::string& path, const PositionStreamOptions& o) {
  RecordingSink sink;
  auto batch = ReadPositionsFile(path, o, &sink);
  if (batch.ok()) {
    EXPECT_TRUE(batch->positions.empty()) << path << ": a sink's positions stay in the batch";
    EXPECT_TRUE(batch->rejected.empty()) << path << ": a sink's refused records stay in the batch";
    batch->positions = std::move(sink.kept);
    batch->rejected = std::move(sink.refused);
  }
  return batch;
}

// ReadPositionsFile (the text streamed through a window) against ReadTextFile and the reference
// reader: `text` written to a file, read with windows and pieces of several sizes so that the
// cuts fall everywhere, between records and inside them, with and without a sink.
class StreamedFile {
 public:
  explicit StreamedFile(const std::string& name)
      : path_((std::filesystem::temp_directory_path() /
               fmt::format("truce_positions_{}_{}", ::getpid(), name))
                  .string()) {}
  ~StreamedFile() { std::filesystem::remove(path_); }
  const std::string& path() const { return path_; }

  void Write(std::string_view text) const { std::ofstream(path_, std::ios::binary) << text; }

  // Every window and piece size against the reference.
  void ExpectSameAsReference(const std::string& what) const {
    const auto text = ReadTextFile(path_);
    ASSERT_TRUE(text.ok());
    const auto reference = ParsePositionsReference(*text, path_);
    for (const auto& [window, piece] :
         {std::pair<size_t, size_t>{1, 1},
          {1, 7},
          {16, 3},
          {100, 64},
          {1000, 1},
          {PositionStreamOptions{}.window_bytes, PositionStreamOptions{}.chunk_bytes}}) {
      for (const bool ahead : {true, false}) {
        const PositionStreamOptions o{window, piece, ahead};
        const std::string where = fmt::format("{} (window {}, pieces of {}{})", what, window, piece,
                                              ahead ? ", read ahead" : "");
        ExpectSameBatch(ReadPositionsFile(path_, o), reference, where);
        ExpectSameBatch(ReadThroughSink(path_, o), reference, where + " through a sink");
        if (::testing::Test::HasFailure()) return;
      }
    }
  }

 private:
  std::string path_;
};

TEST(PositionsStreamTest, RealSamplesReadAlike) {
  for (const char* file : kTrafficFiles) {
    TRUCE_REQUIRE_SHARED_DATA(file);
    const std::string path = testing::SharedDataPath(file);
    const auto reference = ParsePositionsReference(*ReadTextFile(path), path);
    ASSERT_TRUE(reference.ok());
    for (const size_t window : {size_t{4096}, PositionStreamOptions{}.window_bytes}) {
      for (const size_t piece : {size_t{1000}, PositionStreamOptions{}.chunk_bytes}) {
        const PositionStreamOptions o{window, piece};
        const std::string where = fmt::format("{} (window {}, pieces of {})", file, window, piece);
        ExpectSameBatch(ReadPositionsFile(path, o), reference, where);
        ExpectSameBatch(ReadThroughSink(path, o), reference, where + " through a sink");
      }
    }
  }
}

TEST(PositionsStreamTest, EveryDefectReadsAlike) {
  const std::string good = JsonRecords().front();
  const StreamedFile file("defect.json");
  for (size_t i = 0; i < JsonRecords().size(); ++i) {
    const std::string& r = JsonRecords()[i];
    const std::string what = fmt::format("case {}", i);
    file.Write("[\n" + good + ",\n" + good + " ,\n" + r + ",\n" + good + "\n]\n");
    file.ExpectSameAsReference(what + " in an array");
    file.Write("[" + r + "]");
    file.ExpectSameAsReference(what + " alone in an array");
    file.Write(good + "\n" + r + "\r\n  " + good + "\n\n");
    file.ExpectSameAsReference(what + " in JSON lines");
    file.Write(r);
    file.ExpectSameAsReference(what + " alone");
  }
  // The array itself, and cuts that are not between records (a '},' in a string).
  const std::string tricky =
      R"({"timestamp":1533101250000,"icao24":"3003ae","latitude":1,"longitude":2,"x":"},{"})";
  for (const std::string& text : {std::string(""),
                                  std::string(" \n "),
                                  std::string("[]"),
                                  std::string(" [ ] "),
                                  "\xEF\xBB\xBF[" + good + "]",
                                  "\xEF\xBB\xBF" + good,
                                  "[" + good + "] x",
                                  "[" + good + "] ]",
                                  "[" + good + ",]",
                                  "[" + good + ", ]",
                                  "[" + good + "," + good + ",]",
                                  "[" + good + ",\n\n]",
                                  "[" + good + "," + good,
                                  "[" + good + "," + good + ",",
                                  "[" + good + "][]",
                                  "[[" + good + "]]",
                                  "[" + good + "]\n\n",
                                  "[" + good + ",," + good + "]",
                                  "[" + good + "," + tricky + "," + good + "]",
                                  "[" + tricky + "," + tricky + "]",
                                  "[" + good + "," + tricky + "," + good,
                                  "[ ," + good + "]",
                                  "[" + good + "}," + good + "]",
                                  "\n\n  [" + good + " , " + good + "\t,\r\n" + good + "]"}) {
    file.Write(text);
    file.ExpectSameAsReference(nlohmann::json(text).dump());
  }
}

// OpenSky CSV is read a window at a time too: the real samples as CSV, and every defect, with
// the windows cut everywhere.
TEST(PositionsStreamTest, CsvReadsAlikeThroughWindows) {
  const StreamedFile file("windows.csv");
  const std::string good = kGoodCsvRow;
  const std::vector<std::string> rows = CsvDefectRows();
  for (size_t i = 0; i < rows.size(); ++i) {
    file.Write(kOpenSkyHeader + good + rows[i] + good + good + rows[i]);
    file.ExpectSameAsReference(fmt::format("csv case {}", i));
  }
  const std::vector<std::string> texts = CsvTexts();
  for (size_t i = 0; i < texts.size(); ++i) {
    file.Write(texts[i]);
    file.ExpectSameAsReference(fmt::format("csv text {}", i));
  }
  // A real sample as CSV, a quote far into the file (the windows before it already read),
  // and rejected rows across windows.
  const char* sample = kTrafficFiles[2];
  TRUCE_REQUIRE_SHARED_DATA(sample);
  const auto records = *ParseJson(*ReadTextFile(testing::SharedDataPath(sample)), sample);
  std::string csv = kOpenSkyHeader;
  for (size_t i = 0; i < records.size(); ++i) {
    const auto& r = records[i];
    csv += i % 997 == 5
               ? std::string("1533101250,3003ae,95,9.2,,,,,,,,,,,,\n")
               : fmt::format("{},{},{},{},,,,{},,,,,,,,\n", Field(r["timestamp"], 1e-3),
                             Field(r["icao24"]), Field(r.value("latitude", nlohmann::json())),
                             Field(r.value("longitude", nlohmann::json())),
                             Field(r.value("callsign", nlohmann::json())));
  }
  const auto reference = ParsePositionsReference(csv, file.path());
  ASSERT_TRUE(reference.ok());
  ASSERT_EQ(reference->rejected.size(), 11u);
  file.Write(csv);
  for (const size_t window : {size_t{4096}, PositionStreamOptions{}.window_bytes}) {
    const PositionStreamOptions o{window, 1000};
    ExpectSameBatch(ReadPositionsFile(file.path(), o), reference, "csv sample");
    ExpectSameBatch(ReadThroughSink(file.path(), o), reference, "csv sample through a sink");
  }
  csv += "1533101250,3003ae,45.8,9.2,,,,\"DLH8JW\",,,,,,,,\n";
  file.Write(csv);
  RecordingSink sink;
  const auto quoted = ReadPositionsFile(file.path(), {4096, 1000}, &sink);
  EXPECT_EQ(sink.restarts, 1u);
  ASSERT_TRUE(quoted.ok());
  EXPECT_EQ(sink.kept.size(), reference->positions.size() + 1);
}

// A sink is given the positions as the windows are read, not at the end, and can stop the
// reading.
TEST(PositionsStreamTest, ASinkTakesPositionsAsTheyAreReadAndCanStop) {
  const char* sample = kTrafficFiles[0];
  TRUCE_REQUIRE_SHARED_DATA(sample);
  const std::string path = testing::SharedDataPath(sample);
  RecordingSink all;
  const auto whole = ReadPositionsFile(path, {}, &all);
  ASSERT_TRUE(whole.ok());
  EXPECT_EQ(all.restarts, 0u);
  EXPECT_GT(all.takes, 50u) << "the positions came in one piece";
  EXPECT_EQ(all.kept.size(), 139'098u - whole->without_position);
  // A window the fast path cannot vouch for is not given: the file is read again whole and its
  // positions given once, with no restart when nothing was given before.
  const StreamedFile doubt("doubt.json");
  const std::string good = JsonRecords().front();
  const std::string unsure =
      R"({"timestamp":1533101250000,"icao24":"3003ae","latitude":"46.1","longitude":7})";
  doubt.Write("[" + good + "," + good + "," + unsure + "," + good + "]");
  RecordingSink once;
  const auto read = ReadPositionsFile(doubt.path(), {}, &once);
  ASSERT_TRUE(read.ok());
  EXPECT_EQ(once.restarts, 0u);
  EXPECT_EQ(once.kept.size() + once.refused.size() + read->without_position, 4u);
  RecordingSink stopping(3);
  const auto stopped = ReadPositionsFile(path, {}, &stopping);
  ASSERT_TRUE(stopped.ok());
  EXPECT_EQ(stopping.takes, 3u);
  EXPECT_LT(stopped->records, whole->records);
  EXPECT_LT(stopping.kept.size(), all.kept.size());
}

// What is streamed and what is read whole keep to their own limits, with ReadTextFile's
// messages: a text read whole (a byte order mark, a doubt) to max_whole_bytes, a text streamed
// to max_text_bytes, which may be larger.
TEST(PositionsStreamTest, TheLimitsForTextStreamedAndReadWhole) {
  const StreamedFile file("limits.csv");
  std::string csv = kOpenSkyHeader;
  while (csv.size() < 50000) csv += kGoodCsvRow;
  PositionStreamOptions o;
  o.max_whole_bytes = 20000;
  o.max_text_bytes = 100000;
  file.Write(csv);
  const auto streamed = ReadPositionsFile(file.path(), o);
  ASSERT_TRUE(streamed.ok()) << streamed.error().message;
  EXPECT_EQ(streamed->positions.size(), ParsePositions(csv, file.path())->positions.size());
  const std::string whole_error = ReadTextFile(file.path(), ReadLimits{20000}).error().message;
  // Streamed, they could have been read: the error says why they were read whole.
  for (const auto& [text, why] :
       {std::pair{"\xEF\xBB\xBF" + csv, "(read whole: it begins with a byte order mark)"},
        std::pair{csv + "1533101250,3003ae,45.8,9.2,,,,\"DLH8JW\",,,,,,,,\n",
                  "(read whole: a record the fast reader could not vouch for, a quote in CSV or "
                  "a record without an end made it so)"}}) {
    file.Write(text);
    RecordingSink sink;
    const auto refused = ReadPositionsFile(file.path(), o, &sink);
    ASSERT_FALSE(refused.ok());
    EXPECT_EQ(refused.error().message,
              ReadTextFile(file.path(), ReadLimits{20000}).error().message + " " + why);
    // Without more allowed streamed, ReadTextFile's message alone, as before.
    PositionStreamOptions plain;
    plain.max_text_bytes = plain.max_whole_bytes = 20000;
    EXPECT_EQ(ReadPositionsFile(file.path(), plain).error().message,
              ReadTextFile(file.path(), ReadLimits{20000}).error().message);
  }
  EXPECT_NE(whole_error.find("more than 19.5 KiB"), std::string::npos) << whole_error;
  o.max_text_bytes = 30000;
  file.Write(csv);
  const auto too_long = ReadPositionsFile(file.path(), o);
  ASSERT_FALSE(too_long.ok());
  EXPECT_EQ(too_long.error().message, ReadTextFile(file.path(), ReadLimits{30000}).error().message);
}

// A record or line that never ends does not grow a window without bound: past 16 MiB the file
// is read whole, within the limit for that, with the reference's answer.
TEST(PositionsStreamTest, AWindowDoesNotGrowWithoutBound) {
  const StreamedFile file("endless");
  const std::string good = JsonRecords().front();
  const std::string huge(size_t{17} << 20, 'a');
  for (const std::string& text :
       {good + "\n{\"x\":\"" + huge + "\"}\n" + good + "\n",
        "[" + good + ",{\"x\":\"" + huge + "\"}," + good + "]",
        std::string(kOpenSkyHeader) + kGoodCsvRow + "1533101250,3003ae,45.8," + huge + "\n"}) {
    file.Write(text);
    SCOPED_TRACE(text.substr(0, 20));
    const auto reference = ParsePositionsReference(text, file.path());
    ExpectSameBatch(ReadPositionsFile(file.path()), reference, "default limits");
    PositionStreamOptions o;
    o.max_text_bytes = SIZE_MAX;
    o.max_whole_bytes = size_t{10} << 20;
    RecordingSink sink;
    const auto refused = ReadPositionsFile(file.path(), o, &sink);
    ASSERT_FALSE(refused.ok());
    EXPECT_EQ(refused.error().message,
              ReadTextFile(file.path(), ReadLimits{o.max_whole_bytes}).error().message +
                  " (read whole: a record the fast reader could not vouch for, a quote in CSV or "
                  "a record without an end made it so)");
  }
}

TEST(PositionsStreamTest, CsvAndErrorsReadAlike) {
  const StreamedFile file("states.csv");
  file.Write(std::string(kOpenSkyHeader) +
             "1533101250,3003ae,45.8,9.2,,,,DLH8JW,False,,,,1000,1020,1533101249.5,\n"
             "1533101250,3003ae,95,9.2,,,,,,,,,,,,\n");
  file.ExpectSameAsReference("csv");
  file.Write("time,icao24\n");
  file.ExpectSameAsReference("csv without lat, lon");
  // Read errors are ReadTextFile's own.
  const auto missing = ReadPositionsFile(file.path() + ".missing");
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().message, ReadTextFile(file.path() + ".missing").error().message);
  const char* sample = kTrafficFiles[2];
  TRUCE_REQUIRE_SHARED_DATA(sample);
  const std::string compressed = [&] {
    std::ifstream in(testing::SharedDataPath(sample), std::ios::binary);
    return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  }();
  const StreamedFile gz("truncated.json.gz");
  for (const size_t keep : {compressed.size() / 2, compressed.size() - 4}) {
    gz.Write(compressed.substr(0, keep));
    const auto streamed = ReadPositionsFile(gz.path());
    ASSERT_FALSE(streamed.ok());
    EXPECT_EQ(streamed.error().message, ReadTextFile(gz.path()).error().message);
  }
  std::string corrupt = compressed;
  corrupt[corrupt.size() / 2] ^= 0x55;
  gz.Write(corrupt);
  const auto streamed = ReadPositionsFile(gz.path());
  ASSERT_FALSE(streamed.ok());
  EXPECT_EQ(streamed.error().message, ReadTextFile(gz.path()).error().message);
}

}  // namespace
}  // namespace truce::formats
