// The checkout service's resilience, proven under injected faults. Its dependencies are gmock
// mocks declared with FAULTLINE_MOCK_METHOD, whose every call checks "<Class>::<Method>" before
// the action delegates to an in-memory fake, so every call can fail, stall, time out or return
// garbage, and the fakes' books show whether the service kept its guarantees.
#include <faultline/gtest.hpp>

#include "checkout.hpp"
#include "fakes.hpp"

namespace checkout {
namespace {

using namespace std::chrono_literals;
using ::testing::_;
using ::testing::Each;
using ::testing::Invoke;
using ::testing::Return;

class MockGateway : public PaymentGateway {
 public:
  FAULTLINE_MOCK_METHOD(Receipt, Charge, (const std::string& key, int cents), (override));
  FAULTLINE_MOCK_METHOD(void, Refund, (const std::string& receipt_id), (override));
};
class MockInventory : public Inventory {
 public:
  FAULTLINE_MOCK_METHOD(bool, Reserve, (const std::string& sku, int quantity), (override));
  FAULTLINE_MOCK_METHOD(void, Release, (const std::string& sku, int quantity), (override));
};
class MockLedger : public Ledger {
 public:
  FAULTLINE_MOCK_METHOD(void, Record, (const std::string& order_id, const Receipt& receipt),
                        (override));
};

class CheckoutTest : public faultline::FaultTest {
 protected:
  void SetUp() override {
    // Simulated time: injected delays and timeouts cost nothing and are measured exactly.
    Injector().SetClock(&clock_);
    ON_CALL(gateway_, Charge(_, _))
        .WillByDefault(Invoke(&fake_gateway_, &testing::FakeGateway::Charge));
    ON_CALL(gateway_, Refund(_))
        .WillByDefault(Invoke(&fake_gateway_, &testing::FakeGateway::Refund));
    ON_CALL(inventory_, Reserve(_, _))
        .WillByDefault(Invoke(&fake_inventory_, &testing::FakeInventory::Reserve));
    ON_CALL(inventory_, Release(_, _))
        .WillByDefault(Invoke(&fake_inventory_, &testing::FakeInventory::Release));
    ON_CALL(ledger_, Record(_, _))
        .WillByDefault(Invoke(&fake_ledger_, &testing::FakeLedger::Record));
  }
  void TearDown() override {
    Injector().SetClock(nullptr);
    faultline::FaultTest::TearDown();
  }

  // Places `n` orders of 1 unit at 500 cents; returns how many completed.
  int PlaceOrders(int n) {
    int completed = 0;
    for (int i = 0; i < n; ++i) {
      const Result result = service_.Place(Order{"order-" + std::to_string(i), "sku-1", 1, 500});
      if (result.status == Status::kOk) ++completed;
    }
    return completed;
  }

  // The service's guarantees, whatever faults were injected.
  void ExpectBooksBalance(int completed) {
    EXPECT_EQ(fake_inventory_.stock, kStock - completed) << "reserved stock was not released";
    EXPECT_EQ(fake_gateway_.Kept(), 500 * completed) << "a customer paid for a failed order";
    EXPECT_EQ(static_cast<int>(fake_ledger_.entries.size()), completed);
    for (const auto& [order, count] : fake_ledger_.entries) {
      EXPECT_EQ(count, 1) << order << " was recorded more than once";
    }
  }

