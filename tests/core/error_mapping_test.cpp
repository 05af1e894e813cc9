// Error mapping: how a fault becomes a value of the call's result type (built-in types and
// user Status-like types), and faultline::Call, the one-line decorator.
#include <algorithm>
#include <cerrno>
#include <cstddef>
#include <cstring>
#include <map>
#include <future>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <system_error>
#include <utility>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "faultline/explore.hpp"
#include "faultline/injector.hpp"
#include "faultline/point.hpp"
#include "faultline/rules.hpp"
#include "status_types.hpp"

namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

// A minimal expected-like type, as tl::expected and std::expected spell it: constructible from
// its unexpected_type.
template <class E>
struct Unexpected {
  explicit Unexpected(E e) : error(std::move(e)) {}
  E error;
};
template <class T, class E>
class Expected {
 public:
  using error_type = E;
  using unexpected_type = Unexpected<E>;
  Expected(T value) : value_(std::move(value)) {}  // NOLINT(google-explicit-constructor)
  Expected(unexpected_type u) : error_(std::move(u.error)) {}  // NOLINT
  bool has_value() const { return value_.has_value(); }
  const E& error() const { return *error_; }

 private:
  std::optional<T> value_;
  std::optional<E> error_;
};

// A type no mapping is registered for.
struct Unmapped {
  int value = 0;
};

// A value type opted in to replace exceptions with its built-in mapping (std::optional's).
struct OptedIn {
  int value = 0;
};

}  // namespace

template <>
struct faultline::ExceptionsAsErrors<std::optional<OptedIn>> : std::true_type {};

