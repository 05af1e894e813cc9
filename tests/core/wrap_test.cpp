#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <memory>
#include <optional>
#include <set>
#include <string_view>

#include "faultline/injector.hpp"

namespace {

using namespace std::chrono_literals;
using ::testing::HasSubstr;
using ::testing::ThrowsMessage;

int Add(int a, int b) { return a + b; }

TEST(WrapTest, PreservesResultsAndArgumentsOfFreeFunctions) {
  faultline::FaultInjector injector;
  auto add = injector.Wrap("add", &Add);
  EXPECT_EQ(add(2, 3), 5);
  EXPECT_EQ(add.target(), "add");
}

TEST(WrapTest, WorksWithMemberFunctionsThroughLambdas) {
  struct Account {
    int balance = 10;
    int Withdraw(int amount) { return balance -= amount; }
  } account;
  faultline::FaultInjector injector;
  auto withdraw = injector.Wrap("Account::Withdraw", [&](int amount) { return account.Withdraw(amount); });
  EXPECT_EQ(withdraw(3), 7);
  EXPECT_EQ(account.balance, 7);
}

TEST(WrapTest, ForwardsMoveOnlyArgumentsAndReferenceResults) {
  faultline::FaultInjector injector;
  auto take = injector.Wrap("take", [](std::unique_ptr<int> p) { return *p + 1; });
  EXPECT_EQ(take(std::make_unique<int>(41)), 42);

  int storage = 5;
  auto ref = injector.Wrap("ref", [&]() -> int& { return storage; });
  ref() = 9;
  EXPECT_EQ(storage, 9);

  auto out = injector.Wrap("out", [](int& target) { target = 3; });
  int value = 0;
  out(value);
  EXPECT_EQ(value, 3);
}

TEST(WrapTest, PropagatesTheCalleesOwnExceptions) {
  faultline::FaultInjector injector;
  auto fails = injector.Wrap("fails", []() -> int { throw std::out_of_range("callee"); });
  EXPECT_THAT([&] { fails(); }, ThrowsMessage<std::out_of_range>("callee"));
}

TEST(WrapTest, ExceptionRulesThrowBeforeTheCall) {
  faultline::FaultInjector injector;
  injector.AddRule(faultline::Exception("api-error").Target("call_api"));
  int calls = 0;
  auto call_api = injector.Wrap("call_api", [&] { ++calls; });
  EXPECT_THROW(call_api(), faultline::InjectedFault);
  EXPECT_EQ(calls, 0);
}

TEST(WrapTest, DelayRulesDelayThenCall) {
  faultline::VirtualClock clock;
  faultline::FaultInjector injector;
  injector.SetClock(&clock);
  injector.AddRule(faultline::Delay("slow", 40ms).Target("q"));
  auto q = injector.Wrap("q", [] { return 1; });
  EXPECT_EQ(q(), 1);
  EXPECT_EQ(clock.Now(), 40ms);
}

TEST(WrapTest, ReturnRulesSkipTheCallAndConvertTheValue) {
  faultline::FaultInjector injector;
  injector.AddRule(faultline::Return("oom", -12).Target("alloc"));
  injector.AddRule(faultline::Return("miss", std::nullopt).Target("find"));
  injector.AddRule(faultline::Return("msg", "unavailable").Target("status"));
  injector.AddRule(faultline::Return("half", 0.5).Target("ratio"));
  int calls = 0;
  auto alloc = injector.Wrap("alloc", [&]() -> long { ++calls; return 0; });
  auto find = injector.Wrap("find", [&]() -> std::optional<int> { ++calls; return 1; });
  auto status = injector.Wrap("status", [&]() -> std::string { ++calls; return "ok"; });
  auto ratio = injector.Wrap("ratio", [&]() -> float { ++calls; return 1; });
  auto nothing = injector.Wrap("alloc", [&] { ++calls; });
  EXPECT_EQ(alloc(), -12);
  EXPECT_EQ(find(), std::nullopt);
  EXPECT_EQ(status(), "unavailable");
  EXPECT_EQ(ratio(), 0.5f);
  nothing();
  EXPECT_EQ(calls, 0);
}

enum class Status { kOk, kUnavailable = 14 };

TEST(WrapTest, ReturnRulesReachEnumsAndUserTypes) {
  faultline::FaultInjector injector;
  injector.AddRule(faultline::Return("exact", Status::kUnavailable).Target("exact"));
  injector.AddRule(faultline::Return("numeric", 14).Target("numeric"));
  auto exact = injector.Wrap("exact", [] { return Status::kOk; });
  auto numeric = injector.Wrap("numeric", [] { return Status::kOk; });
  EXPECT_EQ(exact(), Status::kUnavailable);
  EXPECT_EQ(numeric(), Status::kUnavailable);
}

TEST(WrapTest, ReturnValueOfTheWrongTypeIsAClearError) {
  faultline::FaultInjector injector;
  injector.AddRule(faultline::Return("oom", "text").Target("alloc"));
  auto alloc = injector.Wrap("alloc", [] { return 1; });
  EXPECT_THAT([&] { alloc(); },
              ThrowsMessage<std::logic_error>(
                  "faultline: rule \"oom\" on target \"alloc\": its return value of type "
                  "std::string cannot become the result type int"));
}

TEST(WrapTest, CorruptionRulesCorruptTheResultDeterministically) {
  auto run = [](std::uint64_t seed) {
    faultline::FaultInjector injector(seed);
    injector.AddRule(faultline::Corruption("garble").Target("fetch"));
    auto fetch = injector.Wrap("fetch", [] { return std::vector<unsigned>{1, 2, 3, 4, 5, 6}; });
    return fetch();
  };
  const auto corrupted = run(42);
  EXPECT_NE(corrupted, (std::vector<unsigned>{1, 2, 3, 4, 5, 6}));
  EXPECT_EQ(run(42), corrupted);

  faultline::FaultInjector injector;
  injector.AddRule(faultline::Corruption("garble").Target("name"));
  auto name = injector.Wrap("name", [] { return std::string("alice"); });
  EXPECT_EQ(name(), "ecila");
}

TEST(WrapTest, CorruptingAnUncorruptibleResultIsAClearError) {
  struct Opaque {};
  faultline::FaultInjector injector;
  injector.AddRule(faultline::Corruption("garble").Target("*"));
  auto opaque = injector.Wrap("opaque", [] { return Opaque{}; });
  EXPECT_THAT([&] { opaque(); },
              ThrowsMessage<std::logic_error>(HasSubstr(
                  "faultline: rule \"garble\" on target \"opaque\": cannot corrupt a result of "
                  "type")));
  auto nothing = injector.Wrap("void", [] {});
  EXPECT_THAT([&] { nothing(); }, ThrowsMessage<std::logic_error>(HasSubstr("type void")));
}

TEST(WrapTest, ViewsAndSetsCanBeWrappedButNotCorrupted) {
  static_assert(!faultline::kIsCorruptible<std::string_view>);
  static_assert(!faultline::kIsCorruptible<std::set<int>>);
  faultline::FaultInjector injector;
  auto view = injector.Wrap("view", [] { return std::string_view("abc"); });
  auto set = injector.Wrap("set", [] { return std::set<int>{1, 2}; });
  EXPECT_EQ(view(), "abc");
  EXPECT_EQ(set().size(), 2u);
  injector.AddRule(faultline::Corruption("garble").Target("*"));
  EXPECT_THAT([&] { view(); }, ThrowsMessage<std::logic_error>(HasSubstr("cannot corrupt a result of type std::basic_string_view")));
  EXPECT_THROW(set(), std::logic_error);
}

TEST(WrapTest, WrappedCallablesCountCallsOnTheirTarget) {
  faultline::FaultInjector injector;
  injector.AddRule(faultline::Exception("r").Target("t").Probability(0));
  auto a = injector.Wrap("t", [] {});
  auto b = injector.Wrap("t", [] {});
  for (int i = 0; i < 3; ++i) a();
  for (int i = 0; i < 4; ++i) b();
  EXPECT_EQ(injector.Stats().calls_per_target.at("t"), 7u);
}

}  // namespace
