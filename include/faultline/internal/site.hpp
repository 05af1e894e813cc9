// Internal: call sites, the interned form of a target name on the hot path.
#pragma once

#include <atomic>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "faultline/export.hpp"

namespace faultline {
class FaultConfig;
class FaultInjector;

namespace internal {

struct Rule;

// Why `rule` cannot fire on calls of one result type (see ResultProblem), or nothing.
using ResultCheck = std::optional<std::string> (*)(const FaultConfig& rule);

// The rules that match one site, in the order they were added: `size` entries of `array` from
// `items`. The window is immutable once published (the array behind it may grow past it).
// Lists made by appending a rule or by removing the first or last one share one array, so
// those changes copy nothing (amortized); entries outside the window are never read through
// this list.
struct RuleList {
  std::shared_ptr<std::vector<Rule*>> array;
  Rule* const* items;
  std::size_t size;
  // The one rule of the list when FaultInjector::Decide may decide it alone (a rule with no
  // condition, filter or budget, and no schedule replayed), else null. Rewritten under the
  // injector's mutex when a replay starts or stops.
  mutable std::atomic<Rule*> quick{nullptr};
  // Of a quick rule: Mix64(its SeededRuleMix ^ the site's name_mix), the part of its draws
  // that does not depend on the call (see DecisionBitsSeeded). Rewritten under the injector's
  // mutex when the seed changes.
  mutable std::atomic<std::uint64_t> mix{0};
  Rule* const* begin() const { return items; }
  Rule* const* end() const { return items + size; }
};

// One target of one injector. Sites live as long as their injector, at a stable address, each
// on its own cache line so that threads calling different targets never write a shared line.
struct alignas(64) Site {
  // Null when no enabled rule matches this site. Retired lists are freed by epoch-based
  // reclamation (plugin/core/epoch.hpp), so only a reader inside an epoch guard follows it.
  std::atomic<const RuleList*> rules{nullptr};
  // Calls counted since the injector's last Reset(); the ordinal of a call is its value after
  // increment. Every call is counted while the injector is armed, whatever rules match.
  std::atomic<std::uint64_t> calls{0};
  // The next site counted since the last Reset() (a list kept so that Reset and Stats touch
  // only the sites that were called).
  std::atomic<Site*> next_touched{nullptr};
  std::string name;
  std::uint64_t name_hash = 0;
  std::uint64_t name_mix = 0;  // Mix64(name_hash), the target's part of every decision
  std::uint32_t id = 0;        // process-wide id of the name (see PointId)
  // The result types known to be returned here (by callables wrapped since the injector's
  // last Reset()), each as the check AddRule applies to a rule on this site. Guarded by the
  // injector's mutex.
  std::vector<ResultCheck> result_checks;
};

// What a check found: the rule that fired (kept alive for the calling thread until its next
// fault; null when none fired) and the ordinal of the call. Two words, returned in registers.
struct Fired {
  const FaultConfig* rule = nullptr;
  std::uint64_t call = 0;
};

// How many distinct target names a process may use: the size of every injector's site table.
inline constexpr std::uint32_t kMaxTargets = 1u << 22;

// Interns `name` process-wide and returns its id (stable for the life of the process).
// Throws std::length_error beyond kMaxTargets names.
FAULTLINE_API std::uint32_t PointId(const std::string& name);

// 64-bit FNV-1a, the stable hash of rule and target names in decisions.
constexpr std::uint64_t HashName(const char* data, std::size_t size) {
  std::uint64_t h = 0xcbf29ce484222325ULL;
  for (std::size_t i = 0; i < size; ++i) {
    h ^= static_cast<unsigned char>(data[i]);
    h *= 0x100000001b3ULL;
  }
  return h;
}

// The SplitMix64 finalizer but its last step (Mix64(z) == Mix64Head(z) ^ (Mix64Head(z) >> 31)).
constexpr std::uint64_t Mix64Head(std::uint64_t z) {
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  return (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
}

// The SplitMix64 finalizer: a bijective mix of 64 bits.
constexpr std::uint64_t Mix64(std::uint64_t z) {
  z = Mix64Head(z);
  return z ^ (z >> 31);
}

// The seed's part of every decision, computed once per check.
constexpr std::uint64_t SeedMix(std::uint64_t seed) { return Mix64(seed + 0x9e3779b97f4a7c15ULL); }

// The part of a decision that depends on the seed and the rule alone (seed_mix: SeedMix(seed)),
// computed once per rule and seed.
constexpr std::uint64_t SeededRuleMix(std::uint64_t seed_mix, std::uint64_t rule_hash) {
  return Mix64(seed_mix ^ rule_hash);
}

// A call's part of a decision, computed once per check.
constexpr std::uint64_t CallMix(std::uint64_t call) { return call * 0x9e3779b97f4a7c15ULL; }

// DecisionBits from its rule's part (SeededRuleMix), its target's (Mix64(target_hash)) and
// its call's (CallMix).
constexpr std::uint64_t DecisionBitsSeeded(std::uint64_t seeded_rule, std::uint64_t target_mix,
                                           std::uint64_t call_mix) {
  return Mix64(Mix64(seeded_rule ^ target_mix) ^ call_mix);
}

// DecisionBits from the seed's and the target's parts (SeedMix(seed), Mix64(target_hash)).
constexpr std::uint64_t DecisionBitsMixed(std::uint64_t seed_mix, std::uint64_t rule_hash,
                                          std::uint64_t target_mix, std::uint64_t call) {
  return DecisionBitsSeeded(SeededRuleMix(seed_mix, rule_hash), target_mix, CallMix(call));
}

// The decision stream of (seed, rule, target, call): a pure function of its arguments.
constexpr std::uint64_t DecisionBits(std::uint64_t seed, std::uint64_t rule_hash,
                                     std::uint64_t target_hash, std::uint64_t call) {
  return DecisionBitsMixed(SeedMix(seed), rule_hash, Mix64(target_hash), call);
}

// The threshold of a draw that always fires: DrawThreshold(1). Any value from 2^53 would do;
// all ones compares with an 8-bit immediate.
inline constexpr std::uint64_t kDrawAlways = ~std::uint64_t{0};

// The integer form of a probability p in [0, 1]. A draw of `bits` fires when the double in
// [0, 1) of its top 53 bits, (bits >> 11) * 2^-53, is below p: exactly when the integer
// bits >> 11 is below ceil(p * 2^53), as p * 2^53 is exact. 0 never fires and kDrawAlways
// always does; both decide without drawing.
inline std::uint64_t DrawThreshold(double probability) {
  if (!(probability > 0)) return 0;
  if (probability >= 1) return kDrawAlways;
  return static_cast<std::uint64_t>(std::ceil(probability * 0x1.0p53));
}

// True when a draw of `bits` fires under `threshold` (DrawThreshold).
constexpr bool DrawFires(std::uint64_t bits, std::uint64_t threshold) {
  return (bits >> 11) < threshold;
}

// Above this, the Mix64Head of a draw cannot fire under `threshold` (0 < threshold <
// kDrawAlways): Mix64's last step keeps the top 31 bits of the head, and a draw whose top 31
// bits exceed those of the largest firing draw does not fire. So most draws that do not fire
// are decided without that step.
constexpr std::uint64_t DrawHeadBound(std::uint64_t threshold) {
  return ((threshold - 1) << 11) | ((std::uint64_t{1} << 33) - 1);
}

}  // namespace internal
}  // namespace faultline
