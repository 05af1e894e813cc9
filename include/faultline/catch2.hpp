// faultline for Catch2 2.13 and 3.x.
//
//   #include <faultline/catch2.hpp>    // link faultline::catch2_main, or faultline::catch2
//                                      // and Catch2's main (v3: Catch2::Catch2WithMain) or yours
//   FAULTLINE_PROFILE("flaky-network",
//                     faultline::Exception("net-down").Target("Net::*").Probability(0.2));
//
//   FAULTLINE_TEST_CASE("checkout survives a flaky gateway", "[checkout]",
//                       faultline::Expected(faultline::Exception("gw-down")
//                                               .Target("Gateway::Charge").Probability(0.3))) {
//     FaultyGateway gateway(real_gateway);   // calls through faultline::Current().Wrap(...)
//     CHECK(Checkout(gateway).Pay(42).ok());
//     CHECK_FAULT_TRIGGERED("gw-down");
//     CHECK_THAT(faultline::Current().Events(), faultline::catch2::AllFaults(
//                                                   faultline::catch2::FaultNamed("gw-down")));
//   }
//
//   TEST_CASE("search tolerates the network", "[faultline:flaky-network]") { ... }
//
//   FAULTLINE_TEST_CASE("upload survives any failed put", "[upload]",
//                       faultline::Exception("put-fails").Target("Storage::Put")) {
//     faultline::catch2::Sweep([] { CHECK(Upload(faultline::Current())); });  // puts fail in turn
//   }
//
// A listener resets and seeds faultline::Current() at the start of every run of a test case
// (once per leaf section, as Catch2 re-enters the test case for each) with mix(global seed,
// test case name), so each run's faults depend only on the seed and the name. The global seed
// is Catch2's --rng-seed when one was given (under v3: on the process's command line, read on
// Linux only), else faultline's (--faultline-seed, FAULTLINE_SEED, default 42). A failed run
// prints its seed, its fault events and a command line that replays it. faultline::catch2::Sweep
// and Explore run faultline::Sweep and Explore on a test case and fail it once with the report.
#pragma once

#if !__has_include(<catch2/catch.hpp>) && !__has_include(<catch2/catch_all.hpp>)
#error "faultline/catch2.hpp needs Catch2 (<catch2/catch.hpp> for v2, <catch2/catch_all.hpp> for v3)"
#endif

#if __has_include(<catch2/catch_all.hpp>)
#include <catch2/catch_all.hpp>
#else
#include <catch2/catch.hpp>
#endif

#include <cstdint>
#include <functional>
#include <optional>
#include <ostream>
#include <string>
#include <utility>
#include <vector>

#include "faultline/explore.hpp"
#include "faultline/export.hpp"
#include "faultline/faultline.hpp"
#include "faultline/internal/session.hpp"

