#include "faultline/schedule.hpp"

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstdlib>
#include <stdexcept>
#include <tuple>

namespace faultline {
namespace {

bool IsNameChar(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '_' || c == '.' || c == '-' ||
         c == '/';
}

bool NeedsEscape(char c) { return c == '\\' || c == ',' || c == '@' || c == ' '; }

std::string Describe(const ScheduledFault& fault) {
  const std::string first = std::to_string(fault.call);
  const std::string calls =
      fault.last_call() == fault.call ? "call " + first
      : fault.last_call() == ScheduledFault::kEveryLaterCall
          ? "calls from " + first + " on"
          : "calls " + first + "-" + std::to_string(fault.last_call());
  return calls + " of target \"" + fault.target + "\"";
}

// True when `a` and `b` fire on a same call of a same target.
bool Overlap(const ScheduledFault& a, const ScheduledFault& b) {
  return a.target == b.target && a.call <= b.last_call() && b.call <= a.last_call();
}

// Why `a` and `b`, which overlap, cannot both be scheduled.
std::string Clash(const ScheduledFault& a, const ScheduledFault& b) {
  if (a.call == b.call && a.last_call() == a.call && b.last_call() == b.call) {
    return Describe(b) + " is scheduled twice";
  }
  return Describe(b) + " overlaps " + Describe(a);
}

// Reads the text form left to right; every error names the 1-based column where it happened.
class Parser {
 public:
  explicit Parser(std::string_view text) : text_(text) {}

  std::vector<ScheduledFault> Entries() {
    std::vector<ScheduledFault> entries;
    std::vector<std::size_t> columns;
    SkipSpaces();
    if (AtEnd() || Rest() == "none") return entries;
    while (true) {
      columns.push_back(pos_ + 1);
      entries.push_back(Entry());
      SkipSpaces();
      if (AtEnd()) break;
      if (text_[pos_] != ',') Fail("expected ',' or the end after a call ordinal");
      ++pos_;
      SkipSpaces();
    }
    for (std::size_t i = 0; i < entries.size(); ++i) {
      for (std::size_t j = 0; j < i; ++j) {
        if (Overlap(entries[j], entries[i])) {
          pos_ = columns[i] - 1;
          Fail(Clash(entries[j], entries[i]));
        }
      }
    }
    return entries;
  }

 private:
  ScheduledFault Entry() {
    ScheduledFault fault;
    const std::size_t rule_begin = pos_;
    while (!AtEnd() && IsNameChar(text_[pos_])) ++pos_;
    fault.rule = std::string(text_.substr(rule_begin, pos_ - rule_begin));
    if (fault.rule.empty()) Fail("expected a rule name (letters, digits and \"_.-/\")");
    if (AtEnd() || text_[pos_] != '=') Fail("expected '=' after rule name \"" + fault.rule + "\"");
    ++pos_;
    while (!AtEnd() && text_[pos_] != '@' && text_[pos_] != ',') {
      if (text_[pos_] == '\\') {
        if (++pos_ == text_.size()) Fail("expected a character after '\\'");
      }
      fault.target += text_[pos_++];
    }
    if (fault.target.empty()) Fail("expected a target after '='");
    if (AtEnd() || text_[pos_] != '@') Fail("expected '@' and a call ordinal after the target");
    ++pos_;
    const std::size_t digits_begin = pos_;
    while (!AtEnd() && std::isdigit(static_cast<unsigned char>(text_[pos_])) != 0) ++pos_;
    const std::string digits(text_.substr(digits_begin, pos_ - digits_begin));
    errno = 0;
    const unsigned long long call = digits.empty() ? 0 : std::strtoull(digits.c_str(), nullptr, 10);
    if (call == 0 || errno == ERANGE) {
      pos_ = digits_begin;
      Fail("expected a call ordinal >= 1 after '@'");
    }
    fault.call = call;
    if (AtEnd() || text_[pos_] != '-') return fault;
    ++pos_;
    const std::size_t last_begin = pos_;
    while (!AtEnd() && std::isdigit(static_cast<unsigned char>(text_[pos_])) != 0) ++pos_;
    if (pos_ == last_begin) {
      fault.last = ScheduledFault::kEveryLaterCall;
      return fault;
    }
    const std::string last_digits(text_.substr(last_begin, pos_ - last_begin));
    errno = 0;
    const unsigned long long last = std::strtoull(last_digits.c_str(), nullptr, 10);
    if (last < call || errno == ERANGE) {
      pos_ = last_begin;
      Fail("expected the outage's last call (>= " + digits + ") or nothing after '-'");
    }
    fault.last = last;
    return fault;
  }