namespace {

class ErrorMappingTest : public ::testing::Test {
 protected:
  void SetUp() override { faultline::internal::TakeProblems(); }
  faultline::FaultInjector injector_;
};

// Built-in mappings.

TEST_F(ErrorMappingTest, AnErrnoRuleMakesAnIntCallFailWithMinusOneAndErrno) {
  injector_.AddRule(faultline::Errno("full", ENOSPC).Target("write"));
  auto write = injector_.Wrap("write", [] { return 5; });
  errno = 0;
  EXPECT_EQ(write(), -1);
  EXPECT_EQ(errno, ENOSPC);
}

TEST_F(ErrorMappingTest, AnErrnoRuleMakesASsizeTCallFailWithMinusOneAndErrno) {
  injector_.AddRule(faultline::Errno("io", EIO).Target("read"));
  auto read = injector_.Wrap("read", []() -> ssize_t { return 10; });
  errno = 0;
  EXPECT_EQ(read(), -1);
  EXPECT_EQ(errno, EIO);
}

TEST_F(ErrorMappingTest, AnExceptionRuleStillThrowsAtBuiltInTypes) {
  injector_.AddRule(faultline::Exception("boom").Target("*"));
  auto number = injector_.Wrap("number", [] { return 1; });
  auto flag = injector_.Wrap("flag", [] { return true; });
  auto pointer = injector_.Wrap("pointer", [] { return "x"; });
  auto optional = injector_.Wrap("optional", [] { return std::optional<int>(1); });
  auto code = injector_.Wrap("code", [] { return std::error_code(); });
  auto expected = injector_.Wrap("expected", [] { return Expected<int, std::string>(1); });
  EXPECT_THROW(number(), faultline::InjectedFault);
  EXPECT_THROW(flag(), faultline::InjectedFault);
  EXPECT_THROW(pointer(), faultline::InjectedFault);
  EXPECT_THROW(optional(), faultline::InjectedFault);
  EXPECT_THROW(code(), faultline::InjectedFault);
  EXPECT_THROW(expected(), faultline::InjectedFault);
}

TEST_F(ErrorMappingTest, AnErrnoRuleMakesBoolFalsePointersNullAndOptionalsEmpty) {
  injector_.AddRule(faultline::Errno("denied", EACCES).Target("*"));
  auto flag = injector_.Wrap("flag", [] { return true; });
  auto pointer = injector_.Wrap("pointer", [] { return "x"; });
  auto optional = injector_.Wrap("optional", [] { return std::optional<int>(1); });
  errno = 0;
  EXPECT_FALSE(flag());
  EXPECT_EQ(errno, EACCES);
  errno = 0;
  EXPECT_EQ(pointer(), nullptr);
  EXPECT_EQ(errno, EACCES);
  EXPECT_EQ(optional(), std::nullopt);
}

TEST_F(ErrorMappingTest, AnErrnoRuleMakesAnErrorCodeInTheGenericCategory) {
  injector_.AddRule(faultline::Errno("full", ENOSPC).Target("code"));
  auto code = injector_.Wrap("code", [] { return std::error_code(); });
  EXPECT_EQ(code(), std::error_code(ENOSPC, std::generic_category()));
}

TEST_F(ErrorMappingTest, AnExpectedLikeTypeGetsItsUnexpectedErrorFromText) {
  injector_.AddRule(faultline::ParseRules("gone=lookup:return(disk full)").at(0));
  auto lookup = injector_.Wrap("lookup", [] { return Expected<int, std::string>(1); });
  const Expected<int, std::string> result = lookup();
  ASSERT_FALSE(result.has_value());
  EXPECT_EQ(result.error(), "disk full");
}

TEST_F(ErrorMappingTest, AnExpectedLikeTypeWithAnErrorCodeGetsTheErrorNumber) {
  injector_.AddRule(faultline::Errno("full", ENOSPC).Target("lookup"));
  auto lookup = injector_.Wrap("lookup", [] { return Expected<int, std::error_code>(1); });
  const Expected<int, std::error_code> result = lookup();
  ASSERT_FALSE(result.has_value());
  EXPECT_EQ(result.error(), std::error_code(ENOSPC, std::generic_category()));
}

TEST_F(ErrorMappingTest, ATypeOptedInTurnsExceptionsAndTimeoutsIntoItsError) {
  injector_.AddRule(faultline::Exception("boom").Target("find").OnCalls({1}));
  injector_.AddRule(faultline::Timeout("slow", std::chrono::seconds(0)).Target("find"));
  auto find = injector_.Wrap("find", [] { return std::optional<OptedIn>(OptedIn{3}); });
  EXPECT_EQ(find(), std::nullopt);
  EXPECT_EQ(find(), std::nullopt);
  EXPECT_EQ(injector_.Stats().total_faults, 2u);
}

TEST_F(ErrorMappingTest, AValueOfTheResultTypeIsReturnedAsItIs) {
  injector_.AddRule(faultline::Return("seven", 7).Target("number"));
  injector_.AddRule(
      faultline::Return("status", abslike::Status(abslike::StatusCode::kInternal, "mine"))
          .Target("status"));
  auto number = injector_.Wrap("number", [] { return 1; });
  auto status = injector_.Wrap("status", [] { return abslike::OkStatus(); });
  EXPECT_EQ(number(), 7);
  EXPECT_EQ(status().code(), abslike::StatusCode::kInternal);
  EXPECT_EQ(status().message(), "mine");
}

// User mappings: Abseil-like, LevelDB-like and StatusOr-like.

TEST_F(ErrorMappingTest, AnExceptionRuleReturnsTheUsersStatusWithItsMessage) {
  injector_.AddRule(faultline::Exception("boom").Target("absl").Message("disk full"));
  auto absl = injector_.Wrap("absl", [] { return abslike::OkStatus(); });
  const abslike::Status status = absl();
  EXPECT_EQ(status.code(), abslike::StatusCode::kUnavailable);
  EXPECT_EQ(status.message(), "disk full");
}

TEST_F(ErrorMappingTest, ATimeoutRuleReturnsTheUsersTimeoutStatus) {
  injector_.AddRule(faultline::Timeout("slow", std::chrono::seconds(0)).Target("absl"));
  auto absl = injector_.Wrap("absl", [] { return abslike::OkStatus(); });
  EXPECT_EQ(absl().code(), abslike::StatusCode::kDeadlineExceeded);
}

TEST_F(ErrorMappingTest, TextRulesReachEachStatusLikeTypeWithTheirMessage) {
  for (faultline::FaultConfig& rule :
       faultline::ParseRules("thrown=absl:exception(disk full); returned=level:return(disk full);"
                             "number=or:return(-5)")) {
    injector_.AddRule(std::move(rule));
  }
  auto absl = injector_.Wrap("absl", [] { return abslike::OkStatus(); });
  auto level = injector_.Wrap("level", [] { return leveldblike::Status::OK(); });
  auto status_or = injector_.Wrap("or", [] { return abslike::StatusOr<std::string>("x"); });
  EXPECT_EQ(absl().message(), "disk full");
  EXPECT_EQ(level().ToString(), "IO error: disk full");
  const abslike::StatusOr<std::string> result = status_or();
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.status().message(), "-5");
}

