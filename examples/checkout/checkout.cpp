#include "checkout.hpp"

namespace checkout {

const char* ToString(Status status) {
  switch (status) {
    case Status::kOk:
      return "ok";
    case Status::kOutOfStock:
      return "out of stock";
    case Status::kPaymentFailed:
      return "payment failed";
    case Status::kUnavailable:
      return "unavailable";
  }
  return "?";
}

CheckoutService::CheckoutService(PaymentGateway& gateway, Inventory& inventory, Ledger& ledger,
                                 TimeSource& time, Options options)
    : gateway_(gateway), inventory_(inventory), ledger_(ledger), time_(time), options_(options) {}

bool CheckoutService::BreakerAllows() {
  if (open_until_.count() == 0) return true;
  if (time_.Now() < open_until_) return false;
  open_until_ = std::chrono::nanoseconds(0);  // half-open: let one attempt through
  consecutive_failures_ = options_.breaker_threshold - 1;
  return true;
}

void CheckoutService::RecordGatewayFailure() {
  if (++consecutive_failures_ >= options_.breaker_threshold) {
    open_until_ = time_.Now() + options_.breaker_cooldown;
  }
}

Result CheckoutService::Place(const Order& order) {
  Result result;
  try {
    if (!inventory_.Reserve(order.sku, order.quantity)) {
      result.status = Status::kOutOfStock;
      return result;
    }
  } catch (const std::exception&) {
    result.status = Status::kUnavailable;
    return result;
  }

  bool charged = false;
  Receipt receipt;  // the last receipt the gateway returned, trusted or not
  while (!charged && result.charge_attempts < options_.max_charge_attempts && BreakerAllows()) {
    ++result.charge_attempts;
    const auto start = time_.Now();
    try {
      receipt = gateway_.Charge(order.id, order.cents);
      if (time_.Now() - start > options_.charge_timeout || receipt.cents != order.cents) {
        // Too slow to trust the connection, or a garbled answer: the idempotency key makes
        // the retry safe.
        RecordGatewayFailure();
        continue;
      }
      charged = true;
      consecutive_failures_ = 0;
    } catch (const std::exception&) {
      RecordGatewayFailure();
    }
  }
  if (!charged) {
    if (!receipt.id.empty()) gateway_.Refund(receipt.id);  // a charge we gave up on
    inventory_.Release(order.sku, order.quantity);
    result.status = breaker_open() ? Status::kUnavailable : Status::kPaymentFailed;
    return result;
  }

  for (int attempt = 0; attempt < options_.max_ledger_attempts; ++attempt) {
    try {
      if (FAULTLINE_POINT("checkout.ledger")) continue;  // a dropped write, as a failed attempt
      ledger_.Record(order.id, receipt);
      result.status = Status::kOk;
      result.receipt_id = receipt.id;
      return result;
    } catch (const std::exception&) {
    }
  }
  gateway_.Refund(receipt.id);
  inventory_.Release(order.sku, order.quantity);
  result.status = Status::kUnavailable;
  return result;
}

}  // namespace checkout
