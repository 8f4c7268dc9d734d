#include "formats/reports.h"

#include <cmath>
#include <random>

#include <fmt/format.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

namespace truce::formats {
namespace {

constexpr const char* kHeader =
    "event_id_cnty,event_date,time_precision,event_type,sub_event_type,actor1,actor2,latitude,"
    "longitude,geo_precision,source,notes,fatalities,admin1\n";

TEST(ParseEventDate, AcceptedForms) {
  for (const char* s : {"2017-05-04", "04 May 2017", "4 May 2017", "04-May-2017", "4-may-2017",
                        "04 Sep 2017", "04 September 2017"}) {
    auto t = ParseEventDate(s);
    ASSERT_TRUE(t.ok()) << s;
  }
  EXPECT_EQ(FormatUtcDate(*ParseEventDate("04 Sep 2017")), "2017-09-04");
  for (const char* s : {"05/04/2017", "May 4 2017", "31 February 2017", "04 Mayo 2017",
                        "2017-05-04T10:00:00Z", ""}) {
    EXPECT_FALSE(ParseEventDate(s).ok()) << s;
  }
}

TEST(ParseReports, AcledCsvKeepsExtraColumns) {
  auto b =
      ParseReports(std::string(kHeader) +
                       "SYR1,21 August 2017,1,Battles,Armed clash,Military Forces of Syria "
                       "(2000-),\"Opposition Rebels (Syria)\",33.53,36.36,1,SOHR,\"shelling, then "
                       "clashes\",4,Rural Damascus\n",
                   "r.csv");
  ASSERT_TRUE(b.ok()) << b.error().message;
  ASSERT_EQ(b->reports.size(), 1u);
  const ReportSpec& s = b->reports[0].spec();
  EXPECT_EQ(s.event_id, "SYR1");
  EXPECT_EQ(s.notes, "shelling, then clashes");
  EXPECT_EQ(s.fatalities, 4);
  EXPECT_EQ(s.extra.at("admin1"), "Rural Damascus");
  EXPECT_EQ(s.origin, "r.csv:2");
  // Round trip through the JSON form the API uses.
  auto again = ReportFromJson(ReportToJson(b->reports[0]), "api");
  ASSERT_TRUE(again.ok()) << again.error().message;
  EXPECT_TRUE(again->SameContent(b->reports[0]));
}

TEST(ParseReports, EveryBadRowNamedWithLineAndColumn) {
  auto b = ParseReports(std::string(kHeader) +
                            "SYR1,2017-08-21,1,Battles,,a,b,33.5,36.3,1,s,n,,x\n"
                            "SYR2,2017-08-32,1,Battles,,a,b,33.5,36.3,1,s,n,,x\n"
                            "SYR3,2017-08-21,5,Battle,,a,b,north,36.3,1,s,n,many,x\n",
                        "r.csv");
  ASSERT_TRUE(b.ok());
  EXPECT_EQ(b->reports.size(), 1u);
  ASSERT_EQ(b->rejected.size(), 2u);
  EXPECT_EQ(b->rejected[0].origin, "r.csv:3");
  EXPECT_NE(b->rejected[0].reasons[0].find("r.csv:3: event_date: bad date '2017-08-32'"),
            std::string::npos);
  const auto& reasons = b->rejected[1].reasons;
  ASSERT_EQ(reasons.size(), 4u);
  EXPECT_EQ(reasons[0], "r.csv:4: latitude: expected a latitude in decimal degrees, got 'north'");
  EXPECT_EQ(reasons[1], "r.csv:4: fatalities: expected a whole number, got 'many'");
  EXPECT_EQ(reasons[2], "r.csv:4: time_precision: expected 1, 2 or 3, got 5");
  EXPECT_NE(reasons[3].find("r.csv:4: event_type: unknown 'Battle'"), std::string::npos);
  EXPECT_NE(b->rejected[1].raw.find("SYR3"), std::string::npos);
}

TEST(ParseReports, MissingColumnsRejectTheFile) {
  auto b = ParseReports("event_id_cnty,event_date,latitude\nA,2017-01-01,3\n", "r.csv");
  ASSERT_FALSE(b.ok());
  EXPECT_NE(b.error().message.find("r.csv:1: header: missing required columns time_precision, "
                                   "event_type, longitude, geo_precision"),
            std::string::npos)
      << b.error().message;
}

TEST(ParseReports, GeoJsonFeatures) {
  auto b = ParseReports(R"({"type":"FeatureCollection","features":[
    {"type":"Feature","geometry":{"type":"Point","coordinates":[36.36,33.53]},
     "properties":{"event_id_cnty":"G1","event_date":"2017-08-21","time_precision":1,"event_type":"Battles","geo_precision":2,"time":"04:30"}},
    {"type":"Feature","geometry":null,"properties":{"event_id_cnty":"G2"}}]})",
                        "r.geojson");
  ASSERT_TRUE(b.ok()) << b.error().message;
  ASSERT_EQ(b->reports.size(), 1u);
  EXPECT_EQ(b->reports[0].location(), LatLng(33.53, 36.36));
  EXPECT_EQ(FormatUtcTime(b->reports[0].when().begin()), "2017-08-21T04:30:00Z");
  ASSERT_EQ(b->rejected.size(), 1u);
  EXPECT_EQ(b->rejected[0].reasons[0],
            "r.geojson feature 1: geometry: expected a Point [lon, lat]");
  EXPECT_FALSE(ParseReports("{\"type\": [}", "r.geojson").ok());
}

