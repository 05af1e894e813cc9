#include "faultline/fault.hpp"

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <iomanip>
#include <sstream>

#include "faultline/injector.hpp"
#include "glob.hpp"
#include "text.hpp"

namespace faultline {
namespace {

bool IsNameChar(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
         c == '_' || c == '.' || c == '-' || c == '/';
}

// `text` in double quotes; control bytes (a NUL in a target) are shown as \xHH.
std::string Quote(const std::string& text) {
  std::string out = "\"";
  for (const char c : text) {
    if (internal::IsControl(c)) {
      internal::AppendHexEscape(out, c);
    } else {
      out += c;
    }
  }
  return out + "\"";
}

struct ErrnoEntry {
  const char* name;
  int code;
};
// The error numbers a rule may name; the first of two names of one number is the one printed.
constexpr ErrnoEntry kErrnoNames[] = {
#define FAULTLINE_INTERNAL_ERRNO(name) {#name, name},
    FAULTLINE_INTERNAL_ERRNO(EPERM) FAULTLINE_INTERNAL_ERRNO(ENOENT)
    FAULTLINE_INTERNAL_ERRNO(ESRCH) FAULTLINE_INTERNAL_ERRNO(EINTR)
    FAULTLINE_INTERNAL_ERRNO(EIO) FAULTLINE_INTERNAL_ERRNO(ENXIO)
    FAULTLINE_INTERNAL_ERRNO(E2BIG) FAULTLINE_INTERNAL_ERRNO(ENOEXEC)
    FAULTLINE_INTERNAL_ERRNO(EBADF) FAULTLINE_INTERNAL_ERRNO(ECHILD)
    FAULTLINE_INTERNAL_ERRNO(EAGAIN) FAULTLINE_INTERNAL_ERRNO(EWOULDBLOCK)
    FAULTLINE_INTERNAL_ERRNO(ENOMEM) FAULTLINE_INTERNAL_ERRNO(EACCES)
    FAULTLINE_INTERNAL_ERRNO(EFAULT) FAULTLINE_INTERNAL_ERRNO(EBUSY)
    FAULTLINE_INTERNAL_ERRNO(EEXIST) FAULTLINE_INTERNAL_ERRNO(EXDEV)
    FAULTLINE_INTERNAL_ERRNO(ENODEV) FAULTLINE_INTERNAL_ERRNO(ENOTDIR)
    FAULTLINE_INTERNAL_ERRNO(EISDIR) FAULTLINE_INTERNAL_ERRNO(EINVAL)
    FAULTLINE_INTERNAL_ERRNO(ENFILE) FAULTLINE_INTERNAL_ERRNO(EMFILE)
    FAULTLINE_INTERNAL_ERRNO(ENOTTY) FAULTLINE_INTERNAL_ERRNO(ETXTBSY)
    FAULTLINE_INTERNAL_ERRNO(EFBIG) FAULTLINE_INTERNAL_ERRNO(ENOSPC)
    FAULTLINE_INTERNAL_ERRNO(ESPIPE) FAULTLINE_INTERNAL_ERRNO(EROFS)
    FAULTLINE_INTERNAL_ERRNO(EMLINK) FAULTLINE_INTERNAL_ERRNO(EPIPE)
    FAULTLINE_INTERNAL_ERRNO(EDOM) FAULTLINE_INTERNAL_ERRNO(ERANGE)
    FAULTLINE_INTERNAL_ERRNO(EDEADLK) FAULTLINE_INTERNAL_ERRNO(ENAMETOOLONG)
    FAULTLINE_INTERNAL_ERRNO(ENOLCK) FAULTLINE_INTERNAL_ERRNO(ENOSYS)
    FAULTLINE_INTERNAL_ERRNO(ENOTEMPTY) FAULTLINE_INTERNAL_ERRNO(ELOOP)
    FAULTLINE_INTERNAL_ERRNO(ENOTSOCK) FAULTLINE_INTERNAL_ERRNO(EMSGSIZE)
    FAULTLINE_INTERNAL_ERRNO(EPROTONOSUPPORT) FAULTLINE_INTERNAL_ERRNO(EOPNOTSUPP)
    FAULTLINE_INTERNAL_ERRNO(EAFNOSUPPORT) FAULTLINE_INTERNAL_ERRNO(EADDRINUSE)
    FAULTLINE_INTERNAL_ERRNO(EADDRNOTAVAIL) FAULTLINE_INTERNAL_ERRNO(ENETDOWN)
    FAULTLINE_INTERNAL_ERRNO(ENETUNREACH) FAULTLINE_INTERNAL_ERRNO(ENETRESET)
    FAULTLINE_INTERNAL_ERRNO(ECONNABORTED) FAULTLINE_INTERNAL_ERRNO(ECONNRESET)
    FAULTLINE_INTERNAL_ERRNO(ENOBUFS) FAULTLINE_INTERNAL_ERRNO(EISCONN)
    FAULTLINE_INTERNAL_ERRNO(ENOTCONN) FAULTLINE_INTERNAL_ERRNO(ESHUTDOWN)
    FAULTLINE_INTERNAL_ERRNO(ETIMEDOUT) FAULTLINE_INTERNAL_ERRNO(ECONNREFUSED)
    FAULTLINE_INTERNAL_ERRNO(EHOSTDOWN) FAULTLINE_INTERNAL_ERRNO(EHOSTUNREACH)
    FAULTLINE_INTERNAL_ERRNO(EALREADY) FAULTLINE_INTERNAL_ERRNO(EINPROGRESS)
    FAULTLINE_INTERNAL_ERRNO(ESTALE) FAULTLINE_INTERNAL_ERRNO(EDQUOT)
    FAULTLINE_INTERNAL_ERRNO(ECANCELED) FAULTLINE_INTERNAL_ERRNO(EOVERFLOW)
#undef FAULTLINE_INTERNAL_ERRNO
};

}  // namespace

const char* ErrnoName(int code) {
  for (const ErrnoEntry& entry : kErrnoNames) {
    if (entry.code == code) return entry.name;
  }
  return nullptr;
}

int ErrnoFromName(std::string_view name) {
  for (const ErrnoEntry& entry : kErrnoNames) {
    if (name == entry.name) return entry.code;
  }
  return 0;
}

const char* ToString(FaultType type) {
  switch (type) {
    case FaultType::kException:
      return "exception";
    case FaultType::kDelay:
      return "delay";
    case FaultType::kCorruption:
      return "corruption";
    case FaultType::kTimeout:
      return "timeout";
    case FaultType::kReturn:
      return "return";
    case FaultType::kPause:
      return "pause";
    case FaultType::kWait:
      return "wait";
  }
  return "unknown";
}

InjectedFault::InjectedFault(const std::string& rule, const std::string& message)
    : std::runtime_error("[FAULT:" + rule + "] " + message), rule_(rule) {}

FaultConfig::FaultConfig(std::string name, FaultType type) : name_(std::move(name)), type_(type) {
  if (name_.empty()) {
    throw std::invalid_argument("faultline: a rule name must not be empty");
  }
  const auto bad = std::find_if_not(name_.begin(), name_.end(), IsNameChar);
  if (bad != name_.end()) {
    // The whole character, at its column in characters: a UTF-8 name is not cut mid-byte.
    const auto at = static_cast<std::size_t>(bad - name_.begin());
    const auto column = 1 + std::count_if(name_.begin(), bad, [](char c) {
                          return (static_cast<unsigned char>(c) & 0xC0) != 0x80;
                        });
    throw std::invalid_argument("faultline: rule " + Quote(name_) +
                                ": a name may hold only letters, digits and \"_.-/\", got '" +
                                name_.substr(at, internal::CharacterLength(name_, at)) +
                                "' at column " + std::to_string(column));
  }
  // A sync point's delay is how long it holds a thread at most.
  if (type_ == FaultType::kPause || type_ == FaultType::kWait) delay_ = kDefaultSyncTimeout;
}

void FaultConfig::Invalid(const std::string& what) const {
  throw std::invalid_argument("faultline: rule " + Quote(name_) + ": " + what);
}

FaultConfig& FaultConfig::Target(std::string glob) {
  if (auto error = internal::GlobError(glob)) {
    Invalid("bad target " + Quote(glob) + ": " + *error);
  }
  target_ = std::move(glob);
  return *this;
}

namespace {
// The shortest text that reads back as `p`, so 1.0000001 is not reported as 1.
std::string ShortestText(double p) {
  std::string text;
  for (int digits = 6; digits <= 17; ++digits) {
    std::ostringstream value;
    value << std::setprecision(digits) << p;
    text = value.str();
    if (std::isnan(p) || std::strtod(text.c_str(), nullptr) == p) break;
  }
  return text;
}
}  // namespace

FaultConfig& FaultConfig::Probability(double p) {
  if (!(p >= 0.0 && p <= 1.0)) Invalid("probability must be in [0, 1], got " + ShortestText(p));
  if (!chain_.empty() && p == 1.0 && max_triggers_ == 0) {
    Invalid("probability 1 without a count makes this chain's first term take every call, so "
            "term 2 could never be reached");
  }
  probability_ = p;
  return *this;
}

FaultConfig& FaultConfig::CorruptionRate(double rate) {
  if (type_ != FaultType::kCorruption) {
    Invalid(std::string("a corruption rate applies to corruption rules, not to a rule of type ") +
            ToString(type_));
  }
  if (!(rate >= 0.0 && rate <= 1.0)) {
    Invalid("corruption rate must be in [0, 1], got " + ShortestText(rate));
  }
  corruption_rate_ = rate;
  return *this;
}

FaultConfig& FaultConfig::Delay(std::chrono::nanoseconds delay) {
  if (delay.count() < 0) {
    Invalid("delay must not be negative, got " + std::to_string(delay.count()) + "ns");
  }
  delay_ = delay;
  return *this;
}

FaultConfig& FaultConfig::Message(std::string message) {
  message_ = std::move(message);
  return *this;
}

FaultConfig& FaultConfig::Enabled(bool enabled) {
  enabled_ = enabled;
  return *this;
}

FaultConfig& FaultConfig::MaxTriggers(long long n) {
  if (n < 1) Invalid("max triggers must be at least 1, got " + std::to_string(n));
  max_triggers_ = static_cast<std::uint64_t>(n);
  return *this;
}

FaultConfig& FaultConfig::SkipFirst(long long n) {
  if (n < 0) Invalid("skip-first count must not be negative, got " + std::to_string(n));
  if (n != 0 && !chain_.empty()) RefuseChainConditions();
  skip_first_ = static_cast<std::uint64_t>(n);
  return *this;
}

FaultConfig& FaultConfig::EveryNth(long long n) {
  if (n < 1) Invalid("every-nth period must be at least 1, got " + std::to_string(n));
  if (!chain_.empty()) RefuseChainConditions();
  every_nth_ = static_cast<std::uint64_t>(n);
  return *this;
}

FaultConfig& FaultConfig::OnCalls(std::vector<long long> ordinals) {
  if (ordinals.empty()) Invalid("the list of call ordinals must not be empty");
  std::vector<std::uint64_t> calls;
  for (long long ordinal : ordinals) {
    if (ordinal < 1) Invalid("call ordinals start at 1, got " + std::to_string(ordinal));
    calls.push_back(static_cast<std::uint64_t>(ordinal));
  }
  std::sort(calls.begin(), calls.end());
  calls.erase(std::unique(calls.begin(), calls.end()), calls.end());
  if (!chain_.empty()) RefuseChainConditions();
  on_calls_ = std::move(calls);
  return *this;
}

FaultConfig& FaultConfig::Path(std::string glob) {
  if (auto error = internal::GlobError(glob)) {
    Invalid("bad path " + Quote(glob) + ": " + *error);
  }
  path_ = std::move(glob);
  return *this;
}

FaultConfig& FaultConfig::Sizes(std::size_t min, std::size_t max) {
  if (min > max) {
    Invalid("size range must have min <= max, got [" + std::to_string(min) + ", " +
            std::to_string(max) + "]");
  }
  size_min_ = min;
  size_max_ = max;
  return *this;
}

FaultConfig& FaultConfig::Scoped(bool scoped) {
  scoped_ = scoped;
  return *this;
}

FaultConfig& FaultConfig::OnThread(std::thread::id id) {
  thread_ = id;
  return *this;
}

FaultConfig& FaultConfig::OnCurrentThread() { return OnThread(std::this_thread::get_id()); }

FaultConfig& FaultConfig::OnThreadsNamed(std::string glob) {
  if (auto error = internal::GlobError(glob)) {
    Invalid("bad thread name " + Quote(glob) + ": " + *error);
  }
  thread_name_ = std::move(glob);
  return *this;
}

void FaultConfig::RefuseChainConditions() const {
  Invalid("a chained rule takes no skip-first, every-nth or call-ordinal condition: its "
          "terms count its calls (pass calls with an off term, e.g. 3*off->exception)");
}

FaultConfig& FaultConfig::Then(FaultConfig term) {
  if (term.target_ != "*") {
    Invalid("a chained term has no target of its own (the rule's is used), got " +
            Quote(term.target_));
  }
  if (term.skip_first_ != 0 || term.every_nth_ != 0 || !term.on_calls_.empty() ||
      term.has_call_filter()) {
    Invalid("a chained term takes no skip-first, every-nth, call-ordinal, path, size, scope or "
            "thread condition: those belong to the rule, its first term");
  }
  if (skip_first_ != 0 || every_nth_ != 0 || !on_calls_.empty()) RefuseChainConditions();
  const auto is_sync = [](const FaultConfig& rule) {
    return rule.type_ == FaultType::kPause || rule.type_ == FaultType::kWait;
  };
  if (is_sync(*this) || is_sync(term) ||
      std::any_of(term.chain_.begin(), term.chain_.end(), is_sync)) {
    Invalid("pause and wait hold threads until released, which a chain's terms cannot be: "
            "chain other actions, and give the sync point a rule of its own");
  }
  std::vector<FaultConfig> added;
  added.reserve(1 + term.chain_.size());
  std::vector<FaultConfig> tail = std::move(term.chain_);
  term.chain_.clear();
  added.push_back(std::move(term));
  for (FaultConfig& next : tail) added.push_back(std::move(next));
  // The first Then makes this rule's own action the first term: an Off rule becomes a term
  // that passes, and the rule itself is enabled. Checked on copies: a refused term leaves the
  // rule as it was.
  const bool head_passes = chain_.empty() ? passes_ || !enabled_ : passes_;
  std::vector<FaultConfig> chain = chain_;
  for (FaultConfig& next : added) {
    const FaultConfig& last = chain.empty() ? *this : chain.back();
    if (last.max_triggers_ == 0 && last.probability_ == 1.0) {
      const bool last_passes = chain.empty() ? head_passes : last.passes_;
      Invalid("chained term " + std::to_string(chain.size() + 2) +
              " can never be reached: term " + std::to_string(chain.size() + 1) + " (" +
              (last_passes ? "off" : ToString(last.type_)) +
              ") has no count and probability 1, so it takes every call");
    }
    next.passes_ = next.passes_ || !next.enabled_;
    next.enabled_ = true;
    // A term that passes injects nothing: its action is "off" whatever it was built from.
    if (next.passes_) next.type_ = FaultType::kException;
    next.name_ = name_;
    chain.push_back(std::move(next));
  }
  passes_ = head_passes;
  enabled_ = true;
  if (passes_) type_ = FaultType::kException;
  chain_ = std::move(chain);
  return *this;
}

FaultConfig& FaultConfig::After(std::string target) {
  if (type_ != FaultType::kWait) {
    Invalid(std::string("After applies to wait rules only, got a ") + ToString(type_) + " rule");
  }
  if (target.empty()) Invalid("the target to wait for must not be empty");
  if (!internal::IsLiteralGlob(target)) {
    Invalid("the target to wait for must be an exact name (a thread reaches one target), got " +
            Quote(target));
  }
  after_ = std::move(target);
  return *this;
}

void FaultConfig::SetReturn(AnyValue value, std::string type_name, ReturnEquality equal) {
  // Identities are never reused, so configs share one only when copied from each other.
  static std::atomic<std::uint64_t> next_id{1};
  return_value_ = std::move(value);
  return_type_name_ = std::move(type_name);
  return_equal_ = equal;
  return_id_ = next_id.fetch_add(1, std::memory_order_relaxed);
}

bool FaultConfig::Qualifies(std::uint64_t call) const {
  if (!on_calls_.empty() && !std::binary_search(on_calls_.begin(), on_calls_.end(), call)) {
    return false;
  }
  if (call <= skip_first_) return false;
  if (every_nth_ != 0 && (call - skip_first_) % every_nth_ != 0) return false;
  return true;
}

void FaultConfig::Throw() const {
  if (thrower_) thrower_();
  throw InjectedFault(name_, message_);
}

namespace {
// Return values are equal when both are empty, when they are copies of one value, or when
// their type has == and it says so.
bool SameReturn(const AnyValue& a, std::uint64_t a_id,
                bool (*equal)(const AnyValue&, const AnyValue&), const AnyValue& b,
                std::uint64_t b_id) {
  if (!a.has_value() || !b.has_value()) return a.has_value() == b.has_value();
  if (a_id == b_id) return true;
  return equal != nullptr && equal(a, b);
}
}  // namespace

bool operator==(const FaultConfig& a, const FaultConfig& b) {
  return a.name_ == b.name_ && a.type_ == b.type_ && a.target_ == b.target_ &&
         a.probability_ == b.probability_ && a.delay_ == b.delay_ && a.message_ == b.message_ &&
         a.enabled_ == b.enabled_ && a.max_triggers_ == b.max_triggers_ &&
         a.skip_first_ == b.skip_first_ && a.every_nth_ == b.every_nth_ &&
         a.on_calls_ == b.on_calls_ && a.path_ == b.path_ && a.size_min_ == b.size_min_ &&
         a.size_max_ == b.size_max_ && a.scoped_ == b.scoped_ && a.thread_ == b.thread_ &&
         a.thread_name_ == b.thread_name_ && a.passes_ == b.passes_ && a.chain_ == b.chain_ &&
         a.corruption_rate_ == b.corruption_rate_ && a.after_ == b.after_ &&
         SameReturn(a.return_value_, a.return_id_, a.return_equal_, b.return_value_,
                    b.return_id_) &&
         a.exception_type_name_ == b.exception_type_name_;
}

FaultConfig Exception(std::string name) { return FaultConfig(std::move(name), FaultType::kException); }

FaultConfig Delay(std::string name, std::chrono::nanoseconds delay) {
  FaultConfig config(std::move(name), FaultType::kDelay);
  config.Delay(delay);
  return config;
}

FaultConfig Timeout(std::string name, std::chrono::nanoseconds delay) {
  FaultConfig config(std::move(name), FaultType::kTimeout);
  config.Delay(delay);
  config.Message("Timed out");
  return config;
}

FaultConfig Pause(std::string name) { return FaultConfig(std::move(name), FaultType::kPause); }

FaultConfig Wait(std::string name, std::string after) {
  FaultConfig config(std::move(name), FaultType::kWait);
  config.After(std::move(after));
  return config;
}

FaultConfig Errno(std::string name, int code) {
  FaultConfig config(std::move(name), FaultType::kReturn);
  if (code <= 0) {
    throw std::invalid_argument("faultline: rule " + Quote(config.name()) +
                                ": an error number must be positive, got " +
                                std::to_string(code));
  }
  config.Returns(SystemError{code});
  return config;
}

FaultConfig Partial(std::string name) {
  FaultConfig config(std::move(name), FaultType::kReturn);
  config.Returns(ShortTransfer{});
  return config;
}

FaultConfig Corruption(std::string name) {
  return FaultConfig(std::move(name), FaultType::kCorruption);
}

FaultConfig Off(std::string name) {
  FaultConfig config(std::move(name), FaultType::kException);
  config.Enabled(false);
  return config;
}

}  // namespace faultline
