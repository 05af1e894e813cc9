// faultline: data corruption. Corruptor<T> says how a value of type T is corrupted; kCorruption
// rules apply it to the result of a wrapped call. Every corruption is a deterministic function
// of the Rng it is given.
//
//   faultline::Rng rng(42);
//   std::string s = "hello";
//   faultline::Corrupt(s, rng);           // "olleh"
//
// Customize for your own type by specializing faultline::Corruptor<T> with a static
// `void Corrupt(T&, Rng&)`, or by an ADL-found free function `FaultlineCorrupt(T&, faultline::Rng&)`.
//
// Aimed corruption: a fault point's kCorruption decision corrupts the caller's own bytes, at
// positions drawn from the decision, so the same seed corrupts the same bytes:
//
//   if (faultline::Decision d = FAULTLINE_POINT("disk.read")) {
//     faultline::FlipBits(block.data(), block.size(), d);   // bit rot, at the rule's rate
//     // or: faultline::TearTail(block, d);                 // a torn write: zeroes to the end
//     // or: block.resize(faultline::Truncate(block, d));   // a short read
//   }
#pragma once

#include <cstddef>
#include <cstdint>
#include <iterator>
#include <limits>
#include <map>
#include <optional>
#include <string>
#include <type_traits>
#include <utility>
#include <variant>

#include "faultline/export.hpp"
#include "faultline/fault.hpp"

namespace faultline {

// A small, fast, portable counter-based generator (SplitMix64). Satisfies
// UniformRandomBitGenerator. `element_rate` is the chance that each element of a container is
// corrupted.
class Rng {
 public:
  using result_type = std::uint64_t;
  explicit Rng(std::uint64_t seed, double element_rate = 0.5) : state_(seed), rate_(element_rate) {}

  static constexpr result_type min() { return 0; }
  static constexpr result_type max() { return std::numeric_limits<result_type>::max(); }
  result_type operator()() { return Next(); }

