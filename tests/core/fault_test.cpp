#include "faultline/fault.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cerrno>
#include <cmath>
#include <limits>
#include <memory>

namespace {

using namespace std::chrono_literals;
using ::testing::HasSubstr;
using ::testing::ThrowsMessage;

TEST(FaultConfigTest, FactoriesSetTypeAndOriginalDefaults) {
  const faultline::FaultConfig rule = faultline::Exception("api-error");
  EXPECT_EQ(rule.name(), "api-error");
  EXPECT_EQ(rule.type(), faultline::FaultType::kException);
  EXPECT_EQ(rule.target(), "*");
  EXPECT_EQ(rule.probability(), 1.0);
  EXPECT_EQ(rule.delay(), 1s);
  EXPECT_EQ(rule.message(), "Injected fault");
  EXPECT_TRUE(rule.enabled());
  EXPECT_EQ(faultline::Delay("d", 10ms).type(), faultline::FaultType::kDelay);
  EXPECT_EQ(faultline::Delay("d", 10ms).delay(), 10ms);
  EXPECT_EQ(faultline::Timeout("t", 5ms).type(), faultline::FaultType::kTimeout);
  EXPECT_EQ(faultline::Corruption("c").type(), faultline::FaultType::kCorruption);
  EXPECT_EQ(faultline::Return("r", -12).type(), faultline::FaultType::kReturn);
}

TEST(FaultConfigTest, SettersChain) {
  const auto rule = faultline::Delay("db-delay", 10ms)
                        .Target("query_*")
                        .Probability(0.2)
                        .MaxTriggers(3)
                        .SkipFirst(2)
                        .EveryNth(4)
                        .Enabled(false);
  EXPECT_EQ(rule.target(), "query_*");
  EXPECT_EQ(rule.probability(), 0.2);
  EXPECT_EQ(rule.max_triggers(), 3u);
  EXPECT_EQ(rule.skip_first(), 2u);
  EXPECT_EQ(rule.every_nth(), 4u);
  EXPECT_FALSE(rule.enabled());
}

TEST(FaultConfigTest, ProbabilityOutsideUnitIntervalThrowsAtTheSetter) {
  EXPECT_THAT([] { faultline::Exception("api-error").Probability(1.5); },
              ThrowsMessage<std::invalid_argument>(
                  "faultline: rule \"api-error\": probability must be in [0, 1], got 1.5"));
  EXPECT_THAT([] { faultline::Exception("x").Probability(-0.1); },
              ThrowsMessage<std::invalid_argument>(HasSubstr("got -0.1")));
  EXPECT_THAT([] { faultline::Exception("x").Probability(std::nan("")); },
              ThrowsMessage<std::invalid_argument>(HasSubstr("got nan")));
  EXPECT_THAT([] { faultline::Exception("x").Probability(1.0000001); },
              ThrowsMessage<std::invalid_argument>(HasSubstr("got 1.0000001")));
  EXPECT_NO_THROW(faultline::Exception("x").Probability(0.0).Probability(1.0));
}

TEST(FaultConfigTest, CorruptionRateIsARateOfCorruptionRulesOnly) {
  EXPECT_EQ(faultline::Corruption("c").corruption_rate(), faultline::kDefaultCorruptionRate);
  EXPECT_EQ(faultline::Corruption("c").CorruptionRate(0).corruption_rate(), 0.0);
  EXPECT_EQ(faultline::Corruption("c").CorruptionRate(1).corruption_rate(), 1.0);
  EXPECT_NE(faultline::Corruption("c").CorruptionRate(0.1), faultline::Corruption("c"));
  EXPECT_THAT([] { faultline::Corruption("bitrot").CorruptionRate(1.5); },
              ThrowsMessage<std::invalid_argument>(
                  "faultline: rule \"bitrot\": corruption rate must be in [0, 1], got 1.5"));
  EXPECT_THAT([] { faultline::Corruption("c").CorruptionRate(-0.25); },
              ThrowsMessage<std::invalid_argument>(HasSubstr("got -0.25")));
  EXPECT_THAT([] { faultline::Corruption("c").CorruptionRate(std::nan("")); },
              ThrowsMessage<std::invalid_argument>(HasSubstr("got nan")));
  EXPECT_THAT([] { faultline::Exception("api-error").CorruptionRate(0.1); },
              ThrowsMessage<std::invalid_argument>(
                  "faultline: rule \"api-error\": a corruption rate applies to corruption rules, "
                  "not to a rule of type exception"));
}

TEST(FaultConfigTest, BadNamesThrowAtConstruction) {
  EXPECT_THAT([] { faultline::Exception(""); },
              ThrowsMessage<std::invalid_argument>("faultline: a rule name must not be empty"));
  EXPECT_THAT([] { faultline::Exception("api error"); },
              ThrowsMessage<std::invalid_argument>(
                  HasSubstr("rule \"api error\": a name may hold only letters, digits and "
                            "\"_.-/\", got ' ' at column 4")));
  // The whole UTF-8 character, at its column in characters, never a cut byte.
  EXPECT_THAT([] { faultline::Exception("naïve-é"); },
              ThrowsMessage<std::invalid_argument>(
                  "faultline: rule \"naïve-é\": a name may hold only letters, digits and "
                  "\"_.-/\", got 'ï' at column 3"));
}

TEST(FaultConfigTest, ANulByteInATargetThrowsAndIsShownEscaped) {
  EXPECT_THAT([] { faultline::Exception("x").Target(std::string("db\0read", 7)); },
              ThrowsMessage<std::invalid_argument>(
                  "faultline: rule \"x\": bad target \"db\\x00read\": a target must not hold a "
                  "NUL byte, got one at column 3"));
}

TEST(FaultConfigTest, NegativeDelayThrows) {
  EXPECT_THAT([] { faultline::Delay("slow", -1ms); },
              ThrowsMessage<std::invalid_argument>(
                  "faultline: rule \"slow\": delay must not be negative, got -1000000ns"));
  EXPECT_THAT([] { faultline::Timeout("t", 1ms).Delay(-5ns); },
              ThrowsMessage<std::invalid_argument>(HasSubstr("got -5ns")));
}

TEST(FaultConfigTest, MalformedGlobsThrow) {
  EXPECT_THAT([] { faultline::Exception("x").Target("db[ab"); },
              ThrowsMessage<std::invalid_argument>(
                  "faultline: rule \"x\": bad target \"db[ab\": '[' at column 3 is never "
                  "closed by ']'"));
  EXPECT_THAT([] { faultline::Exception("x").Target(""); },
              ThrowsMessage<std::invalid_argument>(HasSubstr("a target must not be empty")));
  EXPECT_THAT([] { faultline::Exception("x").Target("a\\"); },
              ThrowsMessage<std::invalid_argument>(HasSubstr("trailing '\\'")));
  EXPECT_THAT([] { faultline::Exception("x").Target("{log,table.Sync"); },
              ThrowsMessage<std::invalid_argument>(
                  "faultline: rule \"x\": bad target \"{log,table.Sync\": '{' at column 1 is "
                  "never closed by '}'"));
  EXPECT_THAT([] { faultline::Exception("x").Path("*.{db"); },
              ThrowsMessage<std::invalid_argument>(HasSubstr("'{' at column 3 is never closed")));
}

TEST(FaultConfigTest, BadCallFiltersAndErrorNumbersThrow) {
  EXPECT_THAT([] { faultline::Exception("x").Path("db[ab"); },
              ThrowsMessage<std::invalid_argument>(
                  "faultline: rule \"x\": bad path \"db[ab\": '[' at column 3 is never "
                  "closed by ']'"));
  EXPECT_THAT([] { faultline::Exception("x").Sizes(5, 1); },
              ThrowsMessage<std::invalid_argument>(
                  "faultline: rule \"x\": size range must have min <= max, got [5, 1]"));
  EXPECT_THAT([] { faultline::Errno("x", 0); },
              ThrowsMessage<std::invalid_argument>(
                  "faultline: rule \"x\": an error number must be positive, got 0"));
}

TEST(FaultConfigTest, ErrnoNamesAndNumbersMapBothWays) {
  EXPECT_STREQ(faultline::ErrnoName(ENOSPC), "ENOSPC");
  EXPECT_STREQ(faultline::ErrnoName(EWOULDBLOCK), "EAGAIN");  // the first of two names
  EXPECT_EQ(faultline::ErrnoName(4095), nullptr);
  EXPECT_EQ(faultline::ErrnoFromName("EIO"), EIO);
  EXPECT_EQ(faultline::ErrnoFromName("EWOULDBLOCK"), EAGAIN);
  EXPECT_EQ(faultline::ErrnoFromName("eio"), 0);
}

TEST(FaultConfigTest, ZeroOrNegativeCountsThrow) {
  EXPECT_THAT([] { faultline::Exception("x").MaxTriggers(0); },
              ThrowsMessage<std::invalid_argument>(
                  "faultline: rule \"x\": max triggers must be at least 1, got 0"));
  EXPECT_THAT([] { faultline::Exception("x").EveryNth(-2); },
              ThrowsMessage<std::invalid_argument>(HasSubstr("at least 1, got -2")));
  EXPECT_THAT([] { faultline::Exception("x").SkipFirst(-1); },
              ThrowsMessage<std::invalid_argument>(HasSubstr("must not be negative, got -1")));
  EXPECT_THAT([] { faultline::Exception("x").OnCalls({}); },
              ThrowsMessage<std::invalid_argument>(HasSubstr("must not be empty")));
  EXPECT_THAT([] { faultline::Exception("x").OnCalls({3, 0}); },
              ThrowsMessage<std::invalid_argument>(HasSubstr("start at 1, got 0")));
}

TEST(FaultConfigTest, QualifiesAppliesSkipEveryNthAndOrdinals) {
  auto skip = faultline::Exception("x").SkipFirst(2);
  EXPECT_FALSE(skip.Qualifies(1));
  EXPECT_FALSE(skip.Qualifies(2));
  EXPECT_TRUE(skip.Qualifies(3));

  auto nth = faultline::Exception("x").EveryNth(3);
  std::vector<std::uint64_t> fired;
  for (std::uint64_t k = 1; k <= 9; ++k) {
    if (nth.Qualifies(k)) fired.push_back(k);
  }
  EXPECT_EQ(fired, (std::vector<std::uint64_t>{3, 6, 9}));

  auto both = faultline::Exception("x").SkipFirst(1).EveryNth(2);
  fired.clear();
  for (std::uint64_t k = 1; k <= 7; ++k) {
    if (both.Qualifies(k)) fired.push_back(k);
  }
  EXPECT_EQ(fired, (std::vector<std::uint64_t>{3, 5, 7}));

  auto ordinals = faultline::Exception("x").OnCalls({5, 2, 5});
  EXPECT_EQ(ordinals.on_calls(), (std::vector<std::uint64_t>{2, 5}));
  EXPECT_TRUE(ordinals.Qualifies(2));
  EXPECT_FALSE(ordinals.Qualifies(3));
}

TEST(FaultConfigTest, ReturnValuesAreStoredInCanonicalTypes) {
  EXPECT_EQ(*faultline::AnyCast<std::int64_t>(&faultline::Return("r", -12).return_value()), -12);
  EXPECT_EQ(*faultline::AnyCast<std::uint64_t>(&faultline::Return("r", 7u).return_value()), 7u);
  EXPECT_EQ(*faultline::AnyCast<double>(&faultline::Return("r", 1.5f).return_value()), 1.5);
  EXPECT_EQ(*faultline::AnyCast<bool>(&faultline::Return("r", true).return_value()), true);
  EXPECT_EQ(*faultline::AnyCast<std::string>(&faultline::Return("r", "oops").return_value()), "oops");
  EXPECT_EQ(faultline::Return("r", "oops").return_type_name(), "std::string");
}

struct GatewayError : std::runtime_error {
  GatewayError(int code, const std::string& text)
      : std::runtime_error(text), code(code) {}
  int code;
};

TEST(FaultConfigTest, ThrowRaisesDefaultOrCustomException) {
  auto plain = faultline::Exception("api-error").Message("boom");
  EXPECT_THAT([&] { plain.Throw(); },
              ThrowsMessage<faultline::InjectedFault>("[FAULT:api-error] boom"));
  auto custom = faultline::Exception<GatewayError>("gw", 503, "busy");
  EXPECT_EQ(custom.exception_type_name(), "(anonymous namespace)::GatewayError");
  try {
    custom.Throw();
    FAIL() << "no exception";
  } catch (const GatewayError& error) {
    EXPECT_EQ(error.code, 503);
    EXPECT_STREQ(error.what(), "busy");
  }
}

TEST(FaultConfigTest, EqualityComparesEveryField) {
  const auto a = faultline::Delay("d", 1ms).Target("x").Probability(0.5).OnCalls({1, 2});
  auto b = a;
  EXPECT_EQ(a, b);
  EXPECT_NE(a, b.Probability(0.25));
  EXPECT_NE(faultline::Return("r", 1), faultline::Return("r", 2));
  EXPECT_EQ(faultline::Return("r", 1), faultline::Return("r", 1L));
  EXPECT_NE(faultline::Exception("e"), faultline::Exception<GatewayError>("e", 1, "x"));
  EXPECT_EQ(faultline::Errno("e", EIO), faultline::Errno("e", EIO));
  EXPECT_NE(faultline::Errno("e", EIO), faultline::Errno("e", ENOSPC));
  EXPECT_EQ(faultline::Partial("p"), faultline::Partial("p"));
  EXPECT_NE(faultline::Partial("p"), faultline::Partial("p").Path("*.db"));
  EXPECT_NE(faultline::Partial("p").Sizes(1, 2), faultline::Partial("p").Sizes(1, 3));
  EXPECT_NE(faultline::Partial("p"), faultline::Partial("p").Scoped());
}

struct Status {
  int code;
};
struct ComparableStatus {
  int code;
  friend bool operator==(ComparableStatus a, ComparableStatus b) { return a.code == b.code; }
};

TEST(FaultConfigTest, UserReturnValuesCompareByValueOrElseByIdentity) {
  const auto status = faultline::Return("s", Status{503});
  const auto copy = status;
  EXPECT_EQ(status, copy);
  EXPECT_EQ(status, faultline::FaultConfig(status).Target("*"));
  EXPECT_NE(status, faultline::Return("s", Status{503}));  // no ==: another value
  EXPECT_EQ(faultline::Return("c", ComparableStatus{503}),
            faultline::Return("c", ComparableStatus{503}));
  EXPECT_NE(faultline::Return("c", ComparableStatus{503}),
            faultline::Return("c", ComparableStatus{504}));
  EXPECT_NE(faultline::Return("c", ComparableStatus{503}), faultline::Return("c", 503));
  const auto nan = faultline::Return("n", std::nan(""));
  EXPECT_EQ(nan, faultline::FaultConfig(nan));
  const auto made = faultline::ReturnWith("m", [] { return std::make_unique<int>(1); });
  EXPECT_EQ(made, faultline::FaultConfig(made));
  EXPECT_NE(made, faultline::ReturnWith("m", [] { return std::make_unique<int>(1); }));
}

TEST(FaultTypeTest, ToStringNamesEveryType) {
  EXPECT_STREQ(faultline::ToString(faultline::FaultType::kException), "exception");
  EXPECT_STREQ(faultline::ToString(faultline::FaultType::kDelay), "delay");
  EXPECT_STREQ(faultline::ToString(faultline::FaultType::kCorruption), "corruption");
  EXPECT_STREQ(faultline::ToString(faultline::FaultType::kTimeout), "timeout");
  EXPECT_STREQ(faultline::ToString(faultline::FaultType::kReturn), "return");
}

}  // namespace
