// Internal: the framework-neutral part of the test adapters. Both the GoogleTest and the
// Catch2 adapters drive one Session: options from flags and environment, per-test seeding,
// annotated rules, fault expectations, the failure report, the summary and the JSON report.
#pragma once

#include <chrono>
#include <cstdint>
#include <fstream>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <ostream>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "faultline/explore.hpp"
#include "faultline/export.hpp"
#include "faultline/fault.hpp"
#include "faultline/injector.hpp"
#include "faultline/internal/ordinals.hpp"
#include "faultline/schedule.hpp"

namespace faultline {

// How often a rule is expected to fire in one test; verified when the test ends.
// Without a call to Times / AtLeast / Never it means "at least once".
class FAULTLINE_API FaultExpectation {
 public:
  // An expectation on rule `rule`, declared at `file`:`line` (where a failure is reported; an
  // empty file means at the test).
  explicit FaultExpectation(std::string rule, std::string file = {}, int line = 0)
      : rule_(std::move(rule)), file_(std::move(file)), line_(line) {}
  // Exactly `n` times.
  FaultExpectation& Times(std::uint64_t n);
  // At least `n` times.
  FaultExpectation& AtLeast(std::uint64_t n);
  // Not at all.
  FaultExpectation& Never() { return Times(0); }

  const std::string& rule() const { return rule_; }
  // Where the expectation was declared ("" and 0 when unknown).
  const std::string& file() const { return file_; }
  int line() const { return line_; }
  // Empty when `fired` satisfies the expectation, else why not.
  std::optional<std::string> Check(std::uint64_t fired) const;

