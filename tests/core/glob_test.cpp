#include "glob.hpp"

#include <gtest/gtest.h>

namespace {

using faultline::internal::GlobError;
using faultline::internal::GlobLiteralPrefix;
using faultline::internal::GlobMatch;

TEST(GlobTest, LiteralPrefixEndsAtTheFirstWildcardOrEscape) {
  EXPECT_EQ(GlobLiteralPrefix("Ledger::*"), "Ledger::");
  EXPECT_EQ(GlobLiteralPrefix("db.?ead"), "db.");
  EXPECT_EQ(GlobLiteralPrefix("[ab]*"), "");
  EXPECT_EQ(GlobLiteralPrefix("*"), "");
  EXPECT_EQ(GlobLiteralPrefix("a\\*b"), "a");
  EXPECT_EQ(GlobLiteralPrefix("exact"), "exact");
}

TEST(GlobTest, StarMatchesAnyRunIncludingEmpty) {
  EXPECT_TRUE(GlobMatch("*", ""));
  EXPECT_TRUE(GlobMatch("*", "call_api"));
  EXPECT_TRUE(GlobMatch("Ledger::*", "Ledger::Post"));
  EXPECT_TRUE(GlobMatch("Ledger::*", "Ledger::"));
  EXPECT_FALSE(GlobMatch("Ledger::*", "Gateway::Charge"));
  EXPECT_TRUE(GlobMatch("*::Charge", "Gateway::Charge"));
  EXPECT_TRUE(GlobMatch("a*b*c", "axxbyyc"));
  EXPECT_FALSE(GlobMatch("a*b*c", "axxbyy"));
}

TEST(GlobTest, QuestionMarkMatchesExactlyOneCharacter) {
  EXPECT_TRUE(GlobMatch("db.?ead", "db.read"));
  EXPECT_FALSE(GlobMatch("db.?ead", "db.ead"));
  EXPECT_FALSE(GlobMatch("db.?ead", "db.rread"));
}

TEST(GlobTest, ClassesRangesNegationAndEscapes) {
  EXPECT_TRUE(GlobMatch("[ab]x", "bx"));
  EXPECT_FALSE(GlobMatch("[ab]x", "cx"));
  EXPECT_TRUE(GlobMatch("v[0-9]", "v7"));
  EXPECT_FALSE(GlobMatch("v[!0-9]", "v7"));
  EXPECT_TRUE(GlobMatch("v[^0-9]", "vx"));
  EXPECT_TRUE(GlobMatch("a\\*", "a*"));
  EXPECT_FALSE(GlobMatch("a\\*", "ab"));
  EXPECT_TRUE(GlobMatch("[]]", "]"));
}

TEST(GlobTest, ExactNamesMatchOnlyThemselves) {
  EXPECT_TRUE(GlobMatch("call_api", "call_api"));
  EXPECT_FALSE(GlobMatch("call_api", "call_api2"));
  EXPECT_FALSE(GlobMatch("call_api", "call_ap"));
}

TEST(GlobTest, ErrorsNameWhatIsWrong) {
  EXPECT_FALSE(GlobError("Ledger::*").has_value());
  EXPECT_EQ(GlobError(""), "a target must not be empty");
  EXPECT_EQ(GlobError("x[ab"), "'[' at column 2 is never closed by ']'");
  EXPECT_EQ(GlobError("x\\"), "a trailing '\\' escapes nothing");
}

}  // namespace