TEST(ReportFromJson, NamesBadFields) {
  auto r = ReportFromJson(nlohmann::json{{"event_id_cnty", "A"},
                                         {"event_date", "2017-08-21"},
                                         {"time_precision", 1},
                                         {"event_type", "Battles"},
                                         {"latitude", {1, 2}},
                                         {"longitude", 36},
                                         {"geo_precision", 1}},
                          "body[3]");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().problems[0].ToString(),
            "body[3]: latitude: expected a string or number, got array");
  EXPECT_FALSE(ReportFromJson(nlohmann::json::array(), "body").ok());
}

// A row of the minimal ACLED columns with `id` as event_id_cnty and `notes` as notes.
std::string Row(const std::string& id, const std::string& notes = "n",
                const std::string& source = "s") {
  return id + ",2017-08-21,1,Battles,,a,b,33.5,36.3,1," + source + "," + notes + ",,x\n";
}

std::vector<std::string> Reasons(const std::string& rows) {
  auto b = ParseReports(std::string(kHeader) + rows, "r.csv");
  EXPECT_TRUE(b.ok());
  std::vector<std::string> out;
  for (const auto& r : b->rejected) out.insert(out.end(), r.reasons.begin(), r.reasons.end());
  return out;
}

TEST(ParseReports, IdentifiersFollowTheTextPolicy) {
  using namespace std::string_literals;
  // Invalid UTF-8 in an event id: was exit 70 in jsonl output and raw bytes in csv output.
  EXPECT_EQ(
      Reasons(Row("A\xff")),
      std::vector<std::string>{"r.csv:2: event_id_cnty: is not valid UTF-8 (byte 0xFF at byte 2)"});
  EXPECT_EQ(Reasons(Row("A\0B"s)),
            std::vector<std::string>{"r.csv:2: event_id_cnty: contains U+0000 (a control "
                                     "character) at byte 2 (not allowed in an identifier)"});
  EXPECT_EQ(Reasons(Row("SYR\u202E1")),
            std::vector<std::string>{"r.csv:2: event_id_cnty: contains U+202E (a "
                                     "bidirectional override) at byte 4 (not allowed in an "
                                     "identifier)"});
  EXPECT_EQ(Reasons(Row("SYR\u200B1")).size(), 1u);
  EXPECT_EQ(Reasons(Row(std::string(1 << 20, 'A'))),
            (std::vector<std::string>{
                "r.csv:2: event_id_cnty: is 1048576 bytes long, at most 128 allowed",
                "r.csv:2: the report's text is 1048594 bytes, at most 262144 allowed"}));
  EXPECT_EQ(Reasons(Row("A", "n", "SOHR\tStep")),
            std::vector<std::string>{"r.csv:2: source: contains U+0009 (a control character) "
                                     "at byte 5 (not allowed in an identifier)"});
}