 private:
  std::string rule_;
  std::string file_;
  int line_ = 0;
  std::uint64_t min_ = 1;
  std::optional<std::uint64_t> max_;
};

// A rule attached to a test by an annotation macro, optionally expected to fire.
struct AnnotatedRule {
  // A plain rule: installed, not required to fire. NOLINTNEXTLINE(google-explicit-constructor)
  AnnotatedRule(FaultConfig r) : rule(std::move(r)) {}
  FaultConfig rule;
  std::optional<std::uint64_t> expected_min;  // set: the test fails unless it fired this often
  std::optional<std::uint64_t> expected_exact;
};

// `rule`, which must fire at least once in the test (a chaos test that never reached its
// error path proves nothing).
FAULTLINE_API AnnotatedRule Expected(FaultConfig rule);
// `rule`, which must fire exactly `times` times in the test.
FAULTLINE_API AnnotatedRule Expected(FaultConfig rule, std::uint64_t times);

namespace internal {

// Settings from --faultline_* flags and FAULTLINE_* environment variables.
struct Options {
  std::uint64_t seed = kDefaultSeed;
  bool seed_was_drawn = false;        // --faultline_seed=random
  std::string rules;                  // the rule text or @file, as given
  std::string rules_origin;           // "--faultline_rules" or "FAULTLINE_RULES"
  bool disabled = false;              // --faultline_disable
  bool strict = false;                // --faultline_strict: the notes on a test fail it
  std::string report;                 // --faultline_report=FILE.json
  std::string schedule;               // --faultline_schedule: replayed by every test ("" when none)
  std::string schedule_origin;        // "--faultline_schedule" or "FAULTLINE_SCHEDULE"
  // The campaign of every Explore (--faultline_explore_runs, _for, _shard); with runs or for
  // given, they replace the bounds the test set (for alone: no run limit).
  std::optional<std::uint64_t> explore_runs;
  std::optional<std::chrono::nanoseconds> explore_for;
  std::uint64_t explore_shard_index = 0;
  std::uint64_t explore_shard_count = 1;  // 1: not sharded
  bool explore_shard_taken = false;       // auto took the shard over from the runner
  // --faultline_regressions: the directory of stored failing schedules, "none" for no storing
  // and replaying ("" : the default, Session::RegressionsDirectory).
  std::string regressions;
};

// Reads FAULTLINE_* variables, then --faultline_* flags (flags win), removing the flags from
// argv. Throws std::invalid_argument for an unknown --faultline_ flag or a bad value.
FAULTLINE_API Options ParseOptions(int* argc, char** argv);
// The options of the FAULTLINE_* variables alone, for adapters whose framework parses the
// command line itself; under Bazel (TEST_UNDECLARED_OUTPUTS_DIR set) the report defaults to
// faultline-report.json there. Throws std::invalid_argument for a bad value.
FAULTLINE_API Options OptionsFromEnvironment();
// Sets option `key` ("seed", "rules", "disable", "strict", "report", "schedule", "regressions",
// "explore_runs", "explore_for" or "explore_shard") from `value`, given as `source` (the flag
// or variable, named in errors). Rules given twice by the same flag add up, as if joined by
// ';'. explore_shard "auto" takes the test runner's shard over (TakeRunnerShard). Throws
// std::invalid_argument for a bad value.
FAULTLINE_API void ApplyOption(Options& options, const std::string& key, const std::string& value,
                               const std::string& source);
// For --faultline_explore_shard=auto, once per process and before the runner selects tests:
// reads the shard from Bazel's TEST_SHARD_INDEX/TEST_TOTAL_SHARDS (touching
// TEST_SHARD_STATUS_FILE) or else GoogleTest's GTEST_SHARD_INDEX/GTEST_TOTAL_SHARDS, unsets
// them so that every shard runs every selected test, and hands the shard down to child
// processes as FAULTLINE_EXPLORE_SHARD=i/n (where a child finds it when no runner variable is
// left). Returns the shard as "i/n" with the variables it came from ("" and "" when none).
FAULTLINE_API std::pair<std::string, std::string> TakeRunnerShard();
// The help text of the flags, one per line, like gtest's --help.
FAULTLINE_API std::string OptionsHelp();

// The calls and faults of one target, summed over the runs of a test (TestRecord::targets).
struct TargetTotals {
  std::string target;
  std::uint64_t calls = 0;     // calls seen, summed over the runs
  std::uint64_t faulted = 0;   // faults recorded on it, summed over the runs
  std::uint64_t max_call = 0;  // the most calls it saw in one run
  OrdinalSet ordinals;         // the call ordinals faulted in some run
};

// A failure of a test, as the JSON report lists it: found by a sweep ("sweep"), an exploration
// ("explore"), a replay of --faultline_schedule ("replay"), a stored regression that fails
// again ("regression"), or the test itself ("test").
struct FailureRecord {
  std::string kind;
  std::uint64_t campaign = 0;  // which sweep or exploration of the test (0 for the first)
  std::uint64_t run = 0;       // the failing run's index in it (0 for "test")
  std::uint64_t seed = 0;      // the injector's seed in the failing run
  // The faults that replay it: the minimal schedule of an exploration, a sweep's failing
  // schedule, the faults a failed test injected ("" when none).
  std::string schedule;
  bool flaky = false;  // an exploration's failure that its schedule did not replay
  std::string message;
  std::string replay;  // the command that replays it, as the adapter prints it
};

// What one test did, kept for the summary and the JSON report.
struct TestRecord {
  std::string name;
  std::uint64_t seed = 0;
  bool failed = false;
  std::vector<RuleStats> rules;
  // Where each of `rules` came from: "annotation at file:line", "--faultline_rules",
  // "FAULTLINE_RULES", "profile" or "the test body".
  std::vector<std::string> origins;
  std::vector<FaultEvent> events;
  std::uint64_t dropped_events = 0;
  std::vector<std::string> unreached_rules;  // rules whose target saw no call
  // Rules of probability in (0, 1) that were tried on calls and never fired, when nothing but
  // chance decided (no schedule replayed, no sweep or exploration).
  std::vector<RuleStats> unfired_rules;
  // Other remarks, printed as notes: Session::Note()s, schedule entries that never fired, and
  // faults the harness did not count for this test (in threads earlier tests left running, or
  // fired outside any test).
  std::vector<std::string> notes;
  // Results of sweeps and explorations, as (faultline_* key, value), in the order recorded.
  std::vector<std::pair<std::string, std::string>> properties;
  // The schedule that replays the failure a sweep or an exploration found ("" when none).
  std::string failing_schedule;
  // Runs of the body summed in `targets`: every run of the test's sweeps and explorations, or
  // 1, the test itself, when it made none.
  std::uint64_t runs = 1;
  // Every target those runs reached, by name.
  std::vector<TargetTotals> targets;
  // Faults of those runs whose events the event limit dropped: counted in no target.
  std::uint64_t unrecorded_faults = 0;
  // The failures of a failed test, in the order found (empty when it passed).
  std::vector<FailureRecord> failures;
  // The command that replays the failed test ("" when it passed).
  std::string replay;
};

// A failure of the running test found by faultline: at `file`:`line` (where the expectation was
// declared) when `file` is not empty, else at the test.
struct TestFailure {
  std::string message;
  std::string file;
  int line = 0;
};

// What a sweep or an exploration means for the test that ran it (Session::Conclude).
struct Verdict {
  // Its results as (faultline_* key, value), already kept for the test's record; an adapter
  // also gives them to its framework (gtest's XML/JSON output).
  std::vector<std::pair<std::string, std::string>> properties;
  // The report to fail the test with, once (set when a run failed).
  std::optional<std::string> failure;
  // The report of a replay that did not fail by itself, and of stored regressions that were
  // replayed and passed, to print ("" otherwise): a replay's assertions reported themselves.
  std::string replay_report;
};

// The process-wide state of the adapters. Thread-safe.
class FAULTLINE_API Session {
 public:
  static Session& Instance();

