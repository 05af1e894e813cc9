// Services with planted bugs, for the tests of Sweep and Explore (core, GoogleTest adapter and
// end-to-end programs share them).
#pragma once

#include <chrono>
#include <functional>
#include <map>
#include <set>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "faultline/injector.hpp"

namespace planted {

using faultline::Clock;
using faultline::FaultInjector;
using faultline::InjectedFault;

// Uploads a file in chunks, retrying a failed put once.
class Uploader {
 public:
  // `buggy`: the planted bug, the last chunk is not retried.
  Uploader(FaultInjector& injector, bool buggy)
      : put_(injector.Wrap("Storage::Put", [this](int chunk) { stored_.insert(chunk); })),
        buggy_(buggy) {}

  // Throws std::runtime_error when a chunk was lost.
  void Upload(int chunks) {
    for (int chunk = 0; chunk < chunks; ++chunk) {
      try {
        put_(chunk);
      } catch (const InjectedFault&) {
        if (!buggy_ || chunk + 1 < chunks) put_(chunk);
      }
    }
    for (int chunk = 0; chunk < chunks; ++chunk) {
      if (stored_.count(chunk) == 0) {
        throw std::runtime_error("chunk " + std::to_string(chunk) + " was lost");
      }
    }
  }

 private:
  std::function<void(int)> put_;
  bool buggy_;
  std::set<int> stored_;
};

// Takes payments: charge a gateway (one retry), then record the sale in a ledger. The gateway
// bills in batches: every third call commits the calls before it. Every fifth ledger write is a
// checkpoint. Two planted bugs (unless built with `buggy` false) that only meet when the 3rd
// gateway call fails and the 5th ledger write is delayed past the timeout:
//  1. a failed commit leaves its batch marked for re-sending, though the gateway kept it;
//  2. a checkpoint write that timed out re-sends that batch (charging its orders twice) and
//     returns with the lock still held.
class Payments {
 public:
  static constexpr std::chrono::nanoseconds kLedgerTimeout = std::chrono::seconds(1);

  Payments(FaultInjector& injector, std::map<int, int>& charged, bool buggy = true)
      : buggy_(buggy),
        clock_(injector.clock()),
        charge_(injector.Wrap("Gateway::Charge",
                              [&charged](int order, int cents) { charged[order] += cents; })),
        record_(injector.Wrap("Ledger::Record", [this](int order) { recorded_.push_back(order); })) {}

  // Pays `order`; false when both charge attempts failed. Throws std::logic_error when the lock
  // is still held by an earlier payment.
  bool Pay(int order, int cents) {
    if (locked_) throw std::logic_error("the payment lock leaked (order " + std::to_string(order) + ")");
    locked_ = true;
    if (!Charge(order, cents) && !Charge(order, cents)) {
      locked_ = false;
      return false;
    }
    const auto start = clock_.Now();
    record_(order);
    if (++ledger_writes_ % 5 == 0 && clock_.Now() - start > kLedgerTimeout && !resend_.empty()) {
      for (const auto& [resent, amount] : resend_) charge_(resent, amount);
      return true;
    }
    locked_ = false;
    return true;
  }
  bool locked() const { return locked_; }

 private:
  bool Charge(int order, int cents) {
    const bool commit = ++gateway_calls_ % 3 == 0;
    batch_.emplace_back(order, cents);
    try {
      charge_(order, cents);
    } catch (const InjectedFault&) {
      batch_.pop_back();
      if (commit && buggy_) resend_ = batch_;
      return false;
    }
    if (commit) batch_.clear();
    return true;
  }

  bool buggy_;
  const Clock& clock_;
  std::function<void(int, int)> charge_;
  std::function<void(int)> record_;
  bool locked_ = false;
  int gateway_calls_ = 0;
  int ledger_writes_ = 0;
  std::vector<std::pair<int, int>> batch_;
  std::vector<std::pair<int, int>> resend_;
  std::vector<int> recorded_;
};

}  // namespace planted