TEST(ParseReports, FreeTextKeepsArabicJoinersButNotOverrides) {
  // Persian needs ZWNJ, line breaks are layout; an override reorders what follows it.
  EXPECT_TRUE(Reasons(Row("A", "\"می\u200Cخواهم\nline two\"")).empty());
  EXPECT_EQ(Reasons(Row("A", "safe \u202Eetouq")),
            std::vector<std::string>{
                "r.csv:2: notes: contains U+202E (a bidirectional override) at byte 6"});
  EXPECT_EQ(
      Reasons(Row("A", "bell\a")),
      std::vector<std::string>{"r.csv:2: notes: contains U+0007 (a control character) at byte 5"});
  EXPECT_EQ(Reasons(Row("A", std::string(70000, 'n'))),
            std::vector<std::string>{"r.csv:2: notes: is 70000 bytes long, at most 65536 allowed"});
  // An extra column's value is free text; its name an identifier (the header checks that).
  auto extra = Reasons(std::string("A,2017-08-21,1,Battles,,a,b,33.5,36.3,1,s,n,,x\x01y\n"));
  EXPECT_EQ(extra, std::vector<std::string>{
                       "r.csv:2: admin1: contains U+0001 (a control character) at byte 2"});
}

TEST(ParseReports, RejectsQuoteUserTextBoundedAndEscaped) {
  auto reasons = Reasons("A,2017-08-21,1,Battles,,a,b,\"" + std::string(100000, '9') +
                         "x\x1b[2J\",36.3,1,s,n,,x\n");
  ASSERT_EQ(reasons.size(), 1u);
  EXPECT_LT(reasons[0].size(), 250u);
  EXPECT_EQ(reasons[0].find('\x1b'), std::string::npos);
  EXPECT_NE(reasons[0].find("(100005 bytes)"), std::string::npos) << reasons[0];
}

TEST(ParseReports, HugeNumbersAreRefusedWithoutOverflow) {
  // Converting 1e300 to an integer is undefined behaviour; the range is checked first.
  EXPECT_EQ(
      Reasons("A,2017-08-21,1e300,Battles,,a,b,33.5,36.3,1,s,n,1e300,x\n"),
      (std::vector<std::string>{"r.csv:2: time_precision: expected 1, 2 or 3, got '1e300'",
                                "r.csv:2: fatalities: expected a whole number, got '1e300'"}));
  EXPECT_EQ(Reasons("A,2017-08-21,1,Battles,,a,b,1e400,36.3,1,s,n,,x\n"),
            std::vector<std::string>{
                "r.csv:2: latitude: expected a latitude in decimal degrees, got '1e400'"});
  auto geo = ParseReports(R"({"type":"FeatureCollection","features":[{"type":"Feature",
    "geometry":null,"properties":{"event_id_cnty":"A","fatalities":1e400}}]})",
                          "r.geojson");
  ASSERT_FALSE(geo.ok());
  EXPECT_EQ(geo.error().message,
            "r.geojson:2:72: invalid JSON: number '1e400' is out of range (beyond +-1.8e308)");
}

TEST(ParseReports, UncertaintyIsBounded) {
  const std::string header =
      "event_id_cnty,event_date,time_precision,event_type,latitude,longitude,geo_precision,"
      "uncertainty_m\n";
  auto b = ParseReports(header +
                            "A,2017-08-21,1,Battles,33.5,36.3,1,1e300\n"
                            "B,2017-08-21,1,Battles,33.5,36.3,1,500000\n",
                        "r.csv");
  ASSERT_TRUE(b.ok());
  ASSERT_EQ(b->rejected.size(), 1u);
  EXPECT_EQ(b->rejected[0].reasons[0],
            "r.csv:2: uncertainty_m: expected metres in [0, 500000], got 1e+300");
}

