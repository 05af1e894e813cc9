#include "faultline/gtest.hpp"

#include <gtest/gtest-spi.h>

#include <cctype>
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <memory>
#include <sstream>

namespace faultline {
namespace {

using internal::Session;

std::string FullName(const ::testing::TestInfo& test) {
  return std::string(test.test_suite_name()) + "." + test.name();
}

// gtest's own test of a disabled name (its kDisabledTestFilter, "DISABLED_*:*/DISABLED_*"),
// for a test or a suite.
bool DisabledName(const std::string& name) {
  return name.rfind("DISABLED_", 0) == 0 || name.find("/DISABLED_") != std::string::npos;
}

bool Disabled(const ::testing::TestInfo& test) {
  return DisabledName(test.test_suite_name()) || DisabledName(test.name());
}

// Fails the running test at its definition: the failure is the test's, not this file's.
void FailAtTest(const std::string& report) {
  const ::testing::TestInfo* test = ::testing::UnitTest::GetInstance()->current_test_info();
  if (test != nullptr && test->file() != nullptr) {
    ADD_FAILURE_AT(test->file(), test->line()) << report;
  } else {
    ADD_FAILURE() << report;
  }
}

// Fails the running test with each of `failures`, where its expectation was declared.
void Report(const std::vector<internal::TestFailure>& failures) {
  for (const internal::TestFailure& failure : failures) {
    if (failure.file.empty()) {
      FailAtTest("[faultline] " + failure.message);
    } else {
      ADD_FAILURE_AT(failure.file.c_str(), failure.line) << "[faultline] " << failure.message;
    }
  }
}

// Seeds and fills Current() at each test start, verifies and reports at each test end.
class Listener : public ::testing::EmptyTestEventListener {
 public:
  explicit Listener(std::string program) : program_(std::move(program)) {}

  void OnTestProgramStart(const ::testing::UnitTest&) override {
    internal::HarnessScope scope;
    const auto& options = Session::Instance().options();
    std::printf("[faultline] global seed %llu%s%s\n",
                static_cast<unsigned long long>(options.seed),
                options.seed_was_drawn ? " (drawn at random)" : "",
                options.disabled ? ", injection disabled" : "");
    std::fflush(stdout);
  }

  void OnTestStart(const ::testing::TestInfo& test) override {
    internal::HarnessScope scope;
    try {
      Session::Instance().BeginTest(FullName(test));
    } catch (const std::exception& error) {
      ADD_FAILURE() << error.what();
    }
  }

  void OnTestEnd(const ::testing::TestInfo& test) override {
    internal::HarnessScope scope;
    Session& session = Session::Instance();
    // Tests without the FaultTest fixture are verified here. gtest calls OnTestEnd of later
    // listeners first, so the failure still reaches the printer and the XML/JSON output.
    Report(session.VerifyExpectations());
    const bool failed = test.result()->Failed();
    const internal::TestRecord record =
        session.EndTest(failed, [&](const internal::TestRecord& ended) {
          return ReplayCommand(ended, Disabled(test));
        });
    ::testing::Test::RecordProperty("faultline_seed", std::to_string(record.seed));
    std::uint64_t faults = 0;
    for (const RuleStats& rule : record.rules) {
      faults += rule.triggers;
      ::testing::Test::RecordProperty("faultline_faults_" + rule.name, std::to_string(rule.triggers));
    }
    ::testing::Test::RecordProperty("faultline_faults", std::to_string(faults));
    std::string out = Session::RuleNotes(record);
    if (failed) out += Session::FailureReport(record, record.replay);
    if (!out.empty()) {
      std::fputs(out.c_str(), stdout);
      std::fflush(stdout);
    }
  }

  void OnTestProgramEnd(const ::testing::UnitTest&) override {
    internal::HarnessScope scope;
    Session& session = Session::Instance();
    std::fputs((Session::NotesText(internal::TakeNotes()) + session.Summary()).c_str(), stdout);
    std::fflush(stdout);
    try {
      session.WriteReport();
    } catch (const std::exception& error) {
      std::fprintf(stderr, "%s\n", error.what());
      internal::FailAtExit();  // RUN_ALL_TESTS's result is settled by now
    }
  }

