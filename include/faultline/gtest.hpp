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
#include <string_view>
#include <tuple>
#include <type_traits>
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
  // faultline_explore_schedule and faultline_explore_flaky (with _failing_run, _shard and
  // _time_budget_spent when they apply). A failure that is not flaky is stored in the test's
  // file of the --faultline_regressions directory, and every later run replays the stored
  // schedules first: while one fails, the test fails with it (naming the file and line) and
  // nothing is explored; faultline_regressions_replayed counts them. --faultline_explore_runs,
  // --faultline_explore_for and --faultline_explore_shard (or their FAULTLINE_EXPLORE_* twins)
  // replace the runs `options` set and split them over processes; under --faultline_schedule
  // they do not apply (one run).
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

inline namespace FAULTLINE_EXCEPTION_MODE {
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
}  // namespace FAULTLINE_EXCEPTION_MODE

// The target "<Class>::<method>" of a FAULTLINE_MOCK_METHOD (see there): <Class> is
// `class_name` when the mock sets one (FAULTLINE_MOCK_CLASS), else read from `pretty_function`
// (the method's __PRETTY_FUNCTION__).
FAULTLINE_API std::string MockTarget(const char* class_name, std::string_view pretty_function,
                                     std::string_view method);

// The class name a mock sets with FAULTLINE_MOCK_CLASS, or null.
template <class Mock, class = void>
inline constexpr const char* kMockClass = nullptr;
template <class Mock>
inline constexpr const char* kMockClass<Mock, std::void_t<decltype(Mock::faultline_mock_class)>> =
    Mock::faultline_mock_class;

inline namespace FAULTLINE_EXCEPTION_MODE {
// The site of one FAULTLINE_MOCK_METHOD, interned once per method.
class MockPoint {
 public:
  explicit MockPoint(const std::string& target) : point_id_(PointId(target)) {}
  // Checks the target on faultline::Current(), then makes the mock's call `call()` or applies
  // the fault, as Inject does.
  template <class R, class Call>
  R Invoke(Call&& call) const {
    FaultInjector& injector = Current();
    return InvokeWithFaults<R>(injector, injector.SiteFor(point_id_), std::forward<Call>(call));
  }

 private:
  std::uint32_t point_id_;
};
}  // namespace FAULTLINE_EXCEPTION_MODE

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
// its run: FAULTLINE_TEST(Suite, Name, rules...). The body follows the macro. As with TEST_F,
// every test of `Suite` must use the same fixture: do not mix FAULTLINE_TEST and TEST in one
// suite (FAULTLINE_TEST(Suite, Name) with no rules is its plain test).
#define FAULTLINE_TEST(...)                                                      \
  FAULTLINE_INTERNAL_TEST(FAULTLINE_INTERNAL_ARG1(__VA_ARGS__, ),                \
                          FAULTLINE_INTERNAL_ARG2(__VA_ARGS__, ),                \
                          FAULTLINE_INTERNAL_RULES(__VA_ARGS__, ))

// A test like TEST_F(Fixture, Name) with rules installed for its run:
// FAULTLINE_TEST_F(Fixture, Name, rules...), or no rules. Derive the fixture from
// faultline::FaultTest to get Injector(), ExpectFault() and the rest.
#define FAULTLINE_TEST_F(...)                                                      \
  FAULTLINE_INTERNAL_TEST_F(FAULTLINE_INTERNAL_ARG1(__VA_ARGS__, ),                \
                            FAULTLINE_INTERNAL_ARG2(__VA_ARGS__, ),                \
                            FAULTLINE_INTERNAL_RULES(__VA_ARGS__, ))

// The test macros take all their arguments as `...` and split them here, with an empty argument
// appended: the rules may then be none without an empty `...`, which -Wpedantic rejects before
// C++20. The rules come out with a trailing comma, which a braced list accepts.
#define FAULTLINE_INTERNAL_ARG1(first, ...) first
#define FAULTLINE_INTERNAL_ARG2(first, second, ...) second
#define FAULTLINE_INTERNAL_RULES(first, second, ...) __VA_ARGS__
#define FAULTLINE_INTERNAL_TEST(Suite, Name, ...)   \
  FAULTLINE_ANNOTATE(Suite, Name, __VA_ARGS__); \
  GTEST_TEST_(Suite, Name, ::faultline::FaultTest,  \
              ::testing::internal::GetTypeId<::faultline::FaultTest>())
