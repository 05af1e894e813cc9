// FAULTLINE_MOCK_METHOD: a whole mock made faulty by rules on its class, with no Inject.
#include <faultline/gtest.hpp>

#include <string>

#include "binomial.hpp"

namespace {

using ::testing::_;
using ::testing::Return;

class Gateway {
 public:
  virtual ~Gateway() = default;
  virtual int Charge(const std::string& card, int cents) = 0;
  virtual std::string Name() const = 0;
  virtual void Log(std::string line) = 0;
};

class MockGateway : public Gateway {
 public:
  FAULTLINE_MOCK_METHOD(int, Charge, (const std::string&, int), (override));
  FAULTLINE_MOCK_METHOD(std::string, Name, (), (const, override));
  FAULTLINE_MOCK_METHOD(void, Log, (std::string), (override));
};

// A double whose name follows no convention names its targets itself.
class GatewayDouble : public Gateway {
 public:
  FAULTLINE_MOCK_CLASS("Payments");
  FAULTLINE_MOCK_METHOD(int, Charge, (const std::string&, int), (override));
  FAULTLINE_MOCK_METHOD(std::string, Name, (), (const, override));
  FAULTLINE_MOCK_METHOD(void, Log, (std::string), (override));
};

template <class T>
class StoreMock {
 public:
  FAULTLINE_MOCK_METHOD(T, Get, (int));
};

namespace billing {
class MockLedger {
 public:
  FAULTLINE_MOCK_METHOD(bool, Post, (int, int));
};
}  // namespace billing

using MockMethod = faultline::FaultTest;

FAULTLINE_TEST_F(MockMethod, ARuleOnTheClassFaultsEveryMethodWithoutInject,
                 faultline::Return("declined", -1).Target("Gateway::Charge"),
                 faultline::Return("renamed", "faulty").Target("Gateway::Name"),
                 faultline::Exception("log-down").Target("Gateway::Log")) {
  MockGateway gateway;
  ON_CALL(gateway, Charge(_, _)).WillByDefault(Return(7));
  ON_CALL(gateway, Name()).WillByDefault(Return("real"));
  EXPECT_EQ(gateway.Charge("4242", 100), -1);
  EXPECT_EQ(static_cast<const Gateway&>(gateway).Name(), "faulty");
  EXPECT_THROW(gateway.Log("x"), faultline::InjectedFault);
  EXPECT_THAT(Events(), ::testing::ElementsAre(faultline::AtTarget("Gateway::Charge"),
                                               faultline::AtTarget("Gateway::Name"),
                                               faultline::AtTarget("Gateway::Log")));
}

FAULTLINE_TEST_F(MockMethod, TheFaultComesBeforeWhatEXPECT_CALLSays,
                 faultline::Exception("busy").Target("Gateway::*").OnCalls({2})) {
  MockGateway gateway;
  // The faulted call never reaches the mock: EXPECT_CALL counts the two that got through.
  EXPECT_CALL(gateway, Charge("4242", _)).Times(2).WillRepeatedly(Return(7));
  EXPECT_EQ(gateway.Charge("4242", 1), 7);
  EXPECT_THROW(gateway.Charge("4242", 2), faultline::InjectedFault);
  EXPECT_EQ(gateway.Charge("4242", 3), 7);
}

FAULTLINE_TEST_F(MockMethod, AStarRuleMakesTheWholeMockFlakyAtItsProbability,
                 faultline::Exception("flaky").Target("*").Probability(0.3)) {
  ::testing::NiceMock<MockGateway> gateway;
  ON_CALL(gateway, Charge(_, _)).WillByDefault(Return(7));
  constexpr int kCalls = 2000;
  int thrown = 0;
  for (int i = 0; i < kCalls; ++i) {
    try {
      EXPECT_EQ(gateway.Charge("4242", i), 7);
    } catch (const faultline::InjectedFault&) {
      ++thrown;
    }
  }
  EXPECT_NEAR(thrown, 0.3 * kCalls, faultline::testing::BinomialTolerance(kCalls, 0.3));
  EXPECT_EQ(Events().size(), static_cast<std::size_t>(thrown));
  EXPECT_EQ(Injector().Stats().calls_per_target.at("Gateway::Charge"),
            static_cast<std::uint64_t>(kCalls));
}

FAULTLINE_TEST_F(MockMethod, TargetsFollowTheClassNameItsTemplateAndNamespacesAside,
                 faultline::Return("payments", 0).Target("Payments::Charge"),
                 faultline::Return("store", 5).Target("Store::Get"),
                 faultline::Return("ledger", false).Target("Ledger::Post")) {
  GatewayDouble payments;
  EXPECT_EQ(payments.Charge("4242", 1), 0);
  StoreMock<int> store;
  EXPECT_EQ(store.Get(1), 5);
  billing::MockLedger ledger;
  EXPECT_FALSE(ledger.Post(1, 2));
  EXPECT_EQ(Events().size(), 3u);
}

FAULTLINE_TEST_F(MockMethod, WithoutRulesItIsMOCK_METHOD) {
  ::testing::StrictMock<MockGateway> gateway;
  EXPECT_CALL(gateway, Charge("4242", 100)).WillOnce(Return(7));
  EXPECT_CALL(gateway, Log(::testing::HasSubstr("charged")));
  EXPECT_EQ(gateway.Charge("4242", 100), 7);
  gateway.Log("charged 100");
  EXPECT_TRUE(Events().empty());
}

TEST(MockTargetTest, ReadsTheClassFromEitherCompilersFunctionName) {
  using faultline::internal::MockTarget;
  EXPECT_EQ(MockTarget(nullptr, "virtual int MockGateway::Charge(const string&, int)", "Charge"),
            "Gateway::Charge");
  EXPECT_EQ(MockTarget(nullptr, "virtual int GatewayMock::Charge(const std::string &, int)",
                       "Charge"),
            "Gateway::Charge");
  EXPECT_EQ(MockTarget(nullptr,
                       "typename testing::internal::Function<T(int)>::Result "
                       "StoreMock<T>::Get(typename ...) [with T = int]",
                       "Get"),
            "Store::Get");
  EXPECT_EQ(MockTarget(nullptr, "bool app::billing::MockLedger::Post(int, int)", "Post"),
            "Ledger::Post");
  EXPECT_EQ(MockTarget(nullptr, "int Mockingbird::Sing()", "Sing"), "Mockingbird::Sing");
  EXPECT_EQ(MockTarget("Payments", "int GatewayDouble::Charge()", "Charge"), "Payments::Charge");
  EXPECT_EQ(MockTarget(nullptr, "no class here", "Charge"), "Charge");
}

}  // namespace
