#include "formats/records.h"

#include <string>

#include <gtest/gtest.h>

#include "truce/text_format.h"

namespace truce::formats {
namespace {

Report MakeReport(const char* id, double lat, double lng, double radius) {
  ReportSpec s;
  s.origin = "test";
  s.event_id = id;
  s.event_date = *ParseUtcTime("2017-08-21");
  s.event_type = "Explosions/Remote violence";
  s.sub_event_type = "Shelling/artillery/missile attack";
  s.latitude = lat;
  s.longitude = lng;
  s.uncertainty = Meters{radius};
  auto r = Report::Create(s);
  EXPECT_TRUE(r.ok()) << (r.ok() ? "" : r.error().problems.at(0).ToString());
  return std::move(r).value();
}

ZoneVersion MakeZone(const char* id, int version) {
  ZoneVersionSpec z;
  z.origin = "test";
  z.zone = id;
  z.version = version;
  z.valid_from = *ParseUtcTime("2017-05-06");
  z.shape = MakeMultiPolygonOrDie("34.5:36, 34.5:37, 35.5:37, 35.5:36");
  auto v = ZoneVersion::Create(z);
  EXPECT_TRUE(v.ok()) << v.error().message;
  return std::move(v).value();
}

// The writer `truce evaluate` uses must give ViolationToJson's dump byte for byte: strings with
// every ASCII byte, quotes, backslashes and non-ASCII text, and numbers of every shape.
TEST(AppendViolationJson, IsTheTreesDumpByteForByte) {
  std::string every_byte;
  for (int c = 1; c < 0x80; ++c) every_byte += static_cast<char>(c);
  const Report reports[] = {MakeReport("CW_1001/1", 33.5144647, 36.3497409, 10000),
                            MakeReport("\xD8\xB9\xD9\x8A\xD9\x86-7", -0.0001, -179.5, 0),
                            MakeReport("q\"b\\s", 89.999999999, 1e-9, 12345.678),
                            MakeReport("x", 0, 0, 5e5)};
  const ZoneVersion zones[] = {MakeZone("eastern-ghouta", 1), MakeZone("z\"one", 12)};
  const double fractions[] = {0, 1, 0.00005, 0.2741, 0.99995, 1.0 / 3, 5e-5, 0.12345678};
  const std::string clauses[] = {"astana-memorandum-2017 clause 2.1", every_byte,
                                 "\xE2\x80\x8F mark, tab\t, \"quoted\" \\ done", ""};
  size_t compared = 0;
  for (const Report& r : reports) {
    for (const ZoneVersion& z : zones) {
      for (size_t k = 0; k < std::size(fractions); ++k) {
        Violation v{&r,
                    &z,
                    k % 2 ? RuleKind::kNoFly : RuleKind::kCeasefire,
                    k % 3 ? Verdict::kPossible : Verdict::kInside,
                    fractions[k],
                    clauses[k % std::size(clauses)],
                    k % 2 ? "gov" : "a\nb"};
        const int revision = static_cast<int>(k) * 1000 + 1;
        std::string line = "prefix:";
        AppendViolationJson(line, v, revision);
        EXPECT_EQ(line, "prefix:" + ViolationToJson(v, revision).dump());
        ++compared;
      }
    }
  }
  EXPECT_EQ(compared, 64u);
}

}  // namespace
}  // namespace truce::formats
