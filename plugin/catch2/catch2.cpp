// The listener needs Catch2 v2's reporter interfaces, which its header hides by default.
#define CATCH_CONFIG_EXTERNAL_INTERFACES
#include "faultline/catch2.hpp"

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstdlib>
#include <exception>
#include <fstream>
#include <iostream>
#include <optional>
#include <set>
#include <sstream>
#include <stdexcept>

namespace faultline {
namespace catch2 {
namespace {

using ::faultline::internal::Session;

#if CATCH_VERSION_MAJOR >= 3
using ListenerBase = ::Catch::EventListenerBase;
#else
using ListenerBase = ::Catch::TestEventListenerBase;
#endif

constexpr const char* kProfileTag = "faultline:";

// A --faultline-* option as given, applied over the FAULTLINE_* variables at start-up.
struct GivenOption {
  std::string key, value, source;
};

struct ProfileDefinition {
  std::string name, file;
  int line = 0;
  std::function<std::vector<FaultConfig>()> make;
};

// What the adapter keeps between Catch2's callbacks. Catch2 runs test cases on one thread.
struct AdapterState {
  bool command_line = false;  // AddCommandLineOptions was called: replay with options
  std::vector<GivenOption> given;
  std::vector<ProfileDefinition> profiles;
  bool in_body = false;  // inside a FAULTLINE_TEST_CASE body, whose end verifies expectations
  // The files of the failures reported at a FAULTLINE_TEST_CASE's end: Catch2 keeps pointers to
  // them until the run ends (the JUnit reporter writes every assertion then).
  std::set<std::string> failure_files;
};

AdapterState& State() {
  static AdapterState* state = new AdapterState();  // leaked: used until the run's very end
  return *state;
}

// faultline's lines go to stderr so that a reporter writing XML to stdout stays valid; stdout
// is flushed first to keep the two in order in a terminal or a log.
void Print(const std::string& text) {
  if (text.empty()) return;
  std::cout.flush();
  std::cerr << text;
  std::cerr.flush();
}

// The profile names of a test case's [faultline:<name>] tags.
std::vector<std::string> ProfileTags(const ::Catch::TestCaseInfo& test) {
  std::vector<std::string> names;
  for (const auto& tag : test.tags) {
#if CATCH_VERSION_MAJOR >= 3
    const std::string text(tag.original);
#else
    const std::string text(tag);
#endif
    if (text.rfind(kProfileTag, 0) == 0) names.push_back(text.substr(std::string(kProfileTag).size()));
  }
  return names;
}

std::vector<FaultConfig> ProfileRules(const ::Catch::TestCaseInfo& test) {
  std::vector<FaultConfig> rules;
  for (const std::string& name : ProfileTags(test)) {
    std::vector<FaultConfig> profile;
    try {
      profile = Session::Instance().Profile(name);
    } catch (const std::invalid_argument& error) {
      throw std::invalid_argument(std::string(error.what()) + " in tag [" + kProfileTag + name +
                                  "] of test case \"" + test.name + "\"");
    }
    rules.insert(rules.end(), profile.begin(), profile.end());
  }
  return rules;
}

// A test case name as a Catch2 test spec that selects exactly it.
std::string TestSpecOf(const std::string& name) {
  std::string spec;
  for (const char c : name) {
    if (c == '\\' || c == ',' || c == '[' || c == ']' || c == '"' || c == '*' ||
        (c == '~' && spec.empty())) {
      spec += '\\';
    }
    spec += c;
  }
  return spec;
}

#if CATCH_VERSION_MAJOR >= 3
// True when the process's arguments hold Catch2's --rng-seed ("--rng-seed N", "--rng-seed=N" or
// "--rng-seed:N", as Clara splits them). Only Linux shows a process its own arguments after main
// has them; elsewhere this is false and faultline's seed counts.
bool RngSeedOnCommandLine() {
  static const bool given = [] {
    std::ifstream file("/proc/self/cmdline", std::ios::binary);
    std::string argument;
    std::getline(file, argument, '\0');  // the program
    const std::string option = "--rng-seed";
    while (std::getline(file, argument, '\0')) {
      if (argument.rfind(option, 0) == 0 &&
          (argument.size() == option.size() || argument[option.size()] == '=' ||
           argument[option.size()] == ':')) {
        return true;
      }
    }
    return false;
  }();
  return given;
}
#endif

// Seeds and fills Current() at the start of every run of a test case, and reports at its end.
// A run starts with the test case's own section, which Catch2 enters once per leaf section.
class Listener : public ListenerBase {
 public:
  using ListenerBase::ListenerBase;

