// faultline for GoogleTest and GoogleMock.
//
//   #include <faultline/gtest.hpp>          // link faultline::gtest_main (or call
//                                           // faultline::Init in your main)
//   FAULTLINE_TEST(Checkout, SurvivesFlakyGateway,
//                  faultline::Expected(faultline::Exception("gw-down")
//                                          .Target("Gateway::Charge").Probability(0.3))) {
//     MockGateway gateway;
//     ON_CALL(gateway, Charge).WillByDefault(faultline::Inject("Gateway::Charge", Return(ok)));
//     EXPECT_TRUE(Checkout(gateway).Pay(42).ok());
//     EXPECT_FAULT_TRIGGERED("gw-down");
//   }
//
// Each test runs on faultline::Current(), reset and seeded with mix(global seed, test name)
// by a test-event listener, so a test's faults depend only on the seed and its name; a failed
// test prints its seed, its fault events and the command line that replays it.
#pragma once

#if !__has_include(<gtest/gtest.h>) || !__has_include(<gmock/gmock.h>)
#error "faultline/gtest.hpp needs GoogleTest and GoogleMock (<gtest/gtest.h>, <gmock/gmock.h>)"
#endif

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstdint>
#include <functional>
#include <memory>
#include <ostream>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include "faultline/explore.hpp"
#include "faultline/export.hpp"
#include "faultline/faultline.hpp"
#include "faultline/internal/session.hpp"
#include "faultline/posix.hpp"

namespace faultline {

// Reads --faultline_* flags (removing them from argv) and FAULTLINE_* variables, checks the
// annotations against the registered tests and installs the listener. Call it after
// ::testing::InitGoogleTest (faultline::gtest_main does). On bad flags, bad rules or
// annotations of missing tests it prints what is wrong and exits with status 1. --help prints
// faultline's flags too. Without this call (e.g. with GTest::gtest_main linked) no rule is
// installed, and every annotated test and every FaultTest fails saying so.
FAULTLINE_API void Init(int* argc, char** argv);

// The former name of Init, which clashes with ::testing::InitGoogleTest under
// `using namespace`.
[[deprecated("use faultline::Init")]] inline void InitGoogleTest(int* argc, char** argv) {
  Init(argc, argv);
}

// The listener Init installs; exposed for programs that manage listeners themselves.
// Owned by gtest once appended to the listeners.
FAULTLINE_API ::testing::TestEventListener* MakeListener(std::string program);

// Base fixture of faultline tests (FAULTLINE_TEST uses it; derive your fixtures from it for
// FAULTLINE_TEST_F). Expectations made with ExpectFault are verified at TearDown.
class FAULTLINE_API FaultTest : public ::testing::Test {
 protected:
  // The injector of this test (faultline::Current()).
  FaultInjector& Injector() { return Current(); }
  // The faults injected so far in this test.
  std::vector<FaultEvent> Events() { return Current().Events(); }
  // Counters of this test.
  HarnessStats Stats() { return Current().Stats(); }
  // Expects rule `name` to fire: at least once by default, or as set on the result
  // (.Times(n), .AtLeast(n), .Never()). Verified when the test ends; a failure is reported at
  // `file`:`line`, which default to the line that calls ExpectFault.
  FaultExpectation& ExpectFault(const std::string& name, const char* file = __builtin_FILE(),
                                int line = __builtin_LINE()) {
    return internal::Session::Instance().ExpectFault(name, file, line);
  }
  // Runs this test's delays and timeouts on a VirtualClock owned by the fixture, so they cost
  // no wall-clock time (in every run of Sweep and Explore too); TearDown restores the real
  // clock. Returns that clock.
  VirtualClock& UseVirtualClock();

  // faultline::Sweep on this test's injector. Assertion failures and exceptions in `body` are
  // collected per run, so a failing run does not fail the test by itself; when one fails, the
  // test fails once with the report (schedule, failure, replay flag). Records the properties
  // faultline_sweep_runs and faultline_sweep_failures. Under --faultline_schedule, one run
  // replays that schedule with assertions reported as usual.
  SweepResult Sweep(SweepOptions options, const std::function<void()>& body);
  // Sweeps `fault` (an exact or glob target): every call it reaches fails in turn.
  SweepResult Sweep(FaultConfig fault, const std::function<void()>& body);
  // Sweeps the test's installed rules (annotated or added).
  SweepResult Sweep(const std::function<void()>& body);
  // Sweeps every allocation `operation` makes (faultline::posix::SweepAllocations, which needs
  // faultline::posix linked), reporting like Sweep; `check(threw)` asserts the invariants after
  // each run. A sweep that reached no allocation target fails the test.
  SweepResult SweepAllocations(std::function<void()> operation,
                               std::function<void(bool threw)> check);