namespace faultline {
namespace catch2 {

#if CATCH_VERSION_MAJOR >= 3
template <class T>
using MatcherBase = ::Catch::Matchers::MatcherBase<T>;
#else
template <class T>
using MatcherBase = ::Catch::MatcherBase<T>;
#endif

// Expects rule `name` to fire in this run of the test case: at least once by default, or as
// set on the result (.Times(n), .AtLeast(n), .Never()). Verified when the body of a
// FAULTLINE_TEST_CASE or FAULTLINE_TEST_CASE_METHOD returns; throws std::logic_error in any
// other test case, where nothing would verify it. A failure is reported at `file`:`line`, which
// default to the line that calls ExpectFault. The expectation is owned by the session.
FAULTLINE_API FaultExpectation& ExpectFault(const std::string& name,
                                            const char* file = __builtin_FILE(),
                                            int line = __builtin_LINE());

// faultline::Sweep on this run of the test case (faultline::Current()), reported as
// faultline::FaultTest::Sweep reports under GoogleTest. Failed assertions (CHECK, REQUIRE, FAIL,
// matchers) and exceptions in `body` are collected per run, so a failing run does not fail the
// test case by itself; when one fails, the test case fails once, at `file`:`line` (the call),
// with the report: runs, failing schedule, failure and replay setting (--faultline-schedule=...,
// or FAULTLINE_SCHEDULE=... in a program without faultline's options), followed by the command
// that replays the run. Under --faultline-schedule (or FAULTLINE_SCHEDULE) it makes one run
// under that schedule instead, whose assertions report as usual. Keeps faultline_sweep_runs
// and faultline_sweep_failures in the --faultline-report. Call it qualified: faultline::Sweep
// takes the same arguments. `body` must not open a SECTION (Catch2 would enter it in one run
// only).
//   faultline::catch2::Sweep(faultline::Exception("put-fails").Target("Storage::Put"), [&] {
//     Uploader uploader(faultline::Current());
//     CHECK(uploader.Upload(5));
//   });
FAULTLINE_API SweepResult Sweep(SweepOptions options, const std::function<void()>& body,
                                const char* file = __builtin_FILE(),
                                int line = __builtin_LINE());
// Sweeps `fault` (an exact or glob target): every call it reaches fails in turn.
FAULTLINE_API SweepResult Sweep(FaultConfig fault, const std::function<void()>& body,
                                const char* file = __builtin_FILE(),
                                int line = __builtin_LINE());
// Sweeps the rules installed on this run (annotated, from a profile or added).
FAULTLINE_API SweepResult Sweep(const std::function<void()>& body,
                                const char* file = __builtin_FILE(),
                                int line = __builtin_LINE());

// faultline::Explore on this run of the test case, with Sweep's handling of failures: the test
// case fails once, after shrinking, with the seed, the minimal schedule and the replay setting.
// Keeps faultline_explore_runs, and for a failure faultline_explore_seed,
// faultline_explore_schedule and faultline_explore_flaky, in the --faultline-report. A failure
// that is not flaky is stored in the test case's file of the --faultline-regressions directory,
// and every later run replays the stored schedules first: while one fails, the test case fails
// with it (naming the file and line) and nothing is explored; faultline_regressions_replayed
// counts them. --faultline-explore-runs, --faultline-explore-for and --faultline-explore-shard
// (or their FAULTLINE_EXPLORE_* twins) replace the runs `options` set and split them over
// processes; under --faultline-schedule they do not apply (one run).
FAULTLINE_API ExploreResult Explore(ExploreOptions options, const std::function<void()>& body,
                                    const char* file = __builtin_FILE(),
                                    int line = __builtin_LINE());
// Explores the rules installed on this run for 100 runs.
FAULTLINE_API ExploreResult Explore(const std::function<void()>& body,
                                    const char* file = __builtin_FILE(),
                                    int line = __builtin_LINE());

// Matches a FaultEvent of rule `name`.
class FAULTLINE_API FaultNamed : public MatcherBase<FaultEvent> {
 public:
  explicit FaultNamed(std::string name) : name_(std::move(name)) {}
  bool match(const FaultEvent& event) const override { return event.rule == name_; }
  std::string describe() const override;

 private:
  std::string name_;
};

// Matches a FaultEvent of FaultType `type`.
class FAULTLINE_API FaultOfType : public MatcherBase<FaultEvent> {
 public:
  explicit FaultOfType(FaultType type) : type_(type) {}
  bool match(const FaultEvent& event) const override { return event.type == type_; }
  std::string describe() const override;

 private:
  FaultType type_;
};

// Matches a FaultEvent injected into a call of `target` (the exact target name).
class FAULTLINE_API AtTarget : public MatcherBase<FaultEvent> {
 public:
  explicit AtTarget(std::string target) : target_(std::move(target)) {}
  bool match(const FaultEvent& event) const override { return event.target == target_; }
  std::string describe() const override;

 private:
  std::string target_;
};

namespace internal {

// Matches a vector of events of which any (or every) one matches an event matcher `M`.
template <class M>
class EventsMatcher : public MatcherBase<std::vector<FaultEvent>> {
 public:
  EventsMatcher(M matcher, bool all) : matcher_(std::move(matcher)), all_(all) {}
  bool match(const std::vector<FaultEvent>& events) const override {
    for (const FaultEvent& event : events) {
      if (matcher_.match(event) != all_) return !all_;
    }
    return all_;
  }
  std::string describe() const override {
    return std::string(all_ ? "are all faults which " : "contain a fault which ") +
           matcher_.describe();
  }