  static std::string getDescription() {
    return "faultline: seeds and installs fault rules per test case run, reports faults";
  }

  void testRunStarting(const ::Catch::TestRunInfo& info) override {
    faultline::internal::HarnessScope scope;
    ListenerBase::testRunStarting(info);
#if CATCH_VERSION_MAJOR >= 3
    ::faultline::internal::MarkFrameworkDescriptors(opened_before_);
#endif
    Session& session = Session::Instance();
    ::faultline::internal::Options options = ::faultline::internal::OptionsFromEnvironment();
    for (const GivenOption& option : State().given) {
      ::faultline::internal::ApplyOption(options, option.key, option.value, option.source);
    }
    std::string origin;
    if (CatchSeedGiven()) {
      options.seed = m_config->rngSeed();
      options.seed_was_drawn = false;
      origin = " (Catch2's --rng-seed)";
    } else if (options.seed_was_drawn) {
      origin = " (drawn at random)";
    }
    session.Configure(options);  // throws for bad rules: Catch2 prints it and exits non-zero
    CheckStartUp();
    Print("[faultline] global seed " + std::to_string(options.seed) + origin +
                      (options.disabled ? ", injection disabled" : "") + "\n");
  }

  void testCaseStarting(const ::Catch::TestCaseInfo& test) override {
    faultline::internal::HarnessScope scope;
    ListenerBase::testCaseStarting(test);
    test_ = test.name;
    profile_rules_ = ProfileRules(test);
    depth_ = 0;
  }

  void sectionStarting(const ::Catch::SectionInfo& section) override {
    faultline::internal::HarnessScope scope;
    ListenerBase::sectionStarting(section);
    if (depth_++ == 0) {
      // A new run of the test case: the same seed and rules as every other run.
      sections_.clear();
      Session::Instance().BeginTest(test_, profile_rules_);
      return;
    }
    sections_.resize(depth_ - 2);
    sections_.push_back(section.name);
  }

  void sectionEnded(const ::Catch::SectionStats& stats) override {
    faultline::internal::HarnessScope scope;
    ListenerBase::sectionEnded(stats);
    if (--depth_ != 0) return;
    Session& session = Session::Instance();
    // Left when the body stopped early (a failed REQUIRE, an exception): shown, not asserted.
    const std::vector<::faultline::internal::TestFailure> unverified = session.VerifyExpectations();
    const bool failed = stats.assertions.failed > 0;
    const ::faultline::internal::TestRecord record = session.EndTest(
        failed, [this](const ::faultline::internal::TestRecord& ended) { return ReplayCommand(ended); });
    std::string out = Session::RuleNotes(record);
    if (failed) {
      for (const auto& problem : unverified) out += "[faultline] " + problem.message + "\n";
      out += Session::FailureReport(record, record.replay);
    } else if (!unverified.empty()) {
      // A passing run of a plain TEST_CASE (a FAULTLINE_TEST_CASE body asserts its own): its
      // problems (--faultline_strict, a schedule entry's missing rule) cannot fail it any
      // more, so they fail the process.
      for (const auto& problem : unverified) out += "[faultline] " + problem.message + "\n";
      ::faultline::internal::FailAtExit();
    }
    Print(out);
  }

  void testRunEnded(const ::Catch::TestRunStats& stats) override {
    faultline::internal::HarnessScope scope;
    ListenerBase::testRunEnded(stats);
    Session& session = Session::Instance();
    std::string out = Session::NotesText(faultline::internal::TakeNotes()) + session.Summary();
    try {
      session.WriteReport();
    } catch (const std::exception& error) {
      out += std::string(error.what()) + "\n";
      // Reporters still write after this listener: the process fails once they are done.
      ::faultline::internal::FailAtExit();
    }
    Print(out);
  }