TEST_F(ErrorMappingTest, AStatusOrTakesAValueItHoldsAndAnErrorOtherwise) {
  injector_.AddRule(faultline::Return("value", 5).Target("or").OnCalls({1}));
  injector_.AddRule(faultline::Errno("full", ENOSPC).Target("or"));
  auto status_or = injector_.Wrap("or", [] { return abslike::StatusOr<int>(1); });
  EXPECT_EQ(status_or().value(), 5);
  const abslike::StatusOr<int> failed = status_or();
  ASSERT_FALSE(failed.ok());
  EXPECT_EQ(failed.status().message(), std::generic_category().message(ENOSPC));
}

TEST_F(ErrorMappingTest, ACustomExceptionTypeIsStillThrownAtAStatusCall) {
  injector_.AddRule(faultline::Exception<std::logic_error>("typed", "asked for").Target("absl"));
  auto absl = injector_.Wrap("absl", [] { return abslike::OkStatus(); });
  EXPECT_THROW(absl(), std::logic_error);
}

// Futures and callbacks.

TEST_F(ErrorMappingTest, AFutureDeliversExceptionRulesWhereTheCallerWaits) {
  injector_.AddRule(faultline::Exception("boom").Target("future").OnCalls({1}));
  injector_.AddRule(faultline::Timeout("slow", std::chrono::seconds(0)).Target("future"));
  int calls = 0;
  auto start = injector_.Wrap("future", [&] {
    ++calls;
    return std::async(std::launch::deferred, [] { return 1; });
  });
  std::future<int> failed = start();
  EXPECT_THROW(failed.get(), faultline::InjectedFault);
  std::future<int> timed_out = start();
  EXPECT_THROW(timed_out.get(), faultline::InjectedTimeout);
  EXPECT_EQ(calls, 0);
}

TEST_F(ErrorMappingTest, AFutureDeliversACustomExceptionAndAnErrno) {
  injector_.AddRule(faultline::Exception<std::logic_error>("typed", "late").Target("shared"));
  injector_.AddRule(faultline::Errno("full", ENOSPC).Target("future"));
  auto shared = injector_.Wrap("shared", [] {
    return std::async(std::launch::deferred, [] { return 1; }).share();
  });
  auto future = injector_.Wrap("future", [] {
    return std::async(std::launch::deferred, [] { return 1; });
  });
  std::shared_future<int> typed = shared();
  EXPECT_THROW(typed.get(), std::logic_error);
  try {
    future().get();
    ADD_FAILURE() << "no exception";
  } catch (const std::system_error& error) {
    EXPECT_EQ(error.code(), std::error_code(ENOSPC, std::generic_category()));
  }
}

TEST_F(ErrorMappingTest, ACallbackReceivesTheFaultsStatusInsteadOfTheResult) {
  faultline::CurrentInjector current(injector_);
  injector_.AddRule(faultline::Exception("boom").Target("Db::ReadAsync").OnCalls({2}));
  std::vector<std::string> received;
  auto done = faultline::Callback<leveldblike::Status>(
      "Db::ReadAsync",
      [&](const leveldblike::Status& status) { received.push_back(status.ToString()); });
  // An asynchronous read completes by calling `done`; here it completes at once.
  auto read_async = [](auto&& callback) { callback(leveldblike::Status::OK()); };
  read_async(done);
  read_async(done);
  read_async(done);
  EXPECT_THAT(received, ElementsAre("OK", "IO error: Injected fault", "OK"));
}

