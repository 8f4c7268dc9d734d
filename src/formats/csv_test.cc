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

}  // namespace
}  // namespace truce::formats
