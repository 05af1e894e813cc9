#include "faultline/corrupt.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <climits>
#include <cstring>
#include <functional>
#include <list>
#include <mutex>
#include <set>
#include <string>
#include <vector>

#include "faultline/injector.hpp"
#include "faultline/schedule.hpp"

namespace {

TEST(CorruptTest, BoolsFlipBeforeBeingTreatedAsIntegers) {
  faultline::Rng rng(1);
  bool b = true;
  faultline::Corrupt(b, rng);
  EXPECT_FALSE(b);
  faultline::Value v = false;
  faultline::Corrupt(v, rng);
  EXPECT_EQ(v, faultline::Value(true));
}

TEST(CorruptTest, SignedNumbersNegateAndAlwaysChange) {
  faultline::Rng rng(1);
  int i = 17;
  faultline::Corrupt(i, rng);
  EXPECT_EQ(i, -17);
  int zero = 0;
  faultline::Corrupt(zero, rng);
  EXPECT_EQ(zero, 1);
  int min = INT_MIN;
  faultline::Corrupt(min, rng);
  EXPECT_EQ(min, INT_MAX);
  double d = 2.5;
  faultline::Corrupt(d, rng);
  EXPECT_EQ(d, -2.5);
  double dz = 0.0;
  faultline::Corrupt(dz, rng);
  EXPECT_EQ(dz, 1.0);
}

TEST(CorruptTest, UnsignedAndBytesFlipExactlyOneBit) {
  faultline::Rng rng(9);
  for (int i = 0; i < 100; ++i) {
    unsigned u = 0x0F0F0F0Fu;
    faultline::Corrupt(u, rng);
    EXPECT_EQ(__builtin_popcount(u ^ 0x0F0F0F0Fu), 1);
    std::byte b{0x5A};
    faultline::Corrupt(b, rng);
    EXPECT_EQ(__builtin_popcount(std::to_integer<unsigned>(b ^ std::byte{0x5A})), 1);
  }
}

TEST(CorruptTest, StringsReverseAndPalindromesStillChange) {
  faultline::Rng rng(1);
  std::string s = "Alice";
  faultline::Corrupt(s, rng);
  EXPECT_EQ(s, "ecilA");
  std::string palindrome = "level";
  faultline::Corrupt(palindrome, rng);
  EXPECT_NE(palindrome, "level");
  std::string empty;
  faultline::Corrupt(empty, rng);
  EXPECT_EQ(empty, "CORRUPTED");
}

TEST(CorruptTest, OptionalsReset) {
  faultline::Rng rng(1);
  std::optional<int> o = 4;
  faultline::Corrupt(o, rng);
  EXPECT_FALSE(o.has_value());
}

TEST(CorruptTest, ContainersCorruptElementsAtTheRateAndAlwaysChange) {
  faultline::Rng rng(3, 0.25);
  std::vector<int> many(4000, 1);
  faultline::Corrupt(many, rng);
  const auto changed = std::count(many.begin(), many.end(), -1);
  // Binomial(4000, 0.25): mean 1000, sd ~27.4; five sd.
  EXPECT_NEAR(double(changed), 1000.0, 5 * 27.4 + 1);

  faultline::Rng never(3, 0.0);
  std::list<int> one{5};
  faultline::Corrupt(one, never);
  EXPECT_EQ(one.front(), -5);
  std::array<bool, 3> flags{true, true, true};
  faultline::Corrupt(flags, never);
  EXPECT_EQ(std::count(flags.begin(), flags.end(), false), 1);
  std::map<std::string, std::string> names{{"a", "ab"}};
  faultline::Corrupt(names, never);
  EXPECT_EQ(names.at("a"), "ba");
}

TEST(CorruptTest, CorruptionIsDeterministicForASeed) {
  auto run = [](std::uint64_t seed) {
    faultline::Rng rng(seed);
    std::vector<unsigned> v(64, 0);
    faultline::Corrupt(v, rng);
    return v;
  };
  EXPECT_EQ(run(5), run(5));
  EXPECT_NE(run(5), run(6));
}

struct Money {
  long cents;
};
void FaultlineCorrupt(Money& money, faultline::Rng&) { money.cents = -money.cents - 1; }

struct Point2 {
  int x, y;
};
}  // namespace

template <>
struct faultline::Corruptor<Point2> {
  static void Corrupt(Point2& p, Rng&) { std::swap(p.x, p.y); }
};

