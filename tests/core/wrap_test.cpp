#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstdint>
#include <future>
#include <memory>
#include <optional>
#include <set>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "faultline/injector.hpp"
#include "faultline/rules.hpp"

namespace {

using namespace std::chrono_literals;
using ::testing::ElementsAre;
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

TEST(WrapTest, AValueThatCannotBecomeTheResultIsReportedAndTheCallIsMade) {
  faultline::FaultInjector injector;
  faultline::internal::TakeProblems();
  // Added before the target is wrapped: only the rule's firing can find the mismatch.
  injector.AddRule(faultline::Return("oom", "text").Target("alloc"));
  auto alloc = injector.Wrap("alloc", [] { return 1; });
  EXPECT_EQ(alloc(), 1);
  EXPECT_THAT(faultline::internal::TakeProblems(),
              ElementsAre("faultline: rule \"oom\" on target \"alloc\": its return value \"text\" of type "
                          "std::string cannot become the result type int; the call was made as "
                          "if the rule had not fired"));
}

TEST(WrapTest, AddRuleRejectsAValueAWrappedTargetCannotReturn) {
  faultline::FaultInjector injector;
  auto alloc = injector.Wrap("alloc", [] { return 1; });
  EXPECT_THAT([&] { injector.AddRule(faultline::Return("oom", "text").Target("alloc")); },
              ThrowsMessage<std::invalid_argument>(
                  "faultline: rule \"oom\" on target \"alloc\": its return value \"text\" of type "
                  "std::string cannot become the result type int"));
  EXPECT_THAT([&] { injector.AddRule(faultline::Return("oom", "text").Target("al*")); },
              ThrowsMessage<std::invalid_argument>(HasSubstr("on target \"alloc\"")));
  EXPECT_TRUE(injector.Rules().empty());
  EXPECT_TRUE(injector.Stats().rules.empty());
  injector.AddRule(faultline::Return("oom", -12).Target("alloc"));
  EXPECT_EQ(alloc(), -12);
  // Reset forgets the result type: the next test may wrap the target with another one.
  injector.Reset();
  injector.AddRule(faultline::Return("oom", "text").Target("alloc"));
  auto name = injector.Wrap("alloc", [] { return std::string("real"); });
  EXPECT_EQ(name(), "text");
}

TEST(WrapTest, NumbersThatDoNotFitTheResultTypeAreErrors) {
  faultline::FaultInjector injector;
  auto as_int = injector.Wrap("int", [] { return 0; });
  auto as_byte = injector.Wrap("byte", [] { return std::uint8_t{0}; });
  auto as_size = injector.Wrap("size", [] { return std::size_t{0}; });
  auto as_bool = injector.Wrap("bool", [] { return false; });
  auto as_float = injector.Wrap("float", [] { return 0.0f; });
  const auto rejected = [&](const faultline::FaultConfig& rule) {
    try {
      injector.AddRule(rule);
    } catch (const std::invalid_argument& error) {
      return std::string(error.what());
    }
    return std::string("accepted");
  };
  EXPECT_EQ(rejected(faultline::Return("big", 5e9).Target("int")),
            "faultline: rule \"big\" on target \"int\": its return value 5e+09 does not fit the "
            "result type int");
  EXPECT_EQ(rejected(faultline::Return("huge", 1e300).Target("int")),
            "faultline: rule \"huge\" on target \"int\": its return value 1e+300 does not fit "
            "the result type int");
  EXPECT_EQ(rejected(faultline::Return("half", 2.5).Target("int")),
            "faultline: rule \"half\" on target \"int\": its return value 2.5 does not fit the "
            "result type int");
  EXPECT_EQ(rejected(faultline::Return("wide", 300).Target("byte")),
            "faultline: rule \"wide\" on target \"byte\": its return value 300 does not fit the "
            "result type unsigned char");
  EXPECT_EQ(rejected(faultline::Return("neg", -1).Target("size")),
            "faultline: rule \"neg\" on target \"size\": its return value -1 does not fit the "
            "result type unsigned long");
  EXPECT_EQ(rejected(faultline::Return("two", 2).Target("bool")),
            "faultline: rule \"two\" on target \"bool\": its return value 2 does not fit the "
            "result type bool");
  EXPECT_EQ(rejected(faultline::Return("far", 1e300).Target("float")),
            "faultline: rule \"far\" on target \"float\": its return value 1e+300 does not fit "
            "the result type float");
  // Text rules keep numbers the same way.
  EXPECT_EQ(rejected(faultline::ParseRules("text=byte:return(300)").at(0)),
            "faultline: rule \"text\" on target \"byte\": its return value 300 does not fit "
            "the result type unsigned char");
  EXPECT_TRUE(injector.Rules().empty());

  EXPECT_EQ(rejected(faultline::Return("min", -2147483648LL).Target("int")), "accepted");
  EXPECT_EQ(rejected(faultline::Return("max", 255).Target("byte")), "accepted");
  EXPECT_EQ(rejected(faultline::Return("one", 1).Target("bool")), "accepted");
  EXPECT_EQ(rejected(faultline::Return("all", SIZE_MAX).Target("size")), "accepted");
  EXPECT_EQ(rejected(faultline::Return("pi", 3.25).Target("float")), "accepted");
  EXPECT_EQ(as_int(), -2147483647 - 1);
  EXPECT_EQ(as_byte(), 255);
  EXPECT_TRUE(as_bool());
  EXPECT_EQ(as_size(), SIZE_MAX);
  EXPECT_EQ(as_float(), 3.25f);
}

TEST(WrapTest, ANumberThatDoesNotFitIsReportedWhenItFires) {
  faultline::FaultInjector injector;
  faultline::internal::TakeProblems();
  injector.AddRule(faultline::Return("huge", 1e300).Target("count"));
  auto count = injector.Wrap("count", [] { return 7; });
  EXPECT_EQ(count(), 7);
  EXPECT_THAT(faultline::internal::TakeProblems(),
              ElementsAre("faultline: rule \"huge\" on target \"count\": its return value 1e+300 "
                          "does not fit the result type int; the call was made as if the rule "
                          "had not fired"));
  EXPECT_EQ(injector.Stats().total_faults, 1u);
}

// Move-only, like an expected<std::unique_ptr<T>, E>.
struct Owned {
  std::unique_ptr<int> value;
  int error = 0;
};

TEST(WrapTest, MoveOnlyResultsAreWrappedAndMadeByAFactoryEachTime) {
  faultline::FaultInjector injector;
  int made = 0;
  injector.AddRule(faultline::ReturnWith("fresh", [&made] {
                     ++made;
                     return std::make_unique<int>(7);
                   }).Target("ptr").OnCalls({2, 3}));
  injector.AddRule(faultline::Return("null", nullptr).Target("null"));
  injector.AddRule(faultline::ReturnWith("failed", [] { return Owned{nullptr, 5}; }).Target("owned"));
  injector.AddRule(faultline::ReturnWith("ready", [] {
                     std::promise<int> promise;
                     promise.set_value(9);
                     return promise.get_future();
                   }).Target("future"));
  auto ptr = injector.Wrap("ptr", [] { return std::make_unique<int>(1); });
  auto null = injector.Wrap("null", [] { return std::make_unique<int>(1); });
  auto owned = injector.Wrap("owned", [] { return Owned{std::make_unique<int>(1), 0}; });
  auto future = injector.Wrap("future", [] { return std::async(std::launch::deferred, [] { return 1; }); });
  EXPECT_EQ(*ptr(), 1);
  const std::unique_ptr<int> second = ptr();
  const std::unique_ptr<int> third = ptr();
  ASSERT_TRUE(second && third);
  EXPECT_EQ(*second, 7);
  EXPECT_EQ(*third, 7);
  EXPECT_NE(second.get(), third.get());
  EXPECT_EQ(made, 2);
  EXPECT_EQ(null(), nullptr);
  const Owned result = owned();
  EXPECT_EQ(result.value, nullptr);
  EXPECT_EQ(result.error, 5);
  EXPECT_EQ(future().get(), 9);
}

TEST(WrapTest, AFactoryOfAnotherTypeIsRejectedAtAWrappedTarget) {
  faultline::FaultInjector injector;
  auto ptr = injector.Wrap("ptr", [] { return std::make_unique<int>(1); });
  EXPECT_THAT(
      [&] {
        injector.AddRule(faultline::ReturnWith("long", [] { return std::make_unique<long>(1); })
                             .Target("ptr"));
      },
      ThrowsMessage<std::invalid_argument>(HasSubstr(
          "faultline: rule \"long\" on target \"ptr\": its return value of type "
          "std::unique_ptr<long> cannot become the result type std::unique_ptr<int>")));
  EXPECT_EQ(*ptr(), 1);
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

TEST(WrapTest, TheRulesCorruptionRateSetsHowManyElementsChange) {
  const std::vector<unsigned> original(64, 0u);
  auto changed = [&](double rate) {
    faultline::FaultInjector injector(7);
    injector.AddRule(faultline::Corruption("garble").Target("fetch").CorruptionRate(rate));
    auto fetch = injector.Wrap("fetch", [&] { return original; });
    const std::vector<unsigned> got = fetch();
    std::size_t count = 0;
    for (std::size_t i = 0; i < got.size(); ++i) count += got[i] != original[i] ? 1 : 0;
    return count;
  };
  EXPECT_EQ(changed(0), 1u) << "a corrupted result always changes";
  EXPECT_EQ(changed(1), 64u);
  EXPECT_GT(changed(0.5), 1u);
  EXPECT_LT(changed(0.5), 64u);
}

TEST(WrapTest, CorruptingAnUncorruptibleResultIsReportedAndTheCallIsMade) {
  struct Opaque {
    int id;
  };
  faultline::FaultInjector injector;
  faultline::internal::TakeProblems();
  injector.AddRule(faultline::Corruption("garble").Target("*"));
  auto opaque = injector.Wrap("opaque", [] { return Opaque{3}; });
  EXPECT_EQ(opaque().id, 3);
  int calls = 0;
  auto nothing = injector.Wrap("void", [&calls] { ++calls; });
  nothing();
  EXPECT_EQ(calls, 1);
  const std::vector<std::string> problems = faultline::internal::TakeProblems();
  ASSERT_EQ(problems.size(), 2u);
  EXPECT_THAT(problems[0], HasSubstr("faultline: rule \"garble\" on target \"opaque\": cannot "
                                     "corrupt a result of type"));
  EXPECT_EQ(problems[1],
            "faultline: rule \"garble\" on target \"void\": cannot corrupt a result of type "
            "void (specialize faultline::Corruptor<T> for it); the call was made as if the rule "
            "had not fired");
}

TEST(WrapTest, ViewsAndSetsCanBeWrappedButNotCorrupted) {
  static_assert(!faultline::kIsCorruptible<std::string_view>);
  static_assert(!faultline::kIsCorruptible<std::set<int>>);
  faultline::FaultInjector injector;
  auto view = injector.Wrap("view", [] { return std::string_view("abc"); });
  auto set = injector.Wrap("set", [] { return std::set<int>{1, 2}; });
  EXPECT_EQ(view(), "abc");
  EXPECT_EQ(set().size(), 2u);
  EXPECT_THAT([&] { injector.AddRule(faultline::Corruption("garble").Target("view")); },
              ThrowsMessage<std::invalid_argument>(HasSubstr(
                  "on target \"view\": cannot corrupt a result of type std::string_view ")));
  EXPECT_THROW(injector.AddRule(faultline::Corruption("garble").Target("*")),
               std::invalid_argument);
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
