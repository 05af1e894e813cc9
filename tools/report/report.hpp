// faultline-report's model of a --faultline_report JSON file (docs/report.md): reading it,
// merging the reports of many processes or shards, and writing the merged report as JSON or as
// one self-contained HTML page.
//
//   std::vector<Report> reports = {LoadReport("shard-0.json"), LoadReport("shard-1.json")};
//   const Report merged = Merge(reports);
//   std::ofstream("merged.json") << ToJson(merged);
//   std::ofstream("report.html") << ToHtml(merged);
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "faultline/internal/ordinals.hpp"
#include "json.hpp"

namespace faultline {
namespace report {

// One target a test reached: calls and faults summed over its runs.
struct TargetTotals {
  std::string target;
  std::uint64_t calls = 0;        // calls seen
  std::uint64_t faulted = 0;      // calls faulted
  std::uint64_t max_call = 0;     // the most calls in one run
  internal::OrdinalSet ordinals;  // the call ordinals faulted in some run
};

// One failure of a test (docs/report.md: "failures").
struct Failure {
  std::string kind;            // "sweep", "explore", "replay", "regression" or "test"
  std::uint64_t campaign = 0;  // which sweep or exploration of the test, from 0
  std::uint64_t run = 0;       // the failing run's index in it
  std::uint64_t seed = 0;      // the failing run's seed
  std::string schedule;        // the (minimal) schedule that replays it
  bool flaky = false;          // its schedule did not fail again
  std::string message;         // why it failed
  std::string replay;          // the command line that replays it
};

// One test's record. The campaign fields (runs, unrecorded_faults, targets, failures) add up
// over processes; the others describe one run and come from one record.
struct TestReport {
  std::string name;        // the full test name
  std::uint64_t seed = 0;  // the test's seed
  bool failed = false;
  Json rules;                           // as written: an array
  Json events;                          // as written: an array
  std::uint64_t dropped_events = 0;     // events past the limit in that run
  std::vector<std::string> notes;       // the test's notes
  Json exploration;                     // an object, or null when the test had none
  std::uint64_t runs = 0;               // runs of the body summed in `targets`
  std::uint64_t unrecorded_faults = 0;  // faults past the event limit, in no target
  std::vector<TargetTotals> targets;    // by target name
  std::vector<Failure> failures;        // earliest first
  std::string replay;                   // "" when it passed
};

// A whole report: every test of one or more processes, by name.
struct Report {
  std::uint64_t global_seed = 0;  // the first report's
  std::vector<TestReport> tests;  // by name
};

// Reads the report `text` of file `source` (named in errors). Throws ReportError naming the
// file, the position and what was expected, for invalid JSON or a report of another format.
Report ReadReport(const std::string& text, const std::string& source);
// Reads the report in file `path`. Throws ReportError, also when the file cannot be read.
Report LoadReport(const std::string& path);

// The report of all of `reports` as one: tests by name, a test found several times merged
// field by field (runs and counts summed, ordinals united, failures earliest first by
// campaign, run and seed; the per-run fields from the record with the earliest failure, else
// from the first); the global seed of the first report.
Report Merge(const std::vector<Report>& reports);

// `report` in the format faultline writes (docs/report.md), tests sorted by name.
std::string ToJson(const Report& report);

// `report` as one self-contained HTML page: targets reached and never faulted first, failures
// with their replay lines, every target, and each test's faults on a timeline. Nothing is
// loaded from elsewhere.
std::string ToHtml(const Report& report);

}  // namespace report
}  // namespace faultline