TEST(ParseReports, TheWholeReportIsBounded) {
  std::string header =
      "event_id_cnty,event_date,time_precision,event_type,latitude,longitude,"
      "geo_precision";
  std::string row = "A,2017-08-21,1,Battles,33.5,36.3,1";
  for (int i = 0; i < 5; ++i) {
    header += ",extra" + std::to_string(i);
    row += "," + std::string(60000, 'x');
  }
  auto b = ParseReports(header + "\n" + row + "\n", "r.csv");
  ASSERT_TRUE(b.ok());
  ASSERT_EQ(b->rejected.size(), 1u);
  EXPECT_EQ(b->rejected[0].reasons[0],
            "r.csv:2: the report's text is 300038 bytes, at most 262144 allowed");
}

TEST(ParseReports, DatesNeverOverflow) {
  for (const char* s : {"99999999999999999999 May 2017", "4 May 99999999999999", "+4 May 2017",
                        "4 May 17", "4 Maybe 2017", "4  May  2017 x"}) {
    EXPECT_FALSE(ParseEventDate(s).ok()) << s;
  }
  EXPECT_TRUE(ParseEventDate("4  May  2017").ok());
  EXPECT_EQ(ParseEventDate("\x1b[2J").error().message,
            "bad date '\\x1B[2J': expected YYYY-MM-DD or DD Month YYYY");
  const std::string sa =
      "unique_event_ID,date_time,geo_latitude,geo_longitude,geo_accuracy\n"
      "CW1,99999999999/1/13 12:00 AM,33.5,36.3,EXACT\n"
      "CW2,08/21/13 12:00 AM,33.5,36.3,EXACT\n";
  auto b = ParseReports(sa, "sa.csv");
  ASSERT_TRUE(b.ok());
  EXPECT_EQ(b->reports.size(), 1u);
  ASSERT_EQ(b->rejected.size(), 1u);
  EXPECT_EQ(b->rejected[0].reasons[0],
            "sa.csv:2: date_time: expected MM/DD/YY HH:MM AM, got '99999999999/1/13 12:00 AM'");
}

// The archive's dates are rewritten as YYYY-MM-DD digit by digit: two- and four-digit years,
// and the day and month a rewrite cannot check, named by the date reader; a hostile number
// where a latitude belongs, and bytes that are not UTF-8, named with their line.
TEST(ParseReports, TheArchivesDatesAndHostileFieldsAreReadOrNamed) {
  const std::string sa =
      "unique_event_ID,date_time,geo_latitude,geo_longitude,geo_accuracy,event_summary\n"
      "CW1,08/21/13 12:00 AM,33.5,36.3,EXACT,a\n"
      "CW2,1/2/2017 12:00 AM,33.5,36.3,APPROXIMATE,b\n"
      "CW3,00/00/17 12:00 AM,33.5,36.3,EXACT,c\n"
      "CW4,08/21/13 12:00 AM,1e400,36.3,EXACT,d\n"
      "CW5,08/21/13 12:00 AM,33.5,36.3,EXACT,bad \xFF byte\n";
  auto b = ParseReports(sa, "sa.csv");
  ASSERT_TRUE(b.ok()) << b.error().message;
  ASSERT_EQ(b->reports.size(), 2u);
  EXPECT_EQ(FormatUtcDate(b->reports[0].spec().event_date), "2013-08-21");
  EXPECT_EQ(FormatUtcDate(b->reports[1].spec().event_date), "2017-01-02");
  ASSERT_EQ(b->rejected.size(), 3u);
  EXPECT_EQ(b->rejected[0].reasons[0],
            "sa.csv:4: event_date: bad date '2017-00-00': expected YYYY-MM-DD or DD Month YYYY");
  EXPECT_EQ(b->rejected[1].reasons[0],
            "sa.csv:5: latitude: expected a latitude in decimal degrees, got '1e400'");
  EXPECT_EQ(b->rejected[2].reasons[0], "sa.csv:6: notes: is not valid UTF-8 (byte 0xFF at byte 5)");
}

