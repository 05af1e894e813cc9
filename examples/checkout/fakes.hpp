// In-memory dependencies of the checkout service, with the bookkeeping that tests check
// the service's guarantees against. Shared by the GoogleTest and the Catch2 suites.
#pragma once

#include <chrono>
#include <map>
#include <string>

#include <faultline/clock.hpp>
#include <faultline/corrupt.hpp>

#include "checkout.hpp"

namespace checkout::testing {

// Idempotent by key; remembers what was charged and refunded.
class FakeGateway : public PaymentGateway {
 public:
  Receipt Charge(const std::string& key, int cents) override {
    auto [it, inserted] = charges.emplace(key, Receipt{"rcpt-" + key, cents});
    return it->second;
  }
  void Refund(const std::string& receipt_id) override { ++refunds[receipt_id]; }
  // Money kept from the customer: charged and not refunded.
  int Kept() const {
    int kept = 0;
    for (const auto& [key, receipt] : charges) {
      if (refunds.count(receipt.id) == 0) kept += receipt.cents;
    }
    return kept;
  }
  std::map<std::string, Receipt> charges;
  std::map<std::string, int> refunds;
};

class FakeInventory : public Inventory {
 public:
  explicit FakeInventory(int stock) : stock(stock) {}
  bool Reserve(const std::string&, int quantity) override {
    if (quantity > stock) return false;
    stock -= quantity;
    return true;
  }
  void Release(const std::string&, int quantity) override { stock += quantity; }
  int stock;
};

class FakeLedger : public Ledger {
 public:
  void Record(const std::string& order_id, const Receipt& receipt) override {
    ++entries[order_id];
    total += receipt.cents;
  }
  std::map<std::string, int> entries;
  int total = 0;
};

// The service's TimeSource over a faultline Clock, so injected delays are what it measures.
class ClockTime : public TimeSource {
 public:
  explicit ClockTime(const faultline::Clock& clock) : clock_(clock) {}
  std::chrono::nanoseconds Now() override { return clock_.Now(); }

 private:
  const faultline::Clock& clock_;
};

}  // namespace checkout::testing

namespace checkout {
// Garbles a receipt the way a broken API does: the amount comes back wrong.
inline void FaultlineCorrupt(Receipt& receipt, faultline::Rng& rng) {
  faultline::Corrupt(receipt.cents, rng);
}
}  // namespace checkout
