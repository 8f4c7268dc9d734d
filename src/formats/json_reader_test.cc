#include "formats/json_reader.h"

#include <gtest/gtest.h>

namespace truce::formats {
namespace {

using nlohmann::json;

std::string Nested(size_t depth, const std::string& inner = "") {
  return std::string(depth, '[') + inner + std::string(depth, ']');
}

TEST(ParseJson, RefusesNestingBeyondTheLimitNamingWhere) {
  // Was a stack overflow (a segfault of the server, exit 139 of the CLI).
  auto deep = ParseJson(Nested(70000), "deep.json");
  ASSERT_FALSE(deep.ok());
  EXPECT_EQ(deep.error().code, ErrorCode::kInvalidInput);
  EXPECT_EQ(deep.error().message,
            "deep.json:1:65: invalid JSON: nested deeper than 64 levels of arrays and objects "
            "(the limit for any JSON input)");
  EXPECT_TRUE(ParseJson(Nested(kMaxJsonDepth, "1"), "ok.json").ok());
  EXPECT_FALSE(ParseJson(Nested(kMaxJsonDepth + 1), "f.json").ok());
  // Deep inside an extra field of a record, on a later line, objects and arrays mixed.
  std::string field;
  for (int i = 0; i < 100; ++i) field += "{\"a\":[";
  auto report = ParseJson("{\n  \"event_id_cnty\": \"X\",\n  \"extra\": " + field, "body");
  ASSERT_FALSE(report.ok());
  EXPECT_NE(report.error().message.find("body:3:"), std::string::npos) << report.error().message;
  EXPECT_NE(report.error().message.find("nested deeper than 64"), std::string::npos);
  // The limit is an option.
  EXPECT_FALSE(ParseJson("[[[1]]]", "f", JsonOptions{2, 1}).ok());
  EXPECT_TRUE(ParseJson("[[1]]", "f", JsonOptions{2, 1}).ok());
}

TEST(ParseJson, NumbersOutOfRangeAreBadInputWithAPosition) {
  // nlohmann throws out_of_range (not parse_error) for these: was a 500 / exit 70.
  auto big = ParseJson("{\"fatalities\":\n  1e400}", "body");
  ASSERT_FALSE(big.ok());
  EXPECT_EQ(big.error().message,
            "body:2:7: invalid JSON: number '1e400' is out of range (beyond +-1.8e308)");
  EXPECT_FALSE(ParseJson("[-1e999]", "f").ok());
  // Large integers become doubles; only a double's range is a limit.
  auto wide = ParseJson("[123456789012345678901234567890, 18446744073709551615]", "f");
  ASSERT_TRUE(wide.ok());
  EXPECT_TRUE((*wide)[0].is_number_float());
}

TEST(ParseJson, DuplicateKeysAreRefused) {
  auto dup = ParseJson("{\"zone\": \"a\",\n \"zone\": \"b\"}", "z.geojson");
  ASSERT_FALSE(dup.ok());
  EXPECT_EQ(dup.error().message,
            "z.geojson:2:7: invalid JSON: duplicate key 'zone' (each key may appear once in an "
            "object)");
  EXPECT_TRUE(ParseJson("[{\"a\":1},{\"a\":2}]", "f").ok());  // same key, different objects
}

TEST(ParseJson, SyntaxErrorsQuoteLittleAndEscaped) {
  auto e = ParseJson("[1,\n 2,\n x]", "f.json");
  ASSERT_FALSE(e.ok());
  EXPECT_EQ(e.error().message,
            "f.json:3:2: invalid JSON: syntax error while parsing value - invalid literal; last "
            "read: '2,<U+000A> x'");
  // A file that is not JSON at all: a bounded excerpt, never the file.
  const std::string passwd = "root" + std::string(10000, 'x') + ":0:0:root:/root:/bin/bash\n";
  auto p = ParseJson(passwd, "passwd");
  ASSERT_FALSE(p.ok());
  EXPECT_LT(p.error().message.size(), 200u) << p.error().message;
  // An unterminated string of a megabyte with control characters in it.
  auto s = ParseJson("\"" + std::string(1 << 20, 'a'), "s.json");
  ASSERT_FALSE(s.ok());
  EXPECT_LT(s.error().message.size(), 300u);
  auto c = ParseJson("\"a\x1b[31m", "c.json");
  ASSERT_FALSE(c.ok());
  EXPECT_EQ(c.error().message.find('\x1b'), std::string::npos) << c.error().message;
  // Invalid UTF-8 inside a string.
  auto u = ParseJson("[\"A\xff\"]", "u.json");
  ASSERT_FALSE(u.ok());
  EXPECT_NE(u.error().message.find("u.json:1:"), std::string::npos);
  EXPECT_EQ(u.error().message.find('\xff'), std::string::npos);
  EXPECT_FALSE(ParseJson("", "empty.json").ok());
  EXPECT_FALSE(ParseJson("[1] [2]", "two.json").ok());
}

TEST(ParseJson, FirstLineOffsetsLineNumbers) {
  auto e = ParseJson("{\"a\": nope}", "stdin", JsonOptions{kMaxJsonDepth, 7});
  ASSERT_FALSE(e.ok());
  EXPECT_EQ(e.error().message.rfind("stdin:7:8: invalid JSON", 0), 0u) << e.error().message;
}

TEST(ParseJsonStreaming, HandsOutElementsAndKeepsTheRest) {
  std::vector<json> seen;
  const JsonElementFn each = [&](json&& element, size_t index) {
    EXPECT_EQ(index, seen.size());
    seen.push_back(std::move(element));
  };
  auto rest = ParseJsonStreaming("[{\"a\":1}, 2, [3], null]", "f", "", each);
  ASSERT_TRUE(rest.ok());
  EXPECT_EQ(*rest, json::array());
  ASSERT_EQ(seen.size(), 4u);
  EXPECT_EQ(seen[0], json({{"a", 1}}));
  EXPECT_EQ(seen[2], json::array({3}));

  seen.clear();
  auto fc = ParseJsonStreaming(
      R"({"features": [{"id": 1}, {"id": 2}], "type": "FeatureCollection", "other": [9]})", "f",
      "features", each);
  ASSERT_TRUE(fc.ok());
  EXPECT_EQ(seen.size(), 2u);
  EXPECT_EQ((*fc)["features"], json::array());
  EXPECT_EQ((*fc)["other"], json::array({9}));
  EXPECT_EQ((*fc)["type"], "FeatureCollection");

  // A nested array under the same key is not streamed; errors still stop everything.
  seen.clear();
  ASSERT_TRUE(ParseJsonStreaming(R"({"x": {"features": [1]}})", "f", "features", each).ok());
  EXPECT_TRUE(seen.empty());
  EXPECT_FALSE(ParseJsonStreaming("[1, " + Nested(100) + "]", "f", "", each).ok());
}

TEST(QuoteJson, BoundedEscapedAndNeverThrows) {
  EXPECT_EQ(QuoteJson(json("abc")), "\"abc\"");
  EXPECT_EQ(QuoteJson(json::array({1, 2})), "[1,2]");
  EXPECT_EQ(QuoteJson(json(std::string(1 << 20, 'a')), 8), "\"aaaaaaa... (1048578 bytes)");
  EXPECT_EQ(QuoteJson(json("a\u202Eb")), "\"a\\u{202E}b\"");
  EXPECT_EQ(QuoteJson(json("a\nb")), "\"a\\nb\"");  // JSON's own escape, kept
  // A string built by hand (not parsed) may hold invalid UTF-8: dump() would throw.
  EXPECT_EQ(SafeDump(json("A\xff")), "\"A\xEF\xBF\xBD\"");
  EXPECT_EQ(QuoteJson(json("A\xff")), "\"A\xEF\xBF\xBD\"");
}

}  // namespace
}  // namespace truce::formats