  std::uint64_t Next() {
    std::uint64_t z = (state_ += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
  }
  // Uniform in [0, 1), from the top 53 bits (identical on every standard library).
  double Uniform() { return double(Next() >> 11) * 0x1.0p-53; }
  // Uniform in [0, n); n > 0.
  std::uint64_t Below(std::uint64_t n) { return Next() % n; }
  double element_rate() const { return rate_; }

 private:
  std::uint64_t state_;
  double rate_;
};

// A dynamically typed value, as in the original harness's dictionaries: null, bool, integer,
// floating or string.
using Value = std::variant<std::nullptr_t, bool, std::int64_t, double, std::string>;
// A record of named Values.
using ValueMap = std::map<std::string, Value>;

// How a T is corrupted. The primary template is undefined: a type is corruptible when a
// specialization or an ADL `FaultlineCorrupt(T&, Rng&)` exists.
template <class T, class Enable = void>
struct Corruptor;

namespace internal {
template <class T, class = void>
struct HasAdlCorrupt : std::false_type {};
template <class T>
struct HasAdlCorrupt<T, std::void_t<decltype(FaultlineCorrupt(std::declval<T&>(),
                                                              std::declval<Rng&>()))>>
    : std::true_type {};
template <class T, class = void>
struct HasCorruptor : std::false_type {};
template <class T>
struct HasCorruptor<T, std::void_t<decltype(Corruptor<T>::Corrupt(std::declval<T&>(),
                                                                  std::declval<Rng&>()))>>
    : std::true_type {};
template <class T, class = void>
struct IsRange : std::false_type {};
template <class T>
struct IsRange<T, std::void_t<decltype(std::begin(std::declval<T&>())),
                              decltype(std::end(std::declval<T&>()))>> : std::true_type {};
// Views and sets (std::string_view, std::set, spans of const) cannot be changed in place.
template <class C, class = void>
struct HasMutableElements : std::false_type {};
template <class C>
struct HasMutableElements<C, std::void_t<decltype(*std::begin(std::declval<C&>()))>>
    : std::bool_constant<!std::is_const_v<
          std::remove_reference_t<decltype(*std::begin(std::declval<C&>()))>>> {};
template <class T, class = void>
struct IsMap : std::false_type {};
template <class T>
struct IsMap<T, std::void_t<typename T::key_type, typename T::mapped_type>> : std::true_type {};
}  // namespace internal

// True when values of T can be corrupted.
template <class T>
inline constexpr bool kIsCorruptible =
    internal::HasCorruptor<T>::value || internal::HasAdlCorrupt<T>::value;

// Corrupts `value` in place through its Corruptor (or ADL FaultlineCorrupt).
template <class T>
void Corrupt(T& value, Rng& rng) {
  static_assert(kIsCorruptible<T>,
                "faultline: no Corruptor<T> specialization or FaultlineCorrupt(T&, Rng&) for T");
  if constexpr (internal::HasCorruptor<T>::value) {
    Corruptor<T>::Corrupt(value, rng);
  } else {
    FaultlineCorrupt(value, rng);
  }
}

// bool: flipped (checked before the integers: bool is an integral type).
template <>
struct Corruptor<bool> {
  static void Corrupt(bool& value, Rng&) { value = !value; }
};

// Signed integers: negated; 0 becomes 1 and the minimum becomes the maximum, so the value
// always changes.
template <class T>
struct Corruptor<T, std::enable_if_t<std::is_integral_v<T> && std::is_signed_v<T> &&
                                     !std::is_same_v<T, bool> && !std::is_same_v<T, char>>> {
  static void Corrupt(T& value, Rng&) {
    if (value == 0) {
      value = 1;
    } else if (value == std::numeric_limits<T>::min()) {
      value = std::numeric_limits<T>::max();
    } else {
      value = static_cast<T>(-value);
    }
  }
};

// Unsigned integers, char and std::byte: one bit, chosen by the Rng, is flipped.
template <class T>
struct Corruptor<T, std::enable_if_t<(std::is_integral_v<T> && std::is_unsigned_v<T> &&
                                      !std::is_same_v<T, bool>) ||
                                     std::is_same_v<T, char> || std::is_same_v<T, std::byte>>> {
  static void Corrupt(T& value, Rng& rng) {
    const auto bit = rng.Below(sizeof(T) * 8);
    if constexpr (std::is_same_v<T, std::byte>) {
      value ^= std::byte(1u << bit);
    } else {
      using U = std::make_unsigned_t<T>;
      value = static_cast<T>(static_cast<U>(value) ^ static_cast<U>(U(1) << bit));
    }
  }
};

// Floating values: negated; 0 becomes 1 so the value always changes.
template <class T>
struct Corruptor<T, std::enable_if_t<std::is_floating_point_v<T>>> {
  static void Corrupt(T& value, Rng&) { value = value == T(0) ? T(1) : -value; }
};

// Strings: reversed; when that changes nothing (a palindrome), the first character is altered,
// and an empty string becomes "CORRUPTED".
template <>
struct Corruptor<std::string> {
  FAULTLINE_API static void Corrupt(std::string& value, Rng& rng);
};

// std::optional: reset to nullopt (an empty optional stays empty).
template <class T>
struct Corruptor<std::optional<T>> {
  static void Corrupt(std::optional<T>& value, Rng&) { value.reset(); }
};

// Containers of corruptible elements (vector, list, deque, array, ...): each element is
// corrupted with probability rng.element_rate(); a non-empty container always changes.
template <class C>
struct Corruptor<C, std::enable_if_t<internal::IsRange<C>::value && !internal::IsMap<C>::value &&
                                     !std::is_same_v<C, std::string> &&
                                     internal::HasMutableElements<C>::value &&
                                     kIsCorruptible<std::decay_t<decltype(*std::begin(
                                         std::declval<C&>()))>>>> {
  static void Corrupt(C& values, Rng& rng) {
    bool changed = false;
    std::size_t size = 0;
    for (auto& element : values) {
      ++size;
      if (rng.Uniform() < rng.element_rate()) {
        faultline::Corrupt(element, rng);
        changed = true;
      }
    }
    if (changed || size == 0) return;
    auto it = std::begin(values);
    std::advance(it, static_cast<std::ptrdiff_t>(rng.Below(size)));
    faultline::Corrupt(*it, rng);
  }
};

// Maps with corruptible mapped values: like containers, over the mapped values.
template <class M>
struct Corruptor<M, std::enable_if_t<internal::IsMap<M>::value &&
                                     kIsCorruptible<typename M::mapped_type>>> {
  static void Corrupt(M& values, Rng& rng) {
    bool changed = false;
    for (auto& entry : values) {
      if (rng.Uniform() < rng.element_rate()) {
        faultline::Corrupt(entry.second, rng);
        changed = true;
      }
    }
    if (changed || values.empty()) return;
    auto it = values.begin();
    std::advance(it, static_cast<std::ptrdiff_t>(rng.Below(values.size())));
    faultline::Corrupt(it->second, rng);
  }
};

// A dynamic Value, as the original corrupt_data: null becomes "CORRUPTED", bool flips,
// numbers negate, strings reverse.
template <>
struct Corruptor<Value> {
  FAULTLINE_API static void Corrupt(Value& value, Rng& rng);
};

// A caller's bytes, corrupted in place by FlipBits and TearTail: a pointer and a length, or a
// contiguous container or view of byte-sized elements with data() and size() (std::string,
// std::vector<std::uint8_t>, std::array<std::byte, N>, std::span<char>, absl::Span<uint8_t>).
// Does not own the bytes; they must outlive it.
class FAULTLINE_API MutableBytes {
 public:
  // `size` bytes at `data`. Throws std::invalid_argument when `data` is null and `size` is not 0.
  MutableBytes(void* data, std::size_t size);
  // The elements of `bytes`, which must not be const.
  template <class C,
            class = std::enable_if_t<
                !std::is_same_v<std::decay_t<C>, MutableBytes> &&
                std::is_pointer_v<decltype(std::data(std::declval<C&>()))> &&
                sizeof(*std::data(std::declval<C&>())) == 1 &&
                !std::is_const_v<std::remove_reference_t<decltype(*std::data(std::declval<C&>()))>>>>
  MutableBytes(C&& bytes)  // NOLINT(google-explicit-constructor): a view, as std::span
      : MutableBytes(static_cast<void*>(std::data(bytes)), std::size(bytes)) {}