  // Applies parsed options: the global seed, the rules for every test (parsed now, so a bad
  // rule fails start-up), the kill switch and the report file. The profiles of a rule file
  // given as "@path" or "@path#profile" become selectable by Profile(). Throws
  // std::invalid_argument.
  void Configure(const Options& options);
  const Options& options() const { return options_; }
  std::uint64_t global_seed() const { return options_.seed; }
  // The rules given by flag or environment (empty when none).
  const std::vector<FaultConfig>& command_line_rules() const { return command_line_rules_; }

  // Registers the rules annotated on test `suite`.`test` (evaluated lazily, at start-up).
  bool Annotate(std::string suite, std::string test, const char* file, int line,
                std::function<std::vector<AnnotatedRule>()> rules);
  // Registers the rules annotated on the test whose full name is `name`, for frameworks whose
  // test names are free text (Catch2).
  bool Annotate(std::string name, const char* file, int line,
                std::function<std::vector<AnnotatedRule>()> rules);
  // True when an annotation names test `full_name` (or its base name).
  bool IsAnnotated(const std::string& full_name) const;
  // Evaluates every annotation and checks it against the full names of the tests that exist.
  // Returns one message per problem (unknown test, duplicate rule name, invalid rule).
  std::vector<std::string> CheckAnnotations(const std::vector<std::string>& test_names);
  // Registers a named profile of rules, selectable by a test's tag or name.
  void AddProfile(std::string name, std::vector<FaultConfig> rules);
  // The rules of profile `name`; throws std::invalid_argument naming it and the known ones.
  std::vector<FaultConfig> Profile(const std::string& name) const;

