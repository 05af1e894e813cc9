#include "faultline/internal/session.hpp"

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iomanip>
#include <random>
#include <set>
#include <sstream>
#include <stdexcept>

#include "faultline/internal/ownership.hpp"
#include "faultline/internal/regressions.hpp"
#include "faultline/rules.hpp"
#include "faultline/schedule.hpp"

namespace faultline {

FaultExpectation& FaultExpectation::Times(std::uint64_t n) {
  min_ = n;
  max_ = n;
  return *this;
}

FaultExpectation& FaultExpectation::AtLeast(std::uint64_t n) {
  min_ = n;
  max_.reset();
  return *this;
}

std::optional<std::string> FaultExpectation::Check(std::uint64_t fired) const {
  if (fired >= min_ && (!max_ || fired <= *max_)) return std::nullopt;
  std::string expected;
  if (max_ && *max_ == 0) {
    expected = "never to fire";
  } else if (max_) {
    expected = "to fire exactly " + std::to_string(*max_) + " time(s)";
  } else {
    expected = "to fire at least " + std::to_string(min_) + " time(s)";
  }
  std::string message = "fault \"" + rule_ + "\" was expected " + expected + ", but it fired " +
                        std::to_string(fired) + " time(s)";
  if (fired == 0 && min_ > 0) message += ": the test never reached this error path";
  return message;
}

AnnotatedRule Expected(FaultConfig rule) {
  AnnotatedRule annotated(std::move(rule));
  annotated.expected_min = 1;
  return annotated;
}

AnnotatedRule Expected(FaultConfig rule, std::uint64_t times) {
  AnnotatedRule annotated(std::move(rule));
  annotated.expected_exact = times;
  return annotated;
}

namespace internal {
namespace {

constexpr const char* kFlagPrefix = "--faultline_";
// Catch2's spelling, which GoogleTest programs do not take.
constexpr const char* kDashedFlagPrefix = "--faultline-";
constexpr const char* kKnownFlags =
    "--faultline_seed, --faultline_rules, --faultline_disable, --faultline_strict, "
    "--faultline_report, --faultline_schedule, --faultline_regressions, "
    "--faultline_explore_runs, --faultline_explore_for, --faultline_explore_shard";
constexpr const char* kOptionKeys[] = {"seed",        "rules",        "disable",
                                       "strict",      "report",       "schedule",
                                       "regressions", "explore_runs", "explore_for",
                                       "explore_shard"};

std::uint64_t ParseSeed(const std::string& text, const std::string& source, bool* drawn) {
  if (text == "random") {
    *drawn = true;
    std::random_device device;
    return (std::uint64_t{device()} << 32) ^ device();
  }
  // Digits only: strtoull alone would take " 5", "+5" and "-5".
  char* end = nullptr;
  errno = 0;
  const unsigned long long value = std::strtoull(text.c_str(), &end, 10);
  if (text.empty() || text.find_first_not_of("0123456789") != std::string::npos || errno == ERANGE) {
    throw std::invalid_argument("faultline: " + source +
                                ": expected an unsigned 64-bit integer or \"random\", got \"" +
                                text + "\"");
  }
  return value;
}

// "@path" or "@path#profile", as ParseRulesArgument reads it.
bool IsRuleFile(const std::string& rules) {
  const std::size_t first = rules.find_first_not_of(" \t");
  return first != std::string::npos && rules[first] == '@';
}

// Digits only, as ParseSeed reads them; false for anything else or out of range.
bool ParseCount(const std::string& text, std::uint64_t* value) {
  if (text.empty() || text.find_first_not_of("0123456789") != std::string::npos) return false;
  errno = 0;
  *value = std::strtoull(text.c_str(), nullptr, 10);
  return errno != ERANGE;
}

// "i/n" with i < n; `given` is the value as written, for the message.
void ParseShard(const std::string& text, const std::string& source, const std::string& given,
                Options& options) {
  const std::size_t slash = text.find('/');
  std::uint64_t index = 0, count = 0;
  if (slash == std::string::npos || !ParseCount(text.substr(0, slash), &index) ||
      !ParseCount(text.substr(slash + 1), &count) || index >= count) {
    throw std::invalid_argument("faultline: " + source +
                                ": expected i/n, shard i of n with 0 <= i < n (e.g. 0/4), or auto, "
                                "got \"" + given + "\"");
  }
  options.explore_shard_index = index;
  options.explore_shard_count = count;
}

bool ParseBool(const std::string& text, const std::string& source) {
  if (text.empty() || text == "1" || text == "true" || text == "yes") return true;
  if (text == "0" || text == "false" || text == "no") return false;
  throw std::invalid_argument("faultline: " + source + ": expected 1/0, true/false or yes/no, got \"" +
                              text + "\"");
}

}  // namespace

void ApplyOption(Options& options, const std::string& key, const std::string& value,
                 const std::string& source) {
  if (key == "seed") {
    options.seed_was_drawn = false;
    options.seed = ParseSeed(value, source, &options.seed_was_drawn);
  } else if (key == "rules") {
    // A repeated flag adds its rules, as if joined by ';' (a variable is replaced by a flag).
    if (!options.rules.empty() && options.rules_origin == source) {
      if (IsRuleFile(options.rules) || IsRuleFile(value)) {
        throw std::invalid_argument("faultline: " + source + " is given twice (\"" + options.rules +
                                    "\", then \"" + value +
                                    "\") with a rule file; expected one @file, or rules only");
      }
      options.rules += ";" + value;
    } else {
      options.rules = value;
    }
    options.rules_origin = source;
  } else if (key == "disable") {
    options.disabled = ParseBool(value, source);
  } else if (key == "strict") {
    options.strict = ParseBool(value, source);
  } else if (key == "report") {
    if (value.empty()) throw std::invalid_argument("faultline: " + source + ": expected a file name");
    options.report = value;
  } else if (key == "schedule") {
    try {
      Schedule::Parse(value);  // a bad schedule fails start-up, not the first test
    } catch (const std::exception& error) {
      throw std::invalid_argument(std::string(error.what()) + " (in " + source + ")");
    }
    options.schedule = value;
    options.schedule_origin = source;
  } else if (key == "regressions") {
    if (value.empty()) {
      throw std::invalid_argument("faultline: " + source +
                                  ": expected a directory, or none to store no regression");
    }
    options.regressions = value;
  } else if (key == "explore_runs") {
    std::uint64_t runs = 0;
    if (!ParseCount(value, &runs) || runs == 0) {
      throw std::invalid_argument("faultline: " + source +
                                  ": expected a positive number of runs, got \"" + value + "\"");
    }
    options.explore_runs = runs;
  } else if (key == "explore_for") {
    std::chrono::nanoseconds budget{};
    std::string problem;
    try {
      budget = ParseDuration(value, source);
    } catch (const RuleSyntaxError& error) {
      problem = " (" + error.message() + ")";
    }
    if (!problem.empty() || budget <= std::chrono::nanoseconds::zero()) {
      throw std::invalid_argument("faultline: " + source +
                                  ": expected a positive duration such as 500ms, 30s, 5min or 1h, "
                                  "got \"" + value + "\"" + problem);
    }
    options.explore_for = budget;
  } else if (key == "explore_shard") {
    if (value != "auto") {
      ParseShard(value, source, value, options);
    } else {
      const auto [shard, origin] = TakeRunnerShard();
      if (shard.empty()) {
        throw std::invalid_argument(
            "faultline: " + source +
            "=auto: expected the test runner's shard in TEST_SHARD_INDEX and TEST_TOTAL_SHARDS "
            "(Bazel) or GTEST_SHARD_INDEX and GTEST_TOTAL_SHARDS, got none of them");
      }
      ParseShard(shard, source + "=auto (from " + origin + ")", shard, options);
      options.explore_shard_taken = true;
    }
  } else {
    throw std::invalid_argument("faultline: unknown flag " + source + " (known: " + kKnownFlags +
                                "; see --help)");
  }
}

namespace {

// Below this chance of no fire in a test, a rule that never fired points at something other
// than bad luck: one run in a thousand.
constexpr double kUnlikelyChance = 1e-3;

// `fraction` as a percentage with up to 4 significant digits: 0.0001 is "0.01%", 0.3 is "30%".
std::string Percent(double fraction) {
  std::ostringstream out;
  out << std::setprecision(4) << fraction * 100 << "%";
  return out.str();
}

// The rules of `stats` whose targets saw no call: a typo in a target must not pass silently.
std::vector<std::string> UnreachedRules(const HarnessStats& stats) {
  std::vector<std::string> rules;
  for (const RuleStats& rule : stats.rules) {
    if (rule.target_calls == 0) rules.push_back(rule.name);
  }
  return rules;
}

std::string UnreachedText(const std::string& rule, const std::string& test) {
  return "rule \"" + rule + "\" matched no call in " + test + " (check its target)";
}

std::string JsonString(const std::string& text) {
  std::ostringstream out;
  out << '"';
  for (const char c : text) {
    switch (c) {
      case '"':
        out << "\\\"";
        break;
      case '\\':
        out << "\\\\";
        break;
      case '\n':
        out << "\\n";
        break;
      case '\t':
        out << "\\t";
        break;
      default:
        if (static_cast<unsigned char>(c) < 0x20) {
          out << "\\u" << std::hex << std::setw(4) << std::setfill('0') << int(c) << std::dec
              << std::setfill(' ');
        } else {
          out << c;
        }
    }
  }
  out << '"';
  return out.str();
}

}  // namespace

std::pair<std::string, std::string> TakeRunnerShard() {
  struct Taken {
    std::string shard, origin, error;
  };
  // Once: the first call unsets what later calls would read.
  static const Taken taken = [] {
    Taken result;
    const auto get = [](const char* name) {
      const char* value = std::getenv(name);
      return value != nullptr && *value != '\0' ? std::optional<std::string>(value) : std::nullopt;
    };
    for (const auto& [index, total] : {std::pair{"TEST_SHARD_INDEX", "TEST_TOTAL_SHARDS"},
                                       std::pair{"GTEST_SHARD_INDEX", "GTEST_TOTAL_SHARDS"}}) {
      if (get(index) && get(total)) {
        result.shard = *get(index) + "/" + *get(total);
        result.origin = std::string(index) + "=" + *get(index) + ", " + total + "=" + *get(total);
        break;
      }
    }
    if (result.shard.empty()) {
      // A child of a test (a death test re-running the program) inherits the shard its parent
      // took, the runner's variables being gone.
      if (const auto handed = get("FAULTLINE_EXPLORE_SHARD"); handed && *handed != "auto") {
        result.shard = *handed;
        result.origin = "FAULTLINE_EXPLORE_SHARD=" + *handed;
      }
      return result;
    }
    // Bazel runs a test in shards only when the test says it supports sharding, by this file.
    if (const auto status = get("TEST_SHARD_STATUS_FILE")) {
      if (!std::ofstream(*status, std::ios::app)) {
        result.error = "faultline: --faultline_explore_shard=auto: cannot create TEST_SHARD_STATUS_FILE \"" +
                       *status + "\"";
      }
    }
    // The campaigns are split by run instead: every shard runs every selected test.
    for (const char* name : {"TEST_SHARD_INDEX", "TEST_TOTAL_SHARDS", "GTEST_SHARD_INDEX",
                             "GTEST_TOTAL_SHARDS"}) {
      unsetenv(name);
    }
    setenv("FAULTLINE_EXPLORE_SHARD", result.shard.c_str(), 1);
    return result;
  }();
  if (!taken.error.empty()) throw std::invalid_argument(taken.error);
  return {taken.shard, taken.origin};
}

Options OptionsFromEnvironment() {
  Options options;
  // Bazel keeps what a test writes there: the report is found without a flag.
  if (const char* outputs = std::getenv("TEST_UNDECLARED_OUTPUTS_DIR"); outputs != nullptr && *outputs != '\0') {
    options.report = std::string(outputs) + "/faultline-report.json";
  }
  for (const char* key : kOptionKeys) {
    std::string name = "FAULTLINE_";
    for (const char* c = key; *c != '\0'; ++c) name += static_cast<char>(std::toupper(*c));
    // An empty variable is one that was cleared: not set, as GoogleTest reads its own where
    // the shell cannot unset one.
    const char* value = std::getenv(name.c_str());
    if (value != nullptr && *value != '\0') ApplyOption(options, key, value, name);
  }
  return options;
}

Options ParseOptions(int* argc, char** argv) {
  Options options = OptionsFromEnvironment();
  int kept = 1;
  for (int i = 1; i < *argc; ++i) {
    const std::string arg = argv[i];
    if (arg.rfind(kDashedFlagPrefix, 0) == 0) {
      std::string hint = arg.substr(0, arg.find('='));
      std::replace(hint.begin(), hint.end(), '-', '_');
      hint.replace(0, 2, "--");
      throw std::invalid_argument("faultline: unknown flag " + arg.substr(0, arg.find('=')) +
                                  ": GoogleTest programs spell faultline's flags with underscores, "
                                  "did you mean " + hint + "? (known: " + kKnownFlags + ")");
    }
    if (arg.rfind(kFlagPrefix, 0) != 0) {
      argv[kept++] = argv[i];
      continue;
    }
    const std::size_t equals = arg.find('=');
    const std::string key = arg.substr(std::strlen(kFlagPrefix), equals == std::string::npos
                                                                      ? std::string::npos
                                                                      : equals - std::strlen(kFlagPrefix));
    const std::string value = equals == std::string::npos ? "" : arg.substr(equals + 1);
    ApplyOption(options, key, value, arg.substr(0, equals));
  }
  *argc = kept;
  argv[kept] = nullptr;
  return options;
}

std::string OptionsHelp() {
  return "Fault Injection (faultline):\n"
         "  --faultline_seed=N|random\n"
         "      Global seed; each test's seed is mix(N, full test name). Default 42.\n"
         "  --faultline_rules=SPEC|@FILE[#PROFILE]\n"
         "      Rules added to every test, e.g. gw=Gateway::*:30%exception(boom).\n"
         "  --faultline_disable\n"
         "      Inject no fault (the rules stay installed, the injector is disabled).\n"
         "  --faultline_strict\n"
         "      Fail a test whose rule matched no call, whose sweep reached no target or\n"
         "      whose --faultline_schedule entry never fired (else these are notes).\n"
         "  --faultline_report=FILE.json\n"
         "      Write every test's seed, rules, fault events, targets reached and failures\n"
         "      as JSON (faultline-report merges such files and renders them as HTML).\n"
         "  --faultline_schedule=RULE=TARGET@CALL,...|none\n"
         "      Replay exactly these faults (as a failed sweep or explore prints them).\n"
         "  --faultline_regressions=DIR|none\n"
         "      Where explorations store the failures they find, one file per test, replayed\n"
         "      first by every later run. Default: faultline-regressions beside the\n"
         "      --faultline_report file, else in the working directory.\n"
         "  --faultline_explore_runs=N\n"
         "      Runs of every Explore, instead of the test's own.\n"
         "  --faultline_explore_for=DURATION\n"
         "      Time budget of every Explore (500ms, 30s, 5min, 1h), checked between runs;\n"
         "      alone, runs until it is spent; with --faultline_explore_runs, whichever ends first.\n"
         "  --faultline_explore_shard=I/N|auto\n"
         "      Make only the runs r of every Explore with r % N == I (0 <= I < N), each with\n"
         "      its unsharded seed; auto takes the test runner's shard (Bazel's TEST_SHARD_*,\n"
         "      else GTEST_SHARD_INDEX/GTEST_TOTAL_SHARDS) and runs every test in every shard.\n"
         "  Each flag has an environment twin: FAULTLINE_SEED, FAULTLINE_RULES,\n"
         "  FAULTLINE_DISABLE, FAULTLINE_STRICT, FAULTLINE_REPORT, FAULTLINE_SCHEDULE,\n"
         "  FAULTLINE_REGRESSIONS, FAULTLINE_EXPLORE_RUNS, FAULTLINE_EXPLORE_FOR,\n"
         "  FAULTLINE_EXPLORE_SHARD\n"
         "  (flags win; an empty variable counts as not set).\n";
}

std::string BaseTestName(const std::string& full_name) {
  const std::size_t dot = full_name.find('.');
  if (dot == std::string::npos) return full_name;
  std::string suite = full_name.substr(0, dot);
  std::string test = full_name.substr(dot + 1);
  // Typed suites end in "/<index>"; parameterized ones start with "<instantiation>/".
  const std::size_t last = suite.rfind('/');
  if (last != std::string::npos &&
      suite.find_first_not_of("0123456789", last + 1) == std::string::npos) {
    suite.erase(last);
  }
  const std::size_t first = suite.rfind('/');
  if (first != std::string::npos) suite.erase(0, first + 1);
  const std::size_t param = test.find('/');
  if (param != std::string::npos) test.erase(param);
  return suite + "." + test;
}

std::string ShellQuote(const std::string& text) {
  if (!text.empty() && text.find_first_not_of("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
                                              "0123456789_-./=:,@%+") == std::string::npos) {
    return text;
  }
  std::string quoted = "'";
  for (const char c : text) {
    if (c == '\'') {
      quoted += "'\\''";
    } else {
      quoted += c;
    }
  }
  return quoted + "'";
}

Session& Session::Instance() {
  static Session* session = new Session();  // leaked: listeners report after static teardown
  return *session;
}

void Session::Configure(const Options& options) {
  std::vector<FaultConfig> rules;
  RuleFile file;
  if (!options.rules.empty()) {
    try {
      rules = ParseRulesArgument(options.rules);
      if (options.rules[0] == '@') {
        // ParseRulesArgument splits "@path#profile" at the last '#' too.
        const std::size_t hash = options.rules.rfind('#');
        file = LoadRuleFile(options.rules.substr(1, hash == std::string::npos ? hash : hash - 1));
      }
    } catch (const std::exception& error) {
      throw std::invalid_argument(std::string(error.what()) + " (in " + options.rules_origin + ")");
    }
    std::set<std::string> names;
    for (const FaultConfig& rule : rules) {
      if (!names.insert(rule.name()).second) {
        throw std::invalid_argument("faultline: rule \"" + rule.name() + "\" is given twice (in " +
                                    options.rules_origin + ")");
      }
    }
  }
  TrackThreadStarts();
  // Child processes a test starts see the same rules and seed as the test itself.
  if (!options.rules.empty()) setenv("FAULTLINE_RULES", options.rules.c_str(), 1);
  setenv("FAULTLINE_SEED", std::to_string(options.seed).c_str(), 1);
  std::optional<Schedule> schedule;
  if (!options.schedule.empty()) schedule = Schedule::Parse(options.schedule);
  // Checked now, written from the first test's end on: a directory or an unwritable path stops
  // start-up. Checked by appending, so that a death test's child, which re-runs this program
  // with the same flags and ends no test, never truncates the report its parent is writing.
  if (!options.report.empty() && !std::ofstream(options.report, std::ios::app)) {
    throw std::invalid_argument("faultline: --faultline_report: cannot open \"" + options.report +
                                "\" for writing");
  }
  internal::HarnessLock lock(mutex_);
  report_.reset();
  report_has_tests_ = false;
  options_ = options;
  command_line_rules_ = std::move(rules);
  schedule_ = std::move(schedule);
  for (auto& [name, profile] : file.profiles) profiles_[name] = std::move(profile);
  if (options.disabled) {
    Current().Disable();
  } else {
    Current().Enable();
  }
}

bool Session::Annotate(std::string suite, std::string test, const char* file, int line,
                       std::function<std::vector<AnnotatedRule>()> rules) {
  internal::HarnessLock lock(mutex_);
  annotations_.push_back(Annotation{suite + "." + test, file, line, std::move(rules), {}});
  return true;
}

bool Session::Annotate(std::string name, const char* file, int line,
                       std::function<std::vector<AnnotatedRule>()> rules) {
  internal::HarnessLock lock(mutex_);
  annotations_.push_back(Annotation{std::move(name), file, line, std::move(rules), {}});
  return true;
}

bool Session::IsAnnotated(const std::string& full_name) const {
  internal::HarnessLock lock(mutex_);
  return !FindAnnotations(full_name).empty();
}

std::vector<std::string> Session::CheckAnnotations(const std::vector<std::string>& test_names) {
  internal::HarnessLock lock(mutex_);
  std::set<std::string> known;
  for (const std::string& name : test_names) {
    known.insert(name);
    known.insert(BaseTestName(name));
  }
  std::vector<std::string> problems;
  // Annotations of one test are merged, so a rule name is checked across all of them:
  // test name -> rule name -> where it was first annotated.
  std::map<std::string, std::map<std::string, std::string>> annotated_at;
  for (Annotation& annotation : annotations_) {
    const std::string location = annotation.file + ":" + std::to_string(annotation.line);
    const std::string where = location + ": ";
    const std::string& name = annotation.name;
    if (known.count(name) == 0) {
      problems.push_back(where + "faultline: rules are annotated on test " + name +
                         ", which does not exist");
    }
    try {
      annotation.rules = annotation.make();
    } catch (const std::exception& error) {
      problems.push_back(where + "test " + name + ": " + error.what());
      continue;
    }
    std::map<std::string, std::string>& rules = annotated_at[name];
    for (const AnnotatedRule& annotated : annotation.rules) {
      const auto [first, fresh] = rules.emplace(annotated.rule.name(), location);
      if (fresh) continue;
      problems.push_back(where + "faultline: test " + name + ": rule \"" + annotated.rule.name() +
                         "\" is annotated twice" +
                         (first->second == location ? "" : " (first at " + first->second + ")"));
    }
  }
  return problems;
}

void Session::AddProfile(std::string name, std::vector<FaultConfig> rules) {
  internal::HarnessLock lock(mutex_);
  profiles_[std::move(name)] = std::move(rules);
}

std::vector<FaultConfig> Session::Profile(const std::string& name) const {
  internal::HarnessLock lock(mutex_);
  auto it = profiles_.find(name);
  if (it != profiles_.end()) return it->second;
  std::string known;
  for (const auto& [profile, rules] : profiles_) known += (known.empty() ? "" : ", ") + profile;
  throw std::invalid_argument("faultline: unknown profile \"" + name + "\" (known: " +
                              (known.empty() ? "none" : known) + ")");
}

std::uint64_t Session::TestSeed(std::string_view full_name) const {
  return Mix64(global_seed() ^ Mix64(HashName(full_name.data(), full_name.size())));
}

std::vector<const Session::Annotation*> Session::FindAnnotations(const std::string& full_name) const {
  const std::string base = BaseTestName(full_name);
  std::vector<const Annotation*> by_name, by_base;
  for (const Annotation& annotation : annotations_) {
    if (annotation.name == full_name) by_name.push_back(&annotation);
    if (annotation.name == base) by_base.push_back(&annotation);
  }
  return by_name.empty() ? by_base : by_name;
}

void Session::BeginTest(const std::string& full_name, const std::vector<FaultConfig>& extra) {
  internal::HarnessLock lock(mutex_);
  FaultInjector& injector = Current();
  // Nothing a previous test did to the injector carries over.
  injector.Reset();
  internal::BeginTestOwnership(full_name);
  injector.SetClock(nullptr);  // a fixture's virtual clock may not outlive its test
  injector.SetEventLimit(kDefaultEventLimit);
  if (options_.disabled) {
    injector.Disable();
  } else {
    injector.Enable();
  }
  injector.SetSeed(TestSeed(full_name));
  injector.CountCalls(true);
  current_test_ = full_name;
  origins_.clear();
  expectations_.clear();
  verified_ = false;
  properties_.clear();
  failing_schedule_.clear();
  failing_events_.reset();
  notes_.clear();
  totals_.clear();
  runs_ = 0;
  unrecorded_faults_ = 0;
  campaigns_ = 0;
  campaign_start_ = 0;
  failing_runs_.clear();
  failures_.clear();

  std::map<std::string, std::string> origins;
  std::vector<std::unique_ptr<FaultExpectation>> expectations;
  for (const FaultConfig* rule : TestRules(full_name, extra, origins, expectations)) {
    injector.AddRule(*rule);
  }
  origins_ = std::move(origins);
  expectations_ = std::move(expectations);
  if (schedule_) injector.Replay(*schedule_);
}

std::vector<const FaultConfig*> Session::TestRules(
    const std::string& full_name, const std::vector<FaultConfig>& extra,
    std::map<std::string, std::string>& origins,
    std::vector<std::unique_ptr<FaultExpectation>>& expectations) const {
  // Every rule with its origin, checked for clashing names before any is installed.
  std::vector<const FaultConfig*> rules;
  rules.reserve(extra.size() + command_line_rules_.size());
  auto collect = [&](const FaultConfig& rule, const std::string& origin) {
    auto [it, fresh] = origins.emplace(rule.name(), origin);
    if (!fresh) {
      throw std::invalid_argument("faultline: test " + full_name + ": rule \"" + rule.name() +
                                  "\" from " + origin +
                                  " clashes with the rule of that name from " + it->second);
    }
    rules.push_back(&rule);
  };
  for (const Annotation* annotation : FindAnnotations(full_name)) {
    const std::string origin =
        "annotation at " + annotation->file + ":" + std::to_string(annotation->line);
    for (const AnnotatedRule& annotated : annotation->rules) {
      collect(annotated.rule, origin);
      if (!annotated.expected_exact && !annotated.expected_min) continue;
      expectations.push_back(std::make_unique<FaultExpectation>(
          annotated.rule.name(), annotation->file, annotation->line));
      if (annotated.expected_exact) {
        expectations.back()->Times(*annotated.expected_exact);
      } else {
        expectations.back()->AtLeast(*annotated.expected_min);
      }
    }
  }
  for (const FaultConfig& rule : extra) collect(rule, "profile");
  for (const FaultConfig& rule : command_line_rules_) collect(rule, options_.rules_origin);
  return rules;
}

std::vector<std::string> Session::CheckTests(const std::vector<std::string>& test_names) {
  std::vector<std::string> problems;
  internal::HarnessLock lock(mutex_);
  for (const std::string& name : test_names) {
    std::map<std::string, std::string> origins;
    std::vector<std::unique_ptr<FaultExpectation>> expectations;
    try {
      TestRules(name, {}, origins, expectations);
    } catch (const std::exception& error) {
      problems.push_back(error.what());
    }
  }
  Disarm();  // as between tests: nothing counted before the first begins
  return problems;
}

void Session::RecordProperty(const std::string& key, const std::string& value) {
  internal::HarnessLock lock(mutex_);
  properties_.emplace_back(key, value);
}

void Session::SetFailingRun(const std::string& schedule, std::vector<FaultEvent> events) {
  internal::HarnessLock lock(mutex_);
  failing_schedule_ = schedule;
  failing_events_ = std::move(events);
}

namespace {

template <class Options>
void PrepareOptions(Options& options, const std::optional<Schedule>& schedule, Runner collecting,
                    Runner replaying) {
  if (options.injector == nullptr) options.injector = &Current();
  if (schedule) options.replay = *schedule;
  // A replay runs once: its assertion failures go to the test as they happen.
  if (!options.runner) options.runner = options.replay ? std::move(replaying) : std::move(collecting);
}

}  // namespace

void Session::PrepareRuns(SweepOptions& options, Runner collecting, Runner replaying) {
  internal::HarnessLock lock(mutex_);
  PrepareOptions(options, schedule_, std::move(collecting), std::move(replaying));
  options.runner = Counting(options.injector, std::move(options.runner));
  BeginCampaign();
}

void Session::PrepareRuns(ExploreOptions& options, Runner collecting, Runner replaying) {
  internal::HarnessLock lock(mutex_);
  PrepareOptions(options, schedule_, std::move(collecting), std::move(replaying));
  // The campaign flags replace the test's bounds (a replay makes its one run whatever they say).
  if (options_.explore_runs || options_.explore_for) {
    options.runs = options_.explore_runs.value_or(ExploreOptions::kNoRunLimit);
    options.time_budget = options_.explore_for;
  }
  if (options_.explore_shard_count != 1) {
    options.Shard(options_.explore_shard_index, options_.explore_shard_count);
  }
  options.runner = Counting(options.injector, std::move(options.runner));
  BeginCampaign();
}

void Session::BeginCampaign() {
  ++campaigns_;
  campaign_start_ = runs_;
  failing_runs_.clear();
}

Runner Session::Counting(FaultInjector* injector, Runner inner) {
  // The injector keeps only its last run's counters: each run's are added up here, as
  // counters, so that memory does not grow with the number of runs.
  return [this, injector, inner = std::move(inner)](const std::function<void()>& body) {
    std::optional<std::string> failure = inner(body);
    const HarnessStats stats = injector->Stats();
    internal::HarnessLock lock(mutex_);
    if (failure) failing_runs_.push_back(runs_ - campaign_start_);
    ++runs_;
    AddRun(stats);
    return failure;
  };
}

void Session::AddRun(const HarnessStats& stats) {
  for (const auto& [target, calls] : stats.calls_per_target) {
    if (calls == 0) continue;
    TargetTotals& totals = totals_[target];
    totals.calls += calls;
    totals.max_call = std::max(totals.max_call, calls);
    totals.ordinals.Coarsen(OrdinalSet::StepFor(totals.max_call));
  }
  // Only the targets this run faulted have ordinals to normalize: a run's cost does not grow
  // with the targets earlier runs reached.
  std::vector<TargetTotals*> faulted;
  for (const FaultEvent& event : stats.events) {
    TargetTotals& totals = totals_[event.target];
    ++totals.faulted;
    faulted.push_back(&totals);
    // A fault is counted on a call, so its ordinal is within the run's calls; a target seen
    // only by its events (counting was off) still gets a bounded step.
    totals.max_call = std::max(totals.max_call, event.call);
    totals.ordinals.Coarsen(OrdinalSet::StepFor(totals.max_call));
    totals.ordinals.Add(event.call);
  }
  std::sort(faulted.begin(), faulted.end());
  faulted.erase(std::unique(faulted.begin(), faulted.end()), faulted.end());
  for (TargetTotals* totals : faulted) totals->ordinals.Normalize();
  unrecorded_faults_ += stats.dropped_events;
}

template <class Result>
Verdict Session::Judge(const Result& result, bool failed, const std::string& failing_schedule,
                       std::vector<FaultEvent> failing_events,
                       std::vector<std::pair<std::string, std::string>> properties,
                       const std::string& schedule_flag) {
  for (const auto& [key, value] : properties) RecordProperty(key, value);
  Verdict verdict;
  verdict.properties = std::move(properties);
  if (failed) {
    SetFailingRun(failing_schedule, std::move(failing_events));
    verdict.failure = result.Report(schedule_flag);
  } else if (result.replayed) {
    verdict.replay_report = result.Report(schedule_flag);
  }
  return verdict;
}

namespace {

// Failure messages can hold a whole test log: the report keeps their start.
constexpr std::size_t kMaxMessage = 4000;

std::string Bounded(const std::string& message) {
  if (message.size() <= kMaxMessage) return message;
  std::size_t cut = kMaxMessage;
  // Not inside a UTF-8 character: the report stays valid text.
  while (cut > 0 && (static_cast<unsigned char>(message[cut]) & 0xc0) == 0x80) --cut;
  return message.substr(0, cut) + "\n... (" + std::to_string(message.size() - cut) +
         " more bytes)";
}

}  // namespace

Verdict Session::Conclude(const SweepResult& result, const std::string& schedule_flag) {
  if (result.targets.empty() && !result.replayed) {
    Note("a sweep reached no target (no fault reached a call)");
  }
  {
    internal::HarnessLock lock(mutex_);
    for (std::size_t f = 0; f < result.failures.size(); ++f) {
      const RunFailure& failure = result.failures[f];
      // The runner saw the failing runs in the order the sweep lists them.
      const std::uint64_t run = f < failing_runs_.size() ? failing_runs_[f] : result.runs - 1;
      failures_.push_back(FailureRecord{result.replayed ? "replay" : "sweep", campaigns_ - 1, run,
                                        failure.seed, failure.schedule.ToString(), false,
                                        Bounded(failure.message), {}});
    }
  }
  const bool failed = !result.passed();
  return Judge(result, failed, failed ? result.failures.front().schedule.ToString() : "",
               failed ? result.failures.front().events : std::vector<FaultEvent>(),
               {{"faultline_sweep_runs", std::to_string(result.runs)},
                {"faultline_sweep_failures", std::to_string(result.failures.size())}},
               schedule_flag);
}

Verdict Session::Conclude(const ExploreResult& result, const std::string& schedule_flag) {
  if (result.failed) {
    internal::HarnessLock lock(mutex_);
    // The failing run's index in the whole campaign, the same in whichever shard found it.
    failures_.push_back(FailureRecord{result.replayed ? "replay" : "explore", campaigns_ - 1,
                                      result.failing_run, result.original.seed,
                                      result.minimal.ToString(), result.flaky,
                                      Bounded(result.message), {}});
  }
  std::vector<std::pair<std::string, std::string>> properties = {
      {"faultline_explore_runs", std::to_string(result.runs)}};
  if (result.time_budget_spent) properties.emplace_back("faultline_explore_time_budget_spent", "1");
  if (result.shard_count != 1) {
    properties.emplace_back("faultline_explore_shard", std::to_string(result.shard_index) + "/" +
                                                           std::to_string(result.shard_count));
  }
  if (result.failed) {
    if (!result.replayed) {
      properties.emplace_back("faultline_explore_failing_run", std::to_string(result.failing_run));
    }
    properties.emplace_back("faultline_explore_seed", std::to_string(result.original.seed));
    properties.emplace_back("faultline_explore_schedule", result.minimal.ToString());
    properties.emplace_back("faultline_explore_flaky", result.flaky ? "1" : "0");
  }
  return Judge(result, result.failed,
               result.failed && !result.flaky ? result.minimal.ToString() : "",
               result.minimal_events, std::move(properties), schedule_flag);
}

std::string Session::RegressionsDirectory() const {
  internal::HarnessLock lock(mutex_);
  if (options_.regressions == "none") return "";
  if (!options_.regressions.empty()) return options_.regressions;
  constexpr const char* kDefault = "faultline-regressions";
  // Beside the report: where a CI job already keeps what the run leaves behind.
  const std::filesystem::path report(options_.report);
  if (options_.report.empty() || report.parent_path().empty()) return kDefault;
  return (report.parent_path() / kDefault).string();
}

ExploreResult Session::Explore(const ExploreOptions& options, const std::function<void()>& body,
                               const std::string& schedule_flag, Verdict* verdict) {
  std::string directory, test;
  {
    internal::HarnessLock lock(mutex_);
    test = current_test_;
  }
  // A --faultline_schedule replay reproduces one case: the stored ones would only get in its way.
  if (!options.replay) directory = RegressionsDirectory();
  if (directory.empty()) {
    ExploreResult result = faultline::Explore(options, body);
    const HarnessScope scope;
    *verdict = Conclude(result, schedule_flag);
    return result;
  }
  FaultInjector& injector = options.injector != nullptr ? *options.injector : Current();
  const std::string path = (std::filesystem::path(directory) / RegressionFileName(test)).string();
  RegressionFile file;
  {
    const HarnessScope scope;
    try {
      file = LoadRegressions(path);
    } catch (const std::runtime_error& error) {
      file.problems.push_back(error.what());
    }
    std::set<std::string> names;
    std::string installed;
    for (const FaultConfig& rule : injector.Rules()) {
      names.insert(rule.name());
      installed += (installed.empty() ? "" : ", ") + rule.name();
    }
    for (const Regression& regression : file.regressions) {
      for (const ScheduledFault& fault : regression.schedule) {
        if (names.count(fault.rule) == 0) {
          file.problems.push_back(path + ":" + std::to_string(regression.line) + ": \"" +
                                  regression.text + "\": rule \"" + fault.rule +
                                  "\" is not installed in " + test + "; expected one of: " +
                                  (installed.empty() ? "none" : installed));
        }
      }
    }
  }
  *verdict = Verdict();
  if (!file.problems.empty()) {
    std::string report = "[faultline] regressions: " + std::to_string(file.problems.size()) +
                         " problem(s) in a stored regressions file; nothing was replayed or "
                         "explored (fix or delete the lines):\n";
    for (const std::string& problem : file.problems) report += "[faultline]   " + problem + "\n";
    verdict->failure = std::move(report);
    return ExploreResult();
  }
  const std::uint64_t seed = injector.seed();
  std::size_t replayed = 0;
  // The shards of a campaign replay each stored case once together, as one process does: shard 0
  // replays them.
  if (options.shard_index != 0) file.regressions.clear();
  for (const Regression& regression : file.regressions) {
    ExploreOptions one = options;
    one.replay = regression.schedule;
    // The test's seed again afterwards, also when the replay throws.
    struct SeedGuard {
      FaultInjector& injector;
      std::uint64_t seed;
      ~SeedGuard() { injector.SetSeed(seed); }
    } const guard{injector, seed};
    injector.SetSeed(regression.seed);
    ExploreResult result = faultline::Explore(one, body);
    ++replayed;
    if (!result.failed) continue;
    const HarnessScope scope;
    {
      internal::HarnessLock lock(mutex_);
      failures_.push_back(FailureRecord{"regression", campaigns_ - 1, 0, regression.seed,
                                        regression.schedule.ToString(), false,
                                        Bounded(result.message), {}});
    }
    const std::string count = std::to_string(replayed);
    RecordProperty("faultline_regressions_replayed", count);
    verdict->properties = {{"faultline_regressions_replayed", count}};
    SetFailingRun(result.minimal.ToString(), result.minimal_events);
    // Fail fast, as proptest does: exploring on would only find this failure again.
    verdict->failure = "[faultline] regression: " + path + ":" + std::to_string(regression.line) +
                       " fails again: " + regression.text + "\n" + result.Report(schedule_flag) +
                       "[faultline] not explored: a stored regression fails\n" +
                       "[faultline] replay: " + schedule_flag + "=" +
                       regression.schedule.ToString() +
                       " (or run the test again: stored regressions replay first)\n";
    return result;
  }
  ExploreResult result = faultline::Explore(options, body);
  const HarnessScope scope;
  *verdict = Conclude(result, schedule_flag);
  if (replayed > 0) {
    const std::string count = std::to_string(replayed);
    RecordProperty("faultline_regressions_replayed", count);
    verdict->properties.insert(verdict->properties.begin(),
                               {"faultline_regressions_replayed", count});
    if (!verdict->failure) {
      verdict->replay_report = "[faultline] regressions: " + count + " stored schedule(s) from " +
                               path + " replayed, none fails\n" + verdict->replay_report;
    }
  }
  if (result.failed && !result.flaky) {
    try {
      const StoredRegression stored =
          StoreRegression(path, test, result.minimal, seed, schedule_flag);
      *verdict->failure += std::string("[faultline] regression ") +
                           (stored.added ? "stored" : "stored already") + ": " + path + ":" +
                           std::to_string(stored.line) +
                           " (commit it: every run of this test replays it first)\n";
    } catch (const std::runtime_error& error) {
      *verdict->failure += std::string("[faultline] ") + error.what() + "\n";
    }
  }
  return result;
}

FaultExpectation& Session::ExpectFault(const std::string& rule, const std::string& file, int line) {
  internal::HarnessLock lock(mutex_);
  expectations_.push_back(std::make_unique<FaultExpectation>(rule, file, line));
  verified_ = false;
  return *expectations_.back();
}

std::vector<TestFailure> Session::VerifyExpectations() {
  internal::HarnessLock lock(mutex_);
  // Misuse found inside interposed calls, which could not throw, fails the test here.
  std::vector<TestFailure> failures;
  for (std::string& problem : internal::TakeProblems()) {
    // Reported as "faultline: ..." for any reader; the adapters print their own "[faultline] ".
    constexpr std::string_view kPrefix = "faultline: ";
    if (std::string_view(problem).substr(0, kPrefix.size()) == kPrefix) {
      problem.erase(0, kPrefix.size());
    }
    failures.push_back({std::move(problem), {}, 0});
  }
  if (verified_) return failures;
  verified_ = true;
  if (!Current().enabled()) return failures;  // --faultline_disable: no fault can fire
  const HarnessStats stats = Current().Stats();
  for (const auto& expectation : expectations_) {
    auto fired = stats.faults_per_rule.find(expectation->rule());
    if (fired == stats.faults_per_rule.end()) {
      std::string installed;
      for (const RuleStats& rule : stats.rules) installed += (installed.empty() ? "" : ", ") + rule.name;
      failures.push_back({"fault \"" + expectation->rule() +
                              "\" is expected, but no rule of that name was installed in this "
                              "test (installed: " + (installed.empty() ? "none" : installed) + ")",
                          expectation->file(), expectation->line()});
      continue;
    }
    if (auto problem = expectation->Check(fired->second)) {
      failures.push_back({std::move(*problem), expectation->file(), expectation->line()});
    }
  }
  CheckSchedule(stats, &failures);
  if (options_.strict) {
    for (const std::string& rule : UnreachedRules(stats)) {
      failures.push_back({UnreachedText(rule, current_test_), {}, 0});
    }
    for (std::string& note : notes_) failures.push_back({std::move(note), {}, 0});
    notes_.clear();
  }
  return failures;
}

void Session::CheckSchedule(const HarnessStats& stats, std::vector<TestFailure>* failures) {
  // A sweep or an exploration replays the schedule itself, on its own rules, and reports it.
  for (const auto& [key, value] : properties_) {
    if (key.rfind("faultline_sweep", 0) == 0 || key.rfind("faultline_explore", 0) == 0) return;
  }
  if (!schedule_) return;
  std::string installed;
  for (const RuleStats& rule : stats.rules) installed += (installed.empty() ? "" : ", ") + rule.name;
  for (const ScheduledFault& fault : *schedule_) {
    const std::string entry =
        options_.schedule_origin + ": entry \"" + Schedule(std::vector<ScheduledFault>{fault}).ToString() + "\"";
    const bool is_installed =
        std::any_of(stats.rules.begin(), stats.rules.end(),
                    [&](const RuleStats& rule) { return rule.name == fault.rule; });
    if (!is_installed) {
      failures->push_back({entry + " names rule \"" + fault.rule + "\", which is not installed in " +
                               current_test_ + " (installed: " +
                               (installed.empty() ? "none" : installed) + ")",
                           {}, 0});
      continue;
    }
    const bool fired = std::any_of(stats.events.begin(), stats.events.end(), [&](const FaultEvent& e) {
      return e.rule == fault.rule && e.target == fault.target && fault.Covers(e.call);
    });
    if (!fired) notes_.push_back(entry + " never fired in " + current_test_);
  }
}

void Session::Note(const std::string& text) {
  internal::HarnessLock lock(mutex_);
  notes_.push_back(text + " in " + current_test_);
}

TestRecord Session::EndTest(bool failed,
                            const std::function<std::string(const TestRecord&)>& replay_command) {
  std::unique_lock<std::mutex> lock(mutex_, std::defer_lock);
  internal::HarnessScope scope;  // as a HarnessLock: nothing done while holding it is faulted
  lock.lock();
  // From here on a fault in a thread this test started is noted, not counted.
  internal::EndTestOwnership();
  const HarnessStats stats = Current().Stats();
  TestRecord record;
  record.name = current_test_;
  record.seed = TestSeed(current_test_);
  record.failed = failed;
  record.rules = stats.rules;
  if (failing_events_) {
    record.events = std::move(*failing_events_);  // the failing run, not the injector's last
  } else {
    record.events = stats.events;
    record.dropped_events = stats.dropped_events;
  }
  const bool enabled = Current().enabled();
  // Under --faultline_strict these failed the test instead (VerifyExpectations).
  if (enabled && !options_.strict) {
    record.unreached_rules = UnreachedRules(stats);
    record.notes = std::move(notes_);
  }
  notes_.clear();
  // Faults of threads earlier tests left running, or fired outside any test: notes even under
  // --faultline_strict, since this test did not cause them.
  for (std::string& note : internal::TakeNotes()) record.notes.push_back(std::move(note));
  // Under a schedule, a sweep or an exploration, rules fire where the schedule says: a rule
  // that did not fire tells nothing about its probability.
  const bool by_chance = !schedule_ && properties_.empty();
  for (const RuleStats& rule : stats.rules) {
    if (by_chance && enabled && rule.checks > 0 && rule.triggers == 0 && rule.probability > 0 &&
        rule.probability < 1) {
      record.unfired_rules.push_back(rule);
    }
    auto origin = origins_.find(rule.name);
    record.origins.push_back(origin == origins_.end() ? "the test body" : origin->second);
  }
  record.properties = std::move(properties_);
  record.failing_schedule = std::move(failing_schedule_);
  properties_.clear();
  failing_schedule_.clear();
  failing_events_.reset();
  // A test without sweeps or explorations is one run; one with them is the sum of their runs
  // alone, so that shards of a campaign, each running the test once, add up to one process.
  if (runs_ == 0) {
    AddRun(stats);
    record.runs = 1;
  } else {
    record.runs = runs_;
  }
  for (auto& [target, totals] : totals_) {
    totals.target = target;
    record.targets.push_back(std::move(totals));
  }
  totals_.clear();
  record.unrecorded_faults = unrecorded_faults_;
  if (failed) {
    record.failures = std::move(failures_);
    if (record.failures.empty()) {
      const std::string schedule =
          schedule_ ? options_.schedule : Schedule::FromEvents(record.events).ToString();
      record.failures.push_back(FailureRecord{"test", 0, 0, record.seed, schedule, false, {}, {}});
    }
  }
  failures_.clear();
  if (failed && replay_command) {
    // The adapter's command asks the session for the replay settings: called unlocked.
    lock.unlock();
    record.replay = replay_command(record);
    for (FailureRecord& failure : record.failures) {
      TestRecord replayed;
      replayed.name = record.name;
      replayed.seed = record.seed;
      if (failure.kind != "test" && !failure.flaky) replayed.failing_schedule = failure.schedule;
      failure.replay = failure.kind == "test" ? record.replay : replay_command(replayed);
    }
    lock.lock();
  }
  AddToSummary(record);
  if (!options_.report.empty()) WriteTestJson(record);
  current_test_.clear();
  Disarm();
  return record;
}

void Session::Disarm() {
  FaultInjector& injector = Current();
  injector.Reset();
  injector.CountCalls(false);
}

void Session::AddToSummary(const TestRecord& record) {
  ++tests_run_;
  for (std::size_t r = 0; r < record.rules.size(); ++r) {
    const RuleStats& rule = record.rules[r];
    // "annotation at file:line" is one origin per annotation; the table names the kind.
    const std::string origin = record.origins[r].substr(0, record.origins[r].find(" at "));
    std::vector<std::size_t>& same_name = rows_by_name_[rule.name];
    auto it = std::find_if(same_name.begin(), same_name.end(), [&](std::size_t row) {
      return rows_[row].target == rule.target && rows_[row].probability == rule.probability &&
             rows_[row].origin == origin;
    });
    if (it == same_name.end()) {
      rows_.push_back(SummaryRow{rule.name, rule.target, origin, rule.probability, 0, 0, 0});
      it = same_name.insert(same_name.end(), rows_.size() - 1);
    }
    SummaryRow& row = rows_[*it];
    row.calls += rule.checks;
    row.triggers += rule.triggers;
    ++row.tests;
  }
}

std::string Session::OriginOf(const std::string& rule) const {
  internal::HarnessLock lock(mutex_);
  auto it = origins_.find(rule);
  return it == origins_.end() ? "the test body" : it->second;
}

std::vector<std::pair<std::string, std::string>> Session::ReplaySettings(
    const TestRecord& record) const {
  internal::HarnessLock lock(mutex_);
  std::vector<std::pair<std::string, std::string>> settings{{"seed", std::to_string(options_.seed)}};
  if (!options_.rules.empty()) settings.emplace_back("rules", options_.rules);
  if (options_.disabled) settings.emplace_back("disable", "1");
  if (options_.strict) settings.emplace_back("strict", "1");
  const std::string& schedule =
      record.failing_schedule.empty() ? options_.schedule : record.failing_schedule;
  if (!schedule.empty()) settings.emplace_back("schedule", schedule);
  return settings;
}

std::string Session::FailureReport(const TestRecord& record, const std::string& replay,
                                   std::size_t max_events) {
  std::ostringstream out;
  out << "[faultline] seed: " << record.seed << "\n";
  out << "[faultline] fault events (" << record.events.size() + record.dropped_events << "):\n";
  if (record.dropped_events != 0 && record.events.size() <= max_events) {
    out << "[faultline]   (" << record.dropped_events << " later event(s) were not kept: the event "
        << "limit was reached)\n";
  }
  std::size_t shown = 0;
  for (const FaultEvent& event : record.events) {
    if (shown++ == max_events) {
      out << "[faultline]   ... " << record.events.size() + record.dropped_events - max_events
          << " more\n";
      break;
    }
    out << "[faultline]   #" << event.sequence << " " << event.rule << " (" << ToString(event.type)
        << ") on " << event.target << " call " << event.call << "\n";
  }
  out << "[faultline] replay: " << replay << "\n";
  return out.str();
}

std::uint64_t Session::FiredCount(const std::string& rule) {
  internal::HarnessScope scope;
  const HarnessStats stats = Current().Stats();
  auto it = stats.faults_per_rule.find(rule);
  return it == stats.faults_per_rule.end() ? 0 : it->second;
}

std::string Session::FiredSummary() {
  internal::HarnessScope scope;
  const HarnessStats stats = Current().Stats();
  std::string fired;
  for (const auto& [rule, count] : stats.faults_per_rule) {
    if (count == 0) continue;
    fired += (fired.empty() ? "" : ", ") + rule + " (" + std::to_string(count) + ")";
  }
  return fired.empty() ? "no fault fired in this test" : "faults that fired: " + fired;
}

std::string Session::RuleNotes(const TestRecord& record) {
  std::string note;
  for (const std::string& rule : record.unreached_rules) {
    note += "[faultline] note: " + UnreachedText(rule, record.name) + "\n";
  }
  for (const RuleStats& rule : record.unfired_rules) {
    // The chance that a rule of probability p fires on none of n independent calls.
    const double none = std::pow(1 - rule.probability, double(rule.checks));
    note += "[faultline] note: rule \"" + rule.name + "\" was tried on " +
            std::to_string(rule.checks) + " call(s) in " + record.name + " and never fired; ";
    if (none < kUnlikelyChance) {
      note += "at probability " + Percent(rule.probability) + " that happens with chance " +
              Percent(none) + ", so something else stopped it (its call conditions?)\n";
    } else {
      note += "at probability " + Percent(rule.probability) + " no fire was to be expected (" +
              Percent(1 - none) + " chance of one): raise the probability or make more calls\n";
    }
  }
  for (const std::string& text : record.notes) note += "[faultline] note: " + text + "\n";
  return note;
}

std::string Session::NotesText(const std::vector<std::string>& notes) {
  std::string text;
  for (const std::string& note : notes) text += "[faultline] note: " + note + "\n";
  return text;
}

std::string Session::Summary() const {
  internal::HarnessLock lock(mutex_);
  std::ostringstream out;
  out << "[faultline] summary: global seed " << options_.seed << ", " << tests_run_
      << " test(s)\n";
  if (rows_.empty()) return out.str();
  std::size_t name_width = 4, target_width = 6, origin_width = 4;
  for (const SummaryRow& row : rows_) {
    name_width = std::max(name_width, row.name.size());
    target_width = std::max(target_width, row.target.size());
    origin_width = std::max(origin_width, row.origin.size());
  }
  out << "[faultline]   " << std::left << std::setw(int(name_width) + 2) << "rule"
      << std::setw(int(target_width) + 2) << "target" << std::setw(int(origin_width) + 2)
      << "from" << std::right << std::setw(8) << "calls"
      << std::setw(10) << "triggers" << std::setw(12) << "configured" << std::setw(10)
      << "observed" << std::setw(7) << "tests" << "\n";
  for (const SummaryRow& row : rows_) {
    out << "[faultline]   " << std::left << std::setw(int(name_width) + 2) << row.name
        << std::setw(int(target_width) + 2) << row.target << std::setw(int(origin_width) + 2)
        << row.origin << std::right << std::setw(8)
        << row.calls << std::setw(10) << row.triggers << std::setw(12) << Percent(row.probability)
        << std::setw(10)
        << Percent(row.calls == 0 ? 0.0 : double(row.triggers) / double(row.calls)) << std::setw(7)
        << row.tests << (row.calls == 0 ? "   <- never reached its target" : "") << "\n";
  }
  return out.str();
}

void Session::OpenReport() {
  report_ = std::make_unique<std::ofstream>(options_.report);
  if (!*report_) NoteReportError();
  *report_ << "{\n  \"format\": \"faultline-report\", \"version\": 1,\n  \"global_seed\": "
           << options_.seed << ",\n  \"tests\": [";
}

void Session::NoteReportError() {
  // The first error is the one to report: the stream writes nothing after it.
  if (report_error_.empty()) report_error_ = errno != 0 ? std::strerror(errno) : "write failed";
}

void Session::FlushReport() {
  errno = 0;
  report_->flush();
  if (report_->fail()) NoteReportError();
}

void Session::WriteTestJson(const TestRecord& record) {
  if (!report_) OpenReport();
  std::ostream& out = *report_;
  out << (report_has_tests_ ? "," : "") << "\n    {\"name\": " << JsonString(record.name)
      << ", \"seed\": " << record.seed << ", \"failed\": " << (record.failed ? "true" : "false")
      << ",\n     \"rules\": [";
  report_has_tests_ = true;
  for (std::size_t r = 0; r < record.rules.size(); ++r) {
    const RuleStats& rule = record.rules[r];
    out << (r == 0 ? "" : ", ") << "{\"name\": " << JsonString(rule.name)
        << ", \"target\": " << JsonString(rule.target)
        << ", \"origin\": " << JsonString(record.origins[r]) << ", \"type\": "
        << JsonString(ToString(rule.type)) << ", \"probability\": " << std::setprecision(17)
        << rule.probability << ", \"calls\": " << rule.checks
        << ", \"triggers\": " << rule.triggers << "}";
  }
  out << "],\n     \"events\": [";
  for (std::size_t e = 0; e < record.events.size(); ++e) {
    const FaultEvent& event = record.events[e];
    out << (e == 0 ? "" : ", ") << "{\"sequence\": " << event.sequence
        << ", \"rule\": " << JsonString(event.rule) << ", \"type\": "
        << JsonString(ToString(event.type)) << ", \"target\": " << JsonString(event.target)
        << ", \"call\": " << event.call << "}";
  }
  out << "], \"dropped_events\": " << record.dropped_events;
  if (!record.notes.empty()) {
    out << ",\n     \"notes\": [";
    for (std::size_t n = 0; n < record.notes.size(); ++n) {
      out << (n == 0 ? "" : ", ") << JsonString(record.notes[n]);
    }
    out << "]";
  }
  if (!record.properties.empty()) {
    out << ",\n     \"exploration\": {";
    for (std::size_t p = 0; p < record.properties.size(); ++p) {
      out << (p == 0 ? "" : ", ") << JsonString(record.properties[p].first) << ": "
          << JsonString(record.properties[p].second);
    }
    out << "}";
  }
  out << ",\n     \"runs\": " << record.runs << ", \"unrecorded_faults\": " << record.unrecorded_faults
      << ",\n     \"targets\": [";
  for (std::size_t t = 0; t < record.targets.size(); ++t) {
    const TargetTotals& target = record.targets[t];
    out << (t == 0 ? "" : ",\n       ") << "{\"target\": " << JsonString(target.target)
        << ", \"calls\": " << target.calls << ", \"faulted\": " << target.faulted
        << ", \"max_call\": " << target.max_call
        << ", \"ordinals\": " << JsonString(target.ordinals.ToString(target.max_call))
        << ", \"ordinal_step\": " << target.ordinals.step() << "}";
  }
  out << "],\n     \"failures\": [";
  for (std::size_t f = 0; f < record.failures.size(); ++f) {
    const FailureRecord& failure = record.failures[f];
    out << (f == 0 ? "" : ",\n       ") << "{\"kind\": " << JsonString(failure.kind)
        << ", \"campaign\": " << failure.campaign << ", \"run\": " << failure.run
        << ", \"seed\": " << failure.seed << ", \"schedule\": " << JsonString(failure.schedule)
        << ", \"flaky\": " << (failure.flaky ? "true" : "false")
        << ", \"message\": " << JsonString(failure.message)
        << ", \"replay\": " << JsonString(failure.replay) << "}";
  }
  out << "]";
  if (!record.replay.empty()) out << ", \"replay\": " << JsonString(record.replay);
  out << "}";
  // Checked at each test: a full disk is found while the run goes on, not only at its end.
  FlushReport();
}

void Session::WriteReport() {
  internal::HarnessLock lock(mutex_);
  if (options_.report.empty()) return;
  if (!report_) OpenReport();
  *report_ << "\n  ]\n}\n";
  FlushReport();
  errno = 0;
  report_->close();
  if (report_->fail()) NoteReportError();
  report_.reset();
  report_has_tests_ = false;
  if (!report_error_.empty()) {
    const std::string reason = std::move(report_error_);
    report_error_.clear();
    throw std::runtime_error("faultline: --faultline_report: cannot write \"" + options_.report +
                             "\": " + reason);
  }
}

void FailAtExit() {
  static std::once_flag once;
  std::call_once(once, [] {
    std::atexit([] {
      std::fflush(nullptr);
      std::_Exit(1);
    });
  });
}

}  // namespace internal
}  // namespace faultline