  // The first byte.
  unsigned char* data() const { return data_; }
  // How many bytes.
  std::size_t size() const { return size_; }

 private:
  unsigned char* data_;
  std::size_t size_;
};

// The Rng a fired decision corrupts with: seeded with its stream, at its rule's corruption
// rate (FaultConfig::CorruptionRate), as Wrap corrupts a result. Throws std::invalid_argument
// when `decision` is empty (no rule fired) or not of a corruption or return rule.
FAULTLINE_API Rng CorruptionRng(const Decision& decision);

// Bit rot: flips one bit, drawn from `rng`, in each byte chosen with probability
// rng.element_rate(), and in one byte drawn from `rng` when none was chosen, so a non-empty
// buffer always changes (rate 0: exactly one byte; rate 1: every byte). Returns how many bytes
// changed (0 for an empty buffer).
FAULTLINE_API std::size_t FlipBits(MutableBytes bytes, Rng& rng);
// FlipBits with CorruptionRng(decision): reproducible from the run's seed.
FAULTLINE_API std::size_t FlipBits(MutableBytes bytes, const Decision& decision);
// FlipBits on the `size` bytes at `data`.
inline std::size_t FlipBits(void* data, std::size_t size, Rng& rng) {
  return FlipBits(MutableBytes(data, size), rng);
}
// FlipBits on the `size` bytes at `data`, with CorruptionRng(decision).
inline std::size_t FlipBits(void* data, std::size_t size, const Decision& decision) {
  return FlipBits(MutableBytes(data, size), decision);
}

// A torn write: zeroes every byte from an offset drawn from `rng` in [0, size) to the end, as
// a write cut short leaves a block. Returns that offset (0 for an empty buffer): the bytes
// before it are intact.
FAULTLINE_API std::size_t TearTail(MutableBytes bytes, Rng& rng);
// TearTail with CorruptionRng(decision): reproducible from the run's seed.
FAULTLINE_API std::size_t TearTail(MutableBytes bytes, const Decision& decision);
// TearTail on the `size` bytes at `data`.
inline std::size_t TearTail(void* data, std::size_t size, Rng& rng) {
  return TearTail(MutableBytes(data, size), rng);
}
// TearTail on the `size` bytes at `data`, with CorruptionRng(decision).
inline std::size_t TearTail(void* data, std::size_t size, const Decision& decision) {
  return TearTail(MutableBytes(data, size), decision);
}

// A truncation: a length drawn from `rng` in [0, size), always shorter (0 for an empty
// buffer). The bytes are left alone; the caller shortens its buffer to the length returned
// (`block.resize(Truncate(block, decision))`, or a short read's count).
FAULTLINE_API std::size_t Truncate(MutableBytes bytes, Rng& rng);
// Truncate with CorruptionRng(decision): reproducible from the run's seed.
FAULTLINE_API std::size_t Truncate(MutableBytes bytes, const Decision& decision);
// Truncate of the `size` bytes at `data`.
inline std::size_t Truncate(void* data, std::size_t size, Rng& rng) {
  return Truncate(MutableBytes(data, size), rng);
}
// Truncate of the `size` bytes at `data`, with CorruptionRng(decision).
inline std::size_t Truncate(void* data, std::size_t size, const Decision& decision) {
  return Truncate(MutableBytes(data, size), decision);
}

// The original harness's corrupt_data(dict, rate, rng): a copy of `data` in which each value
// is corrupted with probability `rate` (values left alone are copied unchanged). Throws
// std::invalid_argument when rate is outside [0, 1].
FAULTLINE_API ValueMap CorruptData(const ValueMap& data, double rate, Rng& rng);

}  // namespace faultline
