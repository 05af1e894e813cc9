#include "faultline/corrupt.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <array>
#include <climits>
#include <list>
#include <mutex>

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