  bool AtEnd() const { return pos_ >= text_.size(); }
  std::string_view Rest() const { return text_.substr(pos_); }
  void SkipSpaces() {
    while (!AtEnd() && text_[pos_] == ' ') ++pos_;
  }
  [[noreturn]] void Fail(const std::string& expected) const {
    std::string found = AtEnd() ? "the end" : "\"" + std::string(text_.substr(pos_, 12)) + "\"";
    if (!AtEnd() && text_.size() - pos_ > 12) found.insert(found.size() - 1, "...");
    throw RuleSyntaxError("schedule", 1, static_cast<int>(pos_ + 1), expected + ", got " + found);
  }

  std::string_view text_;
  std::size_t pos_ = 0;
};

}  // namespace

bool operator<(const ScheduledFault& a, const ScheduledFault& b) {
  const std::uint64_t a_last = a.last_call();
  const std::uint64_t b_last = b.last_call();
  return std::tie(a.target, a.call, a_last, a.rule) < std::tie(b.target, b.call, b_last, b.rule);
}

Schedule::Schedule(std::vector<ScheduledFault> faults) : faults_(std::move(faults)) {
  std::sort(faults_.begin(), faults_.end());
  for (std::size_t i = 0; i < faults_.size(); ++i) {
    const ScheduledFault& fault = faults_[i];
    if (fault.rule.empty() || fault.target.empty() || fault.call == 0) {
      throw std::invalid_argument("faultline: schedule: a scheduled fault needs a rule, a target "
                                  "and a call >= 1, got rule \"" + fault.rule + "\" on " +
                                  Describe(fault));
    }
    if (fault.last != 0 && fault.last < fault.call) {
      throw std::invalid_argument(
          "faultline: schedule: rule \"" + fault.rule + "\" on target \"" + fault.target +
          "\": an outage's last call must be >= its first call " + std::to_string(fault.call) +
          ", got " + std::to_string(fault.last));
    }
    // Sorted by first call: when any two faults overlap, some two neighbours do, so checking
    // neighbours finds every clash (not always the first pair).
    if (i > 0 && Overlap(faults_[i - 1], fault)) {
      throw std::invalid_argument("faultline: schedule: " + Clash(faults_[i - 1], fault) +
                                  " (rules \"" + faults_[i - 1].rule + "\" and \"" + fault.rule +
                                  "\"); expected one fault per call");
    }
  }
}

Schedule Schedule::FromEvents(const std::vector<FaultEvent>& events) {
  std::vector<ScheduledFault> faults;
  faults.reserve(events.size());
  for (const FaultEvent& event : events) faults.push_back({event.rule, event.target, event.call});
  return Schedule(std::move(faults));
}

Schedule Schedule::Parse(std::string_view text) { return Schedule(Parser(text).Entries()); }

std::string Schedule::ToString() const {
  if (faults_.empty()) return "none";
  std::string text;
  for (const ScheduledFault& fault : faults_) {
    if (!text.empty()) text += ',';
    text += fault.rule;
    text += '=';
    for (const char c : fault.target) {
      if (NeedsEscape(c)) text += '\\';
      text += c;
    }
    text += '@';
    text += std::to_string(fault.call);
    if (fault.last_call() == ScheduledFault::kEveryLaterCall && fault.call != fault.last_call()) {
      text += '-';
    } else if (fault.last_call() != fault.call) {
      text += '-' + std::to_string(fault.last_call());
    }
  }
  return text;
}

}  // namespace faultline