 private:
  M matcher_;
  bool all_;
};

}  // namespace internal

// Matches a vector of FaultEvent (e.g. faultline::Current().Events()) in which at least one
// event matches `matcher`, e.g. AnyFault(FaultNamed("gw") && AtTarget("Gateway::Charge")).
template <class M>
internal::EventsMatcher<M> AnyFault(M matcher) {
  return internal::EventsMatcher<M>(std::move(matcher), false);
}

// Matches a vector of FaultEvent in which every event matches `matcher` (an empty vector
// matches: combine with AnyFault or CHECK_FAULT_TRIGGERED to require a fault).
template <class M>
internal::EventsMatcher<M> AllFaults(M matcher) {
  return internal::EventsMatcher<M>(std::move(matcher), true);
}

namespace internal {

// Runs `body` with Catch2's failed assertions collected instead of reported (the Runner Sweep
// and Explore give their runs): returns them, then an exception that escaped `body`, as
// "file:line: ..." lines, or nothing when none failed. A failed REQUIRE ends `body`.
FAULTLINE_API std::optional<std::string> CollectFailures(const std::function<void()>& body);

// Runs the body of a FAULTLINE_TEST_CASE, then verifies this run's expectations as failed
// assertions located at the test case.
FAULTLINE_API void RunBody(const ::Catch::SourceLineInfo& where, const std::function<void()>& body);

// Registers a C++ profile (FAULTLINE_PROFILE); its rules are built at start-up, where a bad
// rule or a second profile of the same name fails the run.
FAULTLINE_API bool RegisterProfile(std::string name, const char* file, int line,
                                   std::function<std::vector<FaultConfig>()> rules);

// Checks `value` of faultline option `key` given as `flag` and keeps it for start-up, where it
// is applied over the FAULTLINE_* variables. Returns why the value is bad, or "".
FAULTLINE_API std::string GiveOption(const std::string& key, const std::string& value,
                                     const std::string& flag);
// Makes failure reports replay with --faultline-* options rather than FAULTLINE_* variables.
FAULTLINE_API void UseCommandLineOptions();

// The rules of a FAULTLINE_TEST_CASE's arguments after its name and tags.
inline std::vector<AnnotatedRule> RulesOf(const char*) { return {}; }
template <class... Rules>
std::vector<AnnotatedRule> RulesOf(const char*, const char*, Rules&&... rules) {
  return {AnnotatedRule(std::forward<Rules>(rules))...};
}

// The outcome of a fault assertion, as Catch2 prints it under "with expansion:".
class FaultCheck : public ::Catch::ITransientExpression {
 public:
  FaultCheck(bool passed, std::string explanation)
      : ::Catch::ITransientExpression(false, passed), explanation_(std::move(explanation)) {}
  void streamReconstructedExpression(std::ostream& os) const override { os << explanation_; }

 private:
  std::string explanation_;
};

FAULTLINE_API FaultCheck FaultTriggered(const std::string& rule);
FAULTLINE_API FaultCheck FaultNotTriggered(const std::string& rule);
FAULTLINE_API FaultCheck FaultCount(const std::string& rule, std::uint64_t count);

// Registers the adapter's Catch2 listener; the inline variable below does it once per program
// and makes every program that includes this header link the listener in.
struct FAULTLINE_API ListenerRegistration {
  ListenerRegistration();
};
inline const ListenerRegistration listener_registration;

}  // namespace internal
}  // namespace catch2
}  // namespace faultline

