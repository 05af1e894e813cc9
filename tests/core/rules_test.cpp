#include "faultline/rules.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cerrno>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <limits>
#include <random>
#include <string>
#include <vector>

namespace {

using namespace std::chrono_literals;
using ::faultline::FaultConfig;
using ::faultline::FaultType;
using ::faultline::ParseRules;
using ::faultline::RuleSyntaxError;
using ::faultline::ToString;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::ThrowsMessage;

FaultConfig ParseOne(std::string_view text) {
  const auto rules = ParseRules(text);
  EXPECT_EQ(rules.size(), 1u) << text;
  return rules.at(0);
}

TEST(RulesTest, ParsesTheDesignExample) {
  const auto rules = ParseRules(
      "gw=Gateway::Charge:30%exception(boom);db=query_*:20%delay(10ms);oom=alloc:3*return(-12)");
  EXPECT_THAT(
      rules,
      ElementsAre(
          faultline::Exception("gw").Target("Gateway::Charge").Probability(0.3).Message("boom"),
          faultline::Delay("db", 10ms).Target("query_*").Probability(0.2),
          faultline::Return("oom", -12).Target("alloc").MaxTriggers(3)));
}

TEST(RulesTest, ParsesEveryAction) {
  EXPECT_EQ(ParseOne("a=exception"), faultline::Exception("a"));
  EXPECT_EQ(ParseOne("a=exception(connection reset)"),
            faultline::Exception("a").Message("connection reset"));
  EXPECT_EQ(ParseOne("a=exception( padded )"), faultline::Exception("a").Message("padded"));
  EXPECT_EQ(ParseOne("a=exception(\" kept \")"), faultline::Exception("a").Message(" kept "));
  EXPECT_EQ(ParseOne("a=exception()"), faultline::Exception("a").Message(""));
  EXPECT_EQ(ParseOne("a=delay(10ms)"), faultline::Delay("a", 10ms));
  EXPECT_EQ(ParseOne("a=timeout(2s)"), faultline::Timeout("a", 2s));
  EXPECT_EQ(ParseOne("a=corrupt"), faultline::Corruption("a"));
  EXPECT_EQ(ParseOne("a=corruption"), faultline::Corruption("a"));
  EXPECT_EQ(ParseOne("a=off"), faultline::Exception("a").Enabled(false));
  EXPECT_EQ(ParseOne("a=return"), FaultConfig("a", FaultType::kReturn));
}

TEST(RulesTest, ParsesDurationsInEveryUnitExactly) {
  EXPECT_EQ(ParseOne("a=delay(100ns)").delay(), 100ns);
  EXPECT_EQ(ParseOne("a=delay(500us)").delay(), 500us);
  EXPECT_EQ(ParseOne("a=delay(1.5ms)").delay(), 1500us);
  EXPECT_EQ(ParseOne("a=delay(2s)").delay(), 2s);
  EXPECT_EQ(ParseOne("a=delay(1.25min)").delay(), 75s);
  EXPECT_EQ(ParseOne("a=delay(1h)").delay(), 3600s);
  EXPECT_EQ(ParseOne("a=delay(0.000000001s)").delay(), 1ns);
  EXPECT_EQ(ParseOne("a=delay(0s)").delay(), 0ns);
  EXPECT_EQ(ParseOne("a=delay(9223372036854775807ns)").delay().count(),
            std::numeric_limits<std::int64_t>::max());
  EXPECT_EQ(ParseOne("a=delay(9223372036.854775807s)").delay().count(),
            std::numeric_limits<std::int64_t>::max());
}

TEST(RulesTest, ParsesReturnValuesByTheirLook) {
  EXPECT_EQ(ParseOne("a=return(-12)"), faultline::Return("a", std::int64_t{-12}));
  EXPECT_EQ(ParseOne("a=return(+7)"), faultline::Return("a", std::int64_t{7}));
  EXPECT_EQ(ParseOne("a=return(18446744073709551615u)"),
            faultline::Return("a", std::numeric_limits<std::uint64_t>::max()));
  EXPECT_EQ(ParseOne("a=return(1.5)"), faultline::Return("a", 1.5));
  EXPECT_EQ(ParseOne("a=return(-2e-3)"), faultline::Return("a", -2e-3));
  EXPECT_EQ(ParseOne("a=return(-inf)"),
            faultline::Return("a", -std::numeric_limits<double>::infinity()));
  EXPECT_EQ(ParseOne("a=return(true)"), faultline::Return("a", true));
  EXPECT_EQ(ParseOne("a=return(false)"), faultline::Return("a", false));
  EXPECT_EQ(ParseOne("a=return(not found)"), faultline::Return("a", std::string("not found")));
  EXPECT_EQ(ParseOne("a=return(\"42\")"), faultline::Return("a", std::string("42")));
  EXPECT_EQ(ParseOne("a=return(nan)"), faultline::Return("a", std::string("nan")));
  EXPECT_EQ(ParseOne("a=return(0x10)"), faultline::Return("a", std::string("0x10")));
}

TEST(RulesTest, ParsesProbabilityAndCount) {
  EXPECT_EQ(ParseOne("a=30%exception").probability(), 0.3);
  EXPECT_EQ(ParseOne("a=0.5%exception").probability(), 0.005);
  EXPECT_EQ(ParseOne("a=100%exception").probability(), 1.0);
  EXPECT_EQ(ParseOne("a=0%exception").probability(), 0.0);
  EXPECT_EQ(ParseOne("a=exception").probability(), 1.0);
  EXPECT_EQ(ParseOne("a=3*exception").max_triggers(), 3u);
  const auto both = ParseOne("a=x:12.5%4*delay(1ms)");
  EXPECT_EQ(both.probability(), 0.125);
  EXPECT_EQ(both.max_triggers(), 4u);
}

TEST(RulesTest, ParsesEveryModifier) {
  EXPECT_EQ(ParseOne("a=exception@skip(2)@every(3)@calls(7, 3,5)"),
            faultline::Exception("a").SkipFirst(2).EveryNth(3).OnCalls({3, 5, 7}));
  EXPECT_EQ(ParseOne("a=timeout(2s)@message(gateway: too slow)"),
            faultline::Timeout("a", 2s).Message("gateway: too slow"));
  EXPECT_EQ(ParseOne("a=exception@message(boom)"), faultline::Exception("a").Message("boom"));
  EXPECT_EQ(ParseOne("a=exception@delay(5ms)"), faultline::Exception("a").Delay(5ms));
  EXPECT_EQ(ParseOne("a=corrupt@return(3)"), faultline::Corruption("a").Returns(3));
  EXPECT_EQ(ParseOne("a=delay(1s)@off"), faultline::Delay("a", 1s).Enabled(false));
}

TEST(RulesTest, SplitsTargetsAtTheColonBeforeTheAction) {
  EXPECT_EQ(ParseOne("a=Gateway::Charge:exception").target(), "Gateway::Charge");
  EXPECT_EQ(ParseOne("a=Ledger::*:exception").target(), "Ledger::*");
  EXPECT_EQ(ParseOne("a=db.?ead:exception").target(), "db.?ead");
  EXPECT_EQ(ParseOne("a=[ab]*:exception").target(), "[ab]*");
  EXPECT_EQ(ParseOne("a=host:8080:exception").target(), "host:8080");
  EXPECT_EQ(ParseOne("a=ns::delay(5ms)").target(), "ns:");
  EXPECT_EQ(ParseOne("a=f(int):exception").target(), "f(int)");
  EXPECT_EQ(ParseOne("a=\"we;ird #1\":exception").target(), "we;ird #1");
  const auto no_target = ParseOne("a=exception(error: bad thing)");
  EXPECT_EQ(no_target.target(), "*");
  EXPECT_EQ(no_target.message(), "error: bad thing");
  EXPECT_EQ(ParseOne("a=svc:exception(error: x)").target(), "svc");
}

TEST(RulesTest, SeparatesRulesBySemicolonsNewlinesAndComments) {
  const auto rules = ParseRules(
      "  # a comment\n"
      "a=exception ; ;b=x:delay(1ms)  # trailing comment\r\n"
      "\n"
      "c = exception(\"#not a comment; nor a separator\")\n");
  ASSERT_EQ(rules.size(), 3u);
  EXPECT_EQ(rules[0].name(), "a");
  EXPECT_EQ(rules[1].target(), "x");
  EXPECT_EQ(rules[2].message(), "#not a comment; nor a separator");
  EXPECT_TRUE(ParseRules("").empty());
  EXPECT_TRUE(ParseRules(" ;\n# only a comment").empty());
}

TEST(RulesTest, QuotedStringsUnescape) {
  EXPECT_EQ(ParseOne(R"(a=exception("q\"b\\s\n\r\t\x7f\xFF"))").message(), "q\"b\\s\n\r\t\x7f\xff");
}

