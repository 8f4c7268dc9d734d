#include "truce/text_policy.h"

#include <gtest/gtest.h>

namespace truce {
namespace {

using namespace std::string_literals;

TEST(TextProblem, IdentifiersRefuseControlsBidiAndInvisibleCharacters) {
  EXPECT_EQ(TextProblem("SYR12345", kIdField), std::nullopt);
  EXPECT_EQ(TextProblem("eastern-ghouta", kIdField), std::nullopt);
  EXPECT_EQ(TextProblem("جيش الإسلام", kIdField), std::nullopt);  // Arabic letters are fine
  EXPECT_EQ(TextProblem("A\0B"s, kIdField),
            "contains U+0000 (a control character) at byte 2 (not allowed in an identifier)");
  EXPECT_EQ(TextProblem("A\tB", kIdField),
            "contains U+0009 (a control character) at byte 2 (not allowed in an identifier)");
  EXPECT_EQ(TextProblem("A\x7F", kIdField),
            "contains U+007F (a control character) at byte 2 (not allowed in an identifier)");
  EXPECT_EQ(TextProblem("A\u0085", kIdField),  // NEL, a C1 control
            "contains U+0085 (a control character) at byte 2 (not allowed in an identifier)");
  EXPECT_EQ(TextProblem("ab\u202Ecd", kIdField),
            "contains U+202E (a bidirectional override) at byte 3 (not allowed in an identifier)");
  EXPECT_EQ(TextProblem("ab\u200Fcd", kIdField),
            "contains U+200F (a bidirectional mark) at byte 3 (not allowed in an identifier)");
  for (const char* invisible : {"\u200B", "\u200C", "\u200D", "\u2060", "\uFEFF", "\u00AD",
                                "\u3164", "\U000E0041", "\u2028"}) {
    const auto p = TextProblem("x"s + invisible + "y", kIdField);
    ASSERT_TRUE(p.has_value()) << invisible;
    EXPECT_NE(p->find("an invisible character"), std::string::npos) << *p;
  }
}

TEST(TextProblem, FreeTextKeepsLayoutAndJoinersButNotOverrides) {
  EXPECT_EQ(TextProblem("line one\nline two\twith a tab\r\nCRLF", kTextField), std::nullopt);
  // Persian needs ZWNJ (می‌خواهم), emoji sequences need ZWJ; marks are harmless.
  EXPECT_EQ(TextProblem("می\u200Cخواهم \u200F \u200D", kTextField), std::nullopt);
  EXPECT_EQ(TextProblem("a\0b"s, kTextField), "contains U+0000 (a control character) at byte 2");
  EXPECT_EQ(TextProblem("a\rb", kTextField), "contains U+000D (a control character) at byte 2");
  EXPECT_EQ(TextProblem("a\x1B[31m", kTextField),
            "contains U+001B (a control character) at byte 2");
  EXPECT_EQ(TextProblem("x\u2067y", kTextField),
            "contains U+2067 (a bidirectional override) at byte 2");
  EXPECT_EQ(TextProblem("x\u202Ay", kTextField),
            "contains U+202A (a bidirectional override) at byte 2");
}

TEST(TextProblem, InvalidUtf8AndLength) {
  EXPECT_EQ(TextProblem("A\xFF", kTextField), "is not valid UTF-8 (byte 0xFF at byte 2)");
  EXPECT_EQ(TextProblem("\xC0\x80", kIdField), "is not valid UTF-8 (byte 0xC0 at byte 1)");
  EXPECT_EQ(TextProblem("\xED\xA0\x80", kIdField),  // a UTF-16 surrogate
            "is not valid UTF-8 (byte 0xED at byte 1)");
  EXPECT_EQ(TextProblem("\xF4\x90\x80\x80", kIdField),  // past U+10FFFF
            "is not valid UTF-8 (byte 0xF4 at byte 1)");
  EXPECT_EQ(TextProblem("\xE2\x82", kIdField), "is not valid UTF-8 (byte 0xE2 at byte 1)");
  EXPECT_EQ(TextProblem(std::string(129, 'a'), kIdField), "is 129 bytes long, at most 128 allowed");
  EXPECT_EQ(TextProblem(std::string(128, 'a'), kIdField), std::nullopt);
  EXPECT_TRUE(IsValidUtf8("héllo \U0001F600"));
  EXPECT_FALSE(IsValidUtf8("\x80"));
}

TEST(Quote, EscapesAndBounds) {
  EXPECT_EQ(Quote("abc"), "'abc'");
  EXPECT_EQ(Quote("O'Brien \\ x"), "'O\\'Brien \\\\ x'");
  EXPECT_EQ(Quote("a\nb\tc\0d"s), "'a\\nb\\tc\\x00d'");
  EXPECT_EQ(Quote("a\xFF"
                  "b"),
            "'a\\xFFb'");
  EXPECT_EQ(Quote("a\u202Eb\u200Bc"), "'a\\u{202E}b\\u{200B}c'");
  EXPECT_EQ(Quote("دمشق"), "'دمشق'");
  EXPECT_EQ(Quote(std::string(1 << 20, 'x'), 4), "'xxxx...' (1048576 bytes)");
  EXPECT_EQ(EscapeText("a\x1B[2J", 10), "a\\x1B[2J");
  EXPECT_EQ(EscapeText("abcdef", 3), "abc... (6 bytes)");
  EXPECT_LE(Quote(std::string(1 << 20, '\0')).size(), 64u * 4 + 40);
}

}  // namespace
}  // namespace truce
