// The GoogleTest adapter seen from inside tests run by faultline::gtest_main.
#include "faultline/gtest.hpp"

#include <gtest/gtest-spi.h>

#include <atomic>
#include <memory>
#include <thread>

namespace {

using namespace std::chrono_literals;
using faultline::internal::Session;
using ::testing::_;
using ::testing::AllOf;
using ::testing::Contains;
using ::testing::DoAll;
using ::testing::Each;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Not;
using ::testing::Return;
using ::testing::ReturnRef;
using ::testing::SetArgReferee;
using ::testing::ThrowsMessage;

class PaymentGateway {
 public:
  virtual ~PaymentGateway() = default;
  virtual int Charge(int cents) = 0;
  virtual std::string Name() const = 0;
  virtual const std::string& Currency() = 0;
  virtual void Notify(std::unique_ptr<int> payload) = 0;
  virtual bool Lookup(int id, std::string& out) = 0;
  virtual std::unique_ptr<int> Open() = 0;
};

class MockPaymentGateway : public PaymentGateway {
 public:
  MOCK_METHOD(int, Charge, (int cents), (override));
  MOCK_METHOD(std::string, Name, (), (const, override));
  MOCK_METHOD(const std::string&, Currency, (), (override));
  MOCK_METHOD(void, Notify, (std::unique_ptr<int> payload), (override));
  MOCK_METHOD(bool, Lookup, (int id, std::string& out), (override));
  MOCK_METHOD(std::unique_ptr<int>, Open, (), (override));
};

FAULTLINE_TEST(PluginTest, AnnotatedRulesAreInstalledAndSeededFromTheTestName,
               faultline::Exception("boom").Target("work").Probability(0.5),
               faultline::Delay("slow", 0ms).Target("other")) {
  const auto rules = Injector().Rules();
  ASSERT_EQ(rules.size(), 2u);
  EXPECT_EQ(rules[0].name(), "boom");
  EXPECT_EQ(rules[1].name(), "slow");
  EXPECT_EQ(Injector().seed(),
            Session::Instance().TestSeed(
                "PluginTest.AnnotatedRulesAreInstalledAndSeededFromTheTestName"));
  EXPECT_THAT(Session::Instance().OriginOf("boom"), HasSubstr("annotation at"));
}

FAULTLINE_TEST(PluginTest, StateStartsCleanInEveryTest, faultline::Exception("boom").Target("work")) {
  EXPECT_TRUE(Events().empty());
  EXPECT_EQ(Stats().total_calls, 0u);
  EXPECT_THROW(Injector().CheckAndInject("work"), faultline::InjectedFault);
  EXPECT_EQ(Events().size(), 1u);
}

// Two annotations of one test: the rules of both are installed.
FAULTLINE_TEST(PluginTest, EveryAnnotationOfATestIsInstalled,
               faultline::Expected(faultline::Exception("first").Target("merge.first"))) {
  EXPECT_THROW(Injector().CheckAndInject("merge.first"), faultline::InjectedFault);
  EXPECT_THROW(Injector().CheckAndInject("merge.second"), faultline::InjectedFault);
  EXPECT_THAT(Session::Instance().OriginOf("second"), HasSubstr("plugin_test.cpp"));
}
FAULTLINE_ANNOTATE(PluginTest, EveryAnnotationOfATestIsInstalled,
                   faultline::Expected(faultline::Exception("second").Target("merge.second")));

TEST(PlainTest, GetsNoRulesButAResetInjector) {
  EXPECT_TRUE(faultline::Current().Rules().empty());
  EXPECT_TRUE(faultline::Current().Events().empty());
}

FAULTLINE_TEST(PluginTest, AssertionsPassAndFailWithAListOfWhatFired,
               faultline::Exception("fires").Target("t").MaxTriggers(2),
               faultline::Exception("silent").Target("never-called")) {
  for (int i = 0; i < 3; ++i) {
    try {
      Injector().CheckAndInject("t");
    } catch (const faultline::InjectedFault&) {
    }
  }
  EXPECT_FAULT_TRIGGERED("fires");
  ASSERT_FAULT_TRIGGERED("fires");
  EXPECT_FAULT_COUNT("fires", 2);
  EXPECT_FAULT_NOT_TRIGGERED("silent");
  FAULTLINE_EXPECT_FAULT_COUNT("fires", 2);
  EXPECT_NONFATAL_FAILURE(EXPECT_FAULT_TRIGGERED("silent"),
                          "Expected fault \"silent\" (\"silent\") to be triggered, but it never "
                          "fired; faults that fired: fires (2)");
  EXPECT_NONFATAL_FAILURE(EXPECT_FAULT_NOT_TRIGGERED("fires"), "it fired 2 time(s)");
  EXPECT_NONFATAL_FAILURE(EXPECT_FAULT_COUNT("fires", 3), "it fired 2 time(s)");
  EXPECT_FATAL_FAILURE(ASSERT_FAULT_TRIGGERED("silent"), "never fired");
  EXPECT_FATAL_FAILURE(ASSERT_FAULT_COUNT("fires", 1), "to fire 1 = 1 time(s)");
}

FAULTLINE_TEST(PluginTest, MatchersDescribeEvents, faultline::Return("eio", -5).Target("db.*")) {
  Injector().CheckAndInject("db.read");
  Injector().CheckAndInject("db.write");
  const auto events = Events();
  EXPECT_THAT(events, Each(faultline::FaultNamed("eio")));
  EXPECT_THAT(events, Contains(faultline::AtTarget("db.write")));
  EXPECT_THAT(events, ElementsAre(AllOf(faultline::FaultOfType(faultline::FaultType::kReturn),
                                        faultline::AtTarget("db.read")),
                                  faultline::AtTarget("db.write")));
  EXPECT_THAT(events, Not(Contains(faultline::FaultNamed("other"))));
  EXPECT_NONFATAL_FAILURE(EXPECT_THAT(events[0], faultline::AtTarget("db.x")),
                          "which is at target \"db.read\"");
  EXPECT_EQ(::testing::PrintToString(events[0]), "eio (return) on db.read call 1");
}

using FaultFixture = faultline::FaultTest;

// With no rules the macros are plain tests on the fixture, and compile under -Wpedantic -Werror
// as this file does.
FAULTLINE_TEST(PlainFaultTest, NeedsNoRules) { EXPECT_TRUE(Injector().Rules().empty()); }

FAULTLINE_TEST_F(FaultFixture, NeedsNoRulesEither) { EXPECT_TRUE(Injector().Rules().empty()); }

FAULTLINE_TEST_F(FaultFixture, ARuleInstalledDisabledStartsWhenTheBodyEnablesIt,
                 faultline::Expected(faultline::Exception("later").Target("t").Enabled(false))) {
  EXPECT_NO_THROW(Injector().CheckAndInject("t"));  // the set-up's calls pass
  ASSERT_TRUE(Injector().EnableRule("later"));
  EXPECT_THROW(Injector().CheckAndInject("t"), faultline::InjectedFault);
}

TEST_F(FaultFixture, ExpectationsPassWhenMet) {
  Injector().AddRule(faultline::Exception("r").Target("t").MaxTriggers(2));
  ExpectFault("r").Times(2);
  Injector().AddRule(faultline::Exception("quiet").Target("nobody"));
  ExpectFault("quiet").Never();
  ExpectFault("r");
  for (int i = 0; i < 5; ++i) {
    try {
      Injector().CheckAndInject("t");
    } catch (const faultline::InjectedFault&) {
    }
  }
}

TEST_F(FaultFixture, AnUnmetExpectationIsReportedWhereItWasDeclared) {
  const int line = __LINE__ + 1;
  ExpectFault("absent");
  const auto failures = Session::Instance().VerifyExpectations();
  ASSERT_EQ(failures.size(), 1u);
  EXPECT_EQ(failures[0].file, __FILE__);
  EXPECT_EQ(failures[0].line, line);
}

TEST(PlainTest, UnmetExpectationsFailWithAMessage) {
  EXPECT_NONFATAL_FAILURE(
      {
        faultline::Current().AddRule(faultline::Exception("never").Target("nobody"));
        Session::Instance().ExpectFault("never").AtLeast(1);
        for (const auto& failure : Session::Instance().VerifyExpectations()) ADD_FAILURE() << failure.message;
      },
      "fault \"never\" was expected to fire at least 1 time(s), but it fired 0 time(s): the "
      "test never reached this error path");
}

TEST(PlainTest, ExpectationsOnRulesThatDoNotExistFailAsTypos) {
  faultline::Current().AddRule(faultline::Exception("real").Target("t"));
  EXPECT_NONFATAL_FAILURE(
      {
        Session::Instance().ExpectFault("rael").Never();
        for (const auto& failure : Session::Instance().VerifyExpectations()) ADD_FAILURE() << failure.message;
      },
      "fault \"rael\" is expected, but no rule of that name was installed in this test "
      "(installed: real)");
}

FAULTLINE_TEST(PluginTest, ExpectedAnnotatedRuleThatFiresPasses,
               faultline::Expected(faultline::Return("eio", -5).Target("db.read")),
               faultline::Expected(faultline::Return("twice", 1).Target("x"), 2)) {
  Injector().CheckAndInject("db.read");
  Injector().CheckAndInject("x");
  Injector().CheckAndInject("x");
}

class Checkout : public faultline::FaultTest {
 protected:
  MockPaymentGateway gateway_;
};

FAULTLINE_TEST_F(Checkout, InjectWrapsReturnActions,
                 faultline::Exception("declined").Target("Gateway::Charge").OnCalls({2})) {
  EXPECT_CALL(gateway_, Charge(_)).WillRepeatedly(faultline::Inject("Gateway::Charge", Return(7)));
  EXPECT_EQ(gateway_.Charge(100), 7);
  EXPECT_THAT([&] { gateway_.Charge(100); },
              ThrowsMessage<faultline::InjectedFault>("[FAULT:declined] Injected fault"));
  EXPECT_EQ(gateway_.Charge(100), 7);
  EXPECT_FAULT_COUNT("declined", 1);
}

// The mock's call is held until a call of another target has begun: "Charge after Name".
FAULTLINE_TEST_F(Checkout, InjectHoldsAMockCallUntilAnotherTargetIsReached,
                 faultline::Wait("name-first", "Gateway::Name").Target("Gateway::Charge")) {
  std::atomic<bool> naming{false};
  EXPECT_CALL(gateway_, Charge(_)).WillOnce(faultline::Inject("Gateway::Charge", [&](int) {
    return naming.load() ? 1 : 0;
  }));
  EXPECT_CALL(gateway_, Name()).WillOnce(faultline::Inject("Gateway::Name", [] {
    return std::string("acme");
  }));
  int charged = -1;
  std::thread payer([&] { charged = gateway_.Charge(100); });
  EXPECT_TRUE(Injector().WaitForHit("Gateway::Charge"));
  // Set before the call that releases Charge: Name's own action may run after Charge's.
  naming = true;
  EXPECT_EQ(gateway_.Name(), "acme");
  payer.join();
  EXPECT_EQ(charged, 1);
}

FAULTLINE_TEST_F(Checkout, InjectWrapsEveryKindOfAction,
                 faultline::Return("name", "fallback").Target("Gateway::Name").OnCalls({2}),
                 faultline::Corruption("garble").Target("Gateway::Lookup")) {
  static const std::string kCurrency = "EUR";
  ON_CALL(gateway_, Name()).WillByDefault(faultline::Inject("Gateway::Name", [] { return std::string("acme"); }));
  ON_CALL(gateway_, Currency()).WillByDefault(faultline::Inject("Gateway::Currency", ReturnRef(kCurrency)));
  int notified = 0;
  ON_CALL(gateway_, Notify(_)).WillByDefault(faultline::Inject("Gateway::Notify", [&](std::unique_ptr<int> p) { notified = *p; }));
  ON_CALL(gateway_, Lookup(_, _))
      .WillByDefault(faultline::Inject("Gateway::Lookup", DoAll(SetArgReferee<1>("found"), Return(true))));
  EXPECT_CALL(gateway_, Name()).Times(2);
  EXPECT_CALL(gateway_, Currency()).Times(1);
  EXPECT_CALL(gateway_, Notify(_)).Times(1);
  EXPECT_CALL(gateway_, Lookup(_, _)).Times(1);

  EXPECT_EQ(gateway_.Name(), "acme");
  EXPECT_EQ(gateway_.Name(), "fallback");
  EXPECT_EQ(&gateway_.Currency(), &kCurrency);
  gateway_.Notify(std::make_unique<int>(9));
  EXPECT_EQ(notified, 9);
  std::string out;
  EXPECT_FALSE(gateway_.Lookup(1, out));  // the corrupted bool
  EXPECT_EQ(out, "found");
}

FAULTLINE_TEST_F(Checkout, InjectReturnOfTheWrongTypeIsAHarnessErrorAndTheCallIsMade,
                 faultline::Return("bad", "text").Target("Gateway::Charge")) {
  ON_CALL(gateway_, Charge(_)).WillByDefault(faultline::Inject("Gateway::Charge", Return(1)));
  EXPECT_CALL(gateway_, Charge(_)).Times(1);
  EXPECT_EQ(gateway_.Charge(1), 1);
  // Taken here, so that it does not fail this test when it ends.
  EXPECT_THAT(faultline::internal::TakeProblems(),
              ElementsAre("faultline: rule \"bad\" on target \"Gateway::Charge\": its return "
                          "value \"text\" of type std::string cannot become the result type int; the call "
                          "was made as if the rule had not fired"));
}

FAULTLINE_TEST_F(Checkout, InjectReturnsMoveOnlyResultsMadeByAFactory,
                 faultline::ReturnWith("fresh", [] { return std::make_unique<int>(7); })
                     .Target("Gateway::Open")
                     .OnCalls({2, 3})) {
  ON_CALL(gateway_, Open()).WillByDefault(faultline::Inject("Gateway::Open", [] {
    return std::make_unique<int>(1);
  }));
  EXPECT_CALL(gateway_, Open()).Times(3);
  EXPECT_EQ(*gateway_.Open(), 1);
  const std::unique_ptr<int> second = gateway_.Open();
  const std::unique_ptr<int> third = gateway_.Open();
  EXPECT_EQ(*second, 7);
  EXPECT_EQ(*third, 7);
  EXPECT_NE(second, third);
  EXPECT_FAULT_COUNT("fresh", 2);
}

FAULTLINE_TEST_F(Checkout, InjectTimeoutsUseTheInjectorsClock,
                 faultline::Timeout("hang", 30s).Target("Gateway::*")) {
  faultline::VirtualClock clock;
  Injector().SetClock(&clock);
  ON_CALL(gateway_, Charge(_)).WillByDefault(faultline::Inject("Gateway::Charge", Return(1)));
  EXPECT_CALL(gateway_, Charge(_)).Times(1);
  EXPECT_THROW(gateway_.Charge(1), faultline::InjectedTimeout);
  EXPECT_EQ(clock.Now(), 30s);
  Injector().SetClock(nullptr);
}

class Param : public faultline::FaultTest, public ::testing::WithParamInterface<int> {};

FAULTLINE_ANNOTATE(Param, AnnotationsReachEveryInstance,
                   faultline::Return("p", 1).Target("param.point"));
TEST_P(Param, AnnotationsReachEveryInstance) {
  ASSERT_EQ(Injector().Rules().size(), 1u);
  EXPECT_EQ(Injector().Rules()[0].name(), "p");
  EXPECT_EQ(Injector().seed(), Session::Instance().TestSeed(
                                   ::testing::UnitTest::GetInstance()->current_test_suite()->name() +
                                   std::string(".") +
                                   ::testing::UnitTest::GetInstance()->current_test_info()->name()));
}
INSTANTIATE_TEST_SUITE_P(Values, Param, ::testing::Values(1, 2, 3));

template <class T>
class Typed : public faultline::FaultTest {};
TYPED_TEST_SUITE_P(Typed);
FAULTLINE_ANNOTATE(Typed, AnnotationsReachEveryType, faultline::Corruption("c").Target("typed"));
TYPED_TEST_P(Typed, AnnotationsReachEveryType) {
  faultline::FaultInjector& injector = this->Injector();
  auto make = injector.Wrap("typed", [] { return TypeParam(4); });
  EXPECT_EQ(make(), TypeParam(-4));
}
REGISTER_TYPED_TEST_SUITE_P(Typed, AnnotationsReachEveryType);
using Numbers = ::testing::Types<int, double>;
INSTANTIATE_TYPED_TEST_SUITE_P(Num, Typed, Numbers, ::testing::internal::DefaultNameGenerator);

}  // namespace