  // The seed of a test: mix(global seed, full test name).
  std::uint64_t TestSeed(std::string_view full_name) const;
  // Prepares faultline::Current() for a test: reset, seed, annotated and command-line rules,
  // plus `extra` rules (e.g. from profiles). Throws std::invalid_argument for a clash of rule
  // names.
  void BeginTest(const std::string& full_name, const std::vector<FaultConfig>& extra = {});
  // Checks the rules of each of `test_names` as BeginTest would, without installing them, and
  // returns what would fail (clashing rule names), so that start-up reports it; then resets
  // Current() and stops it counting calls, as between tests.
  std::vector<std::string> CheckTests(const std::vector<std::string>& test_names);
  // Adds an expectation on the running test, declared at `file`:`line` ("" and 0: unknown).
  FaultExpectation& ExpectFault(const std::string& rule, const std::string& file = {}, int line = 0);
  // Checks the running test's expectations once; later calls return nothing, and so does a
  // disabled injector (--faultline_disable), where no fault can fire. Also fails a
  // --faultline_schedule entry whose rule the test never installed, and under
  // --faultline_strict the test's notes: rules that matched no call, schedule entries that
  // never fired, Note()s.
  std::vector<TestFailure> VerifyExpectations();
  // A remark on the running test (e.g. "a sweep reached no target"), kept as `text` + " in
  // <test>": printed as a note after it, or under --faultline_strict a failure of it.
  void Note(const std::string& text);
  // Keeps a sweep or exploration result of the running test for its record and the JSON report.
  void RecordProperty(const std::string& key, const std::string& value);
  // Keeps the failing run a sweep or exploration found in the running test: the schedule that
  // replays it ("" when it cannot be replayed), for the replay command, and its fault events,
  // which the test's record shows instead of the injector's last run.
  void SetFailingRun(const std::string& schedule, std::vector<FaultEvent> events);
  // Fills in what a sweep or an exploration in the running test leaves unset: the injector
  // (Current()) and the runner, `collecting`, which gathers a run's assertion failures so that
  // only the result fails the test. Under --faultline_schedule (or FAULTLINE_SCHEDULE) the
  // options replay that schedule once instead, run by `replaying`, which lets assertions report
  // as they happen.
  // Every run is counted for the test's record (TestRecord::runs, targets and failures).
  void PrepareRuns(SweepOptions& options, Runner collecting, Runner replaying);
  void PrepareRuns(ExploreOptions& options, Runner collecting, Runner replaying);
  // Keeps a sweep's or an exploration's results in the running test's record (properties, the
  // failing run's schedule and events for the replay command, a note when a sweep reached no
  // target) and returns what they mean for the test. The report's replay line spells the
  // schedule's setting as `schedule_flag` (e.g. "--faultline_schedule", "FAULTLINE_SCHEDULE").
  Verdict Conclude(const SweepResult& result, const std::string& schedule_flag);
  Verdict Conclude(const ExploreResult& result, const std::string& schedule_flag);
  // The directory of stored regressions: --faultline_regressions, else "faultline-regressions"
  // beside the --faultline_report file, else in the working directory; "" under "none".
  std::string RegressionsDirectory() const;
  // faultline::Explore for the running test (options prepared by PrepareRuns), concluded into
  // `verdict`, with its stored regressions (internal/regressions.hpp): first each stored
  // schedule is replayed once, under its seed, in file order; the first that fails ends it
  // (nothing is explored) and fails the test with a report naming the file, the line and the
  // schedule. A file with a line that does not parse, or names a rule the test does not
  // install, fails the test likewise, naming file, line, text and what was expected, and
  // nothing runs. Otherwise it explores, and a failure that is not flaky is stored (a write
  // error is part of the failure's report). Records faultline_regressions_replayed. Under a
  // --faultline_schedule replay, or with regressions "none", it only explores. Returns the
  // failing replay's result, else the exploration's (a default result when nothing ran).
  ExploreResult Explore(const ExploreOptions& options, const std::function<void()>& body,
                        const std::string& schedule_flag, Verdict* verdict);
  // Closes the running test: records it in the summary and the report, then disarms Current()
  // (no rule of this test fires after it, and no call is counted outside a test). For a failed
  // test, `replay_command` (when given) spells the adapter's replay command of a record; it
  // makes the record's `replay` and that of each failure (with the failure's schedule), called
  // without the session's lock.
  TestRecord EndTest(bool failed,
                     const std::function<std::string(const TestRecord&)>& replay_command = {});
  // Resets Current() and stops it counting calls: until the next BeginTest no rule fires and a
  // check costs one load.
  static void Disarm();
  // Where each installed rule of the running test came from ("annotation", a flag, ...).
  std::string OriginOf(const std::string& rule) const;

  // The settings that replay `record`, as (option key, value): "seed" always, then "rules",
  // "disable" and "schedule" (the failure a sweep or exploration found, else the one given)
  // when set. Each adapter spells them as its flags or as FAULTLINE_* variables.
  std::vector<std::pair<std::string, std::string>> ReplaySettings(const TestRecord& record) const;
  // The labelled failure sections: seed, fault events (at most `max_events`), replay command.
  static std::string FailureReport(const TestRecord& record, const std::string& replay,
                                   std::size_t max_events = 20);
  // How often rule `name` fired in the running test, on Current().
  static std::uint64_t FiredCount(const std::string& rule);
  // "faults that fired: a (2), b (1)", or "no fault fired in this test": the tail of every
  // failed fault assertion.
  static std::string FiredSummary();
  // Notes for a test's rules that never reached their target (typos must not pass silently),
  // or reached it and never fired by chance (a probability too small for the calls made), then
  // its other notes.
  static std::string RuleNotes(const TestRecord& record);
  // `notes` as output lines ("[faultline] note: ..."): at the end of the run, those taken
  // outside any test.
  static std::string NotesText(const std::vector<std::string>& notes);
  // The end-of-run table: rule, target, origin, calls, triggers, configured and observed rate,
  // tests; one row per distinct (rule, target, probability, origin).
  std::string Summary() const;
  // Completes the JSON report when --faultline_report was given: each test was appended when
  // it ended, so memory does not grow with the number of tests. Throws std::runtime_error,
  // naming the file and the reason, when any part of it could not be written.
  void WriteReport();

