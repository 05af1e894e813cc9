// The listener needs Catch2 v2's reporter interfaces, which its header hides by default.
#define CATCH_CONFIG_EXTERNAL_INTERFACES
#include "faultline/catch2.hpp"

#include <cctype>
#include <cerrno>
#include <fstream>
#include <iostream>
#include <set>
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
    const ::faultline::internal::TestRecord record = session.EndTest(failed);
    std::string out = Session::RuleNotes(record);
    if (failed) {
      for (const auto& problem : unverified) out += "[faultline] " + problem.message + "\n";
      out += Session::FailureReport(record, ReplayCommand(record));
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