TEST(ReportFromJson, TextPolicyAppliesToTheApiForm) {
  auto r = ReportFromJson(nlohmann::json{{"event_id_cnty", std::string("A\0", 2)},
                                         {"event_date", "2017-08-21"},
                                         {"time_precision", 1},
                                         {"event_type", "Battles"},
                                         {"latitude", 33},
                                         {"longitude", 36},
                                         {"geo_precision", 1},
                                         {"note\u202E", "x"}},
                          "body/0");
  ASSERT_FALSE(r.ok());
  ASSERT_EQ(r.error().problems.size(), 2u);
  EXPECT_EQ(r.error().problems[0].ToString(),
            "body/0: event_id_cnty: contains U+0000 (a control character) at byte 2 (not "
            "allowed in an identifier)");
  EXPECT_EQ(r.error().problems[1].ToString(),
            "body/0: column name 'note\\u{202E}': contains U+202E (a bidirectional override) at "
            "byte 5 (not allowed in an identifier)");
}

TEST(ParseReports, GeoJsonIsStreamedAndChecked) {
  EXPECT_FALSE(ParseReports(R"({"type":"Feature","features":[]})", "r.geojson").ok());
  EXPECT_FALSE(ParseReports(R"({"type":"FeatureCollection","features":{}})", "r.geojson").ok());
  auto dup = ParseReports(R"({"type":"FeatureCollection","type":"x","features":[]})", "r.geojson");
  ASSERT_FALSE(dup.ok());
  EXPECT_NE(dup.error().message.find("duplicate key 'type'"), std::string::npos);
  // "type" after "features" still counts.
  auto late = ParseReports(R"({"features":[],"type":"FeatureCollection"})", "r.geojson");
  EXPECT_TRUE(late.ok());
}

TEST(LatestRevisions, IdenticalIsNoOpDifferentIsNewRevision) {
  const std::string row1 = "SYR1,2017-08-21,1,Battles,,a,b,33.5,36.3,1,s,n,,x\n";
  const std::string row1_fixed = "SYR1,2017-08-21,1,Battles,,a,b,33.5,36.3,1,s,n,3,x\n";
  const std::string row2 = "SYR2,2017-08-21,1,Battles,,a,b,33.5,36.3,1,s,n,,x\n";
  auto b =
      ParseReports(std::string(kHeader) + row1 + row2 + row1 + row1_fixed + row1_fixed, "r.csv");
  ASSERT_TRUE(b.ok());
  const auto latest = LatestRevisions(b->reports);
  ASSERT_EQ(latest.size(), 2u);
  EXPECT_EQ(latest[0].report->event_id(), "SYR1");
  EXPECT_EQ(latest[0].revision, 2);
  EXPECT_EQ(latest[0].report->spec().fatalities, 3);
  EXPECT_EQ(latest[1].revision, 1);
}

}  // namespace
}  // namespace truce::formats

