// The checkout service's resilience in Catch2. Its dependencies are the in-memory fakes behind
// small decorators whose calls are wrapped by faultline::Current(), so every call can fail, stall,
// time out or return garbage, and the fakes' books show whether the service kept its
// guarantees.
#include <faultline/catch2.hpp>

#include <cstdint>
#include <functional>
#include <string>

#include "checkout.hpp"
#include "fakes.hpp"

namespace checkout {
namespace {

using namespace std::chrono_literals;
using faultline::catch2::AllFaults;
using faultline::catch2::FaultNamed;

// Decorators whose calls are wrapped once, at construction, on the current injector: the
// rules on a target may throw, delay the call, corrupt its result or return their own value.
class FaultyGateway : public PaymentGateway {
 public:
  explicit FaultyGateway(PaymentGateway& inner)
      : charge_(faultline::Current().Wrap("Gateway::Charge",
                                          [&inner](const std::string& key, int cents) {
                                            return inner.Charge(key, cents);
                                          })),
        refund_(faultline::Current().Wrap(
            "Gateway::Refund", [&inner](const std::string& receipt_id) { inner.Refund(receipt_id); })) {}
  Receipt Charge(const std::string& key, int cents) override { return charge_(key, cents); }
  void Refund(const std::string& receipt_id) override { refund_(receipt_id); }

 private:
  std::function<Receipt(const std::string&, int)> charge_;
  std::function<void(const std::string&)> refund_;
};

class FaultyInventory : public Inventory {
 public:
  explicit FaultyInventory(Inventory& inner)
      : inner_(inner),
        reserve_(faultline::Current().Wrap("Inventory::Reserve",
                                           [&inner](const std::string& sku, int quantity) {
                                             return inner.Reserve(sku, quantity);
                                           })) {}
  bool Reserve(const std::string& sku, int quantity) override { return reserve_(sku, quantity); }
  void Release(const std::string& sku, int quantity) override { inner_.Release(sku, quantity); }

 private:
  Inventory& inner_;
  std::function<bool(const std::string&, int)> reserve_;
};

class FaultyLedger : public Ledger {
 public:
  explicit FaultyLedger(Ledger& inner)
      : record_(faultline::Current().Wrap("Ledger::Record",
                                          [&inner](const std::string& order_id, const Receipt& receipt) {
                                            inner.Record(order_id, receipt);
                                          })) {}
  void Record(const std::string& order_id, const Receipt& receipt) override {
    record_(order_id, receipt);
  }

 private:
  std::function<void(const std::string&, const Receipt&)> record_;
};

// A service over faulty fakes, on simulated time: injected delays and timeouts cost nothing
// and are measured exactly.
class CheckoutFixture {
 public:
  CheckoutFixture() { faultline::Current().SetClock(&clock_); }
  ~CheckoutFixture() { faultline::Current().SetClock(nullptr); }

 protected:
  // Places `n` orders of 1 unit at 500 cents; returns how many completed.
  int PlaceOrders(int n) {
    int completed = 0;
    for (int i = 0; i < n; ++i) {
      if (service_.Place(Order{"order-" + std::to_string(i), "sku-1", 1, 500}).status == Status::kOk) {
        ++completed;
      }
    }
    return completed;
  }

  // The service's guarantees, whatever faults were injected.
  void CheckBooksBalance(int completed) {
    CHECK(fake_inventory_.stock == kStock - completed);  // reserved stock was released
    CHECK(fake_gateway_.Kept() == 500 * completed);      // no one paid for a failed order
    CHECK(static_cast<int>(fake_ledger_.entries.size()) == completed);
    for (const auto& [order, count] : fake_ledger_.entries) {
      INFO(order << " was recorded " << count << " times");
      CHECK(count == 1);
    }
  }