  static constexpr int kStock = 1000;
  faultline::VirtualClock clock_;
  testing::FakeGateway fake_gateway_;
  testing::FakeInventory fake_inventory_{kStock};
  testing::FakeLedger fake_ledger_;
  ::testing::NiceMock<MockGateway> gateway_;
  ::testing::NiceMock<MockInventory> inventory_;
  ::testing::NiceMock<MockLedger> ledger_;
  testing::ClockTime time_{clock_};
  CheckoutService service_{gateway_, inventory_, ledger_, time_};
};

FAULTLINE_TEST_F(CheckoutTest, RetriesThroughAFlakyGateway,
                 faultline::Expected(faultline::Exception<GatewayError>("gateway-503", "503 busy")
                                         .Target("Gateway::Charge")
                                         .Probability(0.3))) {
  const int completed = PlaceOrders(100);
  // With 3 attempts at 30% failure, about 97% of orders complete.
  EXPECT_GT(completed, 85);
  ExpectBooksBalance(completed);
  EXPECT_THAT(Events(), Each(faultline::FaultNamed("gateway-503")));
}

FAULTLINE_TEST_F(CheckoutTest, ASlowGatewayTimesOutAndTheLateChargeIsRefunded,
                 faultline::Expected(faultline::Delay("gateway-slow", 5s).Target("Gateway::Charge"), 3)) {
  EXPECT_CALL(gateway_, Refund("rcpt-order-0")).Times(1);
  const Result result = service_.Place(Order{"order-0", "sku-1", 1, 500});
  EXPECT_EQ(result.status, Status::kPaymentFailed);
  EXPECT_EQ(result.charge_attempts, 3);
  EXPECT_EQ(clock_.Now(), 15s);
  ExpectBooksBalance(0);
}

FAULTLINE_TEST_F(CheckoutTest, TimeoutsFromTheGatewayAreRetried,
                 faultline::Timeout("gateway-timeout", 3s).Target("Gateway::Charge").OnCalls({1, 2})) {
  const Result result = service_.Place(Order{"order-0", "sku-1", 1, 500});
  EXPECT_EQ(result.status, Status::kOk);
  EXPECT_EQ(result.charge_attempts, 3);
  EXPECT_FAULT_COUNT("gateway-timeout", 2);
  ExpectBooksBalance(1);
}

FAULTLINE_TEST_F(CheckoutTest, TheCircuitBreakerOpensAfterFiveFailuresAndRecovers,
                 faultline::Exception<GatewayError>("gateway-down", "connection refused")
                     .Target("Gateway::Charge")
                     .MaxTriggers(6)) {
  ExpectFault("gateway-down").Times(6);
  EXPECT_EQ(service_.Place(Order{"a", "sku-1", 1, 500}).status, Status::kPaymentFailed);
  const Result opened = service_.Place(Order{"b", "sku-1", 1, 500});
  EXPECT_EQ(opened.status, Status::kUnavailable);
  EXPECT_TRUE(service_.breaker_open());
  const Result refused = service_.Place(Order{"c", "sku-1", 1, 500});
  EXPECT_EQ(refused.charge_attempts, 0) << "an open breaker must not call the gateway";
  clock_.Advance(31s);
  // Half-open: one probe fails (the 6th fault) and reopens the breaker at once.
  EXPECT_EQ(service_.Place(Order{"d", "sku-1", 1, 500}).charge_attempts, 1);
  clock_.Advance(31s);
  EXPECT_EQ(service_.Place(Order{"e", "sku-1", 1, 500}).status, Status::kOk);
  ExpectBooksBalance(1);
}

FAULTLINE_TEST_F(CheckoutTest, GarbledReceiptsAreNotTrusted,
                 faultline::Expected(faultline::Corruption("garbled-receipt").Target("Gateway::Charge").OnCalls({1}))) {
  const Result result = service_.Place(Order{"order-0", "sku-1", 1, 500});
  EXPECT_EQ(result.status, Status::kOk);
  EXPECT_EQ(result.charge_attempts, 2);
  EXPECT_EQ(fake_ledger_.total, 500);
  ExpectBooksBalance(1);
}

FAULTLINE_TEST_F(CheckoutTest, ALedgerOutageRefundsTheCustomer,
                 faultline::Expected(faultline::Exception("ledger-down").Target("Ledger::Record"), 3)) {
  EXPECT_CALL(gateway_, Refund(_)).Times(1);
  EXPECT_EQ(service_.Place(Order{"order-0", "sku-1", 1, 500}).status, Status::kUnavailable);
  ExpectBooksBalance(0);
}

FAULTLINE_TEST_F(CheckoutTest, ADroppedLedgerWriteIsRetried,
                 faultline::Expected(faultline::Return("ledger-drop", true).Target("checkout.ledger").OnCalls({1}))) {
  EXPECT_EQ(service_.Place(Order{"order-0", "sku-1", 1, 500}).status, Status::kOk);
  ExpectBooksBalance(1);
}

FAULTLINE_TEST_F(CheckoutTest, OutOfStockNeverTouchesTheGateway,
                 faultline::Return("no-stock", false).Target("Inventory::Reserve")) {
  EXPECT_CALL(gateway_, Charge(_, _)).Times(0);
  EXPECT_EQ(service_.Place(Order{"order-0", "sku-1", 1, 500}).status, Status::kOutOfStock);
  EXPECT_FAULT_TRIGGERED("no-stock");
  ExpectBooksBalance(0);
}

FAULTLINE_TEST_F(CheckoutTest, KeepsItsGuaranteesUnderEveryFaultAtOnce,
                 faultline::Exception<GatewayError>("gateway-503", "503").Target("Gateway::Charge").Probability(0.2),
                 faultline::Delay("gateway-slow", 3s).Target("Gateway::Charge").Probability(0.1),
                 faultline::Corruption("garbled").Target("Gateway::Charge").Probability(0.05),
                 faultline::Exception("ledger-flaky").Target("Ledger::*").Probability(0.2),
                 faultline::Exception("inventory-flaky").Target("Inventory::Reserve").Probability(0.05)) {
  const int completed = PlaceOrders(200);
  EXPECT_GT(completed, 0);
  ExpectBooksBalance(completed);
  for (const char* rule : {"gateway-503", "gateway-slow", "garbled", "ledger-flaky", "inventory-flaky"}) {
    EXPECT_FAULT_TRIGGERED(rule);
  }
}


// Systematic exploration: every run of a sweep or an exploration gets a fresh shop, so its
// books show what that one run did.
class CheckoutExplorationTest : public faultline::FaultTest {
 protected:
  struct Shop {
    explicit Shop(const faultline::Clock& clock) : time(clock) {
      ON_CALL(gateway, Charge(_, _))
          .WillByDefault(Invoke(&fake_gateway, &testing::FakeGateway::Charge));
      ON_CALL(gateway, Refund(_))
          .WillByDefault(Invoke(&fake_gateway, &testing::FakeGateway::Refund));
      ON_CALL(inventory, Reserve(_, _))
          .WillByDefault(Invoke(&fake_inventory, &testing::FakeInventory::Reserve));
      ON_CALL(inventory, Release(_, _))
          .WillByDefault(Invoke(&fake_inventory, &testing::FakeInventory::Release));
      ON_CALL(ledger, Record(_, _))
          .WillByDefault(Invoke(&fake_ledger, &testing::FakeLedger::Record));
    }
    static constexpr int kStock = 100;
    testing::FakeGateway fake_gateway;
    testing::FakeInventory fake_inventory{kStock};
    testing::FakeLedger fake_ledger;
    ::testing::NiceMock<MockGateway> gateway;
    ::testing::NiceMock<MockInventory> inventory;
    ::testing::NiceMock<MockLedger> ledger;
    testing::ClockTime time;
    CheckoutService service{gateway, inventory, ledger, time};
  };