namespace truce::formats {
namespace {

// Reports whose bodies stress the direct writer: extra columns sorting before, between and after
// the known ones (and named like them but longer), text with quotes, backslashes, controls and
// non-ASCII letters, every optional field present or absent, numbers of every shape.
std::vector<Report> HostileReports() {
  std::string every_byte;  // the free-text policy allows tab and newline among the controls
  for (int c = 0x20; c < 0x7F; ++c) every_byte += static_cast<char>(c);
  every_byte += "\t\n";
  const std::vector<nlohmann::json> bodies = {
      {{"event_id_cnty", "SYR1"},
       {"event_date", "2017-08-21"},
       {"time_precision", 1},
       {"event_type", "Battles"},
       {"latitude", 33.5},
       {"longitude", 36},
       {"geo_precision", 1}},
      {{"event_id_cnty", "\xD8\xB9\xD9\x8A\xD9\x86-7"},
       {"event_date", "04 May 2017"},
       {"time_precision", "3"},
       {"event_type", "Explosions/Remote violence"},
       {"sub_event_type", "Shelling/artillery/missile attack"},
       {"actor1", "Military Forces of Syria (2000-)"},
       {"actor2", "q\"b\\s"},
       {"latitude", "-0.0001"},
       {"longitude", -179.5},
       {"geo_precision", 2},
       {"source", "SOHR; \xD8\xB3\xD8\xA7\xD9\x86\xD8\xA7"},
       {"source_group", "local"},
       {"notes", every_byte},
       {"fatalities", 0},
       {"time", "23:59"},
       {"uncertainty_m", 1e-7},
       {"recorded_at", "2017-05-05T10:00:00Z"},
       {"", "empty name"},
       {"a", 1.5},
       {"actor10", true},
       {"event_e", nullptr},
       {"geo", "x"},
       {"source_", "between source and source_group"},
       {"sourcea", "after source_group"},
       {"time_", "x"},
       {"timezone", "y"},
       {"uncertainty_m2", "after every known column"},
       {"\xC3\xA9tat", "sorted after ASCII"}},
      {{"event_id_cnty", "x"},
       {"event_date", "2017-12-31"},
       {"time_precision", 2},
       {"event_type", "Violence against civilians"},
       {"latitude", 89.999999999},
       {"longitude", 1e-9},
       {"geo_precision", 3},
       {"fatalities", 123456},
       {"time", "00:00"},
       {"uncertainty_m", 12345.678},
       {"admin1", "Rural Damascus"}},
  };
  std::vector<Report> out;
  for (size_t i = 0; i < bodies.size(); ++i) {
    auto r = ReportFromJson(bodies[i], "body/" + std::to_string(i));
    EXPECT_TRUE(r.ok()) << i << ": " << (r.ok() ? "" : r.error().message);
    if (r.ok()) out.push_back(std::move(r).value());
  }
  return out;
}

// The log entries of reports are written by AppendReportJson: its bytes must be the tree's dump.
TEST(AppendReportJson, IsTheTreesDumpByteForByte) {
  const std::vector<Report> reports = HostileReports();
  ASSERT_EQ(reports.size(), 3u);
  for (const Report& r : reports) {
    std::string out = "prefix:";
    AppendReportJson(out, r);
    EXPECT_EQ(out, "prefix:" + ReportToJson(r).dump(-1, ' ', false,
                                                    nlohmann::json::error_handler_t::strict));
  }
}

// The server holds a submitted report as it was read from the request, not as read back from
// the entry's bytes (docs/performance.md "Entries written from the report"): the two must be
// the same report, and write the same body.
TEST(ReportToJson, ReadsBackToTheSameReport) {
  for (const Report& r : HostileReports()) {
    std::string bytes;
    AppendReportJson(bytes, r);
    auto back = ReportFromJson(nlohmann::json::parse(bytes), "body");
    ASSERT_TRUE(back.ok()) << back.error().message;
    EXPECT_TRUE(back->SameContent(r)) << bytes;
    std::string again;
    AppendReportJson(again, *back);
    EXPECT_EQ(again, bytes);
  }
}

// Random bodies from pieces that matter to the writer and the reader (keys near the known
// ones, quotes, controls, multi-byte letters, numbers as text and as numbers): every body read
// as a report writes the tree's bytes and reads back to itself.
TEST(AppendReportJson, RandomBodiesWriteTheTreesBytesAndReadBack) {
  std::mt19937_64 rng(2017);
  const std::vector<std::string> keys = {"",         "a",           "actor", "actor3",  "event",
                                         "event_id", "fatalities_", "notes", "source_", "time_p",
                                         "z",        "\xC3\xA9",    "k\"ey", "k\\ey",   "t\tab"};
  const std::vector<std::string> texts = {"",   "x",          "\"",       "\\",
                                          "\t", "\n",         "\xD8\xB3", "1e5",
                                          "-0", "  spaced  ", "a,b;c",    "\xE2\x80\x8D"};
  auto pick = [&](const std::vector<std::string>& from) { return from[rng() % from.size()]; };
  auto text = [&] {
    std::string t;
    for (int n = static_cast<int>(rng() % 4); n > 0; --n) t += pick(texts);
    return t;
  };
  size_t read = 0;
  for (int i = 0; i < 3000; ++i) {
    nlohmann::json body = {{"event_id_cnty", "R" + std::to_string(i)},
                           {"event_date", "2017-05-04"},
                           {"time_precision", 1 + static_cast<int>(rng() % 3)},
                           {"event_type", "Battles"},
                           {"latitude", std::ldexp(static_cast<double>(rng() % 1'000'000), -14)},
                           {"longitude", static_cast<double>(rng() % 360'000) / 1000 - 180},
                           {"geo_precision", 1 + static_cast<int>(rng() % 3)}};
    for (const char* field :
         {"actor1", "actor2", "notes", "source", "source_group", "sub_event_type"}) {
      if (rng() % 2) body[field] = text();
    }
    if (rng() % 2) body["fatalities"] = static_cast<int>(rng() % 1000);
    if (rng() % 2) body["uncertainty_m"] = static_cast<double>(rng() % 100'000) / 7;
    if (rng() % 3 == 0) body["time"] = fmt::format("{:02}:{:02}", rng() % 24, rng() % 60);
    for (int n = static_cast<int>(rng() % 4); n > 0; --n) body[pick(keys) + text()] = text();
    if (rng() % 4 == 0) body["count"] = static_cast<int64_t>(rng()) >> (rng() % 64);
    if (rng() % 4 == 0)
      body["share"] = std::ldexp(static_cast<double>(rng()), -static_cast<int>(rng() % 90));
    auto r = ReportFromJson(body, "body");
    if (!r.ok()) continue;  // a key the identifier policy refuses
    ++read;
    std::string bytes;
    AppendReportJson(bytes, *r);
    ASSERT_EQ(bytes, ReportToJson(*r).dump()) << body.dump();
    auto back = ReportFromJson(nlohmann::json::parse(bytes), "body");
    ASSERT_TRUE(back.ok()) << bytes;
    ASSERT_TRUE(back->SameContent(*r)) << bytes;
  }
  EXPECT_GT(read, 1000u);
}

// Numbers in a body are read as the text dump gives them, as before the reader wrote that text
// itself: integers of both signs and beyond int64, floats of every layout, booleans, null.
TEST(ReportFromJson, NumbersAreReadAsDumpSpellsThem) {
  const std::vector<nlohmann::json> values = {
      0,    -1,   1,     INT64_MAX, INT64_MIN, uint64_t{1} << 63,   UINT64_MAX, 1.5,   -0.0,
      36.0, 1e21, 1e300, 5e-324,    0.1,       123456789.123456789, true,       false, nullptr};
  for (const nlohmann::json& v : values) {
    nlohmann::json body = {{"event_id_cnty", "N"}, {"event_date", "2017-05-04"},
                           {"time_precision", 1},  {"event_type", "Battles"},
                           {"latitude", 33.5},     {"longitude", 36.25},
                           {"geo_precision", 1},   {"n", v}};
    auto r = ReportFromJson(body, "body");
    ASSERT_TRUE(r.ok()) << v.dump() << ": " << r.error().message;
    EXPECT_EQ(r->spec().extra.at("n"), v.is_null() ? "" : v.dump());
  }
}

}  // namespace
}  // namespace truce::formats