#if CATCH_VERSION_MAJOR >= 3 || defined(CATCH_CONFIG_RUNNER)
namespace faultline {
namespace catch2 {

// Adds faultline's options to a Catch2 command line: --faultline-seed, --faultline-rules,
// --faultline-disable, --faultline-strict, --faultline-report, --faultline-schedule,
// --faultline-regressions and the campaign options --faultline-explore-runs,
// --faultline-explore-for and --faultline-explore-shard (the FAULTLINE_* environment twins are
// read first; the options win). faultline::catch2_main calls it; in your own main (Catch2 v2: the
// file that defines CATCH_CONFIG_RUNNER) call it before applyCommandLine:
//   Catch::Session session;
//   faultline::catch2::AddCommandLineOptions(session);
//   if (int status = session.applyCommandLine(argc, argv)) return status;
//   return session.run();
// A bad value makes applyCommandLine fail with a "faultline: ..." message.
inline void AddCommandLineOptions(::Catch::Session& session) {
#if CATCH_VERSION_MAJOR >= 3
  namespace clara = ::Catch::Clara;
#else
  namespace clara = ::Catch::clara;
#endif
  internal::UseCommandLineOptions();
  // String literals only: Catch2 v3's parser keeps views of the names, hints and help texts.
  auto option = [](const char* key, const char* flag, const char* hint, const char* help) {
    return clara::Opt(
               [key, flag](const std::string& value) {
                 std::string error = internal::GiveOption(key, value, flag);
                 return error.empty() ? clara::ParserResult::ok(clara::ParseResultType::Matched)
                                      : clara::ParserResult::runtimeError(std::move(error));
               },
               hint)[flag](help);
  };
  session.cli(session.cli() |
              option("seed", "--faultline-seed", "N|random",
                     "faultline's global seed (default 42; --rng-seed, when given, is used "
                     "instead); each test case's seed is mix(N, its name)") |
              option("rules", "--faultline-rules", "spec|@file[#profile]",
                     "fault rules for every test case, e.g. gw=Gateway::*:30%exception(boom); "
                     "the [name] sections of a rule file are [faultline:name] profiles") |
              clara::Opt([](bool) { internal::GiveOption("disable", "1", "--faultline-disable"); })
                  ["--faultline-disable"]("inject no fault (the rules stay installed)") |
              clara::Opt([](bool) { internal::GiveOption("strict", "1", "--faultline-strict"); })
                  ["--faultline-strict"]("fail a test case whose rule matched no call or whose "
                                         "--faultline-schedule entry never fired") |
              option("report", "--faultline-report", "file.json",
                     "write each test case run's seed, rules and fault events as JSON") |
              option("schedule", "--faultline-schedule", "rule=target@call,...",
                     "replay exactly these faults in every test case run") |
              option("regressions", "--faultline-regressions", "dir|none",
                     "where Explore stores the failures it finds, replayed first by every "
                     "later run (default: faultline-regressions beside the report, else here)") |
              option("explore_runs", "--faultline-explore-runs", "n",
                     "runs of every Explore, instead of the test case's own") |
              option("explore_for", "--faultline-explore-for", "duration",
                     "time budget of every Explore (500ms, 30s, 5min, 1h), checked between "
                     "runs; alone, runs until it is spent") |
              option("explore_shard", "--faultline-explore-shard", "i/n|auto",
                     "make only the runs r of every Explore with r % n == i, each with its "
                     "unsharded seed; auto takes Bazel's (or GoogleTest's) shard variables and "
                     "runs every test case in every shard"));
}

}  // namespace catch2
}  // namespace faultline
#endif

namespace Catch {
// Prints an event in Catch2 messages as "api-error (exception) on call_api call 3".
template <>
struct StringMaker<::faultline::FaultEvent> {
  FAULTLINE_API static std::string convert(const ::faultline::FaultEvent& event);
};
}  // namespace Catch

#define FAULTLINE_INTERNAL_CATCH_CONCAT_(a, b) a##b
#define FAULTLINE_INTERNAL_CATCH_CONCAT(a, b) FAULTLINE_INTERNAL_CATCH_CONCAT_(a, b)
#define FAULTLINE_INTERNAL_CATCH_NAME(name, ...) name
#define FAULTLINE_INTERNAL_CATCH_TAGS(name, tags, ...) tags