 private:
  // Catch2 v2 leaves the seed at 0 unless --rng-seed was given (it treats "--rng-seed 0" as
  // not given too). Catch2 v3 always draws one and keeps no trace of whether it did: the
  // process's command line tells.
  bool CatchSeedGiven() const {
#if CATCH_VERSION_MAJOR >= 3
    return RngSeedOnCommandLine();
#else
    return m_config->rngSeed() != 0;
#endif
  }

  // Builds every profile and annotation, then assembles the rules of every selected test case
  // once, so that a bad rule, an unknown profile or clashing rule names fail the run
  // before any test case starts.
  void CheckStartUp() {
    Session& session = Session::Instance();
    std::vector<std::string> problems;
    std::set<std::string> defined;
    for (const ProfileDefinition& profile : State().profiles) {
      const std::string where = profile.file + ":" + std::to_string(profile.line) + ": ";
      if (!defined.insert(profile.name).second) {
        problems.push_back(where + "faultline: profile \"" + profile.name + "\" is defined twice");
        continue;
      }
      if (FromRuleFile(profile.name)) {
        problems.push_back(where + "faultline: profile \"" + profile.name + "\" is defined here and in " +
                           session.options().rules_origin + "=" + session.options().rules);
        continue;
      }
      try {
        session.AddProfile(profile.name, profile.make());
      } catch (const std::exception& error) {
        problems.push_back(where + "profile \"" + profile.name + "\": " + error.what());
      }
    }
#if CATCH_VERSION_MAJOR >= 3
    const auto& all = ::Catch::getAllTestCasesSorted(*m_config);
    std::vector<std::string> names;
    for (const auto& test : all) names.push_back(test.getTestCaseInfo().name);
    const std::vector<std::string> annotations = session.CheckAnnotations(names);
    problems.insert(problems.end(), annotations.begin(), annotations.end());
    for (const auto& handle : ::Catch::filterTests(all, m_config->testSpec(), *m_config)) {
      const ::Catch::TestCaseInfo& test = handle.getTestCaseInfo();
#else
    const auto& all = ::Catch::getAllTestCasesSorted(*m_config);
    std::vector<std::string> names;
    for (const auto& test : all) names.push_back(test.name);
    const std::vector<std::string> annotations = session.CheckAnnotations(names);
    problems.insert(problems.end(), annotations.begin(), annotations.end());
    for (const ::Catch::TestCase& test : ::Catch::filterTests(all, m_config->testSpec(), *m_config)) {
#endif
      // After a bad rule or profile, the test cases using it would only repeat the problem.
      if (problems.empty()) {
        try {
          session.BeginTest(test.name, ProfileRules(test));
        } catch (const std::exception& error) {
          problems.push_back(error.what());
        }
      }
    }
    Session::Disarm();
    if (problems.empty()) return;
    std::string message;
    for (const std::string& problem : problems) message += problem + "\n";
    throw std::invalid_argument(message + "[faultline] " + std::to_string(problems.size()) +
                                " problem(s) in fault rules; no test case was run");
  }

  // True when the rule file of the options defined profile `name` (Configure loaded it).
  static bool FromRuleFile(const std::string& name) {
    try {
      Session::Instance().Profile(name);
      return true;
    } catch (const std::invalid_argument&) {
      return false;
    }
  }

  // The command that runs this run of the test case alone, with the same seed and rules.
  std::string ReplayCommand(const ::faultline::internal::TestRecord& record) const {
    using ::faultline::internal::ShellQuote;
    const bool with_options = State().command_line;
    std::string environment, options;
    for (const auto& [key, value] : Session::Instance().ReplaySettings(record)) {
      if (with_options) {
        const bool bare = key == "disable" || key == "strict";
        options += " " + ShellQuote(bare ? "--faultline-" + key : "--faultline-" + key + "=" + value);
      } else {
        std::string variable = "FAULTLINE_";
        for (const char c : key) variable += static_cast<char>(std::toupper(c));
        environment += variable + "=" + ShellQuote(value) + " ";
      }
    }
    std::string command = environment + ShellQuote(Program()) + " " + ShellQuote(TestSpecOf(test_));
    for (const std::string& section : sections_) command += " -c " + ShellQuote(section);
    // Catch2's own random draws (GENERATE, Catch::rngSeed()) replay too.
    if (CatchSeedGiven()) command += " --rng-seed " + std::to_string(m_config->rngSeed());
    return command + options;
  }

  // The program as it was invoked (Catch2 keeps only the file name, which a shell may not find).
  std::string Program() const {
#if defined(__GLIBC__)
    return program_invocation_name;
#elif CATCH_VERSION_MAJOR >= 3
    return std::string(m_config->name());
#else
    if (const auto* config = dynamic_cast<const ::Catch::Config*>(m_config.get())) {
      return config->getProcessName();
    }
    return std::string(m_config->name());
#endif
  }

  std::string test_;
  std::vector<FaultConfig> profile_rules_;
  std::size_t depth_ = 0;
  std::vector<std::string> sections_;  // the sections this run entered, outermost first
#if CATCH_VERSION_MAJOR >= 3
  // Catch2 v3 creates the listeners just before it opens the reporters' output files (-o), and
  // runs nothing else until the run starts: the descriptors opened in between are its own,
  // never faulted, with any main. (v2 opens them earlier, with its configuration:
  // faultline::catch2_main marks them.)
  const std::vector<int> opened_before_ = ::faultline::internal::OpenDescriptors();
#endif
};

}  // namespace

namespace {

// Catch2's wording of a failed assertion of type `type`, as its console reporter prints it.
std::string FailureDetail(::Catch::ResultWas::OfType type) {
  switch (type) {
    case ::Catch::ResultWas::DidntThrowException:
      return "because no exception was thrown where one was expected";
    case ::Catch::ResultWas::FatalErrorCondition:
      return "due to a fatal error condition";
    default:
      return "failed";
  }
}

// Takes the place of Catch2's result capture while one run of a sweep or an exploration runs
// its body, as gtest's ScopedFakeTestPartResultReporter does for FaultTest: failed assertions
// become the run's failure text instead of failing the test case; everything else (passing
// assertions, sections, generators, benchmarks) goes to Catch2. Catch2 runs assertions on one
// thread, so one collector at a time.
class FailureCollector : public ::Catch::IResultCapture {
 public:
  FailureCollector() : catch2_(::Catch::getResultCapture()) {
    ::Catch::getCurrentMutableContext().setResultCapture(this);
  }
  ~FailureCollector() override { ::Catch::getCurrentMutableContext().setResultCapture(&catch2_); }
  FailureCollector(const FailureCollector&) = delete;
  FailureCollector& operator=(const FailureCollector&) = delete;

