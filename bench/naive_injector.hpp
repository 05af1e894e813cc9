// The original harness's design ported literally, as the baseline the core's design replaces:
// one mutex, a vector of rules scanned with string compares on every call, and one
// std::mt19937 drawn through uniform_real_distribution for each matching rule.
#pragma once

#include <mutex>
#include <random>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace faultline_bench {

class NaiveInjector {
 public:
  void AddRule(std::string name, std::string target, double probability) {
    std::lock_guard<std::mutex> lock(mutex_);
    rules_.push_back(Rule{std::move(name), std::move(target), probability});
  }
  void Clear() {
    std::lock_guard<std::mutex> lock(mutex_);
    rules_.clear();
  }
  // True when a rule on `target` (or on "*") fires on this call.
  bool ShouldFail(std::string_view target) {
    std::lock_guard<std::mutex> lock(mutex_);
    for (const Rule& rule : rules_) {
      if (rule.target != "*" && rule.target != target) continue;
      if (unit_(rng_) < rule.probability) return true;
    }
    return false;
  }

 private:
  struct Rule {
    std::string name;
    std::string target;
    double probability;
  };
  std::mutex mutex_;
  std::vector<Rule> rules_;
  std::mt19937 rng_{42};
  std::uniform_real_distribution<double> unit_{0.0, 1.0};
};

}  // namespace faultline_bench