#define FAULTLINE_INTERNAL_TEST_CASE(Id, ...)                                                  \
  static void Id();                                                                            \
  static void FAULTLINE_INTERNAL_CATCH_CONCAT(Id, _run)() {                                    \
    ::faultline::catch2::internal::RunBody(CATCH_INTERNAL_LINEINFO, &Id);                      \
  }                                                                                            \
  namespace {                                                                                  \
  const ::Catch::AutoReg FAULTLINE_INTERNAL_CATCH_CONCAT(Id, _registrar)(                      \
      ::Catch::makeTestInvoker(&FAULTLINE_INTERNAL_CATCH_CONCAT(Id, _run)),                    \
      CATCH_INTERNAL_LINEINFO, ::Catch::StringRef(),                                           \
      ::Catch::NameAndTags{FAULTLINE_INTERNAL_CATCH_NAME(__VA_ARGS__, ""),                     \
                           FAULTLINE_INTERNAL_CATCH_TAGS(__VA_ARGS__, "", "")});               \
  const bool FAULTLINE_INTERNAL_CATCH_CONCAT(Id, _annotation) [[maybe_unused]] =               \
      ::faultline::internal::Session::Instance().Annotate(                                     \
          FAULTLINE_INTERNAL_CATCH_NAME(__VA_ARGS__, ""), __FILE__, __LINE__, [] {              \
            return ::faultline::catch2::internal::RulesOf(__VA_ARGS__);                         \
          });                                                                                  \
  }                                                                                            \
  static void Id()

#define FAULTLINE_INTERNAL_TEST_CASE_METHOD(Id, Fixture, ...)                                  \
  namespace {                                                                                  \
  struct Id : Fixture {                                                                        \
    void test();                                                                               \
    void FaultlineRun() {                                                                      \
      ::faultline::catch2::internal::RunBody(CATCH_INTERNAL_LINEINFO, [this] { test(); });     \
    }                                                                                          \
  };                                                                                           \
  const ::Catch::AutoReg FAULTLINE_INTERNAL_CATCH_CONCAT(Id, _registrar)(                      \
      ::Catch::makeTestInvoker(&Id::FaultlineRun), CATCH_INTERNAL_LINEINFO, #Fixture,          \
      ::Catch::NameAndTags{FAULTLINE_INTERNAL_CATCH_NAME(__VA_ARGS__, ""),                     \
                           FAULTLINE_INTERNAL_CATCH_TAGS(__VA_ARGS__, "", "")});               \
  const bool FAULTLINE_INTERNAL_CATCH_CONCAT(Id, _annotation) [[maybe_unused]] =               \
      ::faultline::internal::Session::Instance().Annotate(                                     \
          FAULTLINE_INTERNAL_CATCH_NAME(__VA_ARGS__, ""), __FILE__, __LINE__, [] {              \
            return ::faultline::catch2::internal::RulesOf(__VA_ARGS__);                         \
          });                                                                                  \
  }                                                                                            \
  void Id::test()

// A test case like TEST_CASE("name", "[tags]") whose runs get `rules` (FaultConfig or
// faultline::Expected(...)) installed on faultline::Current(); expectations are verified when
// the body returns. Tags and rules are optional. The body follows the macro.
#define FAULTLINE_TEST_CASE(...) \
  FAULTLINE_INTERNAL_TEST_CASE(FAULTLINE_INTERNAL_CATCH_CONCAT(faultline_test_case_, __COUNTER__), __VA_ARGS__)

// A test case like TEST_CASE_METHOD(Fixture, "name", "[tags]") with `rules` installed for its
// runs; the fixture is constructed after the rules are installed.
#define FAULTLINE_TEST_CASE_METHOD(Fixture, ...)                                                 \
  FAULTLINE_INTERNAL_TEST_CASE_METHOD(FAULTLINE_INTERNAL_CATCH_CONCAT(faultline_test_case_,      \
                                                                      __COUNTER__),              \
                                      Fixture, __VA_ARGS__)

// Defines the rule profile `name`, installed on every test case tagged [faultline:name]:
//   FAULTLINE_PROFILE("flaky-network", faultline::Delay("slow", 5ms).Target("Net::*"));
// Rule files given by --faultline-rules=@file define profiles too (their [name] sections).
// A tag naming no profile fails start-up.
#define FAULTLINE_PROFILE(name, ...)                                                            \
  namespace {                                                                                  \
  const bool FAULTLINE_INTERNAL_CATCH_CONCAT(faultline_profile_, __COUNTER__) [[maybe_unused]] = \
      ::faultline::catch2::internal::RegisterProfile(name, __FILE__, __LINE__, [] {             \
        return std::vector<::faultline::FaultConfig>{__VA_ARGS__};                              \
      });                                                                                      \
  }

