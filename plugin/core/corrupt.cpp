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
