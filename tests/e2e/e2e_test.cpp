// End to end: user test programs run as child processes with flags, environment, filters,
// shuffling, repetition and sharding; their output, exit codes and reports are checked.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "child_process.hpp"

#include <cstdio>
#include <fstream>
#include <map>
#include <regex>
#include <set>
#include <sstream>
#include <string>

namespace {

using faultline::testing::ChildRun;
using faultline::testing::EventLines;
using faultline::testing::ReadFile;
using faultline::testing::ReportEvents;
using faultline::testing::Shell;
using ::testing::HasSubstr;
using ::testing::Not;

ChildRun Sample(const std::string& args) { return Shell(std::string(SAMPLE_TEST) + " " + args); }

std::string ReplayLine(const std::string& output) {
  const std::string marker = "[faultline] replay: ";
  const std::size_t at = output.find(marker);
  if (at == std::string::npos) return "";
  const std::size_t end = output.find('\n', at);
  return output.substr(at + marker.size(), end - at - marker.size());
}

std::string Temp(const std::string& name) { return ::testing::TempDir() + "faultline_e2e_" + name; }

TEST(EndToEnd, NoTestLeaksStateIntoAnotherInAnyOrder) {
  const ChildRun run = Shell(std::string(ISOLATION_TEST) + " --gtest_shuffle --gtest_repeat=50");
  EXPECT_EQ(run.status, 0) << run.output;
  EXPECT_THAT(run.output, Not(HasSubstr("FAILED")));
}

TEST(EndToEnd, ACatchAllFlagRuleDoesNotShiftATestsOrdinals) {
  const ChildRun run = Shell(std::string(ISOLATION_TEST) +
                             " --gtest_filter=Isolation.OrdinalsIgnoreOtherRules"
                             " '--faultline_rules=noise=*:0%exception'");
  EXPECT_EQ(run.status, 0) << run.output;
  EXPECT_THAT(run.output, HasSubstr("1 test(s)"));
}

TEST(EndToEnd, AReportPathThatCannotBeWrittenStopsStartUp) {
  const ChildRun run = Sample("--gtest_filter=Sample.ToleratesFlakyWork --faultline_report=" +
                              ::testing::TempDir());
  EXPECT_EQ(run.status, 1) << run.output;
  EXPECT_THAT(run.output, HasSubstr("--faultline_report: cannot open"));
  EXPECT_THAT(run.output, Not(HasSubstr("[ RUN      ]")));
}

TEST(EndToEnd, AReportThatCannotBeWrittenIsOneLineAndAFailedExit) {
  const ChildRun run = Sample("--gtest_filter=Sample.ToleratesFlakyWork --faultline_report=/dev/full");
  EXPECT_EQ(run.status, 1) << run.output;
  EXPECT_THAT(run.output, HasSubstr("[  PASSED  ] 1 test."));
  EXPECT_THAT(run.output, HasSubstr("faultline: --faultline_report: cannot write \"/dev/full\": "
                                    "No space left on device\n"));
}

TEST(EndToEnd, ARuleFileThatIsNotARegularFileStopsStartUp) {
  const ChildRun directory = Sample("--faultline_rules=@" + ::testing::TempDir());
  EXPECT_EQ(directory.status, 1) << directory.output;
  EXPECT_THAT(directory.output, HasSubstr("is a directory, expected a regular file (in --faultline_rules)"));
  const ChildRun device = Sample("--faultline_rules=@/dev/zero");
  EXPECT_EQ(device.status, 1) << device.output;
  EXPECT_THAT(device.output, HasSubstr("faultline: rule file \"/dev/zero\" is a device, expected a "
                                       "regular file (in --faultline_rules)"));
}

TEST(EndToEnd, ScheduleEntriesNamingNoInstalledRuleFailTheTest) {
  const ChildRun run = Sample("--gtest_filter=Plain.PointDrivenByCommandLineRules "
                              "--faultline_schedule=zz=flag.point@3");
  EXPECT_EQ(run.status, 1) << run.output;
  EXPECT_THAT(run.output, HasSubstr("[faultline] --faultline_schedule: entry \"zz=flag.point@3\" "
                                    "names rule \"zz\", which is not installed in "
                                    "Plain.PointDrivenByCommandLineRules (installed: none)"));
}

TEST(EndToEnd, StrictTurnsNotesIntoFailuresOfTheirTest) {
  const std::string args = "--gtest_filter=Plain.PointDrivenByCommandLineRules "
                           "'--faultline_rules=p=flag.point:exception@calls(500);typo=flag.pont:exception' "
                           "--faultline_schedule=p=flag.point@200";
  const ChildRun lenient = Sample(args);
  EXPECT_EQ(lenient.status, 0) << lenient.output;
  EXPECT_THAT(lenient.output, HasSubstr("[faultline] note: rule \"typo\" matched no call in "
                                        "Plain.PointDrivenByCommandLineRules (check its target)"));
  EXPECT_THAT(lenient.output, HasSubstr("[faultline] note: --faultline_schedule: entry "
                                        "\"p=flag.point@200\" never fired in "
                                        "Plain.PointDrivenByCommandLineRules"));
  const ChildRun strict = Sample(args + " --faultline_strict");
  EXPECT_EQ(strict.status, 1) << strict.output;
  EXPECT_THAT(strict.output, HasSubstr("[faultline] rule \"typo\" matched no call in "
                                       "Plain.PointDrivenByCommandLineRules (check its target)"));
  EXPECT_THAT(strict.output, HasSubstr("[faultline] --faultline_schedule: entry \"p=flag.point@200\" "
                                       "never fired in Plain.PointDrivenByCommandLineRules"));
  EXPECT_THAT(strict.output, HasSubstr("[  FAILED  ] Plain.PointDrivenByCommandLineRules"));
  EXPECT_THAT(ReplayLine(strict.output), HasSubstr("--faultline_strict"));
  const ChildRun env = Shell("FAULTLINE_STRICT=1 " + std::string(SAMPLE_TEST) + " " + args);
  EXPECT_EQ(env.status, 1) << env.output;
}

TEST(EndToEnd, AnEmptyVariableIsNotSetAndRepeatedRulesFlagsAddUp) {
  const ChildRun empty = Shell("FAULTLINE_DISABLE= " + std::string(SAMPLE_TEST) +
                               " --gtest_filter=Sample.ToleratesFlakyWork");
  EXPECT_EQ(empty.status, 0) << empty.output;
  EXPECT_THAT(empty.output, Not(HasSubstr("injection disabled")));
  const ChildRun twice = Sample("--gtest_filter=Plain.PointDrivenByCommandLineRules "
                                "'--faultline_rules=a=flag.point:10%return(1)' "
                                "'--faultline_rules=b=flag.point:10%return(1)'");
  EXPECT_EQ(twice.status, 0) << twice.output;
  EXPECT_THAT(twice.output, ::testing::ContainsRegex("a +flag.point +--faultline_rules"));
  EXPECT_THAT(twice.output, ::testing::ContainsRegex("b +flag.point +--faultline_rules"));
  const ChildRun clash = Sample("'--faultline_rules=a=flag.point:exception' "
                                "'--faultline_rules=a=other:exception'");
  EXPECT_EQ(clash.status, 1) << clash.output;
  EXPECT_THAT(clash.output, HasSubstr("faultline: rule \"a\" is given twice (in --faultline_rules)"));
}

TEST(EndToEnd, PassingTestsExitZeroAndPrintSeedAndSummary) {
  const ChildRun run = Sample("--gtest_filter=Sample.ToleratesFlakyWork");
  EXPECT_EQ(run.status, 0) << run.output;
  EXPECT_THAT(run.output, HasSubstr("[faultline] global seed 42"));
  EXPECT_THAT(run.output, HasSubstr("[faultline] summary: global seed 42, 1 test(s)"));
  EXPECT_THAT(run.output, ::testing::ContainsRegex("boom +work +annotation +40 +20"));
  EXPECT_THAT(run.output, Not(HasSubstr("replay:")));
}

TEST(EndToEnd, AFailingTestPrintsSeedEventsAndAReplayLineThatReproducesIt) {
  const ChildRun run = Sample("--gtest_filter=Sample.BreaksUnderDbFaults:Sample.ToleratesFlakyWork --faultline_seed=9");
  ASSERT_EQ(run.status, 1) << run.output;
  EXPECT_THAT(run.output, HasSubstr("[faultline] seed: "));
  const std::string replay = ReplayLine(run.output);
  ASSERT_THAT(replay, HasSubstr("--gtest_filter=Sample.BreaksUnderDbFaults --faultline_seed=9"));
  const auto events = EventLines(run.output);
  ASSERT_FALSE(events.empty());

  const ChildRun again = Shell(replay);
  EXPECT_EQ(again.status, 1);
  EXPECT_EQ(EventLines(again.output), events);
  EXPECT_THAT(again.output, HasSubstr("1 test(s)"));
}

TEST(EndToEnd, AnExpectedFaultThatNeverFiresFailsTheTest) {
  const std::string xml = Temp("expected.xml");
  const ChildRun run = Sample("--gtest_filter=Sample.ExpectedFaultNeverReached --gtest_output=xml:" + xml);
  EXPECT_EQ(run.status, 1) << run.output;
  EXPECT_THAT(run.output, HasSubstr("fault \"unreached\" was expected to fire at least 1 time(s), "
                                    "but it fired 0 time(s): the test never reached this error path"));
  EXPECT_THAT(run.output, HasSubstr("rule \"unreached\" matched no call"));
  EXPECT_THAT(run.output, HasSubstr("[  FAILED  ] Sample.ExpectedFaultNeverReached"));
  EXPECT_THAT(ReadFile(xml), HasSubstr("never reached this error path"));
}

TEST(EndToEnd, EveryAnnotationOfATestIsUsedAndItsExpectationFailsAtIt) {
  const ChildRun run = Sample("--gtest_filter=Sample.ExpectationOfASecondAnnotation");
  EXPECT_EQ(run.status, 1) << run.output;
  EXPECT_THAT(run.output, ::testing::ContainsRegex(
                              "sample_test.cpp:[0-9]+: Failure\nFailed\n\\[faultline\\] fault \"second\" "
                              "was expected to fire at least 1 time\\(s\\)"));
  EXPECT_THAT(run.output, ::testing::ContainsRegex("first +first.point +annotation"));
}

TEST(EndToEnd, AnExpectFaultFailureIsReportedWhereItWasDeclared) {
  const ChildRun run = Sample("--gtest_filter=Sample.ExpectFaultOfAMissingRule");
  EXPECT_EQ(run.status, 1) << run.output;
  EXPECT_THAT(run.output, ::testing::ContainsRegex(
                              "sample_test.cpp:[0-9]+: Failure\nFailed\n\\[faultline\\] fault \"missing\" "
                              "is expected, but no rule of that name was installed"));
  EXPECT_THAT(run.output, Not(HasSubstr("gtest.cpp")));
}

TEST(EndToEnd, ARuleTooRareToFireIsNotedAndItsProbabilityPrintedInFull) {
  const ChildRun run = Sample("--gtest_filter=Sample.RareRuleNeverFires");
  EXPECT_EQ(run.status, 0) << run.output;
  EXPECT_THAT(run.output, HasSubstr("[faultline] note: rule \"rare\" was tried on 10 call(s) in "
                                    "Sample.RareRuleNeverFires and never fired; at probability "
                                    "0.01% no fire was to be expected"));
  EXPECT_THAT(run.output, ::testing::ContainsRegex("rare +rare.point +annotation +10 +0 +0.01% +0%"));
}

TEST(EndToEnd, TheReplayLineOfADisabledTestRunsIt) {
  for (const std::string test : {"Sample.DISABLED_FailsWhenRun", "DISABLED_Suite.FailsWhenRun"}) {
    const ChildRun run = Sample("--gtest_also_run_disabled_tests --gtest_filter=" + test);
    ASSERT_EQ(run.status, 1) << run.output;
    const std::string replay = ReplayLine(run.output);
    EXPECT_THAT(replay, HasSubstr("--gtest_filter=" + test + " --gtest_also_run_disabled_tests"));
    const ChildRun again = Shell(replay);
    EXPECT_EQ(again.status, 1) << again.output;
    EXPECT_THAT(again.output, HasSubstr("1 test(s)"));
  }
  const ChildRun enabled = Sample("--gtest_filter=Sample.BreaksUnderDbFaults");
  EXPECT_THAT(ReplayLine(enabled.output), Not(HasSubstr("--gtest_also_run_disabled_tests")));
}

TEST(EndToEnd, SeedsAndFaultCountsAppearInXmlAndJsonOutput) {
  const std::string xml = Temp("out.xml");
  const std::string json = Temp("out.json");
  ASSERT_EQ(Sample("--gtest_filter=Sample.ToleratesFlakyWork --gtest_output=xml:" + xml).status, 0);
  ASSERT_EQ(Sample("--gtest_filter=Sample.ToleratesFlakyWork --gtest_output=json:" + json).status, 0);
  EXPECT_THAT(ReadFile(xml), HasSubstr("<property name=\"faultline_seed\" value=\""));
  EXPECT_THAT(ReadFile(xml), HasSubstr("<property name=\"faultline_faults_boom\" value=\"20\""));
  EXPECT_THAT(ReadFile(json), HasSubstr("\"faultline_faults\": \""));
}

TEST(EndToEnd, CommandLineAndEnvironmentRulesReachEveryTest) {
  const ChildRun flag = Sample("--gtest_filter=Plain.PointDrivenByCommandLineRules "
                          "'--faultline_rules=p=flag.point:25%return(1)'");
  EXPECT_EQ(flag.status, 0) << flag.output;
  EXPECT_THAT(flag.output, Not(HasSubstr("injected=0")));
  const ChildRun env = Shell("FAULTLINE_RULES='p=flag.point:25%return(1)' " + std::string(SAMPLE_TEST) +
                        " --gtest_filter=Plain.PointDrivenByCommandLineRules");
  EXPECT_EQ(env.status, 0);
  std::smatch a, b;
  ASSERT_TRUE(std::regex_search(flag.output, a, std::regex("injected=(\\d+)")));
  ASSERT_TRUE(std::regex_search(env.output, b, std::regex("injected=(\\d+)")));
  EXPECT_EQ(a[1], b[1]);
  EXPECT_THAT(flag.output, ::testing::ContainsRegex("p +flag.point +--faultline_rules +100"));
  EXPECT_THAT(env.output, ::testing::ContainsRegex("p +flag.point +FAULTLINE_RULES +100"));
  const ChildRun none = Sample("--gtest_filter=Plain.PointDrivenByCommandLineRules");
  EXPECT_THAT(none.output, HasSubstr("injected=0"));
}

TEST(EndToEnd, ChildProcessesOfATestInheritItsRulesAndSeed) {
  const ChildRun run = Sample("--gtest_filter=Plain.ChildProcessesInheritRules --faultline_seed=5 "
                              "'--faultline_rules=p=flag.point:25%return(1)'");
  EXPECT_EQ(run.status, 0) << run.output;
  EXPECT_THAT(run.output, HasSubstr("child saw rules=p=flag.point:25%return(1) seed=5"));
}

TEST(EndToEnd, DisableFlagInjectsNothingAndSkipsExpectations) {
  const ChildRun run = Sample("--gtest_filter=Sample.BreaksUnderDbFaults:Sample.ExpectedFaultNeverReached "
                              "--faultline_disable");
  EXPECT_EQ(run.status, 0) << run.output;
  EXPECT_THAT(run.output, HasSubstr("injection disabled"));
  EXPECT_THAT(run.output, Not(HasSubstr("matched no call")));
}

TEST(EndToEnd, ShardsTogetherSeeExactlyTheFaultsOfTheUnshardedRun) {
  const std::string whole = Temp("whole.json"), shard0 = Temp("s0.json"), shard1 = Temp("s1.json");
  ASSERT_EQ(Sample("--gtest_filter=P/Shards.* --faultline_report=" + whole).status, 0);
  ASSERT_EQ(Shell("GTEST_TOTAL_SHARDS=2 GTEST_SHARD_INDEX=0 " + std::string(SAMPLE_TEST) +
                  " --gtest_filter=P/Shards.* --faultline_report=" + shard0).status, 0);
  ASSERT_EQ(Shell("GTEST_TOTAL_SHARDS=2 GTEST_SHARD_INDEX=1 " + std::string(SAMPLE_TEST) +
                  " --gtest_filter=P/Shards.* --faultline_report=" + shard1).status, 0);
  const auto expected = ReportEvents(ReadFile(whole));
  ASSERT_EQ(expected.size(), 12u);
  auto merged = ReportEvents(ReadFile(shard0));
  const auto second = ReportEvents(ReadFile(shard1));
  EXPECT_FALSE(merged.empty());
  EXPECT_FALSE(second.empty());
  merged.insert(second.begin(), second.end());
  EXPECT_EQ(merged, expected);
}

TEST(EndToEnd, ShuffleAndRepeatLeaveEachTestsFaultsUnchanged) {
  const std::string plain = Temp("plain.json"), shuffled = Temp("shuffled.json");
  ASSERT_EQ(Sample("--gtest_filter=P/Shards.* --gtest_repeat=3 --faultline_report=" + plain).status, 0);
  const ChildRun run = Sample("--gtest_filter=P/Shards.* --gtest_shuffle --gtest_random_seed=5 "
                         "--gtest_repeat=3 --faultline_report=" + shuffled);
  ASSERT_EQ(run.status, 0) << run.output;
  EXPECT_EQ(ReportEvents(ReadFile(shuffled)), ReportEvents(ReadFile(plain)));
  EXPECT_THAT(run.output, HasSubstr("36 test(s)"));
}

TEST(EndToEnd, AValueThatCannotBecomeTheResultFailsTheTestNotTheCodeUnderTest) {
  const ChildRun run = Sample("--gtest_filter=Sample.ReturnOfTheWrongType");
  EXPECT_EQ(run.status, 1) << run.output;
  EXPECT_THAT(run.output,
              HasSubstr("[faultline] rule \"wrong\" on target \"typed.db\": its return value 5 "
                        "of type long cannot become the result type std::string; the call was "
                        "made as if the rule had not fired"));
  EXPECT_THAT(run.output, HasSubstr("[  FAILED  ] Sample.ReturnOfTheWrongType"));
}

TEST(EndToEnd, WithGTestsOwnMainFaultTestsFailSayingWhatToLink) {
  const ChildRun run = Shell(GTEST_MAIN_TEST);
  EXPECT_EQ(run.status, 1) << run.output;
  EXPECT_THAT(run.output,
              HasSubstr("[faultline] test Uninitialized.AnnotatedTest has fault annotations, but "
                        "faultline was not initialized, so no fault rule is installed: link "
                        "faultline::gtest_main instead of GTest::gtest_main, or call "
                        "faultline::Init(&argc, argv) after ::testing::InitGoogleTest in your main"));
  EXPECT_THAT(run.output, HasSubstr("[  FAILED  ] Uninitialized.AnnotatedTest"));
  EXPECT_THAT(run.output, HasSubstr("[  FAILED  ] Fixture.UsesTheFixture"));
  EXPECT_THAT(run.output, HasSubstr("[       OK ] Plain.NeedsNoFaults"));
}

TEST(EndToEnd, RandomSeedIsDrawnAndPrinted) {
  const ChildRun run = Sample("--gtest_filter=Sample.ToleratesFlakyWork --faultline_seed=random");
  EXPECT_THAT(run.output, HasSubstr("(drawn at random)"));
}

TEST(EndToEnd, AnnotationsOfMissingTestsAndDuplicateRulesAbortStartUp) {
  const ChildRun run = Shell(BAD_ANNOTATION_TEST);
  EXPECT_EQ(run.status, 1);
  EXPECT_THAT(run.output, HasSubstr("rules are annotated on test Missing.NoSuchTest, which does not exist"));
  EXPECT_THAT(run.output, HasSubstr("test Present.Twice: rule \"dup\" is annotated twice"));
  // Across two annotations of one test, which are merged.
  EXPECT_THAT(run.output, ::testing::ContainsRegex(
                              "bad_annotation_test.cpp:[0-9]+: faultline: test Present.Across: rule "
                              "\"same\" is annotated twice \\(first at [^ ]*bad_annotation_test.cpp:[0-9]+\\)"));
  EXPECT_THAT(run.output, HasSubstr("3 problem(s) in fault annotations; no test was run"));
  EXPECT_THAT(run.output, Not(HasSubstr("[ RUN      ]")));
}

TEST(EndToEnd, BadFlagsAreErrorsAndHelpListsTheFlags) {
  const ChildRun unknown = Sample("--faultline_sed=1");
  EXPECT_EQ(unknown.status, 1);
  EXPECT_THAT(unknown.output, HasSubstr("faultline: unknown flag --faultline_sed"));
  const ChildRun dashed = Sample("--faultline-seed=3");
  EXPECT_EQ(dashed.status, 1);
  EXPECT_THAT(dashed.output, HasSubstr("did you mean --faultline_seed?"));
  const ChildRun plus = Sample("--faultline_seed=+5");
  EXPECT_EQ(plus.status, 1);
  EXPECT_THAT(plus.output, HasSubstr("expected an unsigned 64-bit integer or \"random\", got \"+5\""));
  const ChildRun rules = Sample("'--faultline_rules=x=t:150%exception'");
  EXPECT_EQ(rules.status, 1);
  EXPECT_THAT(rules.output, HasSubstr("--faultline_rules"));
  const ChildRun twice = Sample("'--faultline_rules=x=t:exception;x=u:delay(1ms)'");
  EXPECT_EQ(twice.status, 1);
  EXPECT_THAT(twice.output, HasSubstr("faultline: rule \"x\" is given twice (in --faultline_rules)"));
  const ChildRun clash = Sample("'--faultline_rules=boom=nothing:exception'");
  EXPECT_EQ(clash.status, 1);
  EXPECT_THAT(clash.output, HasSubstr("faultline: test Sample.ToleratesFlakyWork: rule \"boom\" "
                                      "from --faultline_rules clashes with the rule of that name "
                                      "from annotation at "));
  EXPECT_THAT(clash.output, Not(HasSubstr("[ RUN      ]")));
  const ChildRun help = Sample("--help");
  EXPECT_THAT(help.output, HasSubstr("--faultline_seed=N|random"));
  EXPECT_THAT(help.output, HasSubstr("--gtest_filter"));
}

TEST(EndToEnd, NoStateLeaksBetweenTestsUnderShuffleAndRepeat) {
  const ChildRun run = Shell(std::string(PLUGIN_TESTS) + " --gtest_shuffle --gtest_repeat=50");
  EXPECT_EQ(run.status, 0) << run.output.substr(run.output.size() > 4000 ? run.output.size() - 4000 : 0);
  EXPECT_THAT(run.output, Not(HasSubstr("[  FAILED  ]")));
}

TEST(EndToEnd, ListingTestsForCTestDiscoveryStillWorks) {
  const ChildRun run = Sample("--gtest_list_tests");
  EXPECT_EQ(run.status, 0);
  EXPECT_THAT(run.output, HasSubstr("ToleratesFlakyWork"));
}

}  // namespace