  static constexpr int kStock = 1000;
  faultline::VirtualClock clock_;
  testing::FakeGateway fake_gateway_;
  testing::FakeInventory fake_inventory_{kStock};
  testing::FakeLedger fake_ledger_;
  FaultyGateway gateway_{fake_gateway_};
  FaultyInventory inventory_{fake_inventory_};
  FaultyLedger ledger_{fake_ledger_};
  testing::ClockTime time_{clock_};
  CheckoutService service_{gateway_, inventory_, ledger_, time_};
};

FAULTLINE_TEST_CASE_METHOD(CheckoutFixture, "checkout retries through a flaky gateway", "[checkout]",
                           faultline::Expected(faultline::Exception<GatewayError>("gateway-503", "503 busy")
                                                   .Target("Gateway::Charge")
                                                   .Probability(0.3))) {
  const int completed = PlaceOrders(100);
  // With 3 attempts at 30% failure, about 97% of orders complete.
  CHECK(completed > 85);
  CheckBooksBalance(completed);
  CHECK_THAT(faultline::Current().Events(), AllFaults(FaultNamed("gateway-503")));
}

FAULTLINE_TEST_CASE_METHOD(CheckoutFixture, "a slow gateway times out and the late charge is refunded",
                           "[checkout]",
                           faultline::Expected(faultline::Delay("gateway-slow", 5s).Target("Gateway::Charge"), 3)) {
  const Result result = service_.Place(Order{"order-0", "sku-1", 1, 500});
  CHECK(result.status == Status::kPaymentFailed);
  CHECK(result.charge_attempts == 3);
  CHECK(clock_.Now() == 15s);
  CHECK(fake_gateway_.refunds["rcpt-order-0"] == 1);
  CheckBooksBalance(0);
}

FAULTLINE_TEST_CASE_METHOD(CheckoutFixture, "timeouts from the gateway are retried", "[checkout]",
                           faultline::Timeout("gateway-timeout", 3s).Target("Gateway::Charge").OnCalls({1, 2})) {
  const Result result = service_.Place(Order{"order-0", "sku-1", 1, 500});
  CHECK(result.status == Status::kOk);
  CHECK(result.charge_attempts == 3);
  CHECK_FAULT_COUNT("gateway-timeout", 2);
  CheckBooksBalance(1);
}

FAULTLINE_TEST_CASE_METHOD(CheckoutFixture, "the circuit breaker opens after five failures and recovers",
                           "[checkout]",
                           faultline::Exception<GatewayError>("gateway-down", "connection refused")
                               .Target("Gateway::Charge")
                               .MaxTriggers(6)) {
  faultline::catch2::ExpectFault("gateway-down").Times(6);
  CHECK(service_.Place(Order{"a", "sku-1", 1, 500}).status == Status::kPaymentFailed);
  CHECK(service_.Place(Order{"b", "sku-1", 1, 500}).status == Status::kUnavailable);
  CHECK(service_.breaker_open());
  // An open breaker does not call the gateway.
  CHECK(service_.Place(Order{"c", "sku-1", 1, 500}).charge_attempts == 0);
  clock_.Advance(31s);
  // Half-open: one probe fails (the 6th fault) and reopens the breaker at once.
  CHECK(service_.Place(Order{"d", "sku-1", 1, 500}).charge_attempts == 1);
  clock_.Advance(31s);
  CHECK(service_.Place(Order{"e", "sku-1", 1, 500}).status == Status::kOk);
  CheckBooksBalance(1);
}

FAULTLINE_TEST_CASE_METHOD(CheckoutFixture, "garbled receipts are not trusted", "[checkout]",
                           faultline::Expected(
                               faultline::Corruption("garbled-receipt").Target("Gateway::Charge").OnCalls({1}))) {
  const Result result = service_.Place(Order{"order-0", "sku-1", 1, 500});
  CHECK(result.status == Status::kOk);
  CHECK(result.charge_attempts == 2);
  CHECK(fake_ledger_.total == 500);
  CheckBooksBalance(1);
}

FAULTLINE_TEST_CASE_METHOD(CheckoutFixture, "a ledger outage refunds the customer", "[checkout]",
                           faultline::Expected(faultline::Exception("ledger-down").Target("Ledger::Record"), 3)) {
  CHECK(service_.Place(Order{"order-0", "sku-1", 1, 500}).status == Status::kUnavailable);
  CHECK(fake_gateway_.refunds.size() == 1);
  CheckBooksBalance(0);
}

FAULTLINE_TEST_CASE_METHOD(CheckoutFixture, "a dropped ledger write is retried", "[checkout]",
                           faultline::Expected(
                               faultline::Return("ledger-drop", true).Target("checkout.ledger").OnCalls({1}))) {
  CHECK(service_.Place(Order{"order-0", "sku-1", 1, 500}).status == Status::kOk);
  CheckBooksBalance(1);
}

FAULTLINE_TEST_CASE_METHOD(CheckoutFixture, "out of stock never touches the gateway", "[checkout]",
                           faultline::Return("no-stock", false).Target("Inventory::Reserve")) {
  CHECK(service_.Place(Order{"order-0", "sku-1", 1, 500}).status == Status::kOutOfStock);
  CHECK_FAULT_TRIGGERED("no-stock");
  CHECK(fake_gateway_.charges.empty());
  CheckBooksBalance(0);
}

// A gateway outage of breaker_threshold + 1 calls, from every call it can start on: the breaker
// opens, refuses until its cooldown has passed, and lets orders complete once the gateway is
// back. Each run has its own service, so its breaker starts closed.
TEST_CASE_METHOD(CheckoutFixture, "the breaker recovers after a gateway outage ends", "[checkout]") {
  const Options options;
  int runs_that_opened = 0;
  const faultline::SweepResult result = faultline::catch2::Sweep(
      faultline::SweepOptions()
          .Fault(faultline::Exception<GatewayError>("gateway-down", "connection refused")
                     .Target("Gateway::Charge"))
          .Outage(static_cast<std::uint64_t>(options.breaker_threshold) + 1),
      [&] {
        testing::FakeGateway fake_gateway;
        testing::FakeInventory fake_inventory{kStock};
        testing::FakeLedger fake_ledger;
        FaultyGateway gateway{fake_gateway};
        FaultyInventory inventory{fake_inventory};
        FaultyLedger ledger{fake_ledger};
        CheckoutService service{gateway, inventory, ledger, time_, options};
        int order = 0;
        const auto place = [&] {
          return service.Place(Order{"order-" + std::to_string(order++), "sku-1", 1, 500});
        };
        for (int i = 0; i < 3; ++i) place();
        bool opened = false;
        Result placed;
        for (int i = 0; i < 10 && placed.status != Status::kOk; ++i) {
          placed = place();
          if (!service.breaker_open()) continue;
          opened = true;
          clock_.Advance(options.breaker_cooldown - 1s);
          // An open breaker does not call the gateway before its cooldown has passed.
          CHECK(place().charge_attempts == 0);
          clock_.Advance(1s);
        }
        CHECK(placed.status == Status::kOk);  // recovered once the outage ended
        CHECK_FALSE(service.breaker_open());
        if (opened) ++runs_that_opened;
        CHECK(fake_gateway.Kept() == 500 * static_cast<int>(fake_ledger.entries.size()));
      });
  CHECK(result.complete);
  CHECK(runs_that_opened > 0);  // else the sweep proved nothing about the breaker
}

FAULTLINE_PROFILE("checkout-chaos",
                  faultline::Exception<GatewayError>("gateway-503", "503").Target("Gateway::Charge").Probability(0.2),
                  faultline::Delay("gateway-slow", 3s).Target("Gateway::Charge").Probability(0.1),
                  faultline::Corruption("garbled").Target("Gateway::Charge").Probability(0.05),
                  faultline::Exception("ledger-flaky").Target("Ledger::*").Probability(0.2),
                  faultline::Exception("inventory-flaky").Target("Inventory::Reserve").Probability(0.05))

// Every fault at once, from a profile any test case can select with its tag.
TEST_CASE_METHOD(CheckoutFixture, "checkout keeps its guarantees under every fault at once",
                 "[checkout][faultline:checkout-chaos]") {
  const int completed = PlaceOrders(200);
  CHECK(completed > 0);
  CheckBooksBalance(completed);
  for (const char* rule : {"gateway-503", "gateway-slow", "garbled", "ledger-flaky", "inventory-flaky"}) {
    CHECK_FAULT_TRIGGERED(rule);
  }
}

}  // namespace
}  // namespace checkout