namespace {

TEST(CorruptTest, UserTypesCustomizeThroughAdlOrSpecialization) {
  static_assert(faultline::kIsCorruptible<Money>);
  static_assert(faultline::kIsCorruptible<Point2>);
  static_assert(faultline::kIsCorruptible<std::vector<Money>>);
  static_assert(!faultline::kIsCorruptible<std::mutex>);
  faultline::Rng rng(1);
  Money m{100};
  faultline::Corrupt(m, rng);
  EXPECT_EQ(m.cents, -101);
  Point2 p{1, 2};
  faultline::Corrupt(p, rng);
  EXPECT_EQ(p.x, 2);
}

TEST(CorruptDataTest, BehavesLikeTheOriginalCorruptData) {
  const faultline::ValueMap record{{"active", true},
                                   {"id", std::int64_t{7}},
                                   {"name", std::string("Bob")},
                                   {"score", 1.5},
                                   {"note", nullptr}};
  faultline::Rng all(1);
  const auto corrupted = faultline::CorruptData(record, 1.0, all);
  EXPECT_EQ(corrupted.at("active"), faultline::Value(false));
  EXPECT_EQ(corrupted.at("id"), faultline::Value(std::int64_t{-7}));
  EXPECT_EQ(corrupted.at("name"), faultline::Value(std::string("boB")));
  EXPECT_EQ(corrupted.at("score"), faultline::Value(-1.5));
  EXPECT_EQ(corrupted.at("note"), faultline::Value(std::string("CORRUPTED")));

  faultline::Rng none(1);
  EXPECT_EQ(faultline::CorruptData(record, 0.0, none), record);

  faultline::Rng a(42), b(42);
  EXPECT_EQ(faultline::CorruptData(record, 0.5, a), faultline::CorruptData(record, 0.5, b));
}

TEST(CorruptDataTest, RateOutsideUnitIntervalIsAnError) {
  faultline::Rng rng(1);
  EXPECT_THAT([&] { faultline::CorruptData({}, 1.5, rng); },
              ::testing::ThrowsMessage<std::invalid_argument>(
                  "faultline: CorruptData: rate must be in [0, 1], got 1.5"));
}

TEST(RngTest, UniformUsesTheTop53BitsAndIsReproducible) {
  faultline::Rng a(123), b(123);
  for (int i = 0; i < 1000; ++i) {
    const double u = a.Uniform();
    EXPECT_GE(u, 0.0);
    EXPECT_LT(u, 1.0);
    EXPECT_EQ(u, b.Uniform());
  }
  // SplitMix64's published first output for seed 0.
  faultline::Rng zero(0);
  EXPECT_EQ(zero.Next(), 0xe220a8397b1dcdafULL);
}

}  // namespace

