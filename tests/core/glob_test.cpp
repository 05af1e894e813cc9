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

TEST(GlobTest, BraceGroupsMatchAnyOneAlternative) {
  EXPECT_TRUE(GlobMatch("{log,table}.Sync", "log.Sync"));
  EXPECT_TRUE(GlobMatch("{log,table}.Sync", "table.Sync"));
  EXPECT_FALSE(GlobMatch("{log,table}.Sync", "manifest.Sync"));
  EXPECT_FALSE(GlobMatch("{log,table}.Sync", "logtable.Sync"));
  // Alternatives are globs, groups may follow wildcards and each other, and one may be empty.
  EXPECT_TRUE(GlobMatch("Env::{Sync,Fsync*}", "Env::FsyncDir"));
  EXPECT_TRUE(GlobMatch("*.{db,wal}", "data/000012.wal"));
  EXPECT_FALSE(GlobMatch("*.{db,wal}", "data/000012.log"));
  EXPECT_TRUE(GlobMatch("{a,b}{1,2}", "b1"));
  EXPECT_FALSE(GlobMatch("{a,b}{1,2}", "b3"));
  EXPECT_TRUE(GlobMatch("db{,.bak}", "db"));
  EXPECT_TRUE(GlobMatch("db{,.bak}", "db.bak"));
  // A star inside an alternative backtracks into what follows the group.
  EXPECT_TRUE(GlobMatch("{x*,y}.Sync", "x.Sync.Sync"));
  // Commas in a class or escaped, and escaped braces, are characters.
  EXPECT_TRUE(GlobMatch("{[,],b}", ","));
  EXPECT_TRUE(GlobMatch("{a\\,b,c}", "a,b"));
  EXPECT_FALSE(GlobMatch("{a\\,b,c}", "a"));
  EXPECT_TRUE(GlobMatch("\\{a,b\\}", "{a,b}"));
  EXPECT_EQ(GlobLiteralPrefix("Env::{Sync,Fsync}"), "Env::");
  EXPECT_FALSE(faultline::internal::IsLiteralGlob("{a}"));
}

TEST(GlobTest, ErrorsNameWhatIsWrong) {
  EXPECT_FALSE(GlobError("Ledger::*").has_value());
  EXPECT_EQ(GlobError(""), "a target must not be empty");
  EXPECT_EQ(GlobError("x[ab"), "'[' at column 2 is never closed by ']'");
  EXPECT_EQ(GlobError("x\\"), "a trailing '\\' escapes nothing");
  EXPECT_EQ(GlobError("{log,table.Sync"), "'{' at column 1 is never closed by '}'");
  EXPECT_EQ(GlobError("a}"), "'}' at column 2 closes no '{' (write \\} for the character)");
  EXPECT_EQ(GlobError("x{}"), "'{}' at column 2 has no alternative");
  EXPECT_EQ(GlobError("{a,{b,c}}"),
            "'{' at column 4 is inside the group opened at column 1: groups do not nest");
  EXPECT_FALSE(GlobError("{a,[{]}").has_value());
}

}  // namespace