  // The failed assertions so far, each as "file:line: MACRO( expression )" and indented
  // details ("" when none failed).
  const std::string& failures() const { return failures_; }

#if CATCH_VERSION_MAJOR >= 3
  void notifyAssertionStarted(const ::Catch::AssertionInfo& info) override {
    catch2_.notifyAssertionStarted(info);
  }
  bool sectionStarted(::Catch::StringRef name, const ::Catch::SourceLineInfo& where,
                      ::Catch::Counts& assertions) override {
    return catch2_.sectionStarted(name, where, assertions);
  }
  void sectionEnded(::Catch::SectionEndInfo&& info) override { catch2_.sectionEnded(std::move(info)); }
  void sectionEndedEarly(::Catch::SectionEndInfo&& info) override {
    catch2_.sectionEndedEarly(std::move(info));
  }
  ::Catch::IGeneratorTracker* acquireGeneratorTracker(::Catch::StringRef name,
                                                      const ::Catch::SourceLineInfo& where) override {
    return catch2_.acquireGeneratorTracker(name, where);
  }
  ::Catch::IGeneratorTracker* createGeneratorTracker(
      ::Catch::StringRef name, ::Catch::SourceLineInfo where,
      ::Catch::Generators::GeneratorBasePtr&& generator) override {
    return catch2_.createGeneratorTracker(name, where, std::move(generator));
  }
  void benchmarkPreparing(::Catch::StringRef name) override { catch2_.benchmarkPreparing(name); }
  void benchmarkStarting(const ::Catch::BenchmarkInfo& info) override {
    catch2_.benchmarkStarting(info);
  }
  void benchmarkEnded(const ::Catch::BenchmarkStats<>& stats) override {
    catch2_.benchmarkEnded(stats);
  }
  void benchmarkFailed(::Catch::StringRef error) override { catch2_.benchmarkFailed(error); }
  void emplaceUnscopedMessage(::Catch::MessageBuilder&& builder) override { Unscoped(builder); }
  void handleMessage(const ::Catch::AssertionInfo& info, ::Catch::ResultWas::OfType type,
                     std::string&& message, ::Catch::AssertionReaction& reaction) override {
    if (Passes(info, type)) {
      catch2_.handleMessage(info, type, std::move(message), reaction);
      return Forwarded();
    }
    Collect(info, "explicitly with message: " + message, reaction);
  }
  void handleUnexpectedInflightException(const ::Catch::AssertionInfo& info, std::string&& message,
                                         ::Catch::AssertionReaction& reaction) override {
    if (Passes(info, ::Catch::ResultWas::ThrewException)) {
      catch2_.handleUnexpectedInflightException(info, std::move(message), reaction);
      return Forwarded();
    }
    Collect(info, "due to unexpected exception with message: " + message, reaction);
  }
#else
  bool sectionStarted(const ::Catch::SectionInfo& section, ::Catch::Counts& assertions) override {
    return catch2_.sectionStarted(section, assertions);
  }
  void sectionEnded(const ::Catch::SectionEndInfo& info) override { catch2_.sectionEnded(info); }
  void sectionEndedEarly(const ::Catch::SectionEndInfo& info) override {
    catch2_.sectionEndedEarly(info);
  }
  ::Catch::IGeneratorTracker& acquireGeneratorTracker(::Catch::StringRef name,
                                                      const ::Catch::SourceLineInfo& where) override {
    return catch2_.acquireGeneratorTracker(name, where);
  }
#if defined(CATCH_CONFIG_ENABLE_BENCHMARKING)
  void benchmarkPreparing(const std::string& name) override { catch2_.benchmarkPreparing(name); }
  void benchmarkStarting(const ::Catch::BenchmarkInfo& info) override {
    catch2_.benchmarkStarting(info);
  }
  void benchmarkEnded(const ::Catch::BenchmarkStats<>& stats) override {
    catch2_.benchmarkEnded(stats);
  }
  void benchmarkFailed(const std::string& error) override { catch2_.benchmarkFailed(error); }
#endif
  void emplaceUnscopedMessage(const ::Catch::MessageBuilder& builder) override { Unscoped(builder); }
  void handleMessage(const ::Catch::AssertionInfo& info, ::Catch::ResultWas::OfType type,
                     const ::Catch::StringRef& message, ::Catch::AssertionReaction& reaction) override {
    if (Passes(info, type)) {
      catch2_.handleMessage(info, type, message, reaction);
      return Forwarded();
    }
    Collect(info, "explicitly with message: " + std::string(message), reaction);
  }
  void handleUnexpectedInflightException(const ::Catch::AssertionInfo& info, const std::string& message,
                                         ::Catch::AssertionReaction& reaction) override {
    if (Passes(info, ::Catch::ResultWas::ThrewException)) {
      catch2_.handleUnexpectedInflightException(info, message, reaction);
      return Forwarded();
    }
    Collect(info, "due to unexpected exception with message: " + message, reaction);
  }
#endif

