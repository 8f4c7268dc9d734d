#include "formats/csv.h"

#include <gtest/gtest.h>

namespace truce::formats {
namespace {

TEST(ParseCsv, QuotedFieldsCrlfAndLineNumbers) {
  auto t = ParseCsv("\xEF\xBB\xBFid,text\r\n1,\"a, \"\"quoted\"\"\nsecond line\"\r\n\n2,plain\n",
                    "f.csv");
  ASSERT_TRUE(t.ok()) << t.error().message;
  EXPECT_EQ(t->header, (std::vector<std::string>{"id", "text"}));
  ASSERT_EQ(t->records.size(), 2u);
  EXPECT_EQ(t->records[0].fields[1], "a, \"quoted\"\nsecond line");
  EXPECT_EQ(t->records[0].line, 2u);
  EXPECT_EQ(t->records[1].line, 5u);
  EXPECT_EQ(t->Column("text"), 1u);
  EXPECT_FALSE(t->Column("nope").has_value());
}

TEST(ParseCsv, ErrorsNameFileAndLine) {
  EXPECT_EQ(ParseCsv("a,b\n1,2\n3\n", "f.csv").error().message,
            "f.csv:3: 1 fields, but the header has 2");
  EXPECT_EQ(ParseCsv("a,b\n1,\"2\n", "f.csv").error().message,
            "f.csv:2: a quoted field is never closed");
  EXPECT_NE(ParseCsv("a,b\n1,x\"y\n", "f.csv").error().message.find("f.csv:2: column 2"),
            std::string::npos);
  EXPECT_NE(ParseCsv("a,b\n1,\"x\"y\n", "f.csv").error().message.find("text after a closing quote"),
            std::string::npos);
  EXPECT_FALSE(ParseCsv("", "f.csv").ok());
}

TEST(ParseCsv, LimitsStopHugeInputEarly) {
  // A 50 MB line of commas took 1.1 GB as 50 million empty fields.
  auto commas = ParseCsv("a,b\n" + std::string(50'000'000, ','), "wide.csv");
  ASSERT_FALSE(commas.ok());
  EXPECT_EQ(commas.error().message, "wide.csv:2: more than 1024 columns, the limit for CSV input");
  EXPECT_FALSE(ParseCsv(std::string(2000, ',') + "\n", "h.csv").ok());  // in the header too
  CsvLimits small;
  small.max_field_bytes = 10;
  small.max_record_bytes = 15;
  EXPECT_EQ(ParseCsv("a,b\n12345678901,x\n", "f.csv", small).error().message,
            "f.csv:2: column 1: field longer than 10 bytes, the limit for one CSV field");
  EXPECT_EQ(ParseCsv("a,b\n\"12345678901\",x\n", "f.csv", small).error().message,
            "f.csv:2: column 1: field longer than 10 bytes, the limit for one CSV field");
  EXPECT_EQ(ParseCsv("a,b\n123456789,1234567\n", "f.csv", small).error().message,
            "f.csv:2: record longer than 15 bytes, the limit for one CSV record");
  EXPECT_TRUE(ParseCsv("a,b\n1234567890,12345\n", "f.csv", small).ok());
  // A quoted field that never closes cannot read past the field limit either.
  auto open = ParseCsv("a\n\"" + std::string(2 << 20, 'x'), "o.csv");
  ASSERT_FALSE(open.ok());
  EXPECT_EQ(open.error().message,
            "o.csv:2: column 1: field longer than 1 MiB, the limit for one CSV field");
}

TEST(ParseCsv, HeaderNamesAreUniqueIdentifiers) {
  // A repeated column used to win silently over the first.
  auto twice = ParseCsv("id,lat,lon,lat\n1,2,3,4\n", "p.csv");
  ASSERT_FALSE(twice.ok());
  EXPECT_EQ(twice.error().message,
            "p.csv:1: header: column 4 is named 'lat' like column 2 (each column once)");
  EXPECT_FALSE(ParseCsv(" id,id \n1,2\n", "p.csv").ok());  // equal after trimming
  auto control = ParseCsv("id,la\x01t\n1,2\n", "p.csv");
  ASSERT_FALSE(control.ok());
  EXPECT_EQ(control.error().message,
            "p.csv:1: header: column 2 name contains U+0001 (a control character) at byte 3 (not "
            "allowed in an identifier)");
  auto both = ParseCsv("a,a,\xff\n1,2,3\n", "p.csv");
  ASSERT_FALSE(both.ok());
  EXPECT_EQ(both.error().problems.size(), 2u);
}

TEST(CsvReader, StreamsRecords) {
  CsvReader reader("x,y\n1,2\n\n3,4\n5\n", "s.csv");
  ASSERT_TRUE(reader.ReadHeader().ok());
  EXPECT_EQ(reader.Column("y"), 1u);
  CsvRecord r;
  ASSERT_TRUE(*reader.Next(r));
  EXPECT_EQ(r.fields, (std::vector<std::string>{"1", "2"}));
  ASSERT_TRUE(*reader.Next(r));
  EXPECT_EQ(r.line, 4u);
  auto bad = reader.Next(r);
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().message, "s.csv:5: 1 fields, but the header has 2");
  EXPECT_FALSE(reader.Next(r).ok());  // stays failed
  CsvReader empty("\n\n", "e.csv");
  EXPECT_EQ(empty.ReadHeader().error().message, "e.csv: empty file, expected a header row");
}

}  // namespace
}  // namespace truce::formats