#define FAULTLINE_INTERNAL_TEST_F(Fixture, Name, ...) \
  FAULTLINE_ANNOTATE(Fixture, Name, __VA_ARGS__);   \
  TEST_F(Fixture, Name)

// MOCK_METHOD whose every call first checks the target "<Class>::<Method>" on
// faultline::Current(), whatever ON_CALL and EXPECT_CALL say, so a rule on "Gateway::*" makes
// the whole mock faulty with no Inject:
//
//   class MockGateway : public Gateway {
//    public:
//     FAULTLINE_MOCK_METHOD(Receipt, Charge, (const std::string&, int), (override));
//   };
//
// The arguments are MOCK_METHOD's. <Class> is the mock's class name without namespaces or
// template arguments, and without a "Mock" prefix or suffix (MockGateway and GatewayMock are
// "Gateway"); FAULTLINE_MOCK_CLASS sets it instead. A faulted call is the fault, as with
// Inject: exception and timeout rules throw (or become the result's error where its type has
// an error mapping, see error_mapping.hpp), kReturn rules return their value, kCorruption rules
// corrupt what the mock's action returned, delay rules sleep before it. On a noexcept method an
// exception rule without an error mapping ends the program, as any exception there would. A call that
// throws or returns the rule's value never reaches the mock, so EXPECT_CALL counts the calls
// that got through (faultline::Current().Stats() counts them all).
#define FAULTLINE_MOCK_METHOD(...) \
  GMOCK_PP_VARIADIC_CALL(FAULTLINE_INTERNAL_MOCK_METHOD_ARG_, __VA_ARGS__)

// In a mock class: its FAULTLINE_MOCK_METHODs' targets are "<name>::<Method>".
#define FAULTLINE_MOCK_CLASS(name) static constexpr const char* faultline_mock_class = name

#define FAULTLINE_INTERNAL_MOCK_METHOD_WRONG_ARITY(...)                                    \
  static_assert(false, "FAULTLINE_MOCK_METHOD takes MOCK_METHOD's arguments: the result " \
                       "type, the name, the parenthesized argument types and optionally "  \
                       "the parenthesized specifiers")
#define FAULTLINE_INTERNAL_MOCK_METHOD_ARG_1(...) FAULTLINE_INTERNAL_MOCK_METHOD_WRONG_ARITY()
#define FAULTLINE_INTERNAL_MOCK_METHOD_ARG_2(...) FAULTLINE_INTERNAL_MOCK_METHOD_WRONG_ARITY()
#define FAULTLINE_INTERNAL_MOCK_METHOD_ARG_5(...) FAULTLINE_INTERNAL_MOCK_METHOD_WRONG_ARITY()
#define FAULTLINE_INTERNAL_MOCK_METHOD_ARG_6(...) FAULTLINE_INTERNAL_MOCK_METHOD_WRONG_ARITY()
#define FAULTLINE_INTERNAL_MOCK_METHOD_ARG_3(_Ret, _MethodName, _Args) \
  FAULTLINE_INTERNAL_MOCK_METHOD_ARG_4(_Ret, _MethodName, _Args, ())

// MOCK_METHOD's own expansion (the same in GoogleTest 1.12 and 1.18, both built in CI), with
// the faultline check in the mocked method's body.
#define FAULTLINE_INTERNAL_MOCK_METHOD_ARG_4(_Ret, _MethodName, _Args, _Spec)               \
  GMOCK_INTERNAL_ASSERT_PARENTHESIS(_Args);                                                 \
  GMOCK_INTERNAL_ASSERT_PARENTHESIS(_Spec);                                                 \
  GMOCK_INTERNAL_ASSERT_VALID_SIGNATURE(GMOCK_PP_NARG0 _Args,                               \
                                        GMOCK_INTERNAL_SIGNATURE(_Ret, _Args));             \
  GMOCK_INTERNAL_ASSERT_VALID_SPEC(_Spec)                                                   \
  FAULTLINE_INTERNAL_MOCK_METHOD_IMPL(                                                      \
      GMOCK_PP_NARG0 _Args, _MethodName, GMOCK_INTERNAL_HAS_CONST(_Spec),                   \
      GMOCK_INTERNAL_HAS_OVERRIDE(_Spec), GMOCK_INTERNAL_HAS_FINAL(_Spec),                  \
      GMOCK_INTERNAL_GET_NOEXCEPT_SPEC(_Spec), GMOCK_INTERNAL_GET_CALLTYPE_SPEC(_Spec),     \
      GMOCK_INTERNAL_GET_REF_SPEC(_Spec), (GMOCK_INTERNAL_SIGNATURE(_Ret, _Args)))