// Bad input.

TEST_F(ErrorMappingTest, TextATypeCannotTakeIsReportedNamingRuleValueAndType) {
  injector_.AddRule(faultline::ParseRules("bad=find:return(abc)").at(0));
  auto find = injector_.Wrap("find", [] { return std::optional<int>(4); });
  EXPECT_EQ(find(), 4);
  EXPECT_THAT(faultline::internal::TakeProblems(),
              ElementsAre("faultline: rule \"bad\" on target \"find\": its return value \"abc\" "
                          "of type std::string cannot become the result type std::optional<int>; "
                          "the call was made as if the rule had not fired"));
  EXPECT_THAT([&] { injector_.AddRule(faultline::ParseRules("again=find:return(abc)").at(0)); },
              ::testing::ThrowsMessage<std::invalid_argument>(
                  HasSubstr("its return value \"abc\" of type std::string cannot become the "
                            "result type std::optional<int>")));
}

TEST_F(ErrorMappingTest, AnErrnoRuleAtATypeWithoutMappingIsReported) {
  injector_.AddRule(faultline::Errno("full", ENOSPC).Target("unmapped"));
  auto unmapped = injector_.Wrap("unmapped", [] { return Unmapped{2}; });
  EXPECT_EQ(unmapped().value, 2);
  EXPECT_THAT(faultline::internal::TakeProblems(),
              ElementsAre(HasSubstr(
                  "cannot become the result type (anonymous namespace)::Unmapped")));
}

// faultline::Call, the one-line decorator.

TEST_F(ErrorMappingTest, CallReturnsTheMappedErrorOrTheCallsResult) {
  faultline::CurrentInjector current(injector_);
  injector_.AddRule(faultline::Exception("boom").Target("Env::Sync").OnCalls({2}).Message("full"));
  int calls = 0;
  auto sync = [&] {
    return faultline::Call("Env::Sync", [&] {
      ++calls;
      return leveldblike::Status::OK();
    });
  };
  EXPECT_TRUE(sync().ok());
  EXPECT_EQ(sync().ToString(), "IO error: full");
  EXPECT_TRUE(sync().ok());
  EXPECT_EQ(calls, 2);
}

TEST_F(ErrorMappingTest, CallOfAVoidFunctionThrowsAnExceptionRule) {
  faultline::CurrentInjector current(injector_);
  injector_.AddRule(faultline::Exception("boom").Target("Env::Close"));
  bool closed = false;
  EXPECT_THROW(faultline::Call("Env::Close", [&] { closed = true; }), faultline::InjectedFault);
  EXPECT_FALSE(closed);
}

// One lambda expression, one callable type, called with two targets: each keeps its own site.
abslike::Status CallThrough(const char* target) {
  return faultline::Call(target, [] { return abslike::OkStatus(); });
}

TEST_F(ErrorMappingTest, CallKeepsTheTargetsOfOneCallableTypeApart) {
  faultline::CurrentInjector current(injector_);
  injector_.AddRule(faultline::Exception("boom").Target("second"));
  EXPECT_TRUE(CallThrough("first").ok());
  EXPECT_FALSE(CallThrough("second").ok());
  EXPECT_TRUE(CallThrough("first").ok());
  const faultline::HarnessStats stats = injector_.Stats();
  EXPECT_EQ(stats.calls_per_target.at("first"), 2u);
  EXPECT_EQ(stats.calls_per_target.at("second"), 1u);
}

TEST_F(ErrorMappingTest, CallDisarmedMakesTheCall) {
  EXPECT_EQ(faultline::Call("anything", [] { return 3; }), 3);
  EXPECT_THAT(faultline::internal::TakeProblems(), IsEmpty());
}