struct ErrorCase {
  const char* text;
  int line;
  int column;
  const char* message;
};

TEST(RulesTest, SyntaxErrorsSayWhereAndWhatWasExpected) {
  const ErrorCase cases[] = {
      {"gw=Gateway::Charge:30x", 1, 22, R"(expected '%' or '*' after "30", got "x")"},
      {"gw=Gateway::Charge:30%x", 1, 23,
       R"(expected a count or an action (exception, delay, timeout, return, errno, partial, corrupt, pause, wait or off) after "30%", got "x")"},
      {"gw Gateway", 1, 4, R"(expected '=' after "gw", got "Gateway")"},
      {"=exception", 1, 1, R"(expected a rule name (letters, digits and "_.-/"), got "=")"},
      {"gw=", 1, 4,
       R"(expected a percentage, a count or an action (exception, delay, timeout, return, errno, partial, corrupt, pause, wait or off) after "gw=", got end of input)"},
      {"gw=x:explode", 1, 6,
       R"(expected a percentage, a count or an action (exception, delay, timeout, return, errno, partial, corrupt, pause, wait or off) after "x:", got "explode")"},
      {"gw=x:30%3", 1, 10, R"(expected '*' after "3", got end of input)"},
      {"gw=x:3*", 1, 8,
       R"(expected an action (exception, delay, timeout, return, errno, partial, corrupt, pause, wait or off) after "3*", got end of input)"},
      {"gw=x:1.5*exception", 1, 6, R"(a trigger count must be a whole number, got "1.5")"},
      {"gw=x:30.%exception", 1, 9, R"(expected a digit after "30.", got "%")"},
      {"gw=x:delay", 1, 11, R"(expected '(' and a duration after "delay", got end of input)"},
      {"gw=x:delay(ms)", 1, 12, R"(expected a duration (e.g. 10ms, 1.5s) after "delay(", got "ms")"},
      {"gw=x:delay(10)", 1, 14, R"m(expected a unit (ns, us, ms, s, min or h) after "10", got ")")m"},
      {"gw=x:delay(10ms", 1, 16, R"(expected ')' after "10ms", got end of input)"},
      {"gw=x:delay(1.5ns)", 1, 12, R"(duration "1.5ns" is not a whole number of nanoseconds)"},
      {"gw=x:delay(99999999999h)", 1, 12, R"(duration "99999999999h" is out of range)"},
      {"gw=x:corrupt(3)", 1, 15, R"x(expected '%' (a corruption rate such as 5%) after "3", got ")")x"},
      {"gw=x:off(3)", 1, 9, R"(expected '@', '->', ';' or the end of the line after "off", got "(")"},
      {"gw=x:exception junk", 1, 16,
       R"(expected '@', '->', ';' or the end of the line after "exception", got "junk")"},
      {"gw=x:exception@later", 1, 16,
       R"(expected a modifier (skip, every, calls, message, delay, return, path, size, scoped, thread or off) after "@", got "later")"},
      {"gw=x:exception@skip", 1, 20, R"(expected '(' and a number after "@skip", got end of input)"},
      {"gw=x:errno(EFOO)", 1, 12,
       R"(unknown error "EFOO", expected a name such as EIO or ENOSPC, or a positive number)"},
      {"gw=x:errno(0)", 1, 12,
       R"(unknown error "0", expected a name such as EIO or ENOSPC, or a positive number)"},
      {"gw=x:errno", 1, 11,
       R"(expected '(' and an error name or number after "errno", got end of input)"},
      {"gw=x:exception@size(-1)", 1, 21, "a size must not be negative"},
      {"gw=x:exception@scoped@scoped", 1, 22, "scoped is set twice (first at column 15)"},
      {"gw=x:exception@skip(x)", 1, 21, R"(expected a number after "@skip(", got "x")"},
      {"gw=x:exception@calls(1 2)", 1, 24, R"(expected ',' or ')' after "1", got "2")"},
      {"gw=x:exception@calls(1,)", 1, 24, R"m(expected a number after "1,", got ")")m"},
      {"gw=x:exception@skip(1)@skip(2)", 1, 23, "the skip count is set twice (first at column 21)"},
      {"gw=x:delay(1s)@delay(2s)", 1, 15, "the delay is set twice (first at column 12)"},
      {"gw=exception(a)@message(b)", 1, 16, "the message is set twice (first at column 14)"},
      {"gw=x:off@off", 1, 9, "off is set twice (first at column 6)"},
      {"gw=x:exception(a\"b)", 1, 17, R"(expected ')' after "a", got "\"")"},
      {"gw=exception(a:b", 1, 17, R"(expected ')' after "a:b", got end of input)"},
      {"gw=x:exception(\"abc", 1, 20,
       R"(expected '"' to close the string opened at column 16, got end of input)"},
      {"gw=x:exception(\"a\\qb\")", 1, 18,
       R"(expected an escape (\\, \", \n, \r, \t or \xHH) after '\', got "qb")"},
      {"gw=x:exception(\"\\x4\")", 1, 17, R"(expected two hex digits after "\x", got "4")"},
      {"gw=\"x\"exception", 1, 7, R"(expected ':' after "\"x\"", got "exception")"},
      {"café=x:exception", 1, 4, R"(expected '=' after "caf", got "é")"},
      {"重试=x:exception", 1, 1, R"(expected a rule name (letters, digits and "_.-/"), got "重试")"},
      {"gw=x:return(99999999999999999999)", 1, 13,
       R"(integer "99999999999999999999" is out of range for int64 (add 'u' for uint64))"},
      {"gw=x:return(99999999999999999999u)", 1, 13,
       R"(integer "99999999999999999999u" is out of range for uint64)"},
      {"gw=x:return(1e999)", 1, 13, R"(floating value "1e999" is out of range)"},
      {"gw=x:exception@skip(99999999999999999999)", 1, 21,
       R"(a call count "99999999999999999999" is out of range)"},
      {"ok=x:exception\nbad=y:30", 2, 9, R"(expected '%' or '*' after "30", got end of input)"},
      {"ok=x:exception;bad=y:30\n", 1, 24, R"(expected '%' or '*' after "30", got end of line)"},
      {"[profile]\na=exception", 1, 1, R"(expected a rule name (letters, digits and "_.-/"), got "[")"},
  };
  for (const ErrorCase& c : cases) {
    SCOPED_TRACE(c.text);
    try {
      ParseRules(c.text);
      ADD_FAILURE() << "parsed";
    } catch (const RuleSyntaxError& error) {
      EXPECT_EQ(error.message(), c.message);
      EXPECT_EQ(error.line(), c.line);
      EXPECT_EQ(error.column(), c.column);
      EXPECT_EQ(error.origin(), "rules");
      EXPECT_EQ(std::string(error.what()), "faultline: rules:" + std::to_string(c.line) + ":" +
                                               std::to_string(c.column) + ": " + c.message);
    }
  }
}

TEST(RulesTest, SetterErrorsAreSyntaxErrorsAtTheValue) {
  const ErrorCase cases[] = {
      {"a=x:150%exception", 1, 5, R"(rule "a": percentage must be in [0%, 100%], got 150%)"},
      {"a=x:100.0000000000000000000001%exception", 1, 5,
       R"(rule "a": percentage must be in [0%, 100%], got 100.0000000000000000000001%)"},
      {"a=x:-1%exception", 1, 5, R"(rule "a": probability must be in [0, 1], got -0.01)"},
      {"a=x:0*exception", 1, 5, R"(rule "a": max triggers must be at least 1, got 0)"},
      {"a=x:-2*exception", 1, 5, R"(rule "a": max triggers must be at least 1, got -2)"},
      {"a=x:exception@skip(-1)", 1, 20,
       R"(rule "a": skip-first count must not be negative, got -1)"},
      {"a=x:exception@every(0)", 1, 21, R"(rule "a": every-nth period must be at least 1, got 0)"},
      {"a=x:exception@calls()", 1, 21, R"(rule "a": the list of call ordinals must not be empty)"},
      {"a=x:exception@calls(2,0)", 1, 21, R"(rule "a": call ordinals start at 1, got 0)"},
      {"a=x:corrupt(150%)", 1, 13, R"(rule "a": corruption rate must be in [0%, 100%], got 150%)"},
      {"a=x:corrupt(-1%)", 1, 13, R"(rule "a": corruption rate must be in [0, 1], got -0.01)"},
      {"a=[ab:exception", 1, 3,
       R"(rule "a": bad target "[ab": '[' at column 1 is never closed by ']')"},
      {"a=a\\:exception", 1, 3, R"(rule "a": bad target "a\": a trailing '\' escapes nothing)"},
      {"a=x:exception@size(5,1)", 1, 20, R"(rule "a": size range must have min <= max, got [5, 1])"},
      {"a=x:exception@path([x)", 1, 20,
       R"(rule "a": bad path "[x": '[' at column 1 is never closed by ']')"},
      {"a=\"db\\x00read\":exception", 1, 3,
       R"(rule "a": bad target "db\x00read": a target must not hold a NUL byte, got one at column 3)"},
  };
  for (const ErrorCase& c : cases) {
    SCOPED_TRACE(c.text);
    EXPECT_THAT([&] { ParseRules(c.text); },
                ThrowsMessage<RuleSyntaxError>("faultline: rules:" + std::to_string(c.line) + ":" +
                                               std::to_string(c.column) + ": " + c.message));
  }
}

TEST(RulesTest, CorruptTakesItsRateAsAPercentage) {
  EXPECT_EQ(ParseOne("c=read:corrupt(1%)"),
            faultline::Corruption("c").Target("read").CorruptionRate(0.01));
  EXPECT_EQ(ParseOne("c=corruption(100%)"), faultline::Corruption("c").CorruptionRate(1));
  EXPECT_EQ(ParseOne("c=corrupt(0%)"), faultline::Corruption("c").CorruptionRate(0));
  EXPECT_EQ(ParseOne("c=corrupt(12.5%)").corruption_rate(), 0.125);
  EXPECT_EQ(ParseOne("c=corrupt").corruption_rate(), faultline::kDefaultCorruptionRate);
  EXPECT_EQ(ToString(faultline::Corruption("c").CorruptionRate(0.01)), "c=corrupt(1%)");
  EXPECT_EQ(ToString(faultline::Corruption("c").CorruptionRate(0)), "c=corrupt(0%)");
  EXPECT_EQ(ToString(faultline::Corruption("c").CorruptionRate(faultline::kDefaultCorruptionRate)),
            "c=corrupt");
  EXPECT_EQ(ToString(faultline::Corruption("c").Probability(0.3).CorruptionRate(0.05)),
            "c=30%corrupt(5%)");
  const struct {
    const char* text;
    int column;
    const char* message;
  } errors[] = {
      {"c=corrupt(5)", 12, R"x(expected '%' (a corruption rate such as 5%) after "5", got ")")x"},
      {"c=corrupt(x)", 11, R"(expected a number after "corrupt(", got "x")"},
      {"c=corrupt(5%", 13, R"(expected ')' after "5%", got end of input)"},
      {"c=corrupt()", 11, R"x(expected a number after "corrupt(", got ")")x"},
  };
  for (const auto& error : errors) {
    SCOPED_TRACE(error.text);
    EXPECT_THAT([&] { ParseRules(error.text); },
                ThrowsMessage<RuleSyntaxError>("faultline: rules:1:" + std::to_string(error.column) +
                                               ": " + error.message));
  }
}

TEST(RulesTest, SyntaxErrorIsAnInvalidArgument) {
  EXPECT_THROW(ParseRules("a=b:c"), std::invalid_argument);
}

struct Canonical {
  FaultConfig rule;
  std::string text;
};

TEST(RulesTest, ToStringIsCanonicalAndRoundTrips) {
  const Canonical cases[] = {
      {faultline::Exception("a"), "a=exception"},
      {faultline::Exception("gw").Target("Gateway::Charge").Probability(0.3).Message("boom"),
       "gw=Gateway::Charge:30%exception(boom)"},
      {faultline::Exception("a").Message("two words"), "a=exception(two words)"},
      {faultline::Exception("a").Message(" pad"), "a=exception(\" pad\")"},
      {faultline::Exception("a").Message("a(b)"), "a=exception(\"a(b)\")"},
      {faultline::Exception("a").Message("tab\there"), "a=exception(\"tab\\there\")"},
      {faultline::Exception("a").Message(std::string("nul\0", 4)), "a=exception(\"nul\\x00\")"},
      {faultline::Exception("a").Message(""), "a=exception(\"\")"},
      {faultline::Delay("db", 10ms).Target("query_*").Probability(0.2),
       "db=query_*:20%delay(10ms)"},
      {faultline::Delay("a", 1500us), "a=delay(1500us)"},
      {faultline::Delay("a", 90s), "a=delay(90s)"},
      {faultline::Delay("a", 120s), "a=delay(2min)"},
      {faultline::Delay("a", 7200s), "a=delay(2h)"},
      {faultline::Delay("a", 1ns), "a=delay(1ns)"},
      {faultline::Delay("a", 0ns), "a=delay(0s)"},
      {faultline::Timeout("a", 2s), "a=timeout(2s)"},
      {faultline::Timeout("a", 2s).Message("slow"), "a=timeout(2s)@message(slow)"},
      {FaultConfig("a", FaultType::kTimeout).Delay(2s), "a=timeout(2s)@message(Injected fault)"},
      {faultline::Return("oom", -12).Target("alloc").MaxTriggers(3), "oom=alloc:3*return(-12)"},
      {faultline::Return("a", 5u), "a=return(5u)"},
      {faultline::Return("a", 1.0), "a=return(1.0)"},
      {faultline::Return("a", 0.1), "a=return(0.1)"},
      {faultline::Return("a", 1e300), "a=return(1e+300)"},
      {faultline::Return("a", std::numeric_limits<double>::infinity()), "a=return(inf)"},
      {faultline::Return("a", true), "a=return(true)"},
      {faultline::Return("a", "text"), "a=return(text)"},
      {faultline::Return("a", "12"), "a=return(\"12\")"},
      {faultline::Return("a", "true"), "a=return(\"true\")"},
      {faultline::Return("a", "-inf"), "a=return(\"-inf\")"},
      {FaultConfig("a", FaultType::kReturn), "a=return"},
      {faultline::Corruption("a").Probability(0.005), "a=0.5%corrupt"},
      {faultline::Exception("a").Enabled(false), "a=exception@off"},
      {faultline::Exception("a").SkipFirst(2).EveryNth(3).OnCalls({5, 3}),
       "a=exception@skip(2)@every(3)@calls(3,5)"},
      {faultline::Corruption("a").Delay(5ms).Message("m").Returns(-1).Enabled(false),
       "a=corrupt@message(m)@delay(5ms)@return(-1)@off"},
      {faultline::Exception("a").Target("we;ird"), "a=\"we;ird\":exception"},
      {faultline::Exception("a").Target(" lead"), "a=\" lead\":exception"},
      {faultline::Exception("a").Target("x").Probability(0.0), "a=x:0%exception"},
      {faultline::Errno("disk-full", ENOSPC).Target("posix.write").Path("*.db"),
       "disk-full=posix.write:errno(ENOSPC)@path(*.db)"},
      {faultline::Errno("a", 4095), "a=errno(4095)"},
      {faultline::Exception("a").Target("{log,table}.Sync"), "a={log,table}.Sync:exception"},
      {faultline::Errno("a", EIO).Path("*.{db,wal}"), "a=errno(EIO)@path(*.{db,wal})"},
      {faultline::Errno("a", EWOULDBLOCK), "a=errno(EAGAIN)"},
      {faultline::Partial("short").Target("posix.read").Probability(0.5),
       "short=posix.read:50%partial"},
      {faultline::Exception("a").Target("alloc.*").Sizes(1024), "a=alloc.*:exception@size(1024)"},
      {faultline::Exception("a").Sizes(0, 64).Scoped(), "a=exception@size(0,64)@scoped"},
      {faultline::Exception("a").Path("dir/my file(1)"), "a=exception@path(\"dir/my file(1)\")"},
      {faultline::Exception("a").Probability(1.0 / 3), "a=33.33333333333333%exception"},
      {faultline::Exception("a").Probability(5e-324),
       "a=0." + std::string(321, '0') + "5%exception"},
  };
  for (const Canonical& c : cases) {
    SCOPED_TRACE(c.text);
    EXPECT_EQ(ToString(c.rule), c.text);
    EXPECT_EQ(ParseOne(ToString(c.rule)), c.rule);
  }
}

TEST(RulesTest, ToStringRejectsRulesWithoutTextForm) {
  struct Custom {};
  EXPECT_THAT(
      [] { ToString(faultline::Exception<std::runtime_error>("e", "x")); },
      ThrowsMessage<std::invalid_argument>(
          R"(faultline: rule "e": the custom exception type std::runtime_error has no text form)"));
  EXPECT_THAT([] { ToString(faultline::Return("r", Custom{})); },
              ThrowsMessage<std::invalid_argument>(HasSubstr("a return value of type")));
  EXPECT_THAT([] { ToString(faultline::Return("r", std::nan(""))); },
              ThrowsMessage<std::invalid_argument>(
                  R"(faultline: rule "r": a NaN return value has no text form)"));
}

// Random rules over every field, including the awkward values: subnormal and random-bit
// probabilities, every byte in messages and strings, targets with ':', ';', '#', '"' and
// blanks, durations of any size.
class RuleGenerator {
 public:
  explicit RuleGenerator(std::uint64_t seed) : rng_(seed) {}

  FaultConfig Next() {
    static constexpr FaultType kTypes[] = {FaultType::kException, FaultType::kDelay,
                                           FaultType::kTimeout, FaultType::kReturn,
                                           FaultType::kCorruption};
    FaultConfig rule(Name(), kTypes[Below(5)]);
    if (Chance()) rule.Target(Target());
    if (Chance()) rule.Probability(Probability());
    if (Chance()) rule.MaxTriggers(1 + Below(1000));
    if (Chance() || rule.type() == FaultType::kDelay || rule.type() == FaultType::kTimeout) {
      rule.Delay(Duration());
    }
    if (Chance()) rule.Message(Text());
    if (Chance() || rule.type() == FaultType::kReturn) SetValue(rule);
    if (Chance()) rule.SkipFirst(Below(100));
    if (Chance()) rule.EveryNth(1 + Below(100));
    if (Chance()) {
      std::vector<long long> calls(1 + Below(5));
      for (auto& call : calls) call = 1 + Below(50);
      rule.OnCalls(calls);
    }
    if (Chance()) rule.Enabled(false);
    if (Chance()) rule.Path(Target());
    if (Chance()) {
      const auto min = static_cast<std::size_t>(Below(1 << 20));
      rule.Sizes(min, Chance() ? SIZE_MAX : min + static_cast<std::size_t>(Below(1 << 20)));
    }
    if (Chance()) rule.Scoped();
    if (rule.type() == FaultType::kCorruption && Chance()) rule.CorruptionRate(Probability());
    if (rule.type() == FaultType::kReturn && Chance()) {
      if (Chance()) {
        rule.Returns(faultline::ShortTransfer{});
      } else {
        rule.Returns(faultline::SystemError{static_cast<int>(1 + Below(200))});
      }
    }
    return rule;
  }

 private:
  long long Below(long long n) { return static_cast<long long>(rng_() % std::uint64_t(n)); }
  bool Chance() { return rng_() % 3 == 0; }

  std::string Name() {
    static constexpr char kChars[] = "abcXYZ019_.-/";
    std::string name(1 + Below(8), 'a');
    for (char& c : name) c = kChars[Below(sizeof kChars - 1)];
    return name;
  }

  std::string Target() {
    static constexpr std::string_view kPieces[] = {
        "Gateway",   "::",         ":",   "*",   "?",       "[ab]", "[!x]",    "\\*",
        " ",         ";",          "#",   "\"",  "db.read", "(",    ")",       "@off",
        "exception", ":exception", "30%", "\\:", "=",       "\t",   "\xc3\xa9"};
    while (true) {
      std::string target;
      for (long long i = 0, n = 1 + Below(6); i < n; ++i) target += kPieces[Below(23)];
      try {
        FaultConfig("probe", FaultType::kException).Target(target);
        return target;
      } catch (const std::invalid_argument&) {
      }
    }
  }

  double Probability() {
    switch (Below(4)) {
      case 0:
        return double(rng_() >> 11) * 0x1.0p-53;
      case 1:
        return double(Below(10001)) / 10000;
      case 2: {  // any bit pattern that is a double in [0, 1], subnormals included
        while (true) {
          const std::uint64_t bits = rng_() >> Below(12);
          double p;
          std::memcpy(&p, &bits, sizeof p);
          if (p >= 0 && p <= 1) return p;
        }
      }
      default:
        return std::ldexp(double(rng_() >> 11), -53 - int(Below(1100)));
    }
  }

  std::chrono::nanoseconds Duration() {
    static constexpr std::int64_t kUnits[] = {1,          1000,        1000000,
                                              1000000000, 60000000000, 3600000000000};
    const std::int64_t unit = kUnits[Below(6)];
    const auto limit = std::numeric_limits<std::int64_t>::max() / unit;
    return std::chrono::nanoseconds(
        unit * (Chance() ? Below(1000) : static_cast<std::int64_t>(rng_() >> 1) % limit));
  }

  std::string Text() {
    static constexpr std::string_view kPieces[] = {
        "boom", " ", "(", ")", "\"", "\\", ";", "#", ":", "@", ",", "12", "true", "-inf", "1e5"};
    std::string text;
    for (long long i = 0, n = Below(6); i < n; ++i) {
      if (Chance()) {
        text += static_cast<char>(Below(256));
      } else {
        text += kPieces[Below(15)];
      }
    }
    return text;
  }

  void SetValue(FaultConfig& rule) {
    switch (Below(6)) {
      case 0:
        rule.Returns(static_cast<std::int64_t>(rng_()));
        break;
      case 1:
        rule.Returns(static_cast<std::uint64_t>(rng_()));
        break;
      case 2: {
        const std::uint64_t bits = rng_();
        double value;
        std::memcpy(&value, &bits, sizeof value);
        rule.Returns(std::isnan(value) ? -0.0 : value);
        break;
      }
      case 3:
        rule.Returns(Chance());
        break;
      case 4:
        rule.Returns(Text());
        break;
      default:
        rule.Returns(double(Below(1000)) / 8);
    }
  }

  std::mt19937_64 rng_;
};

TEST(RulesTest, RandomRulesRoundTripThroughText) {
  RuleGenerator generator(20240607);
  std::string spec;
  std::vector<FaultConfig> rules;
  for (int i = 0; i < 5000; ++i) {
    const FaultConfig rule = generator.Next();
    const std::string text = ToString(rule);
    const auto again = ParseRules(text);
    ASSERT_EQ(again.size(), 1u) << text;
    ASSERT_EQ(again[0], rule) << text;
    ASSERT_EQ(ToString(again[0]), text);
    spec += text + (i % 2 == 0 ? ";" : "\n");
    rules.push_back(rule);
  }
  EXPECT_EQ(ParseRules(spec), rules);
}

TEST(RulesTest, RandomProbabilitiesRoundTripExactly) {
  std::mt19937_64 rng(7);
  for (int i = 0; i < 100000; ++i) {
    const double p = double(rng() >> 11) * 0x1.0p-53 / double(1 + rng() % 1000);
    const auto rule = faultline::Exception("p").Probability(p);
    ASSERT_EQ(ParseOne(ToString(rule)).probability(), p) << ToString(rule);
  }
}

constexpr std::string_view kRuleFile =
    "# chaos rules for the checkout service\n"
    "api=Gateway::Charge:30%exception(boom)\n"
    "\n"
    "[slow]\n"
    "db=query_*:delay(2min)   # every query\n"
    "cache=Cache::Get:50%timeout(100ms); ledger=Ledger::*:corrupt\n"
    "[ empty ]\n"
    "[flaky-gateway]\n"
    "gw=Gateway::*:10%3*return(-1)\n";

TEST(RuleFileTest, ParsesDefaultRulesAndProfiles) {
  const auto file = faultline::ParseRuleFile(kRuleFile, "chaos.rules");
  EXPECT_EQ(file.origin, "chaos.rules");
  EXPECT_EQ(file.rules, ParseRules("api=Gateway::Charge:30%exception(boom)"));
  ASSERT_EQ(file.profiles.size(), 3u);
  EXPECT_EQ(file.Profile("slow"),
            ParseRules("db=query_*:delay(2min);cache=Cache::Get:50%timeout(100ms);"
                       "ledger=Ledger::*:corrupt"));
  EXPECT_TRUE(file.Profile("empty").empty());
  EXPECT_EQ(file.Profile("flaky-gateway"), ParseRules("gw=Gateway::*:10%3*return(-1)"));
}

TEST(RuleFileTest, UnknownProfileListsTheKnownOnes) {
  const auto file = faultline::ParseRuleFile(kRuleFile, "chaos.rules");
  EXPECT_THAT([&] { file.Profile("fast"); },
              ThrowsMessage<std::invalid_argument>(
                  "faultline: chaos.rules: unknown profile \"fast\", expected one of: empty, "
                  "flaky-gateway, slow"));
  EXPECT_THAT([] { faultline::ParseRuleFile("a=exception", "f").Profile("x"); },
              ThrowsMessage<std::invalid_argument>(
                  "faultline: f: unknown profile \"x\", expected none (the file has no [profile] "
                  "sections)"));
}

TEST(RuleFileTest, ErrorsNameFileLineAndColumn) {
  const ErrorCase cases[] = {
      {"a=exception\n[slow]\nb=x:delay(5)\n", 3, 12,
       R"m(expected a unit (ns, us, ms, s, min or h) after "5", got ")")m"},
      {"[a]\n[b]\n[a]\n", 3, 1, R"(profile "a" is defined twice (first at line 1))"},
      {"[]\n", 1, 2, R"(expected a profile name after "[", got "]")"},
      {"[a b]\n", 1, 4, R"(expected ']' after "a", got "b")"},
      {"[a] b=exception\n", 1, 5, R"(expected the end of the line after "[a]", got "b")"},
  };
  for (const ErrorCase& c : cases) {
    SCOPED_TRACE(c.text);
    EXPECT_THAT([&] { faultline::ParseRuleFile(c.text, "chaos.rules"); },
                ThrowsMessage<RuleSyntaxError>("faultline: chaos.rules:" + std::to_string(c.line) +
                                               ":" + std::to_string(c.column) + ": " + c.message));
  }
}

class RuleFileOnDiskTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    path_ = (std::filesystem::temp_directory_path() /
             ("faultline_rules_" + std::string(info->name()) + ".rules"))
                .string();
    std::ofstream(path_, std::ios::binary) << kRuleFile;
  }
  void TearDown() override { std::remove(path_.c_str()); }

  std::string path_;
};

TEST_F(RuleFileOnDiskTest, LoadsAFile) {
  const auto file = faultline::LoadRuleFile(path_);
  EXPECT_EQ(file.origin, path_);
  EXPECT_EQ(file.rules.size(), 1u);
  EXPECT_EQ(file.profiles.size(), 3u);
}

TEST_F(RuleFileOnDiskTest, ArgumentWithAtLoadsTheFileOrAProfile) {
  EXPECT_EQ(faultline::ParseRulesArgument("@" + path_),
            ParseRules("api=Gateway::Charge:30%exception(boom)"));
  EXPECT_EQ(faultline::ParseRulesArgument("@" + path_ + "#flaky-gateway"),
            ParseRules("gw=Gateway::*:10%3*return(-1)"));
  EXPECT_THAT([&] { faultline::ParseRulesArgument("@" + path_ + "#nope"); },
              ThrowsMessage<std::invalid_argument>(HasSubstr("unknown profile \"nope\"")));
}

TEST_F(RuleFileOnDiskTest, ErrorsInALoadedFileNameThePath) {
  std::ofstream(path_, std::ios::binary) << "a=exception\nb=x:7\n";
  EXPECT_THAT([&] { faultline::ParseRulesArgument("@" + path_); },
              ThrowsMessage<RuleSyntaxError>("faultline: " + path_ +
                                             ":2:6: expected '%' or '*' after \"7\", got end of "
                                             "line"));
}

TEST(RulesArgumentTest, WithoutAtParsesRules) {
  EXPECT_EQ(faultline::ParseRulesArgument("a=exception;b=delay(1ms)"),
            ParseRules("a=exception;b=delay(1ms)"));
}

TEST(RulesArgumentTest, ADirectoryOrADeviceIsNotARuleFile) {
  const std::string directory = std::filesystem::temp_directory_path().string();
  EXPECT_THAT([&] { faultline::ParseRulesArgument("@" + directory); },
              ThrowsMessage<std::invalid_argument>("faultline: rule file \"" + directory +
                                                   "\" is a directory, expected a regular file"));
  // Would read forever without the check.
  EXPECT_THAT([] { faultline::LoadRuleFile("/dev/zero"); },
              ThrowsMessage<std::invalid_argument>(
                  "faultline: rule file \"/dev/zero\" is a device, expected a regular file"));
}

TEST(RulesArgumentTest, ARuleFileAboveTheSizeLimitIsRefused) {
  const std::string path =
      (std::filesystem::temp_directory_path() / "faultline_rules_too_large.rules").string();
  {
    std::ofstream file(path, std::ios::binary);
    file << "a=exception\n";
    file << std::string(faultline::kMaxRuleFileSize, '#');
  }
  const std::string size = std::to_string(faultline::kMaxRuleFileSize + 12);
  EXPECT_THAT([&] { faultline::LoadRuleFile(path); },
              ThrowsMessage<std::invalid_argument>("faultline: rule file \"" + path + "\" has " +
                                                   size + " bytes; the limit is 16777216 bytes (16 MiB)"));
  std::remove(path.c_str());
}

TEST(RulesArgumentTest, UnreadableFileIsAClearError) {
  EXPECT_THAT([] { faultline::LoadRuleFile("no/such/dir/x.rules"); },
              ThrowsMessage<std::invalid_argument>(
                  "faultline: cannot read rule file \"no/such/dir/x.rules\": No such file or "
                  "directory"));
  EXPECT_THAT([] { faultline::ParseRulesArgument("@"); },
              ThrowsMessage<std::invalid_argument>(
                  "faultline: expected a rule file name after '@', got \"@\""));
}

TEST(ParseDuration, ReadsADurationAsRulesWriteIt) {
  EXPECT_EQ(faultline::ParseDuration("500ms"), 500ms);
  EXPECT_EQ(faultline::ParseDuration("1.5s"), 1500ms);
  EXPECT_EQ(faultline::ParseDuration("5min"), 300s);
  EXPECT_EQ(faultline::ParseDuration("1h"), 3600s);
  EXPECT_THAT([] { faultline::ParseDuration("30", "--faultline_explore_for"); },
              ThrowsMessage<faultline::RuleSyntaxError>(
                  "faultline: --faultline_explore_for:1:3: expected a unit (ns, us, ms, s, min or h) "
                  "after \"30\", got end of input"));
  EXPECT_THROW(faultline::ParseDuration("30s later"), faultline::RuleSyntaxError);
  EXPECT_THROW(faultline::ParseDuration(""), faultline::RuleSyntaxError);
}

}  // namespace
