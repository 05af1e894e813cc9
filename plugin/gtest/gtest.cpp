#include "faultline/gtest.hpp"

#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <sstream>

namespace faultline {
namespace {

using internal::Session;

std::string FullName(const ::testing::TestInfo& test) {
  return std::string(test.test_suite_name()) + "." + test.name();
}

std::string FiredSummary() {
  const HarnessStats stats = Current().Stats();
  std::string fired;
  for (const auto& [rule, count] : stats.faults_per_rule) {
    if (count == 0) continue;
    fired += (fired.empty() ? "" : ", ") + rule + " (" + std::to_string(count) + ")";
  }
  return fired.empty() ? "no fault fired in this test" : "faults that fired: " + fired;
}

std::uint64_t FiredCount(const std::string& rule) {
  const HarnessStats stats = Current().Stats();
  auto it = stats.faults_per_rule.find(rule);
  return it == stats.faults_per_rule.end() ? 0 : it->second;
}

// Seeds and fills Current() at each test start, verifies and reports at each test end.
class Listener : public ::testing::EmptyTestEventListener {
 public:
  explicit Listener(std::string program) : program_(std::move(program)) {}

  void OnTestProgramStart(const ::testing::UnitTest&) override {
    const auto& options = Session::Instance().options();
    std::printf("[faultline] global seed %llu%s%s\n",
                static_cast<unsigned long long>(options.seed),
                options.seed_was_drawn ? " (drawn at random)" : "",
                options.disabled ? ", injection disabled" : "");
    std::fflush(stdout);
  }

  void OnTestStart(const ::testing::TestInfo& test) override {
    try {
      Session::Instance().BeginTest(FullName(test));
    } catch (const std::exception& error) {
      ADD_FAILURE() << error.what();
    }
  }

  void OnTestEnd(const ::testing::TestInfo& test) override {
    Session& session = Session::Instance();
    // Tests without the FaultTest fixture are verified here. gtest calls OnTestEnd of later
    // listeners first, so the failure still reaches the printer and the XML/JSON output.
    for (const std::string& failure : session.VerifyExpectations()) {
      ADD_FAILURE() << "[faultline] " << failure;
    }
    const bool failed = test.result()->Failed();
    const internal::TestRecord record = session.EndTest(failed);
    ::testing::Test::RecordProperty("faultline_seed", std::to_string(record.seed));
    std::uint64_t faults = 0;
    for (const RuleStats& rule : record.rules) {
      faults += rule.triggers;
      ::testing::Test::RecordProperty("faultline_faults_" + rule.name, std::to_string(rule.triggers));
    }
    ::testing::Test::RecordProperty("faultline_faults", std::to_string(faults));
    std::string out = Session::UnreachedNote(record);
    if (failed) out += Session::FailureReport(record, ReplayCommand(record.name));
    if (!out.empty()) {
      std::fputs(out.c_str(), stdout);
      std::fflush(stdout);
    }
  }

  void OnTestProgramEnd(const ::testing::UnitTest&) override {
    Session& session = Session::Instance();
    std::fputs(session.Summary().c_str(), stdout);
    try {
      session.WriteReport();
    } catch (const std::exception& error) {
      std::fprintf(stderr, "%s\n", error.what());
    }
    std::fflush(stdout);
  }

 private:
  std::string ReplayCommand(const std::string& test) const {
    const auto& options = Session::Instance().options();
    std::string command = internal::ShellQuote(program_) + " " +
                          internal::ShellQuote("--gtest_filter=" + test) +
                          " --faultline_seed=" + std::to_string(options.seed);
    if (!options.rules.empty()) {
      command += " " + internal::ShellQuote("--faultline_rules=" + options.rules);
    }
    if (options.disabled) command += " --faultline_disable";
    return command;
  }

  std::string program_;
};

[[noreturn]] void Fail(const std::string& message) {
  std::fprintf(stderr, "%s\n", message.c_str());
  std::exit(1);
}

}  // namespace

::testing::TestEventListener* MakeListener(std::string program) {
  return new Listener(std::move(program));
}

void InitGoogleTest(int* argc, char** argv) {
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
    session.Configure(internal::ParseOptions(argc, argv));
  } catch (const std::exception& error) {
    Fail(error.what());
  }

  std::vector<std::string> tests;
  const ::testing::UnitTest& unit = *::testing::UnitTest::GetInstance();
  for (int s = 0; s < unit.total_test_suite_count(); ++s) {
    const ::testing::TestSuite& suite = *unit.GetTestSuite(s);
    for (int t = 0; t < suite.total_test_count(); ++t) tests.push_back(FullName(*suite.GetTestInfo(t)));
  }
  const std::vector<std::string> problems = session.CheckAnnotations(tests);
  if (!problems.empty()) {
    std::string message;
    for (const std::string& problem : problems) message += problem + "\n";
    Fail(message + "[faultline] " + std::to_string(problems.size()) +
         " problem(s) in fault annotations; no test was run");
  }
  ::testing::UnitTest::GetInstance()->listeners().Append(MakeListener(program));
}

void FaultTest::TearDown() {
  for (const std::string& failure : internal::Session::Instance().VerifyExpectations()) {
    ADD_FAILURE() << "[faultline] " << failure;
  }
}

void PrintTo(const FaultEvent& event, std::ostream* os) {
  *os << event.rule << " (" << ToString(event.type) << ") on " << event.target << " call "
      << event.call;
}

namespace internal {

::testing::AssertionResult FaultTriggered(const char* expression, const std::string& rule) {
  if (FiredCount(rule) > 0) return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure() << "Expected fault " << expression << " (\"" << rule
                                       << "\") to be triggered, but it never fired; "
                                       << FiredSummary();
}

::testing::AssertionResult FaultNotTriggered(const char* expression, const std::string& rule) {
  const std::uint64_t fired = FiredCount(rule);
  if (fired == 0) return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure() << "Expected fault " << expression << " (\"" << rule
                                       << "\") not to be triggered, but it fired " << fired
                                       << " time(s); " << FiredSummary();
}

::testing::AssertionResult FaultCount(const char* rule_expression, const char* count_expression,
                                      const std::string& rule, std::uint64_t count) {
  const std::uint64_t fired = FiredCount(rule);
  if (fired == count) return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure() << "Expected fault " << rule_expression << " (\"" << rule
                                       << "\") to fire " << count_expression << " = " << count
                                       << " time(s), but it fired " << fired << " time(s); "
                                       << FiredSummary();
}

}  // namespace internal
}  // namespace faultline