  // faultline::Explore on this test's injector, with Sweep's handling of failures: the test
  // fails once, after shrinking, with the seed, the minimal schedule and the replay flag.
  // Records faultline_explore_runs, and for a failure faultline_explore_seed,
  // faultline_explore_schedule and faultline_explore_flaky.
  ExploreResult Explore(ExploreOptions options, const std::function<void()>& body);
  // Explores the test's installed rules for 100 runs.
  ExploreResult Explore(const std::function<void()>& body);

  void TearDown() override;

 private:
  std::unique_ptr<VirtualClock> virtual_clock_;
};

namespace internal {
// Registers the rules annotated on test `suite`.`test` (FAULTLINE_ANNOTATE) with the session.
FAULTLINE_API bool AnnotateTest(std::string suite, std::string test, const char* file, int line,
                                std::function<std::vector<AnnotatedRule>()> rules);

// Predicate-formatters of the assertion macros.
FAULTLINE_API ::testing::AssertionResult FaultTriggered(const char* expression,
                                                        const std::string& rule);
FAULTLINE_API ::testing::AssertionResult FaultNotTriggered(const char* expression,
                                                           const std::string& rule);
FAULTLINE_API ::testing::AssertionResult FaultCount(const char* rule_expression,
                                                    const char* count_expression,
                                                    const std::string& rule, std::uint64_t count);

// The injecting action returned by faultline::Inject.
template <class A>
class InjectAction {
 public:
  InjectAction(std::string target, A action)
      : point_id_(PointId(target)), action_(std::move(action)) {}

  template <class R, class... Args>
  operator ::testing::Action<R(Args...)>() const {  // NOLINT(google-explicit-constructor)
    const ::testing::Action<R(Args...)> inner = action_;
    const std::uint32_t point_id = point_id_;
    return [inner, point_id](Args... args) -> R {
      FaultInjector& injector = Current();
      return InvokeWithFaults<R>(injector, injector.SiteFor(point_id), [&]() -> R {
        return inner.Perform(std::forward_as_tuple(std::forward<Args>(args)...));
      });
    };
  }

 private:
  std::uint32_t point_id_;
  A action_;
};

}  // namespace internal

// Wraps a gmock action (Return, ReturnRef, Invoke, DoAll, a lambda, ...) so that each call
// first checks `target` on faultline::Current(): exception and timeout rules throw, delays
// sleep, kReturn rules return their value converted to the mocked method's result type (a
// move-only one from ReturnWith; when it cannot be converted the test fails naming rule and
// types, and the action runs), kCorruption rules corrupt the action's result. Use in ON_CALL(...).WillByDefault and EXPECT_CALL(...).WillOnce/Repeatedly.
template <class A>
internal::InjectAction<std::decay_t<A>> Inject(std::string target, A&& action) {
  return internal::InjectAction<std::decay_t<A>>(std::move(target), std::forward<A>(action));
}

// Prints an event in gtest messages as "api-error (exception) on call_api call 3".
FAULTLINE_API void PrintTo(const FaultEvent& event, std::ostream* os);

// Matches a FaultEvent of rule `name`.
MATCHER_P(FaultNamed, name,
          std::string(negation ? "isn't" : "is") + " a fault of rule \"" + std::string(name) + "\"") {
  *result_listener << "which is a fault of rule \"" << arg.rule << "\"";
  return arg.rule == std::string(name);
}

// Matches a FaultEvent of FaultType `type`.
MATCHER_P(FaultOfType, type,
          std::string(negation ? "isn't" : "is") + " a fault of type " + ToString(type)) {
  *result_listener << "which is of type " << ToString(arg.type);
  return arg.type == type;
}

// Matches a FaultEvent injected into a call of `target`.
MATCHER_P(AtTarget, target,
          std::string(negation ? "isn't" : "is") + " a fault at target \"" + std::string(target) + "\"") {
  *result_listener << "which is at target \"" << arg.target << "\"";
  return arg.target == std::string(target);
}

}  // namespace faultline

