// End to end: Catch2 programs using the adapter as a user would, run as child processes with
// filters, --rng-seed, --order rand, reporters, options and environment; their output, exit
// codes and reports are checked, and printed replay lines are run again.
#include "catch2_compat.hpp"

#include "child_process.hpp"

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <regex>
#include <sstream>
#include <string>
#include <vector>

namespace {

using faultline::testing::Contains;
using faultline::testing::EventLines;
using faultline::testing::FailedRunStatus;
using faultline::testing::ReadFile;
using faultline::testing::ReportEvents;
using faultline::testing::Shell;
using Run = faultline::testing::ChildRun;

Run Sample(const std::string& args) { return Shell(std::string(SAMPLE_TEST) + " " + args); }

std::string Temp(const std::string& name) {
  return (std::filesystem::temp_directory_path() / ("faultline_catch2_e2e_" + name)).string();
}

std::vector<std::string> ReplayLines(const std::string& output) {
  std::vector<std::string> lines;
  std::istringstream in(output);
  const std::string marker = "[faultline] replay: ";
  for (std::string line; std::getline(in, line);) {
    if (line.rfind(marker, 0) == 0) lines.push_back(line.substr(marker.size()));
  }
  return lines;
}

// How often `part` occurs in `text`.
std::size_t Occurrences(const std::string& text, const std::string& part) {
  std::size_t count = 0;
  for (std::size_t at = text.find(part); at != std::string::npos; at = text.find(part, at + 1)) ++count;
  return count;
}

// The failed assertions counted by the console reporter's last line, or -1 without one.
int FailedAssertions(const std::string& output) {
  std::smatch match;
  if (!std::regex_search(output, match, std::regex(R"(assertions: +\d+ \|(?: +\d+ passed \|)? +(\d+) failed)"))) {
    return -1;
  }
  return std::stoi(match[1].str());
}

// The arguments a replay line gives `program`: the line after the program itself.
std::string ArgumentsOf(const std::string& replay, const std::string& program) {
  REQUIRE(replay.rfind(program + " ", 0) == 0);
  return replay.substr(program.size() + 1);
}

TEST_CASE("passing test cases exit zero and print the seed and the summary") {
  const Run run = Sample("'[pass]'");
  CHECK(run.status == 0);
  CHECK_THAT(run.output, Contains("[faultline] global seed 42\n"));
  CHECK_THAT(run.output, Contains("[faultline] summary: global seed 42, 2 test(s)"));
  CHECK_THAT(run.output, Contains("boom"));
  CHECK_THAT(run.output, !Contains("replay:"));
  CHECK_THAT(run.output, Contains("All tests passed"));
}

TEST_CASE("a rule too rare to fire is noted and its probability printed in full") {
  const Run run = Sample("'[rare]'");
  CHECK(run.status == 0);
  CHECK_THAT(run.output, Contains("[faultline] note: rule \"rare\" was tried on 10 call(s) in "
                                  "sample: rare rule never fires and never fired; at probability "
                                  "0.01% no fire was to be expected"));
  CHECK(std::regex_search(run.output, std::regex("rare +rare.point +annotation +10 +0 +0.01% +0%")));
}

TEST_CASE("a failing test case prints seed, events and a replay line that reproduces it") {
  const Run run = Sample("'sample: breaks under db faults,sample: tolerates flaky work' --faultline-seed=9");
  REQUIRE(run.status != 0);
  CHECK_THAT(run.output, Contains("[faultline] seed: "));
  const std::vector<std::string> replays = ReplayLines(run.output);
  REQUIRE(replays.size() == 1);
  CHECK_THAT(replays[0], Contains(" 'sample: breaks under db faults' --faultline-seed=9"));
  const std::vector<std::string> events = EventLines(run.output);
  REQUIRE_FALSE(events.empty());

  const Run again = Shell(replays[0]);
  CHECK(again.status != 0);
  CHECK(EventLines(again.output) == events);
  CHECK_THAT(again.output, Contains("1 test(s)"));
}

TEST_CASE("a run under a schedule prints a replay line that keeps the schedule") {
  const Run first = Sample("'sample: breaks under db faults'");
  const std::vector<std::string> events = EventLines(first.output);
  REQUIRE_FALSE(events.empty());
  // "[faultline]   #1 db-down (exception) on db call 2" -> "db-down=db@2"
  const std::smatch event = [&] {
    std::smatch match;
    std::regex_search(events[0], match, std::regex(R"(#\d+ (\S+) \(\w+\) on (\S+) call (\d+))"));
    return match;
  }();
  REQUIRE(event.size() == 4);
  const std::string schedule = event[1].str() + "=" + event[2].str() + "@" + event[3].str();
  const Run run = Sample("'sample: breaks under db faults' --faultline-schedule=" + schedule);
  REQUIRE(run.status != 0);
  REQUIRE(EventLines(run.output).size() == 1);
  const std::vector<std::string> replays = ReplayLines(run.output);
  REQUIRE(replays.size() == 1);
  CHECK_THAT(replays[0], Contains("--faultline-schedule=" + schedule));
  CHECK(EventLines(Shell(replays[0]).output) == EventLines(run.output));
}

TEST_CASE("the replay line of a section's run selects that section") {
  // The comma in the name is escaped, as Catch2's test specs need.
  const Run run = Sample("'sample: sections\\, one breaks'");
  REQUIRE(run.status != 0);
  const std::vector<std::string> replays = ReplayLines(run.output);
  REQUIRE(replays.size() == 1);
  CHECK_THAT(replays[0], Contains("'sample: sections\\, one breaks' -c beta --faultline-seed=42"));
  // Both runs of the test case (one per section) got the same seed and the same faults.
  CHECK_THAT(run.output, Contains("[faultline] summary: global seed 42, 2 test(s)"));
  const Run again = Shell(replays[0]);
  CHECK(EventLines(again.output) == EventLines(run.output));
  CHECK_THAT(again.output, Contains("1 test(s)"));
}

TEST_CASE("an expected fault that never fires fails the test case") {
  const Run run = Sample("'sample: expected fault never reached'");
  CHECK(run.status != 0);
  // Catch2's console reporter wraps long messages: check their start only.
  CHECK_THAT(run.output, Contains("FAILED:\nexplicitly with message:\n  [faultline] fault \"unreached\" was "
                                  "expected to fire at least 1 time(s)"));
  CHECK_THAT(run.output, Contains("rule \"unreached\" matched no call"));
  CHECK_THAT(run.output, Contains("test cases: 1 | 1 failed"));
}

TEST_CASE("failed fault assertions read like Catch2's and list what fired") {
  const Run run = Sample("'sample: failing fault assertions'");
  CHECK(run.status == FailedRunStatus(4));
  CHECK_THAT(run.output, Contains("  CHECK_FAULT_NOT_TRIGGERED( \"boom\" )\nwith expansion:\n"
                                  "  \"boom\" fired 2 time(s); faults that fired: boom (2)\n"));
  CHECK_THAT(run.output, Contains("  CHECK_FAULT_COUNT( \"boom\", 3 )\nwith expansion:\n"
                                  "  \"boom\" fired 2 time(s), expected 3; faults that fired: boom (2)\n"));
  CHECK_THAT(run.output, Contains("  CHECK_FAULT_TRIGGERED( \"other\" )\nwith expansion:\n"
                                  "  \"other\" never fired; faults that fired: boom (2)\n"));
  // The compact reporter does not wrap lines.
  const Run compact = Sample("'sample: failing fault assertions' -r compact");
  CHECK_THAT(compact.output, Contains("for: { boom (exception) on work call 1, boom (exception) on work call 2 } "
                                      "contain a fault which is a fault at target \"db.query\""));
}

TEST_CASE("Catch2's --rng-seed is the global seed and appears in the replay line") {
  const std::string report = Temp("rng.json");
  const Run run = Sample("'sample: breaks under db faults' --rng-seed 7 --faultline-report=" + report);
  REQUIRE(run.status != 0);
  CHECK_THAT(run.output, Contains("[faultline] global seed 7 (Catch2's --rng-seed)"));
  const std::vector<std::string> replays = ReplayLines(run.output);
  REQUIRE(replays.size() == 1);
  CHECK_THAT(replays[0], Contains(" --rng-seed 7 --faultline-seed=7"));
  CHECK_THAT(ReadFile(report), Contains("\"global_seed\": 7"));
  const Run again = Shell(replays[0]);
  CHECK(EventLines(again.output) == EventLines(run.output));

  const Run other = Sample("'sample: breaks under db faults' --rng-seed 8");
  CHECK(EventLines(other.output) != EventLines(run.output));
  const Run joined = Sample("'sample: breaks under db faults' --rng-seed=7");
  CHECK_THAT(joined.output, Contains("[faultline] global seed 7 (Catch2's --rng-seed)"));
  CHECK(EventLines(joined.output) == EventLines(run.output));
}

TEST_CASE("without --rng-seed the global seed is faultline's, whatever Catch2 draws") {
  const Run first = Sample("'sample: breaks under db faults'");
  const Run second = Sample("'sample: breaks under db faults'");
  CHECK_THAT(first.output, Contains("[faultline] global seed 42\n"));
  REQUIRE_FALSE(EventLines(first.output).empty());
  CHECK(EventLines(second.output) == EventLines(first.output));
  CHECK_THAT(ReplayLines(first.output)[0], !Contains("--rng-seed"));
}

TEST_CASE("each test case's faults are the same in any order") {
  const std::string declared = Temp("declared.json");
  const std::string shuffled = Temp("shuffled.json");
  Sample("--order decl --rng-seed 3 --faultline-report=" + declared);
  Sample("--order rand --rng-seed 3 --faultline-report=" + shuffled);
  const auto in_order = ReportEvents(ReadFile(declared));
  CHECK(in_order.size() == 7);
  CHECK(ReportEvents(ReadFile(shuffled)) == in_order);
}

TEST_CASE("a JUnit report on stdout stays valid and carries the failures") {
  const Run run = Shell(std::string(SAMPLE_TEST) + " '[fail]' -r junit", /*stdout_only=*/true);
  CHECK(run.status != 0);
  CHECK(run.output.rfind("<?xml", 0) == 0);
  CHECK_THAT(run.output, !Contains("[faultline] replay"));
  CHECK_THAT(run.output, !Contains("[faultline] summary"));
  CHECK_THAT(run.output, Contains("name=\"sample: breaks under db faults\""));
  CHECK_THAT(run.output, Contains("never reached this error path"));
  CHECK_THAT(run.output, Contains("</testsuites>"));
}

TEST_CASE("profiles come from the sections of a rule file") {
  const std::string rules = Temp("profiles.rules");
  std::ofstream(rules) << "# shared chaos profiles\n[from-file]\nfile-db=db.query:exception(down)\n";
  const Run run = Sample("'[profile]' --faultline-rules=@" + rules);
  CHECK(run.status == 0);
  CHECK_THAT(run.output, Contains("All tests passed"));

  const Run missing = Sample("'[profile]'");
  CHECK(missing.status != 0);
  CHECK_THAT(missing.output, Contains("faultline: unknown profile \"from-file\" (known: none) in tag "
                                      "[faultline:from-file] of test case \"sample: a profile from the rule file\""));
  CHECK_THAT(missing.output, Contains("no test case was run"));
}

TEST_CASE("an unknown profile fails start-up, naming it and the known ones") {
  const Run run = Shell(BAD_PROFILE_TEST);
  CHECK(run.status != 0);
  CHECK_THAT(run.output, Contains("faultline: unknown profile \"flaky-netwrok\" (known: flaky-network) in tag "
                                  "[faultline:flaky-netwrok] of test case \"bad: uses a typo'd profile\""));
  CHECK_THAT(run.output, !Contains("test cases:"));
  // A run that does not select the test case is not affected.
  CHECK(Shell(std::string(BAD_PROFILE_TEST) + " 'bad: fine on its own'").status == 0);
}

TEST_CASE("a profile defined in C++ and in the rule file fails start-up") {
  const std::string rules = Temp("clash.rules");
  std::ofstream(rules) << "[flaky-network]\nnet=net.*:delay(1ms)\n";
  const Run run = Shell(std::string(BAD_PROFILE_TEST) + " 'bad: fine on its own' --faultline-rules=@" + rules);
  CHECK(run.status != 0);
  CHECK_THAT(run.output, Contains("faultline: profile \"flaky-network\" is defined here and in --faultline-rules=@"));
}

TEST_CASE("bad option values fail with a clear error") {
  const Run seed = Sample("--faultline-seed=abc");
  CHECK(seed.status != 0);
  CHECK_THAT(seed.output, Contains("Error(s) in input:\n  faultline: --faultline-seed: expected an "
                                   "unsigned 64-bit integer or \"random\",\n  got \"abc\""));
  const Run rules = Sample("--faultline-rules='gw=x:150%exception'");
  CHECK(rules.status != 0);
  CHECK_THAT(rules.output, Contains("(in --faultline-rules)"));
  const Run env = Shell("FAULTLINE_DISABLE=maybe " + std::string(SAMPLE_TEST));
  CHECK(env.status != 0);
  CHECK_THAT(env.output, Contains("faultline: FAULTLINE_DISABLE: expected 1/0, true/false or yes/no, got \"maybe\""));
  const Run regressions = Sample("--faultline-regressions=");
  CHECK(regressions.status != 0);
  CHECK_THAT(regressions.output, Contains("faultline: --faultline-regressions: expected a directory"));
}

TEST_CASE("strict mode fails a test case whose rule matched no call") {
  const std::string args = "'sample: tolerates flaky work' '--faultline-rules=typo=wrok:exception'";
  const Run lenient = Sample(args);
  CHECK(lenient.status == 0);
  CHECK_THAT(lenient.output, Contains("[faultline] note: rule \"typo\" matched no call in "
                                      "sample: tolerates flaky work (check its target)"));
  const Run strict = Sample(args + " --faultline-strict");
  CHECK(strict.status != 0);
  // Catch2 wraps the failure's text at its line width.
  CHECK_THAT(strict.output, Contains("[faultline] rule \"typo\" matched no call in "
                                     "sample: tolerates flaky work"));
  CHECK_THAT(strict.output, Contains("--faultline-strict"));  // in the replay line
}

TEST_CASE("a report that cannot be written is one line and a failed exit") {
  const Run run = Sample("'[pass]' --faultline-report=/dev/full");
  CHECK(run.status != 0);
  CHECK_THAT(run.output, Contains("All tests passed"));
  CHECK_THAT(run.output, Contains("faultline: --faultline_report: cannot write \"/dev/full\": "
                                  "No space left on device\n"));
}

TEST_CASE("the options appear in --help") {
  const Run run = Sample("--help");
  CHECK(run.status == 0);
  CHECK_THAT(run.output, Contains("--faultline-seed <N|random>"));
  CHECK_THAT(run.output, Contains("--faultline-rules"));
  CHECK_THAT(run.output, Contains("--faultline-disable"));
  CHECK_THAT(run.output, Contains("--faultline-report"));
  CHECK_THAT(run.output, Contains("--faultline-regressions <dir|none>"));
}

TEST_CASE("the --faultline-disable option injects nothing") {
  const Run run = Sample("'sample: breaks under db faults' --faultline-disable");
  CHECK(run.status == 0);
  CHECK_THAT(run.output, Contains("injection disabled"));
}

TEST_CASE("with the user's own main, FAULTLINE_* variables control it and the replay uses them") {
  const Run run = Shell("FAULTLINE_SEED=5 " + std::string(OWN_MAIN_TEST));
  REQUIRE(run.status != 0);
  CHECK_THAT(run.output, Contains("[faultline] global seed 5\n"));
  const std::vector<std::string> replays = ReplayLines(run.output);
  REQUIRE(replays.size() == 1);
  CHECK(replays[0].rfind("FAULTLINE_SEED=5 ", 0) == 0);
  CHECK_THAT(replays[0], Contains(" 'own main: breaks under faults'"));
  const Run again = Shell(replays[0]);
  CHECK(EventLines(again.output) == EventLines(run.output));
  CHECK(Shell("FAULTLINE_DISABLE=1 " + std::string(OWN_MAIN_TEST)).status == 0);
}

TEST_CASE("with Catch2's own main, faultline's options are refused, not ignored") {
  const Run run = Shell(std::string(OWN_MAIN_TEST) + " --faultline-seed=7");
  CHECK(run.status != 0);
  CHECK_THAT(run.output, Contains("Unrecognised token: --faultline-seed"));
  CHECK_THAT(run.output, !Contains("test cases:"));
}

TEST_CASE("with Catch2's own main, --rng-seed is the global seed") {
  const Run run = Shell(std::string(OWN_MAIN_TEST) + " --rng-seed 5");
  REQUIRE(run.status != 0);
  CHECK_THAT(run.output, Contains("[faultline] global seed 5 (Catch2's --rng-seed)"));
  const std::vector<std::string> replays = ReplayLines(run.output);
  REQUIRE(replays.size() == 1);
  CHECK_THAT(replays[0], Contains(" 'own main: breaks under faults' --rng-seed 5"));
  CHECK(EventLines(Shell(replays[0]).output) == EventLines(run.output));
}

constexpr const char* kSwept = "put-fails=Storage::Put@5";
constexpr const char* kMinimal = "gw-fail=Gateway::Charge@3,ledger-slow=Ledger::Record@5";

TEST_CASE("a sweep that finds a bug fails its test case once, with the schedule and a replay line") {
  const Run run = Shell(std::string(EXPLORE_TEST) + " '[sweep]'");
  CHECK(run.status == FailedRunStatus(1));
  CHECK(FailedAssertions(run.output) == 1);
  CHECK(Occurrences(run.output, "FAILED:") == 1);
  CHECK_THAT(run.output, Contains("[faultline] sweep: 6 run(s) over Storage::Put (5 call(s)), stopped"));
  CHECK_THAT(run.output, Contains(std::string("[faultline] failing schedule: ") + kSwept + "\n"));
  CHECK_THAT(run.output, Contains("[faultline]     due to unexpected exception with message: chunk 4 was lost\n"));
  CHECK_THAT(run.output, Contains(std::string("[faultline] replay: --faultline-schedule=") + kSwept + "\n"));
  CHECK_THAT(run.output, Contains("[faultline] fault events (1):\n"
                                  "[faultline]   #1 put-fails (exception) on Storage::Put call 5\n"));
  // The name is quoted for the shell and escaped for Catch2's test spec.
  const std::vector<std::string> replays = ReplayLines(run.output);
  REQUIRE(replays.size() == 1);
  CHECK_THAT(replays[0], Contains(" 'upload: survives any failed put\\, \\[storage\\] included' "
                                  "--faultline-seed=42 --faultline-schedule=" + std::string(kSwept)));
  const std::string arguments = ArgumentsOf(replays[0], EXPLORE_TEST);

  // The replay makes one run under the schedule, whose failed REQUIRE reports as usual.
  const std::string report = Temp("sweep_replay.json");
  const Run again = Shell(std::string(EXPLORE_TEST) + " " + arguments + " --faultline-report=" + report);
  CHECK(again.status == FailedRunStatus(1));
  CHECK(FailedAssertions(again.output) == 1);
  CHECK_THAT(again.output, Contains(std::string("[faultline] sweep: replayed ") + kSwept + "\n"));
  CHECK_THAT(again.output, Contains("  REQUIRE_NOTHROW( uploader.Upload(5) )\ndue to unexpected exception "
                                    "with message:\n  chunk 4 was lost\n"));
  CHECK_THAT(ReadFile(report), Contains("\"faultline_sweep_runs\": \"1\", \"faultline_sweep_failures\": \"0\""));
  CHECK(EventLines(again.output) == EventLines(run.output));
  CHECK(ReplayLines(again.output) == replays);

  // The same schedule against the fixed program passes.
  const Run fixed = Shell(std::string(EXPLORE_FIXED_TEST) + " " + arguments);
  CHECK(fixed.status == 0);
  CHECK_THAT(fixed.output, Contains(std::string("[faultline] sweep: replayed ") + kSwept + "\n"));
  CHECK_THAT(fixed.output, Contains("All tests passed"));
}

TEST_CASE("the JSON report sums a sweep's runs and lists its failure with the replay line printed") {
  const std::string report = Temp("sweep_report.json");
  const Run run = Shell(std::string(EXPLORE_TEST) + " '[sweep]' --faultline-report=" + report);
  const std::vector<std::string> replays = ReplayLines(run.output);
  REQUIRE(replays.size() == 1);
  std::string escaped;  // as a JSON string holds it
  for (const char c : replays[0]) {
    if (c == '\\' || c == '"') escaped += '\\';
    escaped += c;
  }
  const std::string json = ReadFile(report);
  CHECK_THAT(json, Contains("\"runs\": 6, "));
  CHECK_THAT(json, Contains("{\"target\": \"Storage::Put\", \"calls\": 34, \"faulted\": 5, "
                            "\"max_call\": 6, \"ordinals\": \"1-5\", \"ordinal_step\": 1}"));
  CHECK_THAT(json, Contains(std::string("{\"kind\": \"sweep\", \"campaign\": 0, \"run\": 5, ")));
  CHECK_THAT(json, Contains(std::string("\"schedule\": \"") + kSwept + "\""));
  CHECK_THAT(json, Contains("\"replay\": \"" + escaped + "\"}"));
}

TEST_CASE("an explore that finds a bug fails once with the minimal schedule and a replay line") {
  const Run run = Shell(std::string(EXPLORE_TEST) + " '[explore]'");
  CHECK(run.status == FailedRunStatus(1));
  CHECK(FailedAssertions(run.output) == 1);
  CHECK(Occurrences(run.output, "FAILED:") == 1);
  CHECK_THAT(run.output, Contains("[faultline] minimal schedule (2 fault(s), "));
  const std::vector<std::string> replays = ReplayLines(run.output);
  REQUIRE(replays.size() == 1);
  CHECK_THAT(replays[0], Contains(" 'payments: survive a flaky gateway and a slow ledger' "
                                  "--faultline-seed=42 --faultline-schedule=" + std::string(kMinimal)));
  // The compact reporter does not wrap the report.
  const Run compact = Shell(std::string(EXPLORE_TEST) + " '[explore]' -r compact");
  CHECK_THAT(compact.output, Contains(std::string("[faultline] minimal schedule (2 fault(s), 21 replay(s)): ") +
                                      kMinimal + "\n"));
  CHECK_THAT(compact.output, Contains("CHECK_FALSE( payments.locked() )\n[faultline]     with expansion: !true\n"));
  CHECK_THAT(compact.output, Contains("[faultline]     with message: order 1 was charged 1000\n"));
  CHECK_THAT(compact.output, Contains(std::string("[faultline] replay: --faultline-schedule=") + kMinimal + "\n"));
  const std::string arguments = ArgumentsOf(replays[0], EXPLORE_TEST);

  // One run under the minimal schedule: the same assertions fail, each reported by Catch2.
  const std::string report = Temp("explore_replay.json");
  const Run again = Shell(std::string(EXPLORE_TEST) + " " + arguments + " --faultline-report=" + report);
  CHECK(again.status == FailedRunStatus(3));
  CHECK(FailedAssertions(again.output) == 3);
  CHECK_THAT(again.output, Contains(std::string("[faultline] explore: replayed ") + kMinimal + " (seed "));
  CHECK_THAT(again.output, Contains("  CHECK_FALSE( payments.locked() )\nwith expansion:\n  !true\n"));
  CHECK_THAT(again.output, Contains("with message:\n  order 1 was charged 1000\n"));
  CHECK_THAT(again.output, Contains("with message:\n  order 2 was charged 1000\n"));
  CHECK_THAT(again.output, !Contains("minimal schedule"));
  CHECK_THAT(ReadFile(report), Contains("\"faultline_explore_runs\": \"1\""));
  CHECK(EventLines(again.output) == EventLines(run.output));
  CHECK(ReplayLines(again.output) == replays);

  const Run fixed = Shell(std::string(EXPLORE_FIXED_TEST) + " " + arguments);
  CHECK(fixed.status == 0);
  CHECK_THAT(fixed.output, Contains(std::string("[faultline] explore: replayed ") + kMinimal + " (seed "));
  CHECK_THAT(fixed.output, Contains("All tests passed"));
}

// The files of a fresh, empty directory `name` under the temporary directory, after `run`.
std::vector<std::string> FilesIn(const std::string& directory) {
  std::vector<std::string> files;
  if (!std::filesystem::exists(directory)) return files;
  for (const auto& entry : std::filesystem::directory_iterator(directory)) {
    files.push_back(entry.path().string());
  }
  return files;
}

std::string FreshDirectory(const std::string& name) {
  const std::string directory = Temp(name);
  std::filesystem::remove_all(directory);
  return directory;
}

TEST_CASE("an explore's failure is stored, replayed first by the next run, and passes once fixed") {
  const std::string directory = FreshDirectory("regressions");
  const std::string options = " '[explore]' -r compact --faultline-regressions=" + directory;
  const Run found = Shell(std::string(EXPLORE_TEST) + options);
  CHECK(found.status == FailedRunStatus(1));
  const std::vector<std::string> files = FilesIn(directory);
  REQUIRE(files.size() == 1);
  const std::string& file = files.front();
  CHECK_THAT(file, Contains("/payments__survive_a_flaky_gateway_and_a_slow_ledger-"));
  CHECK_THAT(found.output, Contains("[faultline] regression stored: " + file + ":6"));
  const std::string stored = ReadFile(file);
  CHECK_THAT(stored, Contains("# faultline regressions of payments: survive a flaky gateway and a "
                              "slow ledger\n"));
  CHECK_THAT(stored, Contains("# Replay one alone with --faultline-schedule=<schedule>.\n"));
  CHECK_THAT(stored, Contains(std::string(" schedule=") + kMinimal + "\n"));
  CHECK(Occurrences(stored, "schedule=gw-fail") == 1);

  const Run again = Shell(std::string(EXPLORE_TEST) + options);
  CHECK(again.status == FailedRunStatus(1));
  CHECK_THAT(again.output, Contains("[faultline] regression: " + file + ":6 fails again: date="));
  CHECK_THAT(again.output, Contains(std::string("[faultline] explore: replayed ") + kMinimal));
  CHECK_THAT(again.output, Contains("[faultline] not explored: a stored regression fails"));
  CHECK_THAT(again.output, !Contains("[faultline] minimal schedule"));
  CHECK(ReadFile(file) == stored);

  const std::string report = Temp("regressions_report.json");
  const Run fixed =
      Shell(std::string(EXPLORE_FIXED_TEST) + options + " --faultline-report=" + report);
  CHECK(fixed.status == 0);
  CHECK_THAT(fixed.output, Contains("[faultline] regressions: 1 stored schedule(s) from " + file +
                                    " replayed, none fails"));
  CHECK_THAT(ReadFile(report), Contains("\"faultline_regressions_replayed\": \"1\""));
  CHECK(ReadFile(file) == stored);
}

TEST_CASE("a stored line that does not parse or names a gone rule fails the test case") {
  const std::string directory = FreshDirectory("regressions_corrupt");
  const std::string options = " '[explore]' -r compact --faultline-regressions=" + directory;
  REQUIRE(Shell(std::string(EXPLORE_TEST) + options).status == FailedRunStatus(1));
  const std::vector<std::string> files = FilesIn(directory);
  REQUIRE(files.size() == 1);
  std::ofstream(files.front(), std::ios::app) << "date=2026-13 seed=1 schedule=none\n"
                                              << "date=2026-01-02 seed=1 schedule=gone=x@1\n";
  const Run run = Shell(std::string(EXPLORE_FIXED_TEST) + options);
  CHECK(run.status == FailedRunStatus(1));
  CHECK_THAT(run.output, Contains(files.front() + ":7: \"date=2026-13 seed=1 schedule=none\": "
                                  "date=\"2026-13\" is not a date YYYY-MM-DD"));
  CHECK_THAT(run.output, Contains(files.front() + ":8: \"date=2026-01-02 seed=1 schedule=gone=x@1\": "
                                  "rule \"gone\" is not installed in payments: survive a flaky "
                                  "gateway and a slow ledger; expected one of: gw-fail, ledger-slow"));
}

TEST_CASE("the regressions variable stands for the option") {
  const std::string directory = FreshDirectory("regressions_variable");
  const Run run = Shell("FAULTLINE_REGRESSIONS=" + directory + " " + EXPLORE_TEST + " '[explore]'");
  CHECK(run.status == FailedRunStatus(1));
  CHECK(FilesIn(directory).size() == 1);
}

TEST_CASE("passing sweeps and explores pass") {
  const Run run = Shell(std::string(EXPLORE_FIXED_TEST));
  CHECK(run.status == 0);
  CHECK_THAT(run.output, Contains("All tests passed"));
  CHECK_THAT(run.output, !Contains("[faultline] replay:"));
}

TEST_CASE("the schedule variable replays like the option") {
  const Run run = Shell(std::string("FAULTLINE_SCHEDULE=") + kSwept + " " + EXPLORE_TEST + " '[sweep]'");
  CHECK(run.status == FailedRunStatus(1));
  CHECK_THAT(run.output, Contains(std::string("[faultline] sweep: replayed ") + kSwept + "\n"));
}

TEST_CASE("with the user's own main, a sweep's report and replay line set the schedule variable") {
  const Run run = Shell(std::string(OWN_MAIN_TEST) + " '[sweep]'");
  CHECK(run.status == FailedRunStatus(1));
  CHECK_THAT(run.output, Contains("[faultline] failure: exception escaped the body: [FAULT:op-error] Injected"));
  CHECK_THAT(run.output, Contains("[faultline] replay: FAULTLINE_SCHEDULE=op-error=op@1\n"));
  const std::vector<std::string> replays = ReplayLines(run.output);
  REQUIRE(replays.size() == 1);
  CHECK(replays[0].rfind("FAULTLINE_SEED=42 FAULTLINE_SCHEDULE=op-error=op@1 ", 0) == 0);
  const Run again = Shell(replays[0]);
  CHECK(again.status == FailedRunStatus(1));
  CHECK_THAT(again.output, Contains("[faultline] sweep: replayed op-error=op@1\n"));
  CHECK_THAT(again.output, Contains("[faultline] failure: [FAULT:op-error] Injected fault\n"));
}

TEST_CASE("a malformed --faultline-schedule stops the run, naming the column and what was expected") {
  const Run run = Shell(std::string(EXPLORE_TEST) + " --faultline-schedule=gw=Gateway::Charge@0");
  CHECK(run.status != 0);
  // Catch2 wraps the error at its line width.
  CHECK_THAT(run.output, Contains("Error(s) in input:\n  faultline: schedule:1:20: expected a call ordinal >= 1 "
                                  "after '@', got \"0\""));
  CHECK_THAT(run.output, !Contains("test cases:"));

  // GoogleTest's spelling, as a replay line of a GoogleTest program has it.
  const Run underscored = Shell(std::string(EXPLORE_TEST) + " --faultline_schedule=" + kSwept);
  CHECK(underscored.status != 0);
  CHECK_THAT(underscored.output, Contains("faultline: unknown option --faultline_schedule: Catch2 programs "
                                          "spell faultline's options with dashes, did you mean "
                                          "--faultline-schedule? (see --help)\n"));
  CHECK_THAT(underscored.output, !Contains("test cases:"));
}

// The "[run seed] N" lines of the campaign test case, sorted.
std::vector<std::string> RunSeeds(const std::string& output) {
  std::vector<std::string> seeds;
  std::istringstream in(output);
  for (std::string line; std::getline(in, line);) {
    if (line.rfind("[run seed] ", 0) == 0) seeds.push_back(line.substr(11));
  }
  std::sort(seeds.begin(), seeds.end());
  return seeds;
}

// The explore program with the runner's shard variables unset, whatever ctest's environment
// holds, then `environment` set.
Run Campaign(const std::string& environment, const std::string& args) {
  return Shell("env -u TEST_SHARD_INDEX -u TEST_TOTAL_SHARDS -u GTEST_SHARD_INDEX -u GTEST_TOTAL_SHARDS "
               "-u TEST_SHARD_STATUS_FILE -u TEST_UNDECLARED_OUTPUTS_DIR -u FAULTLINE_EXPLORE_SHARD " +
               environment + " " + EXPLORE_TEST + " " + args);
}

TEST_CASE("shards of the campaign options together make exactly the runs of one process") {
  const Run whole = Campaign("", "'[campaign]' --faultline-explore-runs=11");
  REQUIRE(whole.status == 0);
  const std::vector<std::string> expected = RunSeeds(whole.output);
  REQUIRE(expected.size() == 11);
  std::vector<std::string> together;
  for (int shard = 0; shard < 3; ++shard) {
    const Run run = Campaign("FAULTLINE_EXPLORE_RUNS=11",
                             "'[campaign]' --faultline-explore-shard=" + std::to_string(shard) + "/3");
    REQUIRE(run.status == 0);
    const std::vector<std::string> seeds = RunSeeds(run.output);
    CHECK(seeds.size() == (shard < 2 ? 4u : 3u));  // runs r with r % 3 == shard
    together.insert(together.end(), seeds.begin(), seeds.end());
  }
  std::sort(together.begin(), together.end());
  CHECK(together == expected);
}

TEST_CASE("the shard owning a failing run finds the same failure, and it replays unsharded") {
  // The compact reporter does not wrap the report.
  const Run whole = Campaign("", "'[explore]' -r compact");
  REQUIRE(whole.status == FailedRunStatus(1));
  std::smatch match;
  REQUIRE(std::regex_search(whole.output, match, std::regex(R"(explore: run (\d+) failed \(seed (\d+)\))")));
  const int index = std::stoi(match[1].str()) - 1;
  const std::string seed = match[2].str();
  const Run shard = Campaign("", "'[explore]' -r compact --faultline-explore-shard=" +
                                       std::to_string(index % 2) + "/2");
  REQUIRE(shard.status == FailedRunStatus(1));
  CHECK_THAT(shard.output, Contains("/2: run index " + std::to_string(index) + " failed"));
  CHECK_THAT(shard.output, Contains("; seed " + seed + ")"));
  // The report's replay setting and the replay command: no shard in them, they replay in one
  // process.
  const std::vector<std::string> replays = ReplayLines(shard.output);
  REQUIRE(!replays.empty());
  CHECK(replays == ReplayLines(whole.output));
  for (const std::string& replay : replays) CHECK_THAT(replay, !Contains("shard"));
}

TEST_CASE("auto takes the runner's shard, from Bazel's variables or GoogleTest's") {
  const std::vector<std::string> shard1 = RunSeeds(Campaign("", "'[campaign]' --faultline-explore-shard=1/3").output);
  REQUIRE(shard1.size() == 3);  // runs 1, 4 and 7 of 10
  const std::string status = Temp("shard_status");
  std::remove(status.c_str());
  const Run bazel = Campaign("TEST_SHARD_INDEX=1 TEST_TOTAL_SHARDS=3 TEST_SHARD_STATUS_FILE=" + status,
                             "'[campaign]' --faultline-explore-shard=auto");
  REQUIRE(bazel.status == 0);
  CHECK(RunSeeds(bazel.output) == shard1);
  CHECK(std::ifstream(status).good());  // Bazel's sign that the test supports sharding
  const Run gtest = Campaign("GTEST_SHARD_INDEX=1 GTEST_TOTAL_SHARDS=3 FAULTLINE_EXPLORE_SHARD=auto", "'[campaign]'");
  REQUIRE(gtest.status == 0);
  CHECK(RunSeeds(gtest.output) == shard1);
}

TEST_CASE("bad campaign values fail with a clear error") {
  for (const std::string value : {"3/2", "x/y", "0/0"}) {
    const Run run = Campaign("", "--faultline-explore-shard=" + value);
    CHECK(run.status != 0);
    // Catch2 wraps the error at its line width.
    CHECK_THAT(run.output, Contains("faultline: --faultline-explore-shard: expected i/n"));
    CHECK_THAT(run.output, Contains("\"" + value + "\""));
  }
  const Run no_runner = Campaign("", "--faultline-explore-shard=auto");
  CHECK(no_runner.status != 0);
  CHECK_THAT(no_runner.output, Contains("faultline: --faultline-explore-shard=auto: expected the test"));
  const Run variable = Campaign("FAULTLINE_EXPLORE_SHARD=0/0", "");
  CHECK(variable.status != 0);
  CHECK_THAT(variable.output, Contains("faultline: FAULTLINE_EXPLORE_SHARD: expected i/n, shard i of n with "
                                       "0 <= i < n (e.g. 0/4), or auto, got \"0/0\""));
  const Run runs = Campaign("", "--faultline-explore-runs=many");
  CHECK(runs.status != 0);
  CHECK_THAT(runs.output, Contains("faultline: --faultline-explore-runs: expected a positive number"));
  const Run budget = Campaign("FAULTLINE_EXPLORE_FOR=30", "");
  CHECK(budget.status != 0);
  CHECK_THAT(budget.output, Contains("faultline: FAULTLINE_EXPLORE_FOR: expected a positive duration such as "
                                     "500ms, 30s, 5min or 1h, got \"30\""));
}

TEST_CASE("the campaign options appear in --help") {
  const Run run = Sample("--help");
  CHECK(run.status == 0);
  CHECK_THAT(run.output, Contains("--faultline-explore-runs <n>"));
  CHECK_THAT(run.output, Contains("--faultline-explore-for <duration>"));
  CHECK_THAT(run.output, Contains("--faultline-explore-shard <i/n|auto>"));
}

}  // namespace