 private:
  // The command that runs the test of `record` alone; a disabled test runs only when asked to.
  std::string ReplayCommand(const internal::TestRecord& record, bool disabled) const {
    std::string command = internal::ShellQuote(program_) + " " +
                          internal::ShellQuote("--gtest_filter=" + record.name);
    if (disabled) command += " --gtest_also_run_disabled_tests";
    for (const auto& [key, value] : Session::Instance().ReplaySettings(record)) {
      const bool bare = key == "disable" || key == "strict";
      command += " " + internal::ShellQuote(bare ? "--faultline_" + key
                                                 : "--faultline_" + key + "=" + value);
    }
    return command;
  }

  std::string program_;
};

// Forwards every event to a framework listener (gtest's printer) as harness code: its output
// and allocations during a test are never faulted.
class HarnessListener : public ::testing::TestEventListener {
 public:
  explicit HarnessListener(::testing::TestEventListener* listener) : listener_(listener) {}

#define FAULTLINE_INTERNAL_FORWARD(event, Type)  \
  void event(const Type& argument) override {    \
    internal::HarnessScope scope;                \
    listener_->event(argument);                  \
  }
  FAULTLINE_INTERNAL_FORWARD(OnTestProgramStart, ::testing::UnitTest)
  FAULTLINE_INTERNAL_FORWARD(OnEnvironmentsSetUpStart, ::testing::UnitTest)
  FAULTLINE_INTERNAL_FORWARD(OnEnvironmentsSetUpEnd, ::testing::UnitTest)
  FAULTLINE_INTERNAL_FORWARD(OnTestSuiteStart, ::testing::TestSuite)
#ifndef GTEST_REMOVE_LEGACY_TEST_CASEAPI_
  FAULTLINE_INTERNAL_FORWARD(OnTestCaseStart, ::testing::TestCase)
  FAULTLINE_INTERNAL_FORWARD(OnTestCaseEnd, ::testing::TestCase)
#endif
  FAULTLINE_INTERNAL_FORWARD(OnTestStart, ::testing::TestInfo)
  FAULTLINE_INTERNAL_FORWARD(OnTestDisabled, ::testing::TestInfo)
  FAULTLINE_INTERNAL_FORWARD(OnTestPartResult, ::testing::TestPartResult)
  FAULTLINE_INTERNAL_FORWARD(OnTestEnd, ::testing::TestInfo)
  FAULTLINE_INTERNAL_FORWARD(OnTestSuiteEnd, ::testing::TestSuite)
  FAULTLINE_INTERNAL_FORWARD(OnEnvironmentsTearDownStart, ::testing::UnitTest)
  FAULTLINE_INTERNAL_FORWARD(OnEnvironmentsTearDownEnd, ::testing::UnitTest)
  FAULTLINE_INTERNAL_FORWARD(OnTestProgramEnd, ::testing::UnitTest)
#undef FAULTLINE_INTERNAL_FORWARD
  void OnTestIterationStart(const ::testing::UnitTest& unit, int iteration) override {
    internal::HarnessScope scope;
    listener_->OnTestIterationStart(unit, iteration);
  }
  void OnTestIterationEnd(const ::testing::UnitTest& unit, int iteration) override {
    internal::HarnessScope scope;
    listener_->OnTestIterationEnd(unit, iteration);
  }

 private:
  std::unique_ptr<::testing::TestEventListener> listener_;
};

// The child of a death test in the "threadsafe" style re-executes the program for that one
// test, and gtest forwards no test event to listeners there: this environment begins the test
// instead, so the child runs with the test's rules and seed, as the parent did.
class DeathTestChild : public ::testing::Environment {
 public:
  explicit DeathTestChild(::testing::TestEventListener* listener) : listener_(listener) {}

