#include "faultline/internal/session.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <chrono>
#include <cstdlib>
#include <optional>
#include <string>

namespace {

using faultline::internal::BaseTestName;
using faultline::internal::ParseOptions;
using faultline::internal::ShellQuote;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::StrEq;
using ::testing::ThrowsMessage;

TEST(BaseTestNameTest, StripsInstantiationPrefixesAndParameterIndices) {
  EXPECT_EQ(BaseTestName("Suite.Test"), "Suite.Test");
  EXPECT_EQ(BaseTestName("Inst/Suite.Test/3"), "Suite.Test");
  EXPECT_EQ(BaseTestName("Suite/0.Test"), "Suite.Test");
  EXPECT_EQ(BaseTestName("Inst/Suite/1.Test"), "Suite.Test");
}

TEST(ShellQuoteTest, QuotesOnlyWhatTheShellWouldSplitOrExpand) {
  EXPECT_EQ(ShellQuote("--gtest_filter=Suite.Test"), "--gtest_filter=Suite.Test");
  EXPECT_EQ(ShellQuote("a b"), "'a b'");
  EXPECT_EQ(ShellQuote("gw=x:30%exception(boom);y"), "'gw=x:30%exception(boom);y'");
  EXPECT_EQ(ShellQuote("it's"), "'it'\\''s'");
  EXPECT_EQ(ShellQuote(""), "''");
}

// argv as ParseOptions sees it, owning its strings.
struct Args {
  explicit Args(std::vector<std::string> a) : strings(std::move(a)) {
    for (auto& s : strings) pointers.push_back(s.data());
    pointers.push_back(nullptr);
    argc = static_cast<int>(strings.size());
  }
  std::vector<std::string> Remaining() const {
    return std::vector<std::string>(pointers.begin(), pointers.begin() + argc);
  }
  std::vector<std::string> strings;
  std::vector<char*> pointers;
  int argc;
};

TEST(ParseOptionsTest, ReadsFlagsAndRemovesThemFromArgv) {
  Args args({"prog", "--faultline_seed=7", "--gtest_filter=A.B", "--faultline_rules=x=t:exception",
             "--faultline_disable", "--faultline_report=out.json", "positional"});
  const auto options = ParseOptions(&args.argc, args.pointers.data());
  EXPECT_EQ(options.seed, 7u);
  EXPECT_EQ(options.rules, "x=t:exception");
  EXPECT_EQ(options.rules_origin, "--faultline_rules");
  EXPECT_TRUE(options.disabled);
  EXPECT_EQ(options.report, "out.json");
  EXPECT_THAT(args.Remaining(), ElementsAre("prog", "--gtest_filter=A.B", "positional"));
  EXPECT_EQ(args.pointers[static_cast<std::size_t>(args.argc)], nullptr);
}

TEST(ParseOptionsTest, EnvironmentTwinsApplyAndFlagsWin) {
  setenv("FAULTLINE_SEED", "11", 1);
  setenv("FAULTLINE_RULES", "e=t:exception", 1);
  Args env_only({"prog"});
  const auto from_env = ParseOptions(&env_only.argc, env_only.pointers.data());
  EXPECT_EQ(from_env.seed, 11u);
  EXPECT_EQ(from_env.rules_origin, "FAULTLINE_RULES");
  Args both({"prog", "--faultline_seed=12"});
  EXPECT_EQ(ParseOptions(&both.argc, both.pointers.data()).seed, 12u);
  unsetenv("FAULTLINE_SEED");
  unsetenv("FAULTLINE_RULES");
}

TEST(ParseOptionsTest, RandomSeedIsDrawnAndFlagged) {
  Args args({"prog", "--faultline_seed=random"});
  EXPECT_TRUE(ParseOptions(&args.argc, args.pointers.data()).seed_was_drawn);
}

TEST(ParseOptionsTest, BadInputIsAClearError) {
  Args unknown({"prog", "--faultline_sed=3"});
  EXPECT_THAT([&] { ParseOptions(&unknown.argc, unknown.pointers.data()); },
              ThrowsMessage<std::invalid_argument>(HasSubstr("unknown flag --faultline_sed")));
  Args seed({"prog", "--faultline_seed=12abc"});
  EXPECT_THAT([&] { ParseOptions(&seed.argc, seed.pointers.data()); },
              ThrowsMessage<std::invalid_argument>(StrEq(
                  "faultline: --faultline_seed: expected an unsigned 64-bit integer or "
                  "\"random\", got \"12abc\"")));
  Args negative({"prog", "--faultline_seed=-1"});
  EXPECT_THROW(ParseOptions(&negative.argc, negative.pointers.data()), std::invalid_argument);
  Args disable({"prog", "--faultline_disable=maybe"});
  EXPECT_THAT([&] { ParseOptions(&disable.argc, disable.pointers.data()); },
              ThrowsMessage<std::invalid_argument>(HasSubstr("got \"maybe\"")));
}

TEST(ParseOptionsTest, ReadsTheCampaignFlags) {
  Args args({"prog", "--faultline_explore_runs=500", "--faultline_explore_for=1.5s",
             "--faultline_explore_shard=2/4"});
  const auto options = ParseOptions(&args.argc, args.pointers.data());
  EXPECT_EQ(options.explore_runs, 500u);
  EXPECT_EQ(options.explore_for, std::chrono::milliseconds(1500));
  EXPECT_EQ(options.explore_shard_index, 2u);
  EXPECT_EQ(options.explore_shard_count, 4u);
  EXPECT_THAT(args.Remaining(), ElementsAre("prog"));
  Args unset({"prog"});
  const auto defaults = ParseOptions(&unset.argc, unset.pointers.data());
  EXPECT_EQ(defaults.explore_runs, std::nullopt);
  EXPECT_EQ(defaults.explore_for, std::nullopt);
  EXPECT_EQ(defaults.explore_shard_count, 1u);
}

TEST(ParseOptionsTest, BadCampaignValuesNameTheFlagTheValueAndTheExpectation) {
  Args shard({"prog", "--faultline_explore_shard=4/4"});
  EXPECT_THAT([&] { ParseOptions(&shard.argc, shard.pointers.data()); },
              ThrowsMessage<std::invalid_argument>(StrEq(
                  "faultline: --faultline_explore_shard: expected i/n, shard i of n with "
                  "0 <= i < n (e.g. 0/4), or auto, got \"4/4\"")));
  Args budget({"prog", "--faultline_explore_for=0s"});
  EXPECT_THAT([&] { ParseOptions(&budget.argc, budget.pointers.data()); },
              ThrowsMessage<std::invalid_argument>(StrEq(
                  "faultline: --faultline_explore_for: expected a positive duration such as "
                  "500ms, 30s, 5min or 1h, got \"0s\"")));
  Args runs({"prog", "--faultline_explore_runs=-3"});
  EXPECT_THAT([&] { ParseOptions(&runs.argc, runs.pointers.data()); },
              ThrowsMessage<std::invalid_argument>(StrEq(
                  "faultline: --faultline_explore_runs: expected a positive number of runs, "
                  "got \"-3\"")));
}

TEST(ParseOptionsTest, ASeedIsDecimalDigitsOnly) {
  for (const char* text : {"--faultline_seed= 5", "--faultline_seed=+5", "--faultline_seed=5 "}) {
    SCOPED_TRACE(text);
    Args args({"prog", text});
    EXPECT_THAT([&] { ParseOptions(&args.argc, args.pointers.data()); },
                ThrowsMessage<std::invalid_argument>(HasSubstr("expected an unsigned 64-bit integer")));
  }
}

TEST(ParseOptionsTest, AnEmptyVariableCountsAsNotSet) {
  setenv("FAULTLINE_DISABLE", "", 1);
  setenv("FAULTLINE_STRICT", "", 1);
  Args args({"prog"});
  const auto options = ParseOptions(&args.argc, args.pointers.data());
  EXPECT_FALSE(options.disabled);
  EXPECT_FALSE(options.strict);
  unsetenv("FAULTLINE_DISABLE");
  unsetenv("FAULTLINE_STRICT");
}

TEST(ParseOptionsTest, StrictHasAFlagAndAnEnvironmentTwin) {
  Args flag({"prog", "--faultline_strict"});
  EXPECT_TRUE(ParseOptions(&flag.argc, flag.pointers.data()).strict);
  setenv("FAULTLINE_STRICT", "1", 1);
  Args env({"prog"});
  EXPECT_TRUE(ParseOptions(&env.argc, env.pointers.data()).strict);
  unsetenv("FAULTLINE_STRICT");
}

TEST(ParseOptionsTest, RegressionsHasAFlagAnEnvironmentTwinAndNeedsAValue) {
  Args flag({"prog", "--faultline_regressions=stored"});
  EXPECT_EQ(ParseOptions(&flag.argc, flag.pointers.data()).regressions, "stored");
  // CTest runs this suite with the variable set: it is given back as it was.
  const char* given = std::getenv("FAULTLINE_REGRESSIONS");
  const std::string saved = given != nullptr ? given : "";
  setenv("FAULTLINE_REGRESSIONS", "from-env", 1);
  Args env({"prog"});
  EXPECT_EQ(ParseOptions(&env.argc, env.pointers.data()).regressions, "from-env");
  Args both({"prog", "--faultline_regressions=none"});
  EXPECT_EQ(ParseOptions(&both.argc, both.pointers.data()).regressions, "none");
  if (given != nullptr) {
    setenv("FAULTLINE_REGRESSIONS", saved.c_str(), 1);
  } else {
    unsetenv("FAULTLINE_REGRESSIONS");
  }
  Args empty({"prog", "--faultline_regressions"});
  EXPECT_THAT([&] { ParseOptions(&empty.argc, empty.pointers.data()); },
              ThrowsMessage<std::invalid_argument>(
                  StrEq("faultline: --faultline_regressions: expected a directory, or none to "
                        "store no regression")));
  EXPECT_THAT(faultline::internal::OptionsHelp(), HasSubstr("--faultline_regressions=DIR|none"));
}

TEST(ParseOptionsTest, RepeatedRulesFlagsAddUp) {
  Args args({"prog", "--faultline_rules=a=t:exception", "--faultline_rules=b=u:delay(1ms)"});
  EXPECT_EQ(ParseOptions(&args.argc, args.pointers.data()).rules, "a=t:exception;b=u:delay(1ms)");
  Args file({"prog", "--faultline_rules=a=t:exception", "--faultline_rules=@x.rules"});
  EXPECT_THAT([&] { ParseOptions(&file.argc, file.pointers.data()); },
              ThrowsMessage<std::invalid_argument>(StrEq(
                  "faultline: --faultline_rules is given twice (\"a=t:exception\", then "
                  "\"@x.rules\") with a rule file; expected one @file, or rules only")));
  // A flag replaces the variable, as for every other option.
  setenv("FAULTLINE_RULES", "e=t:exception", 1);
  Args over({"prog", "--faultline_rules=a=t:exception"});
  EXPECT_EQ(ParseOptions(&over.argc, over.pointers.data()).rules, "a=t:exception");
  unsetenv("FAULTLINE_RULES");
}

TEST(ParseOptionsTest, TheDashSpellingPointsToTheUnderscoreOne) {
  Args args({"prog", "--faultline-seed=3"});
  EXPECT_THAT([&] { ParseOptions(&args.argc, args.pointers.data()); },
              ThrowsMessage<std::invalid_argument>(HasSubstr(
                  "faultline: unknown flag --faultline-seed: GoogleTest programs spell "
                  "faultline's flags with underscores, did you mean --faultline_seed?")));
}

TEST(FaultExpectationTest, ExplainsWhatWasExpectedAndWhatHappened) {
  EXPECT_FALSE(faultline::FaultExpectation("r").Check(1).has_value());
  EXPECT_EQ(faultline::FaultExpectation("r").Check(0),
            "fault \"r\" was expected to fire at least 1 time(s), but it fired 0 time(s): the "
            "test never reached this error path");
  EXPECT_EQ(faultline::FaultExpectation("r").Times(2).Check(3),
            "fault \"r\" was expected to fire exactly 2 time(s), but it fired 3 time(s)");
  EXPECT_EQ(faultline::FaultExpectation("r").Never().Check(1),
            "fault \"r\" was expected never to fire, but it fired 1 time(s)");
  EXPECT_FALSE(faultline::FaultExpectation("r").AtLeast(2).Check(5).has_value());
}

// A record of one test in which rule "r" of probability `p` was tried on `calls` calls and
// never fired.
faultline::internal::TestRecord UnfiredRule(double p, std::uint64_t calls) {
  faultline::internal::TestRecord record;
  record.name = "S.T";
  faultline::RuleStats rule;
  rule.name = "r";
  rule.probability = p;
  rule.checks = calls;
  rule.target_calls = calls;
  record.unfired_rules.push_back(rule);
  return record;
}

TEST(RuleNotesTest, ARuleTooRareForItsCallsIsNotedWithItsProbability) {
  // 0.9999^10 = 0.999: no fire was to be expected.
  EXPECT_EQ(faultline::internal::Session::RuleNotes(UnfiredRule(0.0001, 10)),
            "[faultline] note: rule \"r\" was tried on 10 call(s) in S.T and never fired; at "
            "probability 0.01% no fire was to be expected (0.09996% chance of one): raise the "
            "probability or make more calls\n");
}

TEST(RuleNotesTest, ARuleThatShouldHaveFiredIsNotedAsUnlikely) {
  // 0.5^20 < 1e-6, below the 1e-3 threshold.
  EXPECT_EQ(faultline::internal::Session::RuleNotes(UnfiredRule(0.5, 20)),
            "[faultline] note: rule \"r\" was tried on 20 call(s) in S.T and never fired; at "
            "probability 50% that happens with chance 9.537e-05%, so something else stopped it "
            "(its call conditions?)\n");
}

}  // namespace