  // Messages scoped in the body (INFO, CAPTURE) end in the body, and are not popped when a
  // REQUIRE throws: kept here, they never reach Catch2's list.
  void pushScopedMessage(const ::Catch::MessageInfo& message) override { messages_.push_back(message); }
  void popScopedMessage(const ::Catch::MessageInfo& message) override {
    const auto it = std::find(messages_.begin(), messages_.end(), message);
    if (it == messages_.end()) return catch2_.popScopedMessage(message);  // scoped before the run
    messages_.erase(it);
  }
  void handleFatalErrorCondition(::Catch::StringRef message) override {
    catch2_.handleFatalErrorCondition(message);
  }
  void handleExpr(const ::Catch::AssertionInfo& info, const ::Catch::ITransientExpression& expr,
                  ::Catch::AssertionReaction& reaction) override {
    const bool passed = expr.getResult() != ::Catch::isFalseTest(info.resultDisposition);
    if (Passes(info, passed ? ::Catch::ResultWas::Ok : ::Catch::ResultWas::ExpressionFailed)) {
      catch2_.handleExpr(info, expr, reaction);
      return Forwarded();
    }
    // Negated as Catch2 prints a CHECK_FALSE: "!(a == b)", "!true".
    std::ostringstream expansion;
    const bool negated = ::Catch::isFalseTest(info.resultDisposition);
    if (negated) expansion << (expr.isBinaryExpression() ? "!(" : "!");
    expr.streamReconstructedExpression(expansion);
    if (negated && expr.isBinaryExpression()) expansion << ")";
    Collect(info, "with expansion: " + expansion.str(), reaction);
  }
  void handleUnexpectedExceptionNotThrown(const ::Catch::AssertionInfo& info,
                                          ::Catch::AssertionReaction& reaction) override {
    if (Passes(info, ::Catch::ResultWas::DidntThrowException)) {
      catch2_.handleUnexpectedExceptionNotThrown(info, reaction);
      return Forwarded();
    }
    Collect(info, FailureDetail(::Catch::ResultWas::DidntThrowException), reaction);
  }
  void handleIncomplete(const ::Catch::AssertionInfo& info) override {
    ::Catch::AssertionReaction reaction;
    Collect(info, "due to an exception Catch2 could not translate (CATCH_CONFIG_FAST_COMPILE)",
            reaction);
  }
  void handleNonExpr(const ::Catch::AssertionInfo& info, ::Catch::ResultWas::OfType type,
                     ::Catch::AssertionReaction& reaction) override {
    if (Passes(info, type)) {
      catch2_.handleNonExpr(info, type, reaction);
      return Forwarded();
    }
    Collect(info, FailureDetail(type), reaction);
  }
  bool lastAssertionPassed() override { return last_passed_; }
  void assertionPassed() override {
    catch2_.assertionPassed();
    Forwarded();
  }
  std::string getCurrentTestName() const override { return catch2_.getCurrentTestName(); }
  const ::Catch::AssertionResult* getLastResult() const override { return catch2_.getLastResult(); }
  void exceptionEarlyReported() override { catch2_.exceptionEarlyReported(); }