#define FAULTLINE_INTERNAL_FAULT_ASSERT(macro, disposition, text, check)                       \
  do {                                                                                         \
    ::Catch::AssertionHandler faultline_handler(macro, CATCH_INTERNAL_LINEINFO, text,          \
                                                disposition);                                  \
    try {                                                                                      \
      faultline_handler.handleExpr(check);                                                     \
    } catch (...) {                                                                            \
      faultline_handler.handleUnexpectedInflightException();                                   \
    }                                                                                          \
    faultline_handler.complete();                                                              \
  } while (false)

#define FAULTLINE_CHECK_FAULT_TRIGGERED(name)                                               \
  FAULTLINE_INTERNAL_FAULT_ASSERT("CHECK_FAULT_TRIGGERED", ::Catch::ResultDisposition::ContinueOnFailure, \
                                  #name, ::faultline::catch2::internal::FaultTriggered(name))
#define FAULTLINE_REQUIRE_FAULT_TRIGGERED(name)                                         \
  FAULTLINE_INTERNAL_FAULT_ASSERT("REQUIRE_FAULT_TRIGGERED", ::Catch::ResultDisposition::Normal, \
                                  #name, ::faultline::catch2::internal::FaultTriggered(name))
#define FAULTLINE_CHECK_FAULT_NOT_TRIGGERED(name)                                             \
  FAULTLINE_INTERNAL_FAULT_ASSERT("CHECK_FAULT_NOT_TRIGGERED",                                \
                                  ::Catch::ResultDisposition::ContinueOnFailure, #name,       \
                                  ::faultline::catch2::internal::FaultNotTriggered(name))
#define FAULTLINE_REQUIRE_FAULT_NOT_TRIGGERED(name)                                         \
  FAULTLINE_INTERNAL_FAULT_ASSERT("REQUIRE_FAULT_NOT_TRIGGERED", ::Catch::ResultDisposition::Normal, \
                                  #name, ::faultline::catch2::internal::FaultNotTriggered(name))
#define FAULTLINE_CHECK_FAULT_COUNT(name, n)                                                  \
  FAULTLINE_INTERNAL_FAULT_ASSERT("CHECK_FAULT_COUNT", ::Catch::ResultDisposition::ContinueOnFailure, \
                                  #name ", " #n, ::faultline::catch2::internal::FaultCount(name, n))
#define FAULTLINE_REQUIRE_FAULT_COUNT(name, n)                                             \
  FAULTLINE_INTERNAL_FAULT_ASSERT("REQUIRE_FAULT_COUNT", ::Catch::ResultDisposition::Normal, \
                                  #name ", " #n, ::faultline::catch2::internal::FaultCount(name, n))

#if !defined(FAULTLINE_NO_SHORT_ASSERTIONS)
// Passes when rule `name` fired at least once in this run; the failure lists what fired.
#define CHECK_FAULT_TRIGGERED(name) FAULTLINE_CHECK_FAULT_TRIGGERED(name)
#define REQUIRE_FAULT_TRIGGERED(name) FAULTLINE_REQUIRE_FAULT_TRIGGERED(name)
// Passes when rule `name` never fired in this run.
#define CHECK_FAULT_NOT_TRIGGERED(name) FAULTLINE_CHECK_FAULT_NOT_TRIGGERED(name)
#define REQUIRE_FAULT_NOT_TRIGGERED(name) FAULTLINE_REQUIRE_FAULT_NOT_TRIGGERED(name)
// Passes when rule `name` fired exactly `n` times in this run.
#define CHECK_FAULT_COUNT(name, n) FAULTLINE_CHECK_FAULT_COUNT(name, n)
#define REQUIRE_FAULT_COUNT(name, n) FAULTLINE_REQUIRE_FAULT_COUNT(name, n)
#endif