  void SetUp() override {
    if (GTEST_FLAG_GET(internal_run_death_test).empty()) return;
    const ::testing::UnitTest& unit = *::testing::UnitTest::GetInstance();
    for (int s = 0; s < unit.total_test_suite_count(); ++s) {
      const ::testing::TestSuite& suite = *unit.GetTestSuite(s);
      for (int t = 0; t < suite.total_test_count(); ++t) {
        const ::testing::TestInfo& test = *suite.GetTestInfo(t);
        if (test.should_run()) return listener_->OnTestStart(test);
      }
    }
  }

 private:
  ::testing::TestEventListener* listener_;
};

[[noreturn]] void Fail(const std::string& message) {
  std::fprintf(stderr, "%s\n", message.c_str());
  std::exit(1);
}

}  // namespace

::testing::TestEventListener* MakeListener(std::string program) {
  return new Listener(std::move(program));
}

namespace {

// Set by Init: only then are the listener and the rules installed.
bool g_initialized = false;

constexpr const char* kNotInitialized =
    "faultline was not initialized, so no fault rule is installed: link faultline::gtest_main "
    "instead of GTest::gtest_main, or call faultline::Init(&argc, argv) after "
    "::testing::InitGoogleTest in your main";

// Fails the annotated tests of a program whose main never called Init (GTest::gtest_main
// linked): they would pass having injected nothing. Installed when this file is linked, which
// every annotation and every FaultTest brings in.
class NotInitializedGuard : public ::testing::EmptyTestEventListener {
 public:
  void OnTestStart(const ::testing::TestInfo& test) override {
    if (!g_initialized && Session::Instance().IsAnnotated(FullName(test))) {
      ADD_FAILURE_AT(test.file(), test.line())
          << "[faultline] test " << FullName(test) << " has fault annotations, but "
          << kNotInitialized;
    }
  }
};

const bool g_guard_installed [[maybe_unused]] = [] {
  ::testing::UnitTest::GetInstance()->listeners().Append(new NotInitializedGuard);
  return true;
}();

}  // namespace

namespace internal {
bool AnnotateTest(std::string suite, std::string test, const char* file, int line,
                  std::function<std::vector<AnnotatedRule>()> rules) {
  return Session::Instance().Annotate(std::move(suite), std::move(test), file, line,
                                      std::move(rules));
}
}  // namespace internal

void Init(int* argc, char** argv) {
  g_initialized = true;
  const std::string program = *argc > 0 ? argv[0] : "test";
  for (int i = 1; i < *argc; ++i) {
    const std::string arg = argv[i];
    if (arg == "--help" || arg == "-h" || arg == "-?" || arg == "/?") {
      std::fputs(internal::OptionsHelp().c_str(), stdout);
      break;
    }
  }
  Session& session = Session::Instance();
  try {
    const internal::Options options = internal::ParseOptions(argc, argv);
    session.Configure(options);
#if defined(FAULTLINE_GTEST_HAS_SHARD_FLAGS)
    // This GoogleTest read GTEST_SHARD_INDEX and GTEST_TOTAL_SHARDS into its flags when the
    // program started, before auto unset them: every shard runs every test only without them.
    if (options.explore_shard_taken) {
      GTEST_FLAG_SET(shard_index, -1);
      GTEST_FLAG_SET(total_shards, -1);
    }
#endif
  } catch (const std::exception& error) {
    Fail(error.what());
  }

  std::vector<std::string> tests;
  const ::testing::UnitTest& unit = *::testing::UnitTest::GetInstance();
  for (int s = 0; s < unit.total_test_suite_count(); ++s) {
    const ::testing::TestSuite& suite = *unit.GetTestSuite(s);
    for (int t = 0; t < suite.total_test_count(); ++t) tests.push_back(FullName(*suite.GetTestInfo(t)));
  }
  std::vector<std::string> problems = session.CheckAnnotations(tests);
  if (problems.empty()) problems = session.CheckTests(tests);  // clashing rule names
  if (!problems.empty()) {
    std::string message;
    for (const std::string& problem : problems) message += problem + "\n";
    Fail(message + "[faultline] " + std::to_string(problems.size()) +
         " problem(s) in fault annotations; no test was run");
  }
  ::testing::TestEventListeners& listeners = ::testing::UnitTest::GetInstance()->listeners();
  if (::testing::TestEventListener* printer = listeners.default_result_printer()) {
    listeners.Release(printer);
    listeners.Append(new HarnessListener(printer));
  }
  ::testing::TestEventListener* listener = MakeListener(program);
  listeners.Append(listener);
  ::testing::AddGlobalTestEnvironment(new DeathTestChild(listener));
}

void FaultTest::TearDown() {
  internal::HarnessScope scope;
  const ::testing::TestInfo& test = *::testing::UnitTest::GetInstance()->current_test_info();
  // Annotated tests already failed at their start.
  if (!g_initialized && !Session::Instance().IsAnnotated(FullName(test))) {
    ADD_FAILURE_AT(test.file(), test.line()) << "[faultline] " << kNotInitialized;
  }
  if (virtual_clock_ != nullptr) Injector().SetClock(nullptr);
  Report(internal::Session::Instance().VerifyExpectations());
}

VirtualClock& FaultTest::UseVirtualClock() {
  if (virtual_clock_ == nullptr) virtual_clock_ = std::make_unique<VirtualClock>();
  Injector().SetClock(virtual_clock_.get());
  return *virtual_clock_;
}

namespace {

// Runs a body with gtest's failures intercepted, so that one failing run of a sweep or an
// exploration does not fail the test before the result is known. Returns the failures as
// "file:line: message" lines, then an escaped exception's.
std::optional<std::string> RunCollectingFailures(const std::function<void()>& body) {
  ::testing::TestPartResultArray results;
  std::optional<std::string> thrown;
  {
    // Both: the global one catches the body's other threads, the per-thread one wins over a
    // per-thread reporter installed around the sweep (EXPECT_NONFATAL_FAILURE's).
    ::testing::ScopedFakeTestPartResultReporter all_threads(
        ::testing::ScopedFakeTestPartResultReporter::INTERCEPT_ALL_THREADS, &results);
    ::testing::ScopedFakeTestPartResultReporter this_thread(
        ::testing::ScopedFakeTestPartResultReporter::INTERCEPT_ONLY_CURRENT_THREAD, &results);
    thrown = RunCatchingExceptions(body);
  }
  std::string failures;
  for (int i = 0; i < results.size(); ++i) {
    const ::testing::TestPartResult& result = results.GetTestPartResult(i);
    if (!result.failed()) continue;
    if (result.file_name() != nullptr) {
      failures += std::string(result.file_name()) + ":" + std::to_string(result.line_number()) + ": ";
    }
    failures += std::string(result.message()) + "\n";
  }
  if (thrown) failures += "exception escaped the body: " + *thrown + "\n";
  if (failures.empty()) return std::nullopt;
  return failures;
}

// Gives a sweep's or an exploration's results to gtest (XML/JSON properties), then fails the
// test once with its report, or prints the report of a replay.
void ReportVerdict(const internal::Verdict& verdict) {
  for (const auto& [key, value] : verdict.properties) ::testing::Test::RecordProperty(key, value);
  if (verdict.failure) {
    FailAtTest(*verdict.failure);
  } else if (!verdict.replay_report.empty()) {
    std::fputs(verdict.replay_report.c_str(), stdout);
  }
}

constexpr const char* kScheduleFlag = "--faultline_schedule";

}  // namespace

SweepResult FaultTest::Sweep(SweepOptions options, const std::function<void()>& body) {
  Session& session = Session::Instance();
  session.PrepareRuns(options, &RunCollectingFailures, &RunCatchingExceptions);
  const SweepResult result = faultline::Sweep(options, body);
  ReportVerdict(session.Conclude(result, kScheduleFlag));
  return result;
}

SweepResult FaultTest::Sweep(FaultConfig fault, const std::function<void()>& body) {
  return Sweep(SweepOptions().Fault(std::move(fault)), body);
}

SweepResult FaultTest::Sweep(const std::function<void()>& body) { return Sweep(SweepOptions(), body); }

SweepResult FaultTest::SweepAllocations(std::function<void()> operation,
                                        std::function<void(bool threw)> check) {
  const SweepResult result =
      Sweep(SweepOptions().Fault(posix::AllocationFailure()),
            posix::ExceptionSafetyRun(std::move(operation), std::move(check)));
  if (posix::internal::ReachedNoAllocation(result)) {
    ADD_FAILURE() << posix::internal::kNoAllocationReached;
  }
  return result;
}

ExploreResult FaultTest::Explore(ExploreOptions options, const std::function<void()>& body) {
  Session& session = Session::Instance();
  session.PrepareRuns(options, &RunCollectingFailures, &RunCatchingExceptions);
  internal::Verdict verdict;
  const ExploreResult result = session.Explore(options, body, kScheduleFlag, &verdict);
  ReportVerdict(verdict);
  return result;
}

ExploreResult FaultTest::Explore(const std::function<void()>& body) {
  return Explore(ExploreOptions(), body);
}

void PrintTo(const FaultEvent& event, std::ostream* os) {
  *os << event.rule << " (" << ToString(event.type) << ") on " << event.target << " call "
      << event.call;
}

namespace internal {

::testing::AssertionResult FaultTriggered(const char* expression, const std::string& rule) {
  if (Session::FiredCount(rule) > 0) return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure() << "Expected fault " << expression << " (\"" << rule
                                       << "\") to be triggered, but it never fired; "
                                       << Session::FiredSummary();
}

::testing::AssertionResult FaultNotTriggered(const char* expression, const std::string& rule) {
  const std::uint64_t fired = Session::FiredCount(rule);
  if (fired == 0) return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure() << "Expected fault " << expression << " (\"" << rule
                                       << "\") not to be triggered, but it fired " << fired
                                       << " time(s); " << Session::FiredSummary();
}

std::string MockTarget(const char* class_name, std::string_view pretty_function,
                       std::string_view method) {
  if (class_name != nullptr) return std::string(class_name) + "::" + std::string(method);
  // "virtual R ns::MockGateway<T>::Charge(...) const": the class is the name before
  // "::<method>(", without its template arguments and namespaces.
  const std::size_t at = pretty_function.find("::" + std::string(method) + "(");
  if (at == std::string_view::npos) return std::string(method);
  std::size_t end = at;
  if (end > 0 && pretty_function[end - 1] == '>') {
    for (int depth = 0; end > 0; --end) {
      const char c = pretty_function[end - 1];
      depth += c == '>' ? 1 : c == '<' ? -1 : 0;
      if (depth == 0) {
        --end;
        break;
      }
    }
  }
  std::size_t begin = end;
  while (begin > 0 && (std::isalnum(static_cast<unsigned char>(pretty_function[begin - 1])) ||
                       pretty_function[begin - 1] == '_')) {
    --begin;
  }
  std::string_view name = pretty_function.substr(begin, end - begin);
  if (name.size() > 4 && name.substr(0, 4) == "Mock" && std::isupper(static_cast<unsigned char>(name[4]))) {
    name.remove_prefix(4);
  } else if (name.size() > 4 && name.substr(name.size() - 4) == "Mock") {
    name.remove_suffix(4);
  }
  return std::string(name) + "::" + std::string(method);
}

::testing::AssertionResult FaultCount(const char* rule_expression, const char* count_expression,
                                      const std::string& rule, std::uint64_t count) {
  const std::uint64_t fired = Session::FiredCount(rule);
  if (fired == count) return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure() << "Expected fault " << rule_expression << " (\"" << rule
                                       << "\") to fire " << count_expression << " = " << count
                                       << " time(s), but it fired " << fired << " time(s); "
                                       << Session::FiredSummary();
}

}  // namespace internal
}  // namespace faultline