 private:
  // True when an assertion of outcome `type` goes to Catch2: it passed, or its failure does
  // not count (CHECK_NOFAIL, and SKIP, which is no failure).
  static bool Passes(const ::Catch::AssertionInfo& info, ::Catch::ResultWas::OfType type) {
    return ::Catch::isOk(type) || ::Catch::shouldSuppressFailure(info.resultDisposition);
  }

  // After an assertion Catch2 handled: its verdict stands, and UNSCOPED_INFO messages expire.
  void Forwarded() {
    last_passed_ = catch2_.lastAssertionPassed();
    unscoped_.clear();
  }
  template <class Builder>
  void Unscoped(const Builder& builder) {
    ::Catch::MessageInfo info = builder.m_info;
    info.message = builder.m_stream.str();
    unscoped_.push_back(std::move(info));
  }

  // Keeps a failed assertion; a REQUIRE's still ends the run, by Catch2's exception.
  void Collect(const ::Catch::AssertionInfo& info, const std::string& detail,
               ::Catch::AssertionReaction& reaction) {
    std::string text = std::string(info.lineInfo.file) + ":" + std::to_string(info.lineInfo.line) +
                       ": " + std::string(info.macroName);
    if (!info.capturedExpression.empty()) text += "( " + std::string(info.capturedExpression) + " )";
    text += "\n  " + detail + "\n";
    for (const ::Catch::MessageInfo& message : messages_) text += "  with message: " + message.message + "\n";
    for (const ::Catch::MessageInfo& message : unscoped_) text += "  with message: " + message.message + "\n";
    failures_ += text;
    unscoped_.clear();
    last_passed_ = false;
    reaction.shouldThrow = (info.resultDisposition & ::Catch::ResultDisposition::Normal) != 0;
  }