 private:
  struct Annotation {
    std::string name, file;  // name: "Suite.Test", or a free-text test name
    int line = 0;
    std::function<std::vector<AnnotatedRule>()> make;
    std::vector<AnnotatedRule> rules;  // filled by CheckAnnotations
  };
  // Every annotation of a test: those naming it in full, else those naming its base name.
  std::vector<const Annotation*> FindAnnotations(const std::string& full_name) const;
  // The rules of test `full_name` (its annotations', `extra`, the command line's), with the
  // origin of each by name and its annotated expectations. Throws std::invalid_argument for a
  // clash of rule names. Caller holds mutex_.
  std::vector<const FaultConfig*> TestRules(
      const std::string& full_name, const std::vector<FaultConfig>& extra,
      std::map<std::string, std::string>& origins,
      std::vector<std::unique_ptr<FaultExpectation>>& expectations) const;
  // Adds a failure for each --faultline_schedule entry whose rule `stats` lacks, and a note for
  // each that did not fire. Caller holds mutex_.
  void CheckSchedule(const HarnessStats& stats, std::vector<TestFailure>* failures);
  void AddToSummary(const TestRecord& record);
  // Keeps `properties`, and the failing run when `failed`, returning the verdict on `result`.
  template <class Result>
  Verdict Judge(const Result& result, bool failed, const std::string& failing_schedule,
                std::vector<FaultEvent> failing_events,
                std::vector<std::pair<std::string, std::string>> properties,
                const std::string& schedule_flag);
  // `inner`, also adding each run's counters on `injector` to the running test's totals.
  Runner Counting(FaultInjector* injector, Runner inner);
  // Starts counting the runs of a new sweep or exploration. Caller holds mutex_.
  void BeginCampaign();
  // Adds one run's calls and faults to the running test's totals. Caller holds mutex_.
  void AddRun(const HarnessStats& stats);
  // Starts the report file. Caller holds mutex_.
  void OpenReport();
  // Appends one test to the report file. Caller holds mutex_.
  void WriteTestJson(const TestRecord& record);
  // Flushes the report file, keeping the reason of a failure. Caller holds mutex_.
  void FlushReport();
  // Keeps errno's reason as the report's first error. Caller holds mutex_.
  void NoteReportError();

  mutable std::mutex mutex_;
  Options options_;
  std::vector<FaultConfig> command_line_rules_;
  std::vector<Annotation> annotations_;
  std::map<std::string, std::vector<FaultConfig>> profiles_;
  std::string current_test_;
  std::map<std::string, std::string> origins_;  // rule name -> origin, for the running test
  std::vector<std::unique_ptr<FaultExpectation>> expectations_;
  std::vector<std::pair<std::string, std::string>> properties_;  // of the running test
  std::string failing_schedule_;                                  // of the running test
  std::optional<std::vector<FaultEvent>> failing_events_;         // of the running test
  std::vector<std::string> notes_;                                // of the running test
  // The running test's totals over its runs, by target, and its failures.
  std::map<std::string, TargetTotals> totals_;
  std::uint64_t runs_ = 0;  // sweep and exploration runs of the running test
  std::uint64_t unrecorded_faults_ = 0;
  std::uint64_t campaigns_ = 0;        // sweeps and explorations begun in the running test
  std::uint64_t campaign_start_ = 0;   // runs_ when the latest one began
  std::vector<std::uint64_t> failing_runs_;  // indexes of its failing runs, within it
  std::vector<FailureRecord> failures_;
  std::optional<Schedule> schedule_;  // options_.schedule, parsed once
  bool verified_ = false;
  // The summary's rows, one per distinct (rule, target, probability, origin kind).
  struct SummaryRow {
    std::string name, target, origin;
    double probability = 0;
    std::uint64_t calls = 0, triggers = 0, tests = 0;
  };
  std::vector<SummaryRow> rows_;
  std::map<std::string, std::vector<std::size_t>> rows_by_name_;  // indexes into rows_
  std::uint64_t tests_run_ = 0;
  std::unique_ptr<std::ofstream> report_;  // open from the first test's end to WriteReport
  bool report_has_tests_ = false;
  std::string report_error_;  // why the report could not be written ("" while it could)
};

// Marks the run as managed by a test adapter and prepares the tracking of thread starts: a
// thread started while a test runs belongs to that test.
FAULTLINE_API void TrackThreadStarts();

// Makes the process exit with status 1 however main returns, after the stdio streams are
// flushed: for an error found after the last test (the report could not be written), which no
// test can carry and which the framework's exit code would not show.
FAULTLINE_API void FailAtExit();

// The name of a test as annotations see it: "Prefix/Suite/3.Test/7" (parameterized or typed)
// becomes "Suite.Test".
FAULTLINE_API std::string BaseTestName(const std::string& full_name);
// `text` quoted for a POSIX shell.
FAULTLINE_API std::string ShellQuote(const std::string& text);

}  // namespace internal
}  // namespace faultline
