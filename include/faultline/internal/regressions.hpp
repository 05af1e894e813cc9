// Internal: stored regressions. A failing schedule that an exploration found and shrank is kept
// in a per-test file of a directory meant to be committed (like proptest's
// proptest-regressions/), and every later run of that test replays it first.
//
// A regressions file is text, one stored case per line, after a header of '#' comments:
//   # faultline regressions of Payments.SurviveAFlakyGateway
//   date=2026-11-26 seed=5129104387741220387 schedule=gw=Gateway::Charge@3,slow=Ledger::Record@5
// Blank lines and lines starting with '#' are ignored, so a case can be commented out by hand.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "faultline/export.hpp"
#include "faultline/schedule.hpp"

namespace faultline {
namespace internal {

// One stored case: a line of a regressions file.
struct Regression {
  int line = 0;            // 1-based line number in its file (0 before it is stored)
  std::string text;        // the line as written
  std::string date;        // when it was found, YYYY-MM-DD (UTC)
  std::uint64_t seed = 0;  // the injector's seed the schedule failed under
  Schedule schedule;
};

// What a regressions file holds.
struct RegressionFile {
  std::string path;
  std::vector<Regression> regressions;  // in file order
  // One message per line that could not be read: "path:line: ...", naming the text and what was
  // expected.
  std::vector<std::string> problems;
};

// The name of test `full_name`'s file: the name with each character outside [A-Za-z0-9._-]
// replaced by '_' (cut to 80), '-', a hash of the full name in 8 hex digits, ".txt". The hash
// keeps names apart that differ only in replaced characters or in case (case-insensitive file
// systems) and avoids reserved names (CON, NUL); it is FNV-1a, the same on every platform.
FAULTLINE_API std::string RegressionFileName(std::string_view full_name);

// The line of `schedule`, found under `seed` on `date` (YYYY-MM-DD).
FAULTLINE_API std::string RegressionLine(const std::string& date, std::uint64_t seed,
                                         const Schedule& schedule);

// Parses one line that is neither blank nor a comment. Throws std::invalid_argument saying what
// was expected.
FAULTLINE_API Regression ParseRegression(std::string_view text);

// Reads the file at `path`; a missing file holds nothing. Throws std::runtime_error naming the
// file and the reason when it exists and cannot be read.
FAULTLINE_API RegressionFile LoadRegressions(const std::string& path);

// Where StoreRegression put a case: its line, and whether it was added (false: stored already).
struct StoredRegression {
  int line = 0;
  bool added = false;
};

// Appends the case (`schedule` failing test `test` under `seed`, found today) to file `path`,
// creating its directory and the file, with a header naming `test` and how to replay with
// `schedule_flag`, when missing. A schedule stored already is not stored again. Processes
// storing in one file at once take turns (an advisory lock), so a case and the header are
// written once. Throws std::runtime_error naming the file and the reason.
FAULTLINE_API StoredRegression StoreRegression(const std::string& path, const std::string& test,
                                               const Schedule& schedule, std::uint64_t seed,
                                               const std::string& schedule_flag);

}  // namespace internal
}  // namespace faultline