#define FAULTLINE_INTERNAL_CONCAT_(a, b) a##b
#define FAULTLINE_INTERNAL_CONCAT(a, b) FAULTLINE_INTERNAL_CONCAT_(a, b)

// Annotates test `Suite`.`Name` with rules (FaultConfig or faultline::Expected(...)). Works for
// any test, including TEST_P and TYPED_TEST suites (matched without instantiation prefix and
// parameter index). An annotation of a test that does not exist fails start-up.
#define FAULTLINE_ANNOTATE(Suite, Name, ...)                                                \
  static const bool FAULTLINE_INTERNAL_CONCAT(faultline_annotation_##Suite##_##Name##_,   \
                                              __LINE__) [[maybe_unused]] =                 \
      ::faultline::internal::AnnotateTest(                                                \
          #Suite, #Name, __FILE__, __LINE__, []() -> std::vector<::faultline::AnnotatedRule> { \
            return {__VA_ARGS__};                                                           \
          })

// A test like TEST(Suite, Name), on the faultline::FaultTest fixture, with rules installed for
// its run. The body follows the macro. As with TEST_F, every test of `Suite` must use the same
// fixture: do not mix FAULTLINE_TEST and TEST in one suite (a test of the suite without rules
// is TEST_F(Suite, Name) after `using Suite = faultline::FaultTest;`, since C++17 wants at least
// one argument for the rules).
#define FAULTLINE_TEST(Suite, Name, ...)      \
  FAULTLINE_ANNOTATE(Suite, Name, __VA_ARGS__); \
  GTEST_TEST_(Suite, Name, ::faultline::FaultTest, ::testing::internal::GetTypeId<::faultline::FaultTest>())

// A test like TEST_F(Fixture, Name) with rules installed for its run. Derive the fixture from
// faultline::FaultTest to get Injector(), ExpectFault() and the rest.
#define FAULTLINE_TEST_F(Fixture, Name, ...)      \
  FAULTLINE_ANNOTATE(Fixture, Name, __VA_ARGS__); \
  TEST_F(Fixture, Name)

#define FAULTLINE_EXPECT_FAULT_TRIGGERED(name) \
  EXPECT_PRED_FORMAT1(::faultline::internal::FaultTriggered, name)
#define FAULTLINE_ASSERT_FAULT_TRIGGERED(name) \
  ASSERT_PRED_FORMAT1(::faultline::internal::FaultTriggered, name)
#define FAULTLINE_EXPECT_FAULT_NOT_TRIGGERED(name) \
  EXPECT_PRED_FORMAT1(::faultline::internal::FaultNotTriggered, name)
#define FAULTLINE_ASSERT_FAULT_NOT_TRIGGERED(name) \
  ASSERT_PRED_FORMAT1(::faultline::internal::FaultNotTriggered, name)
#define FAULTLINE_EXPECT_FAULT_COUNT(name, n) \
  EXPECT_PRED_FORMAT2(::faultline::internal::FaultCount, name, n)
#define FAULTLINE_ASSERT_FAULT_COUNT(name, n) \
  ASSERT_PRED_FORMAT2(::faultline::internal::FaultCount, name, n)

#if !defined(FAULTLINE_NO_SHORT_ASSERTIONS)
// Passes when rule `name` fired at least once in this test; the failure lists what fired.
#define EXPECT_FAULT_TRIGGERED(name) FAULTLINE_EXPECT_FAULT_TRIGGERED(name)
#define ASSERT_FAULT_TRIGGERED(name) FAULTLINE_ASSERT_FAULT_TRIGGERED(name)
// Passes when rule `name` never fired in this test.
#define EXPECT_FAULT_NOT_TRIGGERED(name) FAULTLINE_EXPECT_FAULT_NOT_TRIGGERED(name)
#define ASSERT_FAULT_NOT_TRIGGERED(name) FAULTLINE_ASSERT_FAULT_NOT_TRIGGERED(name)
// Passes when rule `name` fired exactly `n` times in this test.
#define EXPECT_FAULT_COUNT(name, n) FAULTLINE_EXPECT_FAULT_COUNT(name, n)
#define ASSERT_FAULT_COUNT(name, n) FAULTLINE_ASSERT_FAULT_COUNT(name, n)
#endif