#define FAULTLINE_INTERNAL_MOCK_METHOD_IMPL(_N, _MethodName, _Constness, _Override, _Final,   \
                                            _NoexceptSpec, _CallType, _RefSpec, _Signature)   \
  typename ::testing::internal::Function<GMOCK_PP_REMOVE_PARENS(_Signature)>::Result         \
  GMOCK_INTERNAL_EXPAND(_CallType)                                                            \
      _MethodName(GMOCK_PP_REPEAT(GMOCK_INTERNAL_PARAMETER, _Signature, _N))                  \
          GMOCK_PP_IF(_Constness, const, ) _RefSpec _NoexceptSpec                             \
              GMOCK_PP_IF(_Override, override, ) GMOCK_PP_IF(_Final, final, ) {               \
    using FaultlineResult =                                                                   \
        typename ::testing::internal::Function<GMOCK_PP_REMOVE_PARENS(_Signature)>::Result;  \
    GMOCK_MOCKER_(_N, _Constness, _MethodName).SetOwnerAndName(this, #_MethodName);          \
    static const ::faultline::internal::MockPoint faultline_internal_point(                   \
        ::faultline::internal::MockTarget(                                                    \
            ::faultline::internal::kMockClass<                                                \
                std::remove_cv_t<std::remove_pointer_t<decltype(this)>>>,                     \
            __PRETTY_FUNCTION__, #_MethodName));                                              \
    return faultline_internal_point.Invoke<FaultlineResult>([&]() -> FaultlineResult {        \
      return GMOCK_MOCKER_(_N, _Constness, _MethodName)                                       \
          .Invoke(GMOCK_PP_REPEAT(GMOCK_INTERNAL_FORWARD_ARG, _Signature, _N));               \
    });                                                                                       \
  }                                                                                           \
  ::testing::MockSpec<GMOCK_PP_REMOVE_PARENS(_Signature)> gmock_##_MethodName(                \
      GMOCK_PP_REPEAT(GMOCK_INTERNAL_MATCHER_PARAMETER, _Signature, _N))                      \
      GMOCK_PP_IF(_Constness, const, ) _RefSpec {                                             \
    GMOCK_MOCKER_(_N, _Constness, _MethodName).RegisterOwner(this);                           \
    return GMOCK_MOCKER_(_N, _Constness, _MethodName)                                         \
        .With(GMOCK_PP_REPEAT(GMOCK_INTERNAL_MATCHER_ARGUMENT, , _N));                        \
  }                                                                                           \
  ::testing::MockSpec<GMOCK_PP_REMOVE_PARENS(_Signature)> gmock_##_MethodName(                \
      const ::testing::internal::WithoutMatchers&,                                            \
      GMOCK_PP_IF(_Constness, const, )::testing::internal::Function<                          \
          GMOCK_PP_REMOVE_PARENS(_Signature)>*) const _RefSpec _NoexceptSpec {                \
    return ::testing::internal::ThisRefAdjuster<GMOCK_PP_IF(_Constness, const, )              \
                                                    int _RefSpec>::Adjust(*this)              \
        .gmock_##_MethodName(                                                                 \
            GMOCK_PP_REPEAT(GMOCK_INTERNAL_A_MATCHER_ARGUMENT, _Signature, _N));              \
  }                                                                                           \
  mutable ::testing::FunctionMocker<GMOCK_PP_REMOVE_PARENS(_Signature)>                       \
  GMOCK_MOCKER_(_N, _Constness, _MethodName)

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
