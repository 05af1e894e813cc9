// A small checkout service: reserve stock, charge a payment gateway (with retries, a timeout
// and a circuit breaker), record the sale in a ledger. Its dependencies are interfaces, so
// tests substitute mocks or fakes and inject faults into them.
#pragma once

#include <chrono>
#include <stdexcept>
#include <string>

#include <faultline/point.hpp>

namespace checkout {

// A payment the gateway refused or could not make.
class GatewayError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct Receipt {
  std::string id;
  int cents = 0;
};

// Charges money. `key` makes retries idempotent: charging the same key twice charges once.
class PaymentGateway {
 public:
  virtual ~PaymentGateway() = default;
  virtual Receipt Charge(const std::string& key, int cents) = 0;
  virtual void Refund(const std::string& receipt_id) = 0;
};

// Holds stock. Reserve returns false when there is not enough.
class Inventory {
 public:
  virtual ~Inventory() = default;
  virtual bool Reserve(const std::string& sku, int quantity) = 0;
  virtual void Release(const std::string& sku, int quantity) = 0;
};

// Records completed sales.
class Ledger {
 public:
  virtual ~Ledger() = default;
  virtual void Record(const std::string& order_id, const Receipt& receipt) = 0;
};

// Where the service reads time (tests pass simulated time).
class TimeSource {
 public:
  virtual ~TimeSource() = default;
  virtual std::chrono::nanoseconds Now() = 0;
};

struct Order {
  std::string id;
  std::string sku;
  int quantity = 1;
  int cents = 0;
};

enum class Status { kOk, kOutOfStock, kPaymentFailed, kUnavailable };
const char* ToString(Status status);

struct Result {
  Status status = Status::kUnavailable;
  int charge_attempts = 0;
  std::string receipt_id;
};

struct Options {
  int max_charge_attempts = 3;
  int max_ledger_attempts = 3;
  std::chrono::nanoseconds charge_timeout = std::chrono::seconds(2);
  int breaker_threshold = 5;  // consecutive gateway failures that open the breaker
  std::chrono::nanoseconds breaker_cooldown = std::chrono::seconds(30);
};

// Places orders. Guarantees: stock reserved for an order that does not complete is released;
// a customer is never charged for an order that did not complete (a charge is refunded when
// the sale cannot be recorded); a completed order is recorded exactly once.
class CheckoutService {
 public:
  CheckoutService(PaymentGateway& gateway, Inventory& inventory, Ledger& ledger, TimeSource& time,
                  Options options = {});
  Result Place(const Order& order);
  bool breaker_open() const { return open_until_.count() != 0; }

 private:
  bool BreakerAllows();
  void RecordGatewayFailure();

  PaymentGateway& gateway_;
  Inventory& inventory_;
  Ledger& ledger_;
  TimeSource& time_;
  Options options_;
  int consecutive_failures_ = 0;
  std::chrono::nanoseconds open_until_{0};
};

}  // namespace checkout