  ::Catch::IResultCapture& catch2_;
  std::vector<::Catch::MessageInfo> messages_;
  std::vector<::Catch::MessageInfo> unscoped_;
  bool last_passed_ = true;
  std::string failures_;
};

// Runs `body`: a failed REQUIRE's exception ends it, the failure already reported (to Catch2,
// or to a FailureCollector); a SKIP's (Catch2 v3; v2 has none) is kept in `skipped`, for the
// caller to rethrow once Catch2's own capture is back. Returns an escaped exception as
// RunCatchingExceptions does.
std::optional<std::string> RunAssertions(const std::function<void()>& body,
                                         [[maybe_unused]] std::exception_ptr* skipped) {
  return RunCatchingExceptions([&] {
    try {
      body();
    } catch (const ::Catch::TestFailureException&) {
#if CATCH_VERSION_MAJOR >= 3
    } catch (const ::Catch::TestSkipException&) {
      *skipped = std::current_exception();
#endif
    }
  });
}

}  // namespace

namespace internal {

std::optional<std::string> CollectFailures(const std::function<void()>& body) {
  std::exception_ptr skipped;
  std::optional<std::string> thrown;
  std::string failures;
  {
    FailureCollector collector;
    thrown = RunAssertions(body, &skipped);
    failures = collector.failures();
  }
  if (skipped) std::rethrow_exception(skipped);
  if (thrown) failures += "exception escaped the body: " + *thrown + "\n";
  if (failures.empty()) return std::nullopt;
  return failures;
}

}  // namespace internal

namespace {

// The Runner of a replay: assertions report to Catch2 as they fail; only an escaped exception
// is the run's failure.
std::optional<std::string> RunReportingFailures(const std::function<void()>& body) {
  std::exception_ptr skipped;
  std::optional<std::string> thrown = RunAssertions(body, &skipped);
  if (skipped) std::rethrow_exception(skipped);
  return thrown;
}

// Fails the running test case at `where` with `message`, as a non-fatal assertion would.
void FailAt(const ::Catch::SourceLineInfo& where, const char* macro, std::string message) {
  ::Catch::AssertionHandler handler(macro, where, ::Catch::StringRef(),
                                    ::Catch::ResultDisposition::ContinueOnFailure);
  handler.handleMessage(::Catch::ResultWas::ExplicitFailure, std::move(message));
  handler.complete();
}

// How a report spells the schedule's setting: as the command line the replay command uses.
std::string ScheduleFlag() { return State().command_line ? "--faultline-schedule" : "FAULTLINE_SCHEDULE"; }

// Fails the test case once with a failed sweep's or exploration's report, at the call of
// `macro` (file:line), or prints the report of a replay.
void Report(const ::faultline::internal::Verdict& verdict, const char* macro, const char* file, int line) {
  if (verdict.failure) {
    FailAt(::Catch::SourceLineInfo(file, static_cast<std::size_t>(line)), macro, *verdict.failure);
  } else if (!verdict.replay_report.empty()) {
    Print(verdict.replay_report);
  }
}

}  // namespace

SweepResult Sweep(SweepOptions options, const std::function<void()>& body, const char* file, int line) {
  Session& session = Session::Instance();
  session.PrepareRuns(options, &internal::CollectFailures, &RunReportingFailures);
  const SweepResult result = faultline::Sweep(options, body);
  const faultline::internal::HarnessScope scope;
  Report(session.Conclude(result, ScheduleFlag()), "faultline::catch2::Sweep", file, line);
  return result;
}

SweepResult Sweep(FaultConfig fault, const std::function<void()>& body, const char* file, int line) {
  return Sweep(SweepOptions().Fault(std::move(fault)), body, file, line);
}

SweepResult Sweep(const std::function<void()>& body, const char* file, int line) {
  return Sweep(SweepOptions(), body, file, line);
}

ExploreResult Explore(ExploreOptions options, const std::function<void()>& body, const char* file,
                      int line) {
  Session& session = Session::Instance();
  session.PrepareRuns(options, &internal::CollectFailures, &RunReportingFailures);
  faultline::internal::Verdict verdict;
  const ExploreResult result = session.Explore(options, body, ScheduleFlag(), &verdict);
  const faultline::internal::HarnessScope scope;
  Report(verdict, "faultline::catch2::Explore", file, line);
  return result;
}

ExploreResult Explore(const std::function<void()>& body, const char* file, int line) {
  return Explore(ExploreOptions(), body, file, line);
}

FaultExpectation& ExpectFault(const std::string& name, const char* file, int line) {
  if (!State().in_body) {
    throw std::logic_error("faultline: ExpectFault(\"" + name +
                           "\") is verified only in the body of a FAULTLINE_TEST_CASE or "
                           "FAULTLINE_TEST_CASE_METHOD, not in " +
                           ::Catch::getResultCapture().getCurrentTestName());
  }
  return Session::Instance().ExpectFault(name, file, line);
}

std::string FaultNamed::describe() const { return "is a fault of rule \"" + name_ + "\""; }
std::string FaultOfType::describe() const { return std::string("is a fault of type ") + ToString(type_); }
std::string AtTarget::describe() const { return "is a fault at target \"" + target_ + "\""; }

namespace internal {

ListenerRegistration::ListenerRegistration() {
  // Catch2 v3 reads Bazel's shard variables when it builds its configuration, before any
  // listener runs: under FAULTLINE_EXPLORE_SHARD=auto faultline takes them first. (The option
  // takes them while Catch2 parses it.) What goes wrong here is reported at start-up, where the
  // variable is applied again.
  const char* shard = std::getenv("FAULTLINE_EXPLORE_SHARD");
  if (shard != nullptr && std::string(shard) == "auto") {
    try {
      ::faultline::internal::TakeRunnerShard();
    } catch (const std::invalid_argument&) {
    }
  }
#if CATCH_VERSION_MAJOR >= 3
  static const ::Catch::ListenerRegistrar<Listener> registrar("faultline");
#else
  static const ::Catch::ListenerRegistrar<Listener> registrar;
#endif
}

void RunBody(const ::Catch::SourceLineInfo& where, const std::function<void()>& body) {
  struct InBody {
    InBody() { State().in_body = true; }
    ~InBody() { State().in_body = false; }
  };
  {
    const InBody in_body;
    body();
  }
  for (const ::faultline::internal::TestFailure& failure : Session::Instance().VerifyExpectations()) {
    const ::Catch::SourceLineInfo at =
        failure.file.empty()
            ? where
            : ::Catch::SourceLineInfo(State().failure_files.insert(failure.file).first->c_str(),
                                      static_cast<std::size_t>(failure.line));
    ::Catch::AssertionHandler handler("FAULTLINE_TEST_CASE", at, ::Catch::StringRef(),
                                      ::Catch::ResultDisposition::ContinueOnFailure);
    handler.handleMessage(::Catch::ResultWas::ExplicitFailure, "[faultline] " + failure.message);
    handler.complete();
  }
}

std::string GiveOption(const std::string& key, const std::string& value, const std::string& flag) {
  ::faultline::internal::Options scratch;
  try {
    ::faultline::internal::ApplyOption(scratch, key, value, flag);
  } catch (const std::invalid_argument& error) {
    return error.what();
  }
  State().given.push_back(GivenOption{key, value, flag});
  return "";
}

void UseCommandLineOptions() { State().command_line = true; }

bool RegisterProfile(std::string name, const char* file, int line,
                     std::function<std::vector<FaultConfig>()> rules) {
  State().profiles.push_back(ProfileDefinition{std::move(name), file, line, std::move(rules)});
  return true;
}

FaultCheck FaultTriggered(const std::string& rule) {
  const std::uint64_t fired = Session::FiredCount(rule);
  if (fired > 0) return FaultCheck(true, "\"" + rule + "\" fired " + std::to_string(fired) + " time(s)");
  return FaultCheck(false, "\"" + rule + "\" never fired; " + Session::FiredSummary());
}

FaultCheck FaultNotTriggered(const std::string& rule) {
  const std::uint64_t fired = Session::FiredCount(rule);
  if (fired == 0) return FaultCheck(true, "\"" + rule + "\" never fired");
  return FaultCheck(false, "\"" + rule + "\" fired " + std::to_string(fired) + " time(s); " + Session::FiredSummary());
}

FaultCheck FaultCount(const std::string& rule, std::uint64_t count) {
  const std::uint64_t fired = Session::FiredCount(rule);
  std::string text = "\"" + rule + "\" fired " + std::to_string(fired) + " time(s)";
  if (fired == count) return FaultCheck(true, text);
  return FaultCheck(false, text + ", expected " + std::to_string(count) + "; " + Session::FiredSummary());
}

}  // namespace internal
}  // namespace catch2
}  // namespace faultline

namespace Catch {
std::string StringMaker<::faultline::FaultEvent>::convert(const ::faultline::FaultEvent& event) {
  return event.rule + " (" + ::faultline::ToString(event.type) + ") on " + event.target + " call " +
         std::to_string(event.call);
}
}  // namespace Catch
