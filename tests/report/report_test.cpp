// faultline-report's reader and merge: reports merged are the report of one run, bad input is a
// clear error.
#include "report.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstdio>
#include <map>
#include <string>
#include <vector>

#include "child_process.hpp"

namespace faultline::report {
namespace {

using faultline::testing::ChildRun;
using faultline::testing::ReadFile;
using faultline::testing::Shell;
using ::testing::HasSubstr;
using ::testing::Not;

std::string Temp(const std::string& name) {
  return ::testing::TempDir() + "faultline_report_test_" + name;
}

// One run of a test: each target's calls and faulted ordinals.
struct BodyRun {
  std::map<std::string, std::uint64_t> calls;
  std::map<std::string, std::vector<std::uint64_t>> faulted;
  std::uint64_t seed = 0;
  bool failed = false;
};

// Deterministic runs with many calls (so that ordinals go to blocks) and a failure in run 5 and
// run 7, the way an exploration of 9 runs with these outcomes makes them.
std::vector<BodyRun> Runs() {
  std::vector<BodyRun> runs;
  for (std::uint64_t r = 0; r < 9; ++r) {
    BodyRun run;
    run.seed = 1000 + r;
    run.calls["db.read"] = 3 + r;
    run.calls["alloc.new"] = 500 * (r + 1);  // 4500 calls: blocks of 8
    run.calls["log.write"] = 2;              // never faulted
    run.faulted["db.read"] = {1 + r % 3};
    run.faulted["alloc.new"] = {7 * r + 1, 499 * (r + 1), 499 * (r + 1) - 1};
    run.failed = r == 5 || r == 7;
    runs.push_back(run);
  }
  return runs;
}

// The record one process writes for runs [first, last) of test "T", as the session sums them.
std::string RecordOf(const std::vector<BodyRun>& runs, std::size_t first, std::size_t last) {
  std::map<std::string, faultline::internal::OrdinalSet> ordinals;
  std::map<std::string, std::uint64_t> calls, faulted, max_call;
  std::string failures;
  bool failed = false;
  for (std::size_t r = first; r < last; ++r) {
    for (const auto& [target, n] : runs[r].calls) {
      calls[target] += n;
      max_call[target] = std::max(max_call[target], n);
      ordinals[target].Coarsen(faultline::internal::OrdinalSet::StepFor(max_call[target]));
    }
    for (const auto& [target, list] : runs[r].faulted) {
      for (const std::uint64_t call : list) ordinals[target].Add(call);
      faulted[target] += list.size();
      ordinals[target].Normalize();
    }
    if (runs[r].failed) {
      failed = true;
      failures += std::string(failures.empty() ? "" : ", ") +
                  "{\"kind\": \"explore\", \"campaign\": 0, \"run\": " + std::to_string(r) +
                  ", \"seed\": " + std::to_string(runs[r].seed) +
                  ", \"schedule\": \"x=db.read@1\", \"flaky\": false, \"message\": \"boom " +
                  std::to_string(r) + "\", \"replay\": \"./t --faultline_schedule=x=db.read@1\"}";
    }
  }
  std::string targets;
  for (const auto& [target, n] : calls) {
    targets += std::string(targets.empty() ? "" : ", ") + "{\"target\": \"" + target +
               "\", \"calls\": " + std::to_string(n) +
               ", \"faulted\": " + std::to_string(faulted[target]) +
               ", \"max_call\": " + std::to_string(max_call[target]) + ", \"ordinals\": \"" +
               ordinals[target].ToString(max_call[target]) +
               "\", \"ordinal_step\": " + std::to_string(ordinals[target].step()) + "}";
  }
  // The per-run fields of the record: those of the last run made, or of the failing one.
  const std::string events = failed ? "[{\"sequence\": 1, \"rule\": \"x\"}]" : "[]";
  return "{\"name\": \"T\", \"seed\": 7, \"failed\": " + std::string(failed ? "true" : "false") +
         ", \"rules\": [], \"events\": " + events +
         ", \"dropped_events\": 0, \"runs\": " + std::to_string(last - first) +
         ", \"unrecorded_faults\": " + std::to_string(last - first) + ", \"targets\": [" + targets +
         "], \"failures\": [" + failures + "]" + (failed ? ", \"replay\": \"./t\"" : "") + "}";
}

// A report of `records`.
std::string ReportOf(const std::vector<std::string>& records) {
  std::string tests;
  for (const std::string& record : records) tests += (tests.empty() ? "" : ",\n") + record;
  return "{\"format\": \"faultline-report\", \"version\": 1, \"global_seed\": 42, \"tests\": [\n" +
         tests + "]}";
}

// A passing test of one run that reached nothing.
std::string Other(const std::string& name) {
  return "{\"name\": \"" + name +
         "\", \"seed\": 1, \"failed\": false, \"rules\": [], "
         "\"events\": [], \"runs\": 1, \"targets\": [], \"failures\": []}";
}

TEST(ReportMerge, ThreePartialReportsMergeIntoTheReportOfOneCombinedRun) {
  const std::vector<BodyRun> runs = Runs();
  // Each process also ran a test of its own, which the combined process ran too.
  const Report merged = Merge({ReadReport(ReportOf({RecordOf(runs, 0, 3), Other("A")}), "a.json"),
                               ReadReport(ReportOf({Other("B"), RecordOf(runs, 3, 6)}), "b.json"),
                               ReadReport(ReportOf({RecordOf(runs, 6, 9), Other("C")}), "c.json")});
  const Report combined = Merge({ReadReport(
      ReportOf({Other("A"), Other("B"), RecordOf(runs, 0, 9), Other("C")}), "all.json")});
  EXPECT_EQ(ToJson(merged), ToJson(combined));

  const TestReport& test = merged.tests.back();  // A, B, C, then T
  ASSERT_EQ(test.name, "T");
  EXPECT_EQ(test.runs, 9u);
  EXPECT_EQ(test.unrecorded_faults, 9u);
  ASSERT_EQ(test.failures.size(), 2u);
  EXPECT_EQ(test.failures[0].run, 5u) << "the earliest failure first";
  EXPECT_EQ(test.failures[1].run, 7u);
  ASSERT_EQ(test.targets.size(), 3u);
  EXPECT_EQ(test.targets[0].target, "alloc.new");
  EXPECT_EQ(test.targets[0].ordinals.step(), 8u) << "4500 calls in a run: blocks of 8";
  EXPECT_EQ(test.targets[1].target, "db.read");
  EXPECT_EQ(test.targets[1].calls, 3u + 4 + 5 + 6 + 7 + 8 + 9 + 10 + 11);
  EXPECT_EQ(test.targets[1].faulted, 9u);
  EXPECT_EQ(test.targets[1].ordinals.ToString(test.targets[1].max_call), "1-3");
  EXPECT_EQ(test.targets[2].faulted, 0u);
}

TEST(ReportMerge, MergeOrderDoesNotMatter) {
  const std::vector<BodyRun> runs = Runs();
  const Report a = ReadReport(ReportOf({RecordOf(runs, 0, 4)}), "a.json");
  const Report b = ReadReport(ReportOf({RecordOf(runs, 4, 9)}), "b.json");
  EXPECT_EQ(ToJson(Merge({a, b})), ToJson(Merge({b, a})));
}

TEST(ReportMerge, ATestRunTwiceInOneReportIsMergedToo) {
  const std::vector<BodyRun> runs = Runs();
  // Both records of T in one file, as --gtest_repeat writes them.
  const Report twice =
      Merge({ReadReport(ReportOf({RecordOf(runs, 0, 2), RecordOf(runs, 2, 4)}), "twice.json")});
  const Report once = Merge({ReadReport(ReportOf({RecordOf(runs, 0, 4)}), "once.json")});
  EXPECT_EQ(ToJson(twice), ToJson(once));
}

TEST(ReportReader, InvalidJsonNamesTheFileThePositionAndWhatWasExpected) {
  try {
    ReadReport("{\"format\": \"faultline-report\",\n  \"version\": 1 \"tests\": []}", "bad.json");
    FAIL() << "no error";
  } catch (const ReportError& error) {
    EXPECT_STREQ(error.what(), "bad.json:2:16: expected ',' or '}' after a member, got '\"'");
  }
  EXPECT_THROW(ReadReport("", "empty.json"), ReportError);
  EXPECT_THROW(ReadReport("[1, 2", "cut.json"), ReportError);
  EXPECT_THROW(ReadReport("{\"a\": \"\\q\"}", "escape.json"), ReportError);
  EXPECT_THROW(ReadReport(std::string(100000, '['), "deep.json"), ReportError);
}

TEST(ReportReader, AReportOfAnotherFormatIsRefused) {
  try {
    ReadReport("{\"global_seed\": 42, \"tests\": []}", "old.json");
    FAIL() << "no error";
  } catch (const ReportError& error) {
    EXPECT_THAT(error.what(), HasSubstr("old.json:1:1: expected \"format\": \"faultline-report\""));
  }
  try {
    ReadReport(
        "{\"format\": \"faultline-report\", \"version\": 2, \"global_seed\": 1, \"tests\": []}",
        "new.json");
    FAIL() << "no error";
  } catch (const ReportError& error) {
    EXPECT_THAT(error.what(), HasSubstr("new.json:1:43: expected version 1"));
  }
  try {
    ReadReport(
        "{\"format\": \"faultline-report\", \"version\": 1, \"global_seed\": 1, \"tests\": "
        "[{\"name\": \"T\", \"seed\": -1}]}",
        "seed.json");
    FAIL() << "no error";
  } catch (const ReportError& error) {
    EXPECT_THAT(error.what(),
                HasSubstr("seed.json:1:96: expected an unsigned integer as \"seed\", got -1"));
  }
  try {
    ReadReport(
        "{\"format\": \"faultline-report\", \"version\": 1, \"global_seed\": 1, \"tests\": "
        "[{\"name\": \"T\", \"seed\": 1, \"failed\": false, \"rules\": [], \"events\": [], "
        "\"runs\": 1, \"targets\": [{\"target\": \"a\", \"calls\": 1, \"faulted\": 1, "
        "\"max_call\": 1, \"ordinals\": \"1-x\", \"ordinal_step\": 1}], \"failures\": []}]}",
        "ordinals.json");
    FAIL() << "no error";
  } catch (const ReportError& error) {
    EXPECT_THAT(error.what(), HasSubstr("ordinals.json:1:"));
    EXPECT_THAT(error.what(), HasSubstr("expected a call ordinal at character 3 of \"1-x\""));
  }
}

TEST(ReportTool, BadInputIsExitStatus2NamingTheFile) {
  const std::string output = Temp("out.json");
  ChildRun run =
      Shell(std::string(REPORT_TOOL) + " merge -o " + output + " " + Temp("missing.json"));
  EXPECT_EQ(run.status, 2);
  EXPECT_THAT(run.output,
              HasSubstr("faultline-report: " + Temp("missing.json") + ": cannot read: "));

  const std::string corrupt = Temp("corrupt.json");
  std::FILE* file = std::fopen(corrupt.c_str(), "w");
  ASSERT_NE(file, nullptr);
  std::fputs("{\"format\": \"faultline-report\", \"version\": 1, \"global_seed\": 4", file);
  std::fclose(file);
  run = Shell(std::string(REPORT_TOOL) + " html -o " + output + " " + corrupt);
  EXPECT_EQ(run.status, 2);
  EXPECT_THAT(run.output, HasSubstr("faultline-report: " + corrupt + ":1:"));
  EXPECT_THAT(run.output, HasSubstr("expected ',' or '}' after a member, got the end of the file"));

  run = Shell(std::string(REPORT_TOOL) + " frobnicate -o " + output + " " + corrupt);
  EXPECT_EQ(run.status, 2);
  EXPECT_THAT(run.output, HasSubstr("unknown command \"frobnicate\": expected merge or html"));
}

// The session's record of a sweep sums its runs: the fault-free one (5 puts), one failing each
// put k = 1..5 (retried: 6 puts), and one whose fault at put 6 never comes (5 puts).
TEST(SessionReport, ATestsTargetsAreSummedOverEveryRunOfItsSweep) {
  const std::string path = Temp("program.json");
  Shell(std::string(REPORT_PROGRAM) + " --faultline_report=" + path);
  std::map<std::string, TestReport> tests;
  for (TestReport& test : LoadReport(path).tests) tests[test.name] = std::move(test);
  ASSERT_EQ(tests.size(), 4u);
  const TestReport& upload = tests["Upload.FixedUploaderSurvivesAnyFailedPut"];
  EXPECT_EQ(upload.runs, 7u);
  EXPECT_FALSE(upload.failed);
  EXPECT_TRUE(upload.failures.empty());
  ASSERT_EQ(upload.targets.size(), 2u);
  EXPECT_EQ(upload.targets[0].target, "Audit::Log");
  EXPECT_EQ(upload.targets[0].calls, 7u);
  EXPECT_EQ(upload.targets[0].faulted, 0u);
  EXPECT_EQ(upload.targets[1].target, "Storage::Put");
  EXPECT_EQ(upload.targets[1].calls, 5u + 5 * 6 + 5);
  EXPECT_EQ(upload.targets[1].faulted, 5u);
  EXPECT_EQ(upload.targets[1].max_call, 6u);
  EXPECT_EQ(upload.targets[1].ordinals.ToString(6), "1-5");

  const TestReport& audit = tests["Audit.LogsThreeTimes"];
  EXPECT_EQ(audit.runs, 1u) << "a test without sweeps or explorations is one run";
  ASSERT_EQ(audit.targets.size(), 1u);
  EXPECT_EQ(audit.targets[0].calls, 3u);

  EXPECT_EQ(tests["Payments.FixedServiceSurvivesAFlakyGatewayAndASlowLedger"].runs, 30u);

  const TestReport& payments = tests["Payments.SurviveAFlakyGatewayAndASlowLedger"];
  EXPECT_TRUE(payments.failed);
  ASSERT_EQ(payments.failures.size(), 1u);
  const Failure& failure = payments.failures[0];
  EXPECT_EQ(failure.kind, "explore");
  EXPECT_EQ(failure.run, 10u) << "the 11th exploring run failed";
  EXPECT_EQ(failure.schedule, "gw-fail=Gateway::Charge@3,ledger-slow=Ledger::Record@5");
  EXPECT_THAT(failure.message, HasSubstr("the payment lock leaked"));
  EXPECT_EQ(failure.replay, std::string(REPORT_PROGRAM) +
                                " --gtest_filter=Payments.SurviveAFlakyGatewayAndASlowLedger "
                                "--faultline_seed=42 --faultline_schedule=" +
                                failure.schedule);
  EXPECT_EQ(payments.replay, failure.replay);
  EXPECT_GT(payments.runs, 11u) << "its shrinking replays are runs too";
}

// A real program's tests run in three processes merge into the report of one process.
TEST(ReportTool, ReportsOfTestsRunApartMergeIntoTheReportOfOneRun) {
  const std::string program = REPORT_PROGRAM;
  std::vector<std::string> parts;
  for (const char* filter : {"Payments.*", "Upload.*", "Audit.*"}) {
    parts.push_back(Temp(std::string(filter, 5) + ".json"));
    Shell(program + " --gtest_filter=" + filter + " --faultline_report=" + parts.back());
  }
  const std::string whole = Temp("whole.json");
  const ChildRun all = Shell(program + " --faultline_report=" + whole);
  ASSERT_EQ(all.status, 1) << "the planted failure fails the program\n" << all.output;

  const std::string merged = Temp("merged.json"), canonical = Temp("canonical.json");
  ChildRun run = Shell(std::string(REPORT_TOOL) + " merge -o " + merged + " " + parts[0] + " " +
                       parts[1] + " " + parts[2]);
  ASSERT_EQ(run.status, 0) << run.output;
  run = Shell(std::string(REPORT_TOOL) + " merge -o " + canonical + " " + whole);
  ASSERT_EQ(run.status, 0) << run.output;
  EXPECT_EQ(ReadFile(merged), ReadFile(canonical));
  EXPECT_THAT(ReadFile(merged), HasSubstr("\"kind\": \"explore\""));
  EXPECT_THAT(ReadFile(merged), Not(HasSubstr("\"faulted\": 0, \"max_call\": 0")));
}

// The campaign part of `test` (runs and each target's totals), as one comparable text.
std::string CampaignTotals(const TestReport& test) {
  std::string text = "runs " + std::to_string(test.runs) + "\n";
  for (const TargetTotals& target : test.targets) {
    text += target.target + ": calls " + std::to_string(target.calls) + ", faulted " +
            std::to_string(target.faulted) + ", max " + std::to_string(target.max_call) +
            ", ordinals " + target.ordinals.ToString(target.max_call) + "\n";
  }
  return text;
}

// The reports of the three shards of a campaign (--faultline_explore_shard) merge into the
// totals of the unsharded campaign; of a failing one, the earliest failure is the one the
// unsharded campaign finds.
TEST(ReportTool, ShardsOfACampaignMergeIntoTheReportOfTheUnshardedCampaign) {
  const std::string program = std::string(REPORT_PROGRAM) + " --gtest_filter=Payments.*";
  std::vector<Report> shards;
  for (int i = 0; i < 3; ++i) {
    const std::string path = Temp("shard-" + std::to_string(i) + ".json");
    Shell(program + " --faultline_explore_shard=" + std::to_string(i) + "/3 --faultline_report=" +
          path);
    shards.push_back(LoadReport(path));
  }
  const std::string whole = Temp("unsharded.json");
  Shell(program + " --faultline_report=" + whole);
  const Report merged = Merge(shards);
  const Report unsharded = Merge({LoadReport(whole)});
  ASSERT_EQ(merged.tests.size(), 2u);
  ASSERT_EQ(unsharded.tests.size(), 2u);

  const TestReport& passing = merged.tests[0];
  ASSERT_EQ(passing.name, "Payments.FixedServiceSurvivesAFlakyGatewayAndASlowLedger");
  EXPECT_EQ(passing.runs, 30u);
  EXPECT_EQ(CampaignTotals(passing), CampaignTotals(unsharded.tests[0]));
  EXPECT_TRUE(passing.failures.empty());

  const TestReport& failing = merged.tests[1];
  ASSERT_FALSE(failing.failures.empty());
  ASSERT_EQ(unsharded.tests[1].failures.size(), 1u);
  const Failure& first = failing.failures.front();
  const Failure& expected = unsharded.tests[1].failures.front();
  EXPECT_EQ(first.kind, "explore");
  EXPECT_EQ(first.run, expected.run);
  EXPECT_EQ(first.seed, expected.seed);
  EXPECT_EQ(first.schedule, expected.schedule);
  EXPECT_EQ(first.replay, expected.replay) << "a shard's failure replays in one process";
}

TEST(ReportHtml, NamesAreEscapedAndNothingIsLoadedFromElsewhere) {
  const std::string text =
      "{\"format\": \"faultline-report\", \"version\": 1, \"global_seed\": 1, \"tests\": "
      "[{\"name\": \"<script>alert(1)</script>\", \"seed\": 1, \"failed\": true, \"rules\": [], "
      "\"events\": [], \"runs\": 2, \"targets\": [{\"target\": \"a&b\", \"calls\": 4, "
      "\"faulted\": 0, \"max_call\": 2, \"ordinals\": \"\", \"ordinal_step\": 1}], "
      "\"failures\": [{\"kind\": \"test\", \"campaign\": 0, \"run\": 0, \"seed\": 1, "
      "\"schedule\": \"\", \"flaky\": false, \"replay\": \"./t '--gtest_filter=<x>'\"}]}]}";
  const std::string html = ToHtml(Merge({ReadReport(text, "x.json")}));
  EXPECT_THAT(html, Not(HasSubstr("<script>alert")));
  EXPECT_THAT(html, HasSubstr("&lt;script&gt;alert(1)&lt;/script&gt;"));
  EXPECT_THAT(html, HasSubstr("<pre>./t &#39;--gtest_filter=&lt;x&gt;&#39;</pre>"));
  EXPECT_THAT(html, HasSubstr("<code>a&amp;b</code>"));
  EXPECT_THAT(html, Not(HasSubstr("src=")));
  EXPECT_THAT(html, Not(HasSubstr("href=")));
  EXPECT_THAT(html, Not(HasSubstr("@import")));
  EXPECT_THAT(html, Not(HasSubstr("http")));
}

TEST(ReportHtml, ATargetOfManyCallsShowsItsOrdinalsInBlocksAndANeverFaultedOneStandsOut) {
  const std::string text =
      "{\"format\": \"faultline-report\", \"version\": 1, \"global_seed\": 1, \"tests\": "
      "[{\"name\": \"Big.Test\", \"seed\": 1, \"failed\": false, \"rules\": [], "
      "\"events\": [], \"runs\": 3, \"targets\": [{\"target\": \"alloc.new\", \"calls\": 9000, "
      "\"faulted\": 3, \"max_call\": 4000, \"ordinals\": \"1-4,4001-4000\", "
      "\"ordinal_step\": 4}, {\"target\": \"log.write\", \"calls\": 6, \"faulted\": 0, "
      "\"max_call\": 2, \"ordinals\": \"\", \"ordinal_step\": 1}], \"failures\": []}]}";
  EXPECT_THROW(ReadReport(text, "x.json"), ReportError) << "4001-4000 is no range";
  std::string fixed = text;
  fixed.replace(fixed.find("1-4,4001-4000"), 13, "1-4,3997-4000");
  const std::string html = ToHtml(Merge({ReadReport(fixed, "x.json")}));
  EXPECT_THAT(html, HasSubstr("<code>1-4,3997-4000 <span class=\"note\">(in blocks of 4 calls)"));
  const std::size_t never = html.find("id=\"never-faulted\"");
  ASSERT_NE(never, std::string::npos);
  EXPECT_LT(never, html.find("id=\"failures\"")) << "the never-faulted targets come first";
  const std::string section = html.substr(never, html.find("</section>", never) - never);
  EXPECT_THAT(section, HasSubstr("<code>log.write</code>"));
  EXPECT_THAT(section, Not(HasSubstr("alloc.new")));
  EXPECT_THAT(html, HasSubstr("No test failed."));
}

TEST(OrdinalSet, KeepsBlocksWhenARunHasManyCallsAndReadsItsOwnText) {
  using faultline::internal::OrdinalSet;
  EXPECT_EQ(OrdinalSet::StepFor(1024), 1u);
  EXPECT_EQ(OrdinalSet::StepFor(1025), 2u);
  OrdinalSet set;
  for (std::uint64_t call : {1, 2, 3, 5, 9}) set.Add(call);
  set.Normalize();
  EXPECT_EQ(set.ToString(9), "1-3,5,9");
  set.Coarsen(4);
  EXPECT_EQ(set.ToString(9), "1-9");
  const OrdinalSet read = OrdinalSet::Parse("1-8,17-20", 4);
  EXPECT_EQ(read.ToString(20), "1-8,17-20");
  EXPECT_THROW(OrdinalSet::Parse("3-1", 1), std::invalid_argument);
  EXPECT_THROW(OrdinalSet::Parse("0", 1), std::invalid_argument);
  EXPECT_THROW(OrdinalSet::Parse("1", 3), std::invalid_argument);
  EXPECT_THROW(OrdinalSet::Parse("1,", 1), std::invalid_argument) << "a trailing comma";
  EXPECT_THROW(OrdinalSet::Parse("18446744073709551616", 1), std::invalid_argument)
      << "2^64 wraps";
  EXPECT_EQ(OrdinalSet::Parse("18446744073709551615", 1).ToString(UINT64_MAX),
            "18446744073709551615");
}

}  // namespace
}  // namespace faultline::report
