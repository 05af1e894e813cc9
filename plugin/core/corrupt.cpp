#include "faultline/corrupt.hpp"

#include <algorithm>
#include <sstream>
#include <stdexcept>

namespace faultline {

void Corruptor<std::string>::Corrupt(std::string& value, Rng&) {
  if (value.empty()) {
    value = "CORRUPTED";
    return;
  }
  const std::string original = value;
  std::reverse(value.begin(), value.end());
  if (value == original) value[0] = static_cast<char>(value[0] ^ 0x01);
}

void Corruptor<Value>::Corrupt(Value& value, Rng& rng) {
  std::visit(
      [&](auto& v) {
        using T = std::decay_t<decltype(v)>;
        if constexpr (std::is_same_v<T, std::nullptr_t>) {
          value = std::string("CORRUPTED");
        } else {
          faultline::Corrupt(v, rng);
        }
      },
      value);
}

MutableBytes::MutableBytes(void* data, std::size_t size)
    : data_(static_cast<unsigned char*>(data)), size_(size) {
  if (data == nullptr && size != 0) {
    throw std::invalid_argument("faultline: MutableBytes: null data with size " +
                                std::to_string(size) + ", expected a buffer or size 0");
  }
}

Rng CorruptionRng(const Decision& decision) {
  if (!decision) {
    throw std::invalid_argument(
        "faultline: CorruptionRng: the decision is empty (no rule fired), expected a fired "
        "decision");
  }
  if (decision.type() != FaultType::kCorruption && decision.type() != FaultType::kReturn) {
    throw std::invalid_argument(
        "faultline: CorruptionRng: rule \"" + decision.rule->name() + "\" (" +
        ToString(decision.type()) +
        ") draws no corruption: expected the decision of a corruption or return rule");
  }
  return Rng(decision.stream, decision.rule->corruption_rate());
}

std::size_t FlipBits(MutableBytes bytes, Rng& rng) {
  if (bytes.size() == 0) return 0;
  std::size_t changed = 0;
  for (std::size_t i = 0; i < bytes.size(); ++i) {
    if (rng.Uniform() < rng.element_rate()) {
      bytes.data()[i] ^= static_cast<unsigned char>(1u << rng.Below(8));
      ++changed;
    }
  }
  if (changed == 0) {
    const std::uint64_t at = rng.Below(bytes.size());
    bytes.data()[at] ^= static_cast<unsigned char>(1u << rng.Below(8));
    changed = 1;
  }
  return changed;
}

std::size_t FlipBits(MutableBytes bytes, const Decision& decision) {
  Rng rng = CorruptionRng(decision);
  return FlipBits(bytes, rng);
}

std::size_t TearTail(MutableBytes bytes, Rng& rng) {
  if (bytes.size() == 0) return 0;
  const std::size_t at = static_cast<std::size_t>(rng.Below(bytes.size()));
  std::fill(bytes.data() + at, bytes.data() + bytes.size(), static_cast<unsigned char>(0));
  return at;
}

std::size_t TearTail(MutableBytes bytes, const Decision& decision) {
  Rng rng = CorruptionRng(decision);
  return TearTail(bytes, rng);
}

std::size_t Truncate(MutableBytes bytes, Rng& rng) {
  if (bytes.size() == 0) return 0;
  return static_cast<std::size_t>(rng.Below(bytes.size()));
}

std::size_t Truncate(MutableBytes bytes, const Decision& decision) {
  Rng rng = CorruptionRng(decision);
  return Truncate(bytes, rng);
}

ValueMap CorruptData(const ValueMap& data, double rate, Rng& rng) {
  if (!(rate >= 0.0 && rate <= 1.0)) {
    std::ostringstream text;
    text << rate;
    throw std::invalid_argument("faultline: CorruptData: rate must be in [0, 1], got " +
                                text.str());
  }
  ValueMap corrupted = data;
  for (auto& [key, value] : corrupted) {
    if (rng.Uniform() < rate) faultline::Corrupt(value, rng);
  }
  return corrupted;
}

}  // namespace faultline