// A fake key-value store with its own Status, decorated with one line per method and swept end
// to end: every fault on every call must reach the caller as a Status, never as an exception.
class KeyValueStore {
 public:
  virtual ~KeyValueStore() = default;
  virtual leveldblike::Status Open() = 0;
  virtual leveldblike::Status Put(const std::string& key, const std::string& value) = 0;
  virtual leveldblike::Status Get(const std::string& key, std::string* value) = 0;
  virtual leveldblike::Status Delete(const std::string& key) = 0;
  virtual leveldblike::Status Sync() = 0;
};

class MemoryStore : public KeyValueStore {
 public:
  leveldblike::Status Open() override { return leveldblike::Status::OK(); }
  leveldblike::Status Put(const std::string& key, const std::string& value) override {
    data_[key] = value;
    return leveldblike::Status::OK();
  }
  leveldblike::Status Get(const std::string& key, std::string* value) override {
    auto it = data_.find(key);
    if (it == data_.end()) return leveldblike::Status::IOError("not found: " + key);
    *value = it->second;
    return leveldblike::Status::OK();
  }
  leveldblike::Status Delete(const std::string& key) override {
    data_.erase(key);
    return leveldblike::Status::OK();
  }
  leveldblike::Status Sync() override { return leveldblike::Status::OK(); }

 private:
  std::map<std::string, std::string> data_;
};

// The decorator: one line per method, no try/catch.
class FaultyStore : public KeyValueStore {
 public:
  explicit FaultyStore(KeyValueStore& base) : base_(&base) {}
  leveldblike::Status Open() override {
    return faultline::Call("Store::Open", [&] { return base_->Open(); });
  }
  leveldblike::Status Put(const std::string& key, const std::string& value) override {
    return faultline::Call("Store::Put", [&] { return base_->Put(key, value); });
  }
  leveldblike::Status Get(const std::string& key, std::string* value) override {
    return faultline::Call("Store::Get", [&] { return base_->Get(key, value); });
  }
  leveldblike::Status Delete(const std::string& key) override {
    return faultline::Call("Store::Delete", [&] { return base_->Delete(key); });
  }
  leveldblike::Status Sync() override {
    return faultline::Call("Store::Sync", [&] { return base_->Sync(); });
  }

 private:
  KeyValueStore* base_;
};

// Copies a key to another under the store's contract; returns the first error's text or "OK".
std::string Move(KeyValueStore& store) {
  std::string value;
  for (const leveldblike::Status& status :
       {store.Open(), store.Put("a", "1"), store.Get("a", &value), store.Put("b", value),
        store.Delete("a"), store.Sync()}) {
    if (!status.ok()) return status.ToString();
  }
  return "OK";
}

TEST_F(ErrorMappingTest, ADecoratedStoreReportsEveryFaultAsItsOwnStatus) {
  faultline::CurrentInjector current(injector_);
  std::vector<std::string> outcomes;
  faultline::SweepOptions options;
  options.injector = &injector_;
  options.Fault(faultline::ParseRules("disk=Store::*:exception(disk full)").at(0));
  const faultline::SweepResult swept = faultline::Sweep(options, [&] {
    MemoryStore memory;
    FaultyStore store(memory);
    outcomes.push_back(Move(store));
  });
  EXPECT_TRUE(swept.passed()) << swept.Report();
  EXPECT_TRUE(swept.complete);
  EXPECT_EQ(swept.targets.size(), 5u);
  // The fault-free run and the runs whose scheduled call never came pass; each of the 6 calls
  // failed once, with the rule's message.
  EXPECT_EQ(outcomes.size(), swept.runs);
  EXPECT_EQ(std::count(outcomes.begin(), outcomes.end(), "IO error: disk full"), 6);
  EXPECT_EQ(std::count(outcomes.begin(), outcomes.end(), "OK"),
            static_cast<std::ptrdiff_t>(outcomes.size()) - 6);
}

}  // namespace