  // Places `n` orders in a fresh shop and checks the service's guarantees on its books.
  void PlaceOrdersAndCheckBooks(int n) {
    Shop shop(Injector().clock());
    int completed = 0;
    for (int i = 0; i < n; ++i) {
      const Result result = shop.service.Place(Order{"order-" + std::to_string(i), "sku-1", 1, 500});
      if (result.status == Status::kOk) ++completed;
    }
    EXPECT_EQ(shop.fake_inventory.stock, Shop::kStock - completed) << "reserved stock was not released";
    EXPECT_EQ(shop.fake_gateway.Kept(), 500 * completed) << "a customer paid for a failed order";
    EXPECT_EQ(static_cast<int>(shop.fake_ledger.entries.size()), completed);
  }
};

TEST_F(CheckoutExplorationTest, EveryFailedChargeReservationOrLedgerWriteKeepsTheBooks) {
  UseVirtualClock();
  const faultline::SweepResult result = Sweep(
      faultline::SweepOptions()
          .Fault(faultline::Exception<GatewayError>("gateway-503", "503 busy").Target("Gateway::Charge"))
          .Fault(faultline::Timeout("gateway-timeout", 3s).Target("Gateway::Charge"))
          .Fault(faultline::Exception("inventory-down").Target("Inventory::Reserve"))
          .Fault(faultline::Exception("ledger-down").Target("Ledger::Record")),
      [&] { PlaceOrdersAndCheckBooks(3); });
  EXPECT_TRUE(result.complete) << result.Report();
}

// A gateway that fails every call from call k on, for every k the orders reach: the breaker
// opens after exactly breaker_threshold failed charges and then refuses without calling it.
TEST_F(CheckoutExplorationTest, APersistentGatewayOutageOpensTheBreaker) {
  UseVirtualClock();
  const int threshold = Options().breaker_threshold;
  int runs_that_opened = 0;
  const faultline::SweepResult result = Sweep(
      faultline::SweepOptions()
          .Fault(faultline::Exception<GatewayError>("gateway-down", "connection refused")
                     .Target("Gateway::Charge"))
          .Persistent(),
      [&] {
        Shop shop(Injector().clock());
        int completed = 0;
        int failed_charges = 0;  // all in a row: the outage never ends
        for (int i = 0; i < 6; ++i) {
          const Result placed =
              shop.service.Place(Order{"order-" + std::to_string(i), "sku-1", 1, 500});
          if (failed_charges >= threshold) {
            EXPECT_EQ(placed.status, Status::kUnavailable);
            EXPECT_EQ(placed.charge_attempts, 0) << "an open breaker must not call the gateway";
          }
          if (placed.status == Status::kOk) ++completed;
          if (placed.status != Status::kOk) failed_charges += placed.charge_attempts;
        }
        EXPECT_EQ(shop.service.breaker_open(), failed_charges >= threshold);
        if (shop.service.breaker_open()) {
          EXPECT_EQ(failed_charges, threshold) << "the breaker opened late";
          ++runs_that_opened;
        }
        EXPECT_EQ(shop.fake_inventory.stock, Shop::kStock - completed);
        EXPECT_EQ(shop.fake_gateway.Kept(), 500 * completed);
      });
  EXPECT_TRUE(result.passed()) << result.Report();
  EXPECT_TRUE(result.complete) << result.Report();
  EXPECT_EQ(result.targets,
            (std::vector<std::pair<std::string, std::uint64_t>>{{"Gateway::Charge", 6}}));
  // Outages from charges 1 to 5 leave at least two orders to fail, 5 charges: all but the
  // outage from the last charge open the breaker.
  EXPECT_EQ(runs_that_opened, 5);
}

// A gateway outage that ends after breaker_threshold + 1 calls, from every call k: the breaker
// opens, refuses until its cooldown has passed, reopens when its probe hits the outage's last
// call, and lets orders complete once the gateway is back.
TEST_F(CheckoutExplorationTest, TheBreakerRecoversAfterAGatewayOutageEnds) {
  faultline::VirtualClock& clock = UseVirtualClock();
  const Options options;
  int runs_that_opened = 0;
  const faultline::SweepResult result = Sweep(
      faultline::SweepOptions()
          .Fault(faultline::Exception<GatewayError>("gateway-down", "connection refused")
                     .Target("Gateway::Charge"))
          .Outage(static_cast<std::uint64_t>(options.breaker_threshold) + 1),
      [&] {
        Shop shop(Injector().clock());
        int completed = 0;
        int order = 0;
        const auto place = [&] {
          const Result placed =
              shop.service.Place(Order{"order-" + std::to_string(order++), "sku-1", 1, 500});
          if (placed.status == Status::kOk) ++completed;
          return placed;
        };
        for (int i = 0; i < 3; ++i) place();
        // Orders keep coming until one completes; the breaker's cooldown is waited out.
        bool opened = false;
        Result placed;
        for (int i = 0; i < 10 && placed.status != Status::kOk; ++i) {
          placed = place();
          if (!shop.service.breaker_open()) continue;
          opened = true;
          clock.Advance(options.breaker_cooldown - 1s);
          EXPECT_EQ(place().charge_attempts, 0) << "the breaker let a charge through before its cooldown";
          clock.Advance(1s);
        }
        EXPECT_EQ(placed.status, Status::kOk) << "the service did not recover after the outage";
        EXPECT_FALSE(shop.service.breaker_open());
        if (opened) ++runs_that_opened;
        EXPECT_EQ(shop.fake_inventory.stock, Shop::kStock - completed);
        EXPECT_EQ(shop.fake_gateway.Kept(), 500 * completed);
      });
  EXPECT_TRUE(result.passed()) << result.Report();
  EXPECT_TRUE(result.complete) << result.Report();
  EXPECT_GT(runs_that_opened, 0) << "no outage opened the breaker: the test proves nothing";
}

FAULTLINE_TEST_F(CheckoutExplorationTest, KeepsItsGuaranteesInTwoHundredRandomRuns,
                 faultline::Exception<GatewayError>("gateway-503", "503").Target("Gateway::Charge").Probability(0.2),
                 faultline::Delay("gateway-slow", 3s).Target("Gateway::Charge").Probability(0.1),
                 faultline::Corruption("garbled").Target("Gateway::Charge").Probability(0.05),
                 faultline::Exception("ledger-flaky").Target("Ledger::Record").Probability(0.2),
                 faultline::Exception("inventory-flaky").Target("Inventory::Reserve").Probability(0.05)) {
  UseVirtualClock();
  // A failing run fails the test; a campaign's flags may change the runs (README: Campaigns).
  Explore(faultline::ExploreOptions().Runs(200), [&] { PlaceOrdersAndCheckBooks(5); });
}

}  // namespace
}  // namespace checkout
