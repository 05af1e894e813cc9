// Internal: the call ordinals of one target that some run faulted, as a bounded set of ranges.
// Shared by the JSON report (written by the adapters' session) and faultline-report, which
// merges reports: merging two sets gives exactly the set one process would have kept for all of
// their runs, so that the shards of one campaign merge into the report of an unsharded run.
#pragma once

#include <algorithm>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

namespace faultline {
namespace internal {

// A set of call ordinals (1-based) at a resolution of `step()` calls: with step 1 it is exact;
// with step s it records, for each block of s calls (1..s, s+1..2s, ...), whether a call in it
// was faulted. The step is the smallest power of two that keeps the blocks of the largest
// ordinal a run reached (`max_call`) under kMaxBlocks, so memory and text stay bounded, and
// since it depends on max_call alone (a maximum, which merges exactly) two sets merge exactly.
class OrdinalSet {
 public:
  // Blocks at most: ordinals are exact up to this many calls per run.
  static constexpr std::uint64_t kMaxBlocks = 1024;

  // The step for a target whose runs reached at most `max_call` calls.
  static std::uint64_t StepFor(std::uint64_t max_call) {
    std::uint64_t step = 1;
    while ((max_call + step - 1) / step > kMaxBlocks) step *= 2;
    return step;
  }

  std::uint64_t step() const { return step_; }
  bool empty() const { return blocks_.empty(); }

  // Coarsens to `step` (a power of two not below step()); a finer step is ignored.
  void Coarsen(std::uint64_t step) {
    if (step <= step_) return;
    const std::uint64_t factor = step / step_;
    for (auto& [first, last] : blocks_) {
      first /= factor;
      last /= factor;
    }
    step_ = step;
    Normalize();
  }

  // Adds ordinals `first` to `last` (both >= 1, first <= last), at the current step.
  void AddRange(std::uint64_t first, std::uint64_t last) {
    blocks_.emplace_back((first - 1) / step_, (last - 1) / step_);
  }
  void Add(std::uint64_t ordinal) { AddRange(ordinal, ordinal); }

  // Adds every ordinal of `other`, at the coarser of the two steps.
  void Union(OrdinalSet other) {
    other.Coarsen(step_);
    Coarsen(other.step_);
    other.Normalize();
    blocks_.insert(blocks_.end(), other.blocks_.begin(), other.blocks_.end());
    Normalize();
  }

  // Merges overlapping and adjacent blocks; call after a series of Add()s.
  void Normalize() {
    std::sort(blocks_.begin(), blocks_.end());
    std::vector<std::pair<std::uint64_t, std::uint64_t>> merged;
    for (const auto& block : blocks_) {
      if (!merged.empty() && block.first <= merged.back().second + 1) {
        merged.back().second = std::max(merged.back().second, block.second);
      } else {
        merged.push_back(block);
      }
    }
    blocks_ = std::move(merged);
  }

  // "1-3,5,9-16": the ranges of ordinals, each block spelled as the calls it covers, the last
  // one ending at `max_call` at most. Call Normalize() first.
  std::string ToString(std::uint64_t max_call) const {
    std::string text;
    for (const auto& [first_block, last_block] : blocks_) {
      const std::uint64_t first = first_block * step_ + 1;
      std::uint64_t last = (last_block + 1) * step_;
      if (max_call != 0) last = std::min(last, max_call);
      if (last < first) last = first;
      text += (text.empty() ? "" : ",") + std::to_string(first);
      if (last != first) text += "-" + std::to_string(last);
    }
    return text;
  }

  // Reads ToString()'s text at `step` (a power of two). Throws std::invalid_argument saying
  // what was expected at which character.
  static OrdinalSet Parse(const std::string& text, std::uint64_t step) {
    if (step == 0 || (step & (step - 1)) != 0) {
      throw std::invalid_argument("expected a power of two as the ordinal step, got " +
                                  std::to_string(step));
    }
    OrdinalSet set;
    set.step_ = step;
    std::size_t at = 0;
    auto number = [&]() {
      if (at >= text.size() || text[at] < '0' || text[at] > '9') {
        throw std::invalid_argument("expected a call ordinal at character " +
                                    std::to_string(at + 1) + " of \"" + text + "\"");
      }
      std::uint64_t value = 0;
      while (at < text.size() && text[at] >= '0' && text[at] <= '9') {
        const std::uint64_t digit = std::uint64_t(text[at++] - '0');
        if (value > (UINT64_MAX - digit) / 10) {
          throw std::invalid_argument("expected a call ordinal below 2^64 before character " +
                                      std::to_string(at + 1) + " of \"" + text + "\"");
        }
        value = value * 10 + digit;
      }
      if (value == 0) {
        throw std::invalid_argument("expected a call ordinal >= 1 before character " +
                                    std::to_string(at + 1) + " of \"" + text + "\"");
      }
      return value;
    };
    while (at < text.size()) {
      const std::uint64_t first = number();
      std::uint64_t last = first;
      if (at < text.size() && text[at] == '-') {
        ++at;
        last = number();
      }
      if (last < first) {
        throw std::invalid_argument("expected a range's end >= its start before character " +
                                    std::to_string(at + 1) + " of \"" + text + "\"");
      }
      set.AddRange(first, last);
      if (at < text.size()) {
        if (text[at] != ',') {
          throw std::invalid_argument("expected ',' at character " + std::to_string(at + 1) +
                                      " of \"" + text + "\"");
        }
        ++at;
        if (at == text.size()) {
          throw std::invalid_argument("expected a call ordinal after the ',' at the end of \"" +
                                      text + "\"");
        }
      }
    }
    set.Normalize();
    return set;
  }

  // The blocks, each as (first, last) block index at step(), after Normalize().
  const std::vector<std::pair<std::uint64_t, std::uint64_t>>& blocks() const { return blocks_; }

 private:
  std::uint64_t step_ = 1;
  std::vector<std::pair<std::uint64_t, std::uint64_t>> blocks_;
};

}  // namespace internal
}  // namespace faultline