// Aimed corruption of a caller's bytes.
namespace {

using faultline::MutableBytes;

std::size_t BitsDiffering(const std::vector<std::uint8_t>& a, const std::vector<std::uint8_t>& b) {
  std::size_t bits = 0;
  for (std::size_t i = 0; i < a.size(); ++i) {
    bits += static_cast<std::size_t>(__builtin_popcount(static_cast<unsigned>(a[i] ^ b[i])));
  }
  return bits;
}

std::size_t BytesDiffering(const std::vector<std::uint8_t>& a, const std::vector<std::uint8_t>& b) {
  std::size_t bytes = 0;
  for (std::size_t i = 0; i < a.size(); ++i) bytes += a[i] != b[i] ? 1 : 0;
  return bytes;
}

std::vector<std::uint8_t> Block() {
  std::vector<std::uint8_t> block(256);
  for (std::size_t i = 0; i < block.size(); ++i) block[i] = static_cast<std::uint8_t>(i * 7 + 1);
  return block;
}

// The block as a disk read hands it back under rule `rule`, on an injector seeded with `seed`.
std::vector<std::uint8_t> ReadBlock(std::uint64_t seed, const faultline::FaultConfig& rule,
                                    const std::function<void(std::vector<std::uint8_t>&,
                                                              const faultline::Decision&)>& aim) {
  faultline::FaultInjector injector(seed);
  injector.AddRule(rule);
  std::vector<std::uint8_t> block = Block();
  const faultline::Decision decision = injector.CheckAndInject("disk.read");
  EXPECT_TRUE(decision);
  if (decision) aim(block, decision);
  return block;
}

TEST(BufferCorruptionTest, FlipBitsFlipsOneBitInEachByteChosenAtTheRate) {
  const std::vector<std::uint8_t> original = Block();
  for (const double rate : {0.0, 0.01, 0.25, 1.0}) {
    SCOPED_TRACE(rate);
    std::vector<std::uint8_t> block = original;
    faultline::Rng rng(11, rate);
    const std::size_t changed = faultline::FlipBits(block, rng);
    EXPECT_EQ(BytesDiffering(block, original), changed);
    EXPECT_EQ(BitsDiffering(block, original), changed) << "one bit per changed byte";
    if (rate == 0.0) {
      EXPECT_EQ(changed, 1u) << "a corrupted buffer always changes";
    }
    if (rate == 1.0) {
      EXPECT_EQ(changed, block.size());
    }
  }
  // 25% of 256 bytes: 64 expected, standard deviation about 7; the seed is fixed, so this is
  // exact, and 5 deviations either way would be a broken rate.
  std::vector<std::uint8_t> block = original;
  faultline::Rng rng(11, 0.25);
  const std::size_t changed = faultline::FlipBits(block, rng);
  EXPECT_GT(changed, 29u);
  EXPECT_LT(changed, 99u);
}

TEST(BufferCorruptionTest, EmptyBuffersAreLeftAlone) {
  std::vector<std::uint8_t> empty;
  faultline::Rng rng(3);
  EXPECT_EQ(faultline::FlipBits(empty, rng), 0u);
  EXPECT_EQ(faultline::TearTail(empty, rng), 0u);
  EXPECT_EQ(faultline::Truncate(empty, rng), 0u);
  EXPECT_EQ(faultline::FlipBits(nullptr, 0, rng), 0u);
}

TEST(BufferCorruptionTest, TearTailZeroesFromAnOffsetToTheEnd) {
  const std::vector<std::uint8_t> original = Block();
  for (std::uint64_t seed = 1; seed <= 20; ++seed) {
    std::vector<std::uint8_t> block = original;
    faultline::Rng rng(seed);
    const std::size_t at = faultline::TearTail(block, rng);
    ASSERT_LT(at, block.size());
    EXPECT_TRUE(std::equal(block.begin(), block.begin() + static_cast<std::ptrdiff_t>(at),
                           original.begin()));
    EXPECT_TRUE(std::all_of(block.begin() + static_cast<std::ptrdiff_t>(at), block.end(),
                            [](std::uint8_t b) { return b == 0; }));
  }
}

TEST(BufferCorruptionTest, TruncateReturnsAShorterLengthAndLeavesTheBytes) {
  const std::vector<std::uint8_t> original = Block();
  std::set<std::size_t> lengths;
  for (std::uint64_t seed = 1; seed <= 20; ++seed) {
    std::vector<std::uint8_t> block = original;
    faultline::Rng rng(seed);
    const std::size_t length = faultline::Truncate(block, rng);
    EXPECT_LT(length, block.size());
    EXPECT_EQ(block, original);
    lengths.insert(length);
  }
  EXPECT_GT(lengths.size(), 10u) << "the length is drawn, not fixed";
  std::string one = "x";
  faultline::Rng rng(5);
  EXPECT_EQ(faultline::Truncate(one, rng), 0u);
}

TEST(BufferCorruptionTest, PointerAndLengthAndContainersCorruptTheSameBytes) {
  std::vector<std::uint8_t> by_pointer = Block();
  std::vector<std::uint8_t> by_vector = Block();
  std::string by_string(by_vector.begin(), by_vector.end());
  std::array<std::byte, 256> by_array{};
  std::memcpy(by_array.data(), by_vector.data(), by_array.size());
  faultline::Rng a(9, 0.1), b(9, 0.1), c(9, 0.1), d(9, 0.1);
  faultline::FlipBits(by_pointer.data(), by_pointer.size(), a);
  faultline::FlipBits(by_vector, b);
  faultline::FlipBits(by_string, c);
  faultline::FlipBits(MutableBytes(by_array), d);
  EXPECT_EQ(by_vector, by_pointer);
  EXPECT_EQ(std::vector<std::uint8_t>(by_string.begin(), by_string.end()), by_pointer);
  EXPECT_EQ(std::memcmp(by_array.data(), by_pointer.data(), by_array.size()), 0);
  // A part of a buffer: only its bytes change.
  std::vector<std::uint8_t> framed = Block();
  faultline::Rng e(9, 1.0);
  faultline::FlipBits(framed.data() + 16, 32, e);
  EXPECT_EQ(BytesDiffering(framed, Block()), 32u);
  EXPECT_TRUE(std::equal(framed.begin(), framed.begin() + 16, Block().begin()));
}

static_assert(std::is_constructible_v<MutableBytes, std::string&>);
static_assert(std::is_constructible_v<MutableBytes, std::array<std::byte, 4>&>);
static_assert(!std::is_constructible_v<MutableBytes, const std::string&>,
              "const bytes cannot be corrupted");
static_assert(!std::is_constructible_v<MutableBytes, std::vector<int>&>,
              "only byte-sized elements are bytes");

TEST(BufferCorruptionTest, TheSameSeedCorruptsTheSameBytes) {
  const faultline::FaultConfig rot =
      faultline::Corruption("rot").Target("disk.read").CorruptionRate(0.05);
  const auto flip = [](std::vector<std::uint8_t>& block, const faultline::Decision& decision) {
    faultline::FlipBits(block, decision);
  };
  const std::vector<std::uint8_t> first = ReadBlock(1234, rot, flip);
  EXPECT_NE(first, Block());
  EXPECT_EQ(ReadBlock(1234, rot, flip), first);
  EXPECT_NE(ReadBlock(1235, rot, flip), first);

  const auto tear = [](std::vector<std::uint8_t>& block, const faultline::Decision& decision) {
    faultline::TearTail(block.data(), block.size(), decision);
  };
  EXPECT_EQ(ReadBlock(77, rot, tear), ReadBlock(77, rot, tear));
  const auto truncate = [](std::vector<std::uint8_t>& block, const faultline::Decision& decision) {
    block.resize(faultline::Truncate(block, decision));
  };
  EXPECT_EQ(ReadBlock(77, rot, truncate), ReadBlock(77, rot, truncate));
  EXPECT_LT(ReadBlock(77, rot, truncate).size(), Block().size());
}

TEST(BufferCorruptionTest, AReplayedRunCorruptsTheSameBytes) {
  faultline::FaultInjector injector(99);
  const faultline::FaultConfig rot =
      faultline::Corruption("rot").Target("disk.read").Probability(0.3).CorruptionRate(0.02);
  injector.AddRule(rot);
  const auto read_all = [&] {
    std::vector<std::vector<std::uint8_t>> blocks;
    for (int i = 0; i < 20; ++i) {
      std::vector<std::uint8_t> block = Block();
      if (const faultline::Decision decision = injector.CheckAndInject("disk.read")) {
        faultline::FlipBits(block, decision);
      }
      blocks.push_back(block);
    }
    return blocks;
  };
  const auto original = read_all();
  const faultline::Schedule schedule = faultline::Schedule::FromEvents(injector.Events());
  ASSERT_FALSE(schedule.empty());
  injector.Reset();
  injector.AddRule(rot);
  injector.Replay(schedule);
  EXPECT_EQ(read_all(), original);
}

TEST(BufferCorruptionTest, TheRateComesFromTheRule) {
  const auto flip = [](std::vector<std::uint8_t>& block, const faultline::Decision& decision) {
    faultline::FlipBits(block, decision);
  };
  const auto none = ReadBlock(5, faultline::Corruption("rot").Target("disk.read").CorruptionRate(0), flip);
  EXPECT_EQ(BitsDiffering(none, Block()), 1u) << "rate 0 still flips one bit";
  const auto all = ReadBlock(5, faultline::Corruption("rot").Target("disk.read").CorruptionRate(1), flip);
  EXPECT_EQ(BytesDiffering(all, Block()), Block().size());
}

TEST(BufferCorruptionTest, BadBuffersAndEmptyDecisionsAreClearErrors) {
  EXPECT_THAT([] { MutableBytes(nullptr, 3); },
              ::testing::ThrowsMessage<std::invalid_argument>(
                  "faultline: MutableBytes: null data with size 3, expected a buffer or size 0"));
  std::vector<std::uint8_t> block = Block();
  EXPECT_THAT([&] { faultline::FlipBits(block, faultline::Decision{}); },
              ::testing::ThrowsMessage<std::invalid_argument>(
                  "faultline: CorruptionRng: the decision is empty (no rule fired), expected a "
                  "fired decision"));
  faultline::FaultInjector injector(1);
  injector.AddRule(faultline::Exception("boom").Target("disk.read"));
  const faultline::Decision thrown = injector.CheckForError(injector.Intern("disk.read"));
  ASSERT_TRUE(thrown);
  EXPECT_THAT([&] { faultline::FlipBits(block, thrown); },
              ::testing::ThrowsMessage<std::invalid_argument>(
                  "faultline: CorruptionRng: rule \"boom\" (exception) draws no corruption: "
                  "expected the decision of a corruption or return rule"));
  EXPECT_EQ(block, Block());
}

}  // namespace
