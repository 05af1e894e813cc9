#include "faultline/rules.hpp"

#include <locale.h>
#include <stdlib.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <limits>
#include <optional>
#include <system_error>
#include <utility>

#include "text.hpp"

namespace faultline {
namespace {

using namespace std::chrono_literals;
using internal::AppendHexEscape;
using internal::CharacterLength;
using internal::IsControl;

constexpr std::string_view kDefaultMessage = "Injected fault";
// What the Timeout factory sets, so `timeout(2s)` equals Timeout("t", 2s).
constexpr std::string_view kTimeoutMessage = "Timed out";
constexpr std::chrono::nanoseconds kDefaultDelay = 1s;
constexpr std::string_view kDefaultExceptionType = "faultline::InjectedFault";

bool IsDigit(char c) { return c >= '0' && c <= '9'; }
bool IsLetter(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
bool IsNameChar(char c) {
  return IsLetter(c) || IsDigit(c) || c == '_' || c == '.' || c == '-' || c == '/';
}
bool IsBlank(char c) { return c == ' ' || c == '\t' || c == '\r'; }
// Characters a bare (unquoted) argument may not hold: they delimit arguments, rules, comments
// and quoted strings.
bool IsBareArgChar(char c) {
  return !IsControl(c) && std::string_view("()\";#\\").find(c) == std::string_view::npos;
}

// `text` in double quotes with '\\', '"' and control characters escaped; other bytes (UTF-8
// included) are kept as they are.
std::string Quote(std::string_view text) {
  std::string out = "\"";
  for (char c : text) {
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      default:
        if (IsControl(c)) {
          AppendHexEscape(out, c);
        } else {
          out += c;
        }
    }
  }
  return out + "\"";
}

// Where a parse failed and why; the rule parser backtracks over these before one is reported.
struct Failure {
  std::size_t offset;
  std::string message;
};

// Thrown inside the parser only; converted to RuleSyntaxError with line and column.
struct ParseFailure {
  Failure failure;
};

enum class ValueKind { kText, kInteger, kUnsigned, kFloat, kBool };

// How a bare return value reads: "-12" an integer, "12u" unsigned, "1.5", "1e-3", "inf" and
// "-inf" floating, "true"/"false" a bool, anything else text.
// The double the decimal text `text` denotes (already checked to be digits[.digits][e[sign]digits]);
// false when it is beyond double's range or too small to be anything but zero (a subnormal
// result counts, as with std::from_chars). Parsed in the "C" locale, since the program's locale
// must not change a rule; libc++ 14 has no floating-point std::from_chars.
bool ParseDouble(const std::string& text, double* value) {
  static const locale_t c_locale = newlocale(LC_ALL_MASK, "C", nullptr);
  char* end = nullptr;
  errno = 0;
  *value = strtod_l(text.c_str(), &end, c_locale);
  const bool in_range = errno != ERANGE || (std::isfinite(*value) && *value != 0);
  return end == text.c_str() + text.size() && in_range;
}

ValueKind Classify(std::string_view text) {
  if (text == "true" || text == "false") return ValueKind::kBool;
  std::string_view body = text;
  if (!body.empty() && (body[0] == '-' || body[0] == '+')) body.remove_prefix(1);
  if (body == "inf") return ValueKind::kFloat;
  if (body.empty()) return ValueKind::kText;
  if (text[0] != '-' && text[0] != '+' && body.back() == 'u' && body.size() > 1 &&
      std::all_of(body.begin(), body.end() - 1, IsDigit)) {
    return ValueKind::kUnsigned;
  }
  if (std::all_of(body.begin(), body.end(), IsDigit)) return ValueKind::kInteger;
  // digits [. digits] [e [sign] digits], or . digits [...]
  std::size_t i = 0;
  std::size_t mantissa_digits = 0;
  while (i < body.size() && IsDigit(body[i])) ++i, ++mantissa_digits;
  if (i < body.size() && body[i] == '.') {
    ++i;
    while (i < body.size() && IsDigit(body[i])) ++i, ++mantissa_digits;
  }
  if (mantissa_digits == 0) return ValueKind::kText;
  if (i < body.size() && (body[i] == 'e' || body[i] == 'E')) {
    ++i;
    if (i < body.size() && (body[i] == '-' || body[i] == '+')) ++i;
    const std::size_t exponent_start = i;
    while (i < body.size() && IsDigit(body[i])) ++i;
    if (i == exponent_start) return ValueKind::kText;
  }
  return i == body.size() ? ValueKind::kFloat : ValueKind::kText;
}

// A text argument may go without quotes when it reads back the same: not empty, no
// delimiters, no surrounding blanks (bare arguments are trimmed).
bool CanBeBare(std::string_view text) {
  return !text.empty() && !IsBlank(text.front()) && !IsBlank(text.back()) &&
         std::all_of(text.begin(), text.end(), IsBareArgChar);
}

std::string TextArgument(std::string_view text) {
  return CanBeBare(text) ? std::string(text) : Quote(text);
}

// A bare target runs up to the ':' before the action, so it may not hold what ends a rule or
// starts a quoted string, nor blanks at its ends.
bool CanBeBareTarget(std::string_view target) {
  return !target.empty() && target.front() != ' ' && target.back() != ' ' &&
         std::none_of(target.begin(), target.end(),
                      [](char c) { return IsControl(c) || c == ';' || c == '#' || c == '"'; });
}

// The shortest decimal that reads back as `value`, as digits and a power of ten.
std::pair<std::string, int> ShortestDecimal(double value) {
  char buffer[64];
  const auto result =
      std::to_chars(buffer, buffer + sizeof buffer, value, std::chars_format::scientific);
  const std::string_view text(buffer, static_cast<std::size_t>(result.ptr - buffer));
  const std::size_t e = text.find('e');
  std::string digits;
  for (char c : text.substr(0, e)) {
    if (IsDigit(c)) digits += c;
  }
  int exponent = 0;
  const std::string_view exponent_text = text.substr(e + 1);
  const char* begin = exponent_text.data() + (exponent_text[0] == '+' ? 1 : 0);
  std::from_chars(begin, exponent_text.data() + exponent_text.size(), exponent);
  return {digits, exponent - static_cast<int>(digits.size()) + 1};
}

// A probability as a plain-decimal percentage ("30", "0.5", "33.333333333333336"). The parser
// shifts the decimal point of the text itself before converting, so the text reads back as
// exactly `probability`.
std::string PercentText(double probability) {
  if (probability == 0) return "0";
  auto [digits, exponent] = ShortestDecimal(probability);
  exponent += 2;
  if (exponent >= 0) return digits + std::string(static_cast<std::size_t>(exponent), '0');
  const auto fraction = static_cast<std::size_t>(-exponent);
  if (digits.size() > fraction) {
    return digits.substr(0, digits.size() - fraction) + "." +
           digits.substr(digits.size() - fraction);
  }
  return "0." + std::string(fraction - digits.size(), '0') + digits;
}

struct Unit {
  std::string_view name;
  std::int64_t nanoseconds;
  std::uint64_t multiplier;  // nanoseconds == multiplier * 10^power
  int power;
};
constexpr Unit kUnits[] = {
    {"h", 3'600'000'000'000, 36, 11},
    {"min", 60'000'000'000, 6, 10},
    {"s", 1'000'000'000, 1, 9},
    {"ms", 1'000'000, 1, 6},
    {"us", 1'000, 1, 3},
    {"ns", 1, 1, 0},
};

}  // namespace

std::string internal::DurationText(std::chrono::nanoseconds duration) {
  const std::int64_t count = duration.count();
  if (count == 0) return "0s";
  for (const Unit& unit : kUnits) {
    if (count % unit.nanoseconds == 0) {
      return std::to_string(count / unit.nanoseconds) + std::string(unit.name);
    }
  }
  return std::to_string(count) + "ns";
}

namespace {
using internal::DurationText;

std::string FloatText(double value) {
  if (std::isinf(value)) return value < 0 ? "-inf" : "inf";
  char buffer[64];
  const auto result = std::to_chars(buffer, buffer + sizeof buffer, value);
  std::string text(buffer, result.ptr);
  // "1" would read back as an integer.
  if (text.find_first_of(".e") == std::string::npos) text += ".0";
  return text;
}

[[noreturn]] void NoTextForm(const FaultConfig& rule, const std::string& what) {
  throw std::invalid_argument("faultline: rule " + Quote(rule.name()) + ": " + what +
                              " has no text form");
}

// The text of a rule's return value; throws for the types the language cannot write.
std::string ValueText(const FaultConfig& rule) {
  const AnyValue& value = rule.return_value();
  if (const auto* b = AnyCast<bool>(&value)) return *b ? "true" : "false";
  if (const auto* i = AnyCast<std::int64_t>(&value)) return std::to_string(*i);
  if (const auto* u = AnyCast<std::uint64_t>(&value)) return std::to_string(*u) + "u";
  if (const auto* d = AnyCast<double>(&value)) {
    if (std::isnan(*d)) NoTextForm(rule, "a NaN return value");
    return FloatText(*d);
  }
  if (const auto* s = AnyCast<std::string>(&value)) {
    return CanBeBare(*s) && Classify(*s) == ValueKind::kText ? *s : Quote(*s);
  }
  NoTextForm(rule, "a return value of type " + rule.return_type_name());
}

std::string_view DefaultMessage(FaultType type) {
  return type == FaultType::kTimeout ? kTimeoutMessage : kDefaultMessage;
}

// The fields of one rule as written, with the offset of each for error messages.
struct Draft {
  std::string name;
  std::optional<std::pair<std::string, std::size_t>> target;
  std::optional<std::pair<double, std::size_t>> probability;
  std::optional<std::pair<long long, std::size_t>> max_triggers;
  FaultType type = FaultType::kException;
  std::optional<std::pair<std::chrono::nanoseconds, std::size_t>> delay;
  std::optional<std::pair<std::string, std::size_t>> message;
  std::optional<std::pair<AnyValue, std::size_t>> value;
  std::optional<std::pair<long long, std::size_t>> skip_first;
  std::optional<std::pair<long long, std::size_t>> every_nth;
  std::optional<std::pair<std::vector<long long>, std::size_t>> on_calls;
  std::optional<std::pair<bool, std::size_t>> disabled;
  std::optional<std::pair<std::string, std::size_t>> path;
  std::optional<std::pair<std::pair<std::size_t, std::size_t>, std::size_t>> sizes;
  std::optional<std::pair<bool, std::size_t>> scoped;
  std::optional<std::pair<std::string, std::size_t>> thread_name;
  std::optional<std::size_t> off_action;  // where the action "off" is
  std::size_t start = 0;                  // where the term starts
  std::vector<Draft> terms;               // the terms after "->", in order
  std::optional<std::pair<double, std::size_t>> corruption_rate;
  std::optional<std::pair<std::string, std::size_t>> after;
};

class Parser {
 public:
  Parser(std::string_view text, std::string_view origin) : text_(text), origin_(origin) {}

  // The whole text as one duration.
  std::chrono::nanoseconds ParseOnlyDuration() {
    try {
      std::size_t pos = 0;
      const std::chrono::nanoseconds duration = ParseDuration(pos, "");
      if (pos != text_.size()) Expected(pos, "the end of the duration", text_.substr(0, pos));
      return duration;
    } catch (const ParseFailure& failure) {
      const auto [line, column] = Location(failure.failure.offset);
      throw RuleSyntaxError(std::string(origin_), line, column, failure.failure.message);
    }
  }

  // Parses the whole text into `rules`; with `profiles`, `[name]` lines open sections.
  void Parse(std::vector<FaultConfig>& rules,
             std::map<std::string, std::vector<FaultConfig>>* profiles) {
    std::vector<FaultConfig>* current = &rules;
    std::map<std::string, std::size_t> section_lines;
    try {
      std::size_t pos = 0;
      while (pos < text_.size()) {
        const char c = text_[pos];
        if (IsBlank(c) || c == '\n' || c == ';') {
          ++pos;
        } else if (c == '#') {
          pos = text_.find('\n', pos);
          if (pos == std::string_view::npos) pos = text_.size();
        } else if (c == '[' && profiles != nullptr) {
          const std::size_t start = pos;
          const std::string name = ParseSection(pos);
          const auto [it, inserted] = section_lines.emplace(name, start);
          if (!inserted) {
            Fail(start, "profile " + Quote(name) + " is defined twice (first at line " +
                            std::to_string(Location(it->second).first) + ")");
          }
          current = &(*profiles)[name];
        } else {
          current->push_back(ParseRule(pos));
        }
      }
    } catch (const ParseFailure& failure) {
      const auto [line, column] = Location(failure.failure.offset);
      throw RuleSyntaxError(std::string(origin_), line, column, failure.failure.message);
    }
  }

 private:
  [[noreturn]] static void Fail(std::size_t offset, std::string message) {
    throw ParseFailure{Failure{offset, std::move(message)}};
  }

  std::pair<int, int> Location(std::size_t offset) const {
    const std::string_view before = text_.substr(0, offset);
    const auto line = 1 + std::count(before.begin(), before.end(), '\n');
    const std::size_t line_start = before.rfind('\n');
    const std::size_t column =
        offset - (line_start == std::string_view::npos ? 0 : line_start + 1) + 1;
    return {static_cast<int>(line), static_cast<int>(column)};
  }

  // What is at `offset`, for "got ...": a word, one character, or the end of the line/input.
  std::string Got(std::size_t offset) const {
    if (offset >= text_.size()) return "end of input";
    if (text_[offset] == '\n') return "end of line";
    // Bytes above 0x7f are the characters of a UTF-8 word ("café"), shown whole.
    const auto in_word = [](char c) {
      return IsLetter(c) || IsDigit(c) || c == '_' || static_cast<unsigned char>(c) >= 0x80;
    };
    std::size_t end = offset;
    while (end < text_.size() && end - offset < 24 && in_word(text_[end])) {
      end += CharacterLength(text_, end);
    }
    if (end == offset) end = offset + CharacterLength(text_, offset);
    return Quote(text_.substr(offset, end - offset));
  }

  [[noreturn]] void Expected(std::size_t offset, const std::string& what,
                             std::string_view after) const {
    Fail(offset, "expected " + what + " after " + Quote(after) + ", got " + Got(offset));
  }

  char At(std::size_t pos) const { return pos < text_.size() ? text_[pos] : '\0'; }
  bool AtRuleEnd(std::size_t pos) const {
    return pos >= text_.size() || text_[pos] == ';' || text_[pos] == '\n' || text_[pos] == '#';
  }
  void SkipBlanks(std::size_t& pos) const {
    while (pos < text_.size() && IsBlank(text_[pos])) ++pos;
  }

  std::string ParseSection(std::size_t& pos) {
    ++pos;  // '['
    SkipBlanks(pos);
    const std::size_t start = pos;
    while (pos < text_.size() && IsNameChar(text_[pos])) ++pos;
    if (pos == start) Expected(pos, "a profile name", "[");
    std::string name(text_.substr(start, pos - start));
    SkipBlanks(pos);
    if (At(pos) != ']') Expected(pos, "']'", name);
    ++pos;
    SkipBlanks(pos);
    if (pos < text_.size() && text_[pos] != '\n' && text_[pos] != '#') {
      Expected(pos, "the end of the line", "[" + name + "]");
    }
    return name;
  }

  FaultConfig ParseRule(std::size_t& pos) {
    Draft draft;
    const std::size_t name_start = pos;
    while (pos < text_.size() && IsNameChar(text_[pos])) ++pos;
    if (pos == name_start) {
      Fail(pos, "expected a rule name (letters, digits and \"_.-/\"), got " + Got(pos));
    }
    draft.name = std::string(text_.substr(name_start, pos - name_start));
    SkipBlanks(pos);
    if (At(pos) != '=') Expected(pos, "'='", draft.name);
    ++pos;
    SkipBlanks(pos);

    if (At(pos) == '"') {
      const std::size_t target_start = pos;
      draft.target.emplace(ParseQuoted(pos), target_start);
      if (At(pos) != ':') Expected(pos, "':'", text_.substr(target_start, pos - target_start));
      ++pos;
      pos = ParseRest(pos, ":", draft);
      return Build(draft);
    }

    // A target may itself hold ':' ("Gateway::Charge"), so it ends at the last ':' after which
    // the rest of the rule parses; with no such ':', the rule has no target. A bare target
    // holds no '"', ';', '#' or newline, so no later ':' can end it.
    std::vector<std::size_t> colons;
    for (std::size_t i = pos; !AtRuleEnd(i) && text_[i] != '"'; ++i) {
      if (text_[i] == ':') colons.push_back(i);
    }
    std::optional<Failure> furthest;
    const auto attempt = [&](std::size_t start,
                             std::string_view after) -> std::optional<std::size_t> {
      Draft candidate = draft;
      try {
        const std::size_t end = ParseRest(start, after, candidate);
        draft = std::move(candidate);
        return end;
      } catch (const ParseFailure& failure) {
        // The error that got furthest is the one that explains the rule the user meant.
        if (!furthest || failure.failure.offset > furthest->offset) furthest = failure.failure;
        return std::nullopt;
      }
    };
    for (auto colon = colons.rbegin(); colon != colons.rend(); ++colon) {
      const std::size_t target_start = pos;
      if (auto end = attempt(*colon + 1, text_.substr(target_start, *colon + 1 - target_start))) {
        draft.target.emplace(std::string(text_.substr(target_start, *colon - target_start)),
                             target_start);
        pos = *end;
        return Build(draft);
      }
    }
    if (auto end = attempt(pos, text_.substr(name_start, pos - name_start))) {
      pos = *end;
      return Build(draft);
    }
    throw ParseFailure{*furthest};
  }

  // Parses `term {"->" term}` from `pos` to the end of the rule and returns the offset of the
  // rule's end (';', newline, '#' or end of input).
  std::size_t ParseRest(std::size_t pos, std::string_view after, Draft& draft) const {
    draft.start = pos;
    pos = ParseTerm(pos, after, draft, /*first=*/true);
    while (At(pos) == '-' && At(pos + 1) == '>') {
      pos += 2;
      Draft term;
      term.name = draft.name;
      term.start = pos;
      pos = ParseTerm(pos, "->", term, /*first=*/false);
      draft.terms.push_back(std::move(term));
    }
    return pos;
  }

  // What may stand where an action is expected, for error messages.
  static constexpr const char* kActions =
      "an action (exception, delay, timeout, return, errno, partial, corrupt, pause, wait or off)";

  // Parses `[pct%][cnt*]action[(arg)]{@modifier}` from `pos` and returns the offset of the
  // term's end: a "->" or the rule's end. Only the `first` term takes the rule's modifiers.
  std::size_t ParseTerm(std::size_t pos, std::string_view after, Draft& draft,
                        bool first) const {
    std::string previous(after);
    if (!first && At(pos) == '-' && At(pos + 1) == '>') {
      Expected(pos, std::string("a percentage, a count or ") + kActions, previous);
    }
    if (IsDigit(At(pos)) || At(pos) == '-' || At(pos) == '.') {
      const std::size_t start = pos;
      const std::string number = ParseNumber(pos, previous);
      if (At(pos) == '%') {
        // Decided on the text: the nearest double of 100.0000000000000000000001 is 100.
        if (AboveHundred(number)) {
          Fail(start, "rule " + Quote(draft.name) + ": percentage must be in [0%, 100%], got " +
                          number + "%");
        }
        draft.probability.emplace(PercentValue(number, start), start);
        ++pos;
        previous = number + "%";
        if (IsDigit(At(pos)) || At(pos) == '-') {
          const std::size_t count_start = pos;
          const std::string count = ParseNumber(pos, previous);
          if (At(pos) != '*') Expected(pos, "'*'", count);
          draft.max_triggers.emplace(WholeNumber(count, count_start, "a trigger count"),
                                     count_start);
          ++pos;
          previous = count + "*";
        }
      } else if (At(pos) == '*') {
        draft.max_triggers.emplace(WholeNumber(number, start, "a trigger count"), start);
        ++pos;
        previous = number + "*";
      } else {
        Expected(pos, "'%' or '*'", number);
      }
    }

    const std::size_t action_start = pos;
    while (IsLetter(At(pos))) ++pos;
    const std::string_view action = text_.substr(action_start, pos - action_start);
    if (action == "exception") {
      draft.type = FaultType::kException;
      if (At(pos) == '(') {
        const std::size_t start = pos + 1;
        draft.message.emplace(ParseTextArgument(pos, action), start);
      }
    } else if (action == "delay" || action == "timeout") {
      draft.type = action == "delay" ? FaultType::kDelay : FaultType::kTimeout;
      if (At(pos) != '(') Expected(pos, "'(' and a duration", action);
      ++pos;
      const std::size_t start = pos;
      draft.delay.emplace(ParseDuration(pos, std::string(action) + "("), start);
      ExpectClose(pos, text_.substr(start, pos - start));
    } else if (action == "return") {
      draft.type = FaultType::kReturn;
      if (At(pos) == '(') {
        const std::size_t start = pos + 1;
        draft.value.emplace(ParseValueArgument(pos, action), start);
      }
    } else if (action == "errno") {
      draft.type = FaultType::kReturn;
      if (At(pos) != '(') Expected(pos, "'(' and an error name or number", action);
      const std::size_t start = pos + 1;
      std::size_t first = start;
      while (IsBlank(At(first))) ++first;
      const std::string text = ParseTextArgument(pos, action);
      draft.value.emplace(SystemError{ErrorNumber(text, first)}, start);
    } else if (action == "partial") {
      draft.type = FaultType::kReturn;
      draft.value.emplace(ShortTransfer{}, action_start);
    } else if (action == "pause") {
      draft.type = FaultType::kPause;
      if (At(pos) == '(') {
        ++pos;
        const std::size_t start = pos;
        draft.delay.emplace(ParseDuration(pos, "pause("), start);
        ExpectClose(pos, text_.substr(start, pos - start));
      }
    } else if (action == "wait") {
      draft.type = FaultType::kWait;
      if (At(pos) != '(') Expected(pos, "'(' and the target to wait for", action);
      const std::size_t start = pos + 1;
      draft.after.emplace(ParseTextArgument(pos, action), start);
    } else if (action == "corrupt" || action == "corruption") {
      draft.type = FaultType::kCorruption;
      if (At(pos) == '(') {
        // The corruption rate, a percentage read as the probability is.
        ++pos;
        const std::size_t start = pos;
        const std::string number = ParseNumber(pos, std::string(action) + "(");
        if (At(pos) != '%') Expected(pos, "'%' (a corruption rate such as 5%)", number);
        if (AboveHundred(number)) {
          Fail(start, "rule " + Quote(draft.name) + ": corruption rate must be in [0%, 100%], got " +
                          number + "%");
        }
        draft.corruption_rate.emplace(PercentValue(number, start), start);
        ++pos;
        ExpectClose(pos, number + "%");
      }
    } else if (action == "off") {
      draft.type = FaultType::kException;
      draft.off_action = action_start;
    } else {
      const char* before = draft.max_triggers  ? ""
                           : draft.probability ? "a count or "
                                               : "a percentage, a count or ";
      Expected(action_start, std::string(before) + kActions, previous);
    }
    previous = std::string(text_.substr(action_start, pos - action_start));

    while (At(pos) == '@') {
      const std::size_t at = pos++;
      const std::size_t word_start = pos;
      while (IsLetter(At(pos))) ++pos;
      const std::string_view word = text_.substr(word_start, pos - word_start);
      const std::string modifier = "@" + std::string(word);
      if (!first && (word == "skip" || word == "every" || word == "calls" || word == "off" ||
                     word == "path" || word == "size" || word == "scoped" || word == "thread")) {
        Fail(at, modifier + " applies to the whole rule: write it on the first term of the "
                            "chain, before the first \"->\"");
      }
      const auto once = [&](const auto& field, std::string_view what) {
        if (field) {
          Fail(at, std::string(what) + " is set twice (first at column " +
                       std::to_string(Location(field->second).second) + ")");
        }
      };
      if (word == "skip" || word == "every") {
        auto& field = word == "skip" ? draft.skip_first : draft.every_nth;
        once(field, word == "skip" ? "the skip count" : "the period");
        if (At(pos) != '(') Expected(pos, "'(' and a number", modifier);
        ++pos;
        const std::size_t start = pos;
        const std::string number = ParseNumber(pos, modifier + "(");
        field.emplace(WholeNumber(number, start, "a call count"), start);
        ExpectClose(pos, number);
      } else if (word == "calls") {
        once(draft.on_calls, "the call list");
        if (At(pos) != '(') Expected(pos, "'(' and call numbers", modifier);
        ++pos;
        const std::size_t start = pos;
        std::vector<long long> calls;
        SkipBlanks(pos);
        std::string last = modifier + "(";
        if (At(pos) != ')') {
          while (true) {
            const std::size_t number_start = pos;
            last = ParseNumber(pos, last);
            calls.push_back(WholeNumber(last, number_start, "a call number"));
            SkipBlanks(pos);
            if (At(pos) != ',') break;
            ++pos;
            last += ",";
            SkipBlanks(pos);
          }
        }
        draft.on_calls.emplace(std::move(calls), start);
        if (At(pos) != ')') Expected(pos, "',' or ')'", last);
        ++pos;
      } else if (word == "message") {
        once(draft.message, "the message");
        if (At(pos) != '(') Expected(pos, "'(' and a message", modifier);
        const std::size_t start = pos + 1;
        draft.message.emplace(ParseTextArgument(pos, modifier), start);
      } else if (word == "delay") {
        once(draft.delay, "the delay");
        if (At(pos) != '(') Expected(pos, "'(' and a duration", modifier);
        ++pos;
        const std::size_t start = pos;
        draft.delay.emplace(ParseDuration(pos, modifier + "("), start);
        ExpectClose(pos, text_.substr(start, pos - start));
      } else if (word == "return") {
        once(draft.value, "the return value");
        if (At(pos) != '(') Expected(pos, "'(' and a value", modifier);
        const std::size_t start = pos + 1;
        draft.value.emplace(ParseValueArgument(pos, modifier), start);
      } else if (word == "off") {
        once(draft.disabled, "off");
        draft.disabled.emplace(true, at);
      } else if (word == "thread") {
        once(draft.thread_name, "the thread name");
        if (At(pos) != '(') Expected(pos, "'(' and a thread-name glob", modifier);
        const std::size_t start = pos + 1;
        draft.thread_name.emplace(ParseTextArgument(pos, modifier), start);
      } else if (word == "path") {
        once(draft.path, "the path");
        if (At(pos) != '(') Expected(pos, "'(' and a path glob", modifier);
        const std::size_t start = pos + 1;
        draft.path.emplace(ParseTextArgument(pos, modifier), start);
      } else if (word == "size") {
        once(draft.sizes, "the size range");
        if (At(pos) != '(') Expected(pos, "'(' and a size", modifier);
        ++pos;
        const std::size_t start = pos;
        SkipBlanks(pos);
        std::string last = ParseNumber(pos, modifier + "(");
        const long long min = WholeNumber(last, start, "a size");
        long long max = std::numeric_limits<long long>::max();
        SkipBlanks(pos);
        if (At(pos) == ',') {
          ++pos;
          SkipBlanks(pos);
          const std::size_t max_start = pos;
          last = ParseNumber(pos, last + ",");
          max = WholeNumber(last, max_start, "a size");
          SkipBlanks(pos);
        }
        if (min < 0 || max < 0) Fail(start, "a size must not be negative");
        draft.sizes.emplace(std::pair<std::size_t, std::size_t>(
                                static_cast<std::size_t>(min),
                                max == std::numeric_limits<long long>::max()
                                    ? SIZE_MAX
                                    : static_cast<std::size_t>(max)),
                            start);
        if (At(pos) != ')') Expected(pos, "',' or ')'", last);
        ++pos;
      } else if (word == "scoped") {
        once(draft.scoped, "scoped");
        draft.scoped.emplace(true, at);
      } else {
        Expected(word_start,
                 "a modifier (skip, every, calls, message, delay, return, path, size, scoped, "
                 "thread or off)",
                 "@");
      }
      previous = std::string(text_.substr(at, pos - at));
    }

    if (At(pos) == '-' && At(pos + 1) == '>') return pos;
    SkipBlanks(pos);
    if (!AtRuleEnd(pos)) Expected(pos, "'@', '->', ';' or the end of the line", previous);
    return pos;
  }

  // An error number written as a name ("ENOSPC") or a positive number ("28").
  static int ErrorNumber(const std::string& text, std::size_t offset) {
    if (!text.empty() && IsDigit(text[0])) {
      int value = 0;
      const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
      if (error == std::errc() && end == text.data() + text.size() && value > 0) return value;
    } else if (const int code = ErrnoFromName(text); code != 0) {
      return code;
    }
    Fail(offset, "unknown error " + Quote(text) +
                     ", expected a name such as EIO or ENOSPC, or a positive number");
  }

  // `-?digits[.digits]`, as written.
  std::string ParseNumber(std::size_t& pos, std::string_view after) const {
    const std::size_t start = pos;
    if (At(pos) == '-') ++pos;
    const std::size_t digits_start = pos;
    while (IsDigit(At(pos))) ++pos;
    if (pos == digits_start) {
      Expected(pos, "a number", pos == start ? after : text_.substr(start, pos - start));
    }
    if (At(pos) == '.') {
      ++pos;
      const std::size_t fraction_start = pos;
      while (IsDigit(At(pos))) ++pos;
      if (pos == fraction_start) Expected(pos, "a digit", text_.substr(start, pos - start));
    }
    return std::string(text_.substr(start, pos - start));
  }

  static long long WholeNumber(const std::string& number, std::size_t offset,
                               std::string_view what) {
    long long value = 0;
    const auto [end, error] = std::from_chars(number.data(), number.data() + number.size(), value);
    if (end != number.data() + number.size() && *end == '.') {
      Fail(offset, std::string(what) + " must be a whole number, got " + Quote(number));
    }
    if (error != std::errc())
      Fail(offset, std::string(what) + " " + Quote(number) + " is out of range");
    return value;
  }

  // True when the decimal text `number` (digits[.digits], maybe signed) is above 100.
  static bool AboveHundred(std::string_view number) {
    if (!number.empty() && number[0] == '-') return false;
    const std::size_t point = std::min(number.find('.'), number.size());
    std::string_view whole = number.substr(0, point);
    whole.remove_prefix(std::min(whole.find_first_not_of('0'), whole.size()));
    if (whole.size() != 3) return whole.size() > 3;
    if (whole != "100") return whole > "100";
    return number.find_first_not_of('0', std::min(point + 1, number.size())) != std::string_view::npos;
  }

  // `number` percent, converted once from the decimal text with its point moved two places,
  // so every double probability has an exact percent text.
  static double PercentValue(const std::string& number, std::size_t offset) {
    std::string digits;
    int fraction_digits = 0;
    bool in_fraction = false;
    for (char c : number) {
      if (c == '.') {
        in_fraction = true;
      } else {
        digits += c;
        fraction_digits += in_fraction && IsDigit(c) ? 1 : 0;
      }
    }
    if (fraction_digits > std::numeric_limits<int>::max() / 2) {
      Fail(offset, "percentage " + Quote(number + "%") + " is out of range");
    }
    digits += "e" + std::to_string(-fraction_digits - 2);
    double value = 0;
    if (!ParseDouble(digits, &value)) {
      Fail(offset, "percentage " + Quote(number + "%") + " is out of range");
    }
    return value;
  }

  // `digits[.digits]unit`, exactly, in whole nanoseconds.
  std::chrono::nanoseconds ParseDuration(std::size_t& pos, const std::string& after) const {
    const std::size_t start = pos;
    while (IsDigit(At(pos))) ++pos;
    if (pos == start) Expected(pos, "a duration (e.g. 10ms, 1.5s)", after);
    std::string digits(text_.substr(start, pos - start));
    int fraction_digits = 0;
    if (At(pos) == '.') {
      ++pos;
      const std::size_t fraction_start = pos;
      while (IsDigit(At(pos))) ++pos;
      if (pos == fraction_start) Expected(pos, "a digit", text_.substr(start, pos - start));
      std::string_view fraction = text_.substr(fraction_start, pos - fraction_start);
      while (!fraction.empty() && fraction.back() == '0') fraction.remove_suffix(1);
      digits += fraction;
      fraction_digits = static_cast<int>(std::min<std::size_t>(fraction.size(), 1000));
    }
    const std::size_t unit_start = pos;
    while (IsLetter(At(pos))) ++pos;
    const std::string_view unit_name = text_.substr(unit_start, pos - unit_start);
    const auto unit = std::find_if(std::begin(kUnits), std::end(kUnits),
                                   [&](const Unit& u) { return u.name == unit_name; });
    if (unit == std::end(kUnits)) {
      Expected(unit_start, "a unit (ns, us, ms, s, min or h)",
               text_.substr(start, unit_start - start));
    }
    const std::string written(text_.substr(start, pos - start));
    const auto out_of_range = [&]() {
      Fail(start, "duration " + Quote(written) + " is out of range");
    };
    const auto not_whole = [&]() {
      Fail(start, "duration " + Quote(written) + " is not a whole number of nanoseconds");
    };
    digits.erase(0, std::min(digits.find_first_not_of('0'), digits.size()));
    if (digits.empty()) return std::chrono::nanoseconds(0);
    std::uint64_t mantissa = 0;
    if (std::from_chars(digits.data(), digits.data() + digits.size(), mantissa).ec != std::errc()) {
      if (fraction_digits > 0) not_whole();
      out_of_range();
    }
    // nanoseconds = mantissa * multiplier * 10^(power - fraction_digits)
    std::uint64_t value = 0;
    if (__builtin_mul_overflow(mantissa, unit->multiplier, &value)) out_of_range();
    for (int shift = unit->power - fraction_digits; shift > 0; --shift) {
      if (__builtin_mul_overflow(value, std::uint64_t{10}, &value)) out_of_range();
    }
    for (int shift = fraction_digits - unit->power; shift > 0; --shift) {
      if (value % 10 != 0) not_whole();
      value /= 10;
    }
    if (value > static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max())) {
      out_of_range();
    }
    return std::chrono::nanoseconds(static_cast<std::int64_t>(value));
  }

  void ExpectClose(std::size_t& pos, std::string_view after) const {
    if (At(pos) != ')') Expected(pos, "')'", after);
    ++pos;
  }

  // `"..."` with escapes \\ \" \n \r \t \xHH; `pos` is at the opening quote.
  std::string ParseQuoted(std::size_t& pos) const {
    const std::size_t open = pos++;
    std::string out;
    while (true) {
      if (pos >= text_.size() || text_[pos] == '\n') {
        Fail(pos, "expected '\"' to close the string opened at column " +
                      std::to_string(Location(open).second) + ", got " + Got(pos));
      }
      const char c = text_[pos++];
      if (c == '"') return out;
      if (c != '\\') {
        out += c;
        continue;
      }
      const std::size_t escape = pos - 1;
      switch (At(pos)) {
        case '\\':
        case '"':
          out += text_[pos++];
          break;
        case 'n':
          out += '\n', ++pos;
          break;
        case 'r':
          out += '\r', ++pos;
          break;
        case 't':
          out += '\t', ++pos;
          break;
        case 'x': {
          unsigned byte = 0;
          const char* first = text_.data() + pos + 1;
          const char* last = text_.data() + std::min(pos + 3, text_.size());
          const auto [end, error] = std::from_chars(first, last, byte, 16);
          if (error != std::errc() || end != first + 2) {
            Fail(escape, "expected two hex digits after \"\\x\", got " + Got(pos + 1));
          }
          out += static_cast<char>(byte);
          pos += 3;
          break;
        }
        default:
          // A '\\' at the end of the line is reported as an unclosed string.
          if (pos >= text_.size() || text_[pos] == '\n') continue;
          Fail(escape, "expected an escape (\\\\, \\\", \\n, \\r, \\t or \\xHH) after '\\', got " +
                           Got(pos));
      }
    }
  }

  // `(text)` or `("quoted")`; `pos` is at '('. A bare text is trimmed of blanks.
  std::string ParseTextArgument(std::size_t& pos, std::string_view after) const {
    ++pos;
    SkipBlanks(pos);
    std::string text;
    std::size_t text_start = pos;
    if (At(pos) == '"') {
      text = ParseQuoted(pos);
      SkipBlanks(pos);
    } else {
      while (pos < text_.size() && IsBareArgChar(text_[pos])) ++pos;
      std::string_view bare = text_.substr(text_start, pos - text_start);
      while (!bare.empty() && IsBlank(bare.back())) bare.remove_suffix(1);
      text = std::string(bare);
    }
    if (At(pos) != ')') {
      const std::string_view written = text_.substr(text_start, pos - text_start);
      Expected(pos, "')'", written.empty() ? std::string(after) + "(" : std::string(written));
    }
    ++pos;
    return text;
  }

  AnyValue ParseValueArgument(std::size_t& pos, std::string_view after) const {
    const std::size_t start = pos + 1;
    std::size_t first = start;
    while (IsBlank(At(first))) ++first;
    const bool quoted = At(first) == '"';
    std::string text = ParseTextArgument(pos, after);
    if (quoted) return text;
    switch (Classify(text)) {
      case ValueKind::kBool:
        return text == "true";
      case ValueKind::kInteger: {
        std::int64_t value = 0;
        const char* begin = text.data() + (text[0] == '+' ? 1 : 0);
        if (std::from_chars(begin, text.data() + text.size(), value).ec != std::errc()) {
          Fail(first, "integer " + Quote(text) + " is out of range for int64 (add 'u' for uint64)");
        }
        return value;
      }
      case ValueKind::kUnsigned: {
        std::uint64_t value = 0;
        if (std::from_chars(text.data(), text.data() + text.size() - 1, value).ec != std::errc()) {
          Fail(first, "integer " + Quote(text) + " is out of range for uint64");
        }
        return value;
      }
      case ValueKind::kFloat: {
        std::string_view body = text;
        const bool negative = body[0] == '-';
        if (body[0] == '-' || body[0] == '+') body.remove_prefix(1);
        double value = std::numeric_limits<double>::infinity();
        if (body != "inf" && !ParseDouble(std::string(body), &value)) {
          Fail(first, "floating value " + Quote(text) + " is out of range");
        }
        return negative ? -value : value;
      }
      case ValueKind::kText:
        break;
    }
    return text;
  }

  // Applies the draft through the FaultConfig setters, so the language accepts exactly what
  // C++ code may write; a setter's complaint is reported at the offending text.
  FaultConfig Build(const Draft& draft) const {
    FaultConfig rule(draft.name, draft.type);
    const auto apply = [&](std::size_t offset, auto&& set) {
      try {
        set();
      } catch (const std::invalid_argument& error) {
        std::string_view message = error.what();
        constexpr std::string_view kPrefix = "faultline: ";
        if (message.substr(0, kPrefix.size()) == kPrefix) message.remove_prefix(kPrefix.size());
        Fail(offset, std::string(message));
      }
    };
    if (draft.type == FaultType::kTimeout) rule.Message(std::string(kTimeoutMessage));
    if (draft.after) apply(draft.after->second, [&] { rule.After(draft.after->first); });
    if (draft.target) apply(draft.target->second, [&] { rule.Target(draft.target->first); });
    if (draft.probability) {
      apply(draft.probability->second, [&] { rule.Probability(draft.probability->first); });
    }
    if (draft.max_triggers) {
      apply(draft.max_triggers->second, [&] { rule.MaxTriggers(draft.max_triggers->first); });
    }
    if (draft.delay) apply(draft.delay->second, [&] { rule.Delay(draft.delay->first); });
    if (draft.message) rule.Message(draft.message->first);
    if (draft.value) SetValue(rule, draft.value->first);
    if (draft.skip_first) {
      apply(draft.skip_first->second, [&] { rule.SkipFirst(draft.skip_first->first); });
    }
    if (draft.every_nth) {
      apply(draft.every_nth->second, [&] { rule.EveryNth(draft.every_nth->first); });
    }
    if (draft.on_calls) apply(draft.on_calls->second, [&] { rule.OnCalls(draft.on_calls->first); });
    // Alone, "off" and "@off" both disable the rule; in a chain "off" is a term that passes
    // (FaultConfig::Then makes it one) and "@off" disables the whole rule.
    if (draft.off_action && draft.disabled && draft.terms.empty()) {
      Fail(draft.disabled->second, "off is set twice (first at column " +
                                       std::to_string(Location(*draft.off_action).second) + ")");
    }
    if (draft.off_action) rule.Enabled(false);
    for (const Draft& term : draft.terms) {
      const FaultConfig built = Build(term);
      apply(term.start, [&] { rule.Then(built); });
    }
    if (draft.disabled) rule.Enabled(false);
    if (draft.thread_name) {
      apply(draft.thread_name->second, [&] { rule.OnThreadsNamed(draft.thread_name->first); });
    }
    if (draft.path) apply(draft.path->second, [&] { rule.Path(draft.path->first); });
    if (draft.sizes) {
      apply(draft.sizes->second,
            [&] { rule.Sizes(draft.sizes->first.first, draft.sizes->first.second); });
    }
    if (draft.scoped) rule.Scoped();
    if (draft.corruption_rate) {
      apply(draft.corruption_rate->second,
            [&] { rule.CorruptionRate(draft.corruption_rate->first); });
    }
    return rule;
  }

  static void SetValue(FaultConfig& rule, const AnyValue& value) {
    if (const auto* b = AnyCast<bool>(&value)) rule.Returns(*b);
    if (const auto* i = AnyCast<std::int64_t>(&value)) rule.Returns(*i);
    if (const auto* u = AnyCast<std::uint64_t>(&value)) rule.Returns(*u);
    if (const auto* d = AnyCast<double>(&value)) rule.Returns(*d);
    if (const auto* s = AnyCast<std::string>(&value)) rule.Returns(*s);
    if (const auto* e = AnyCast<SystemError>(&value)) rule.Returns(*e);
    if (const auto* t = AnyCast<ShortTransfer>(&value)) rule.Returns(*t);
  }

  std::string_view text_;
  std::string_view origin_;
};

std::string FormatError(const std::string& origin, int line, int column,
                        const std::string& message) {
  return "faultline: " + origin + ":" + std::to_string(line) + ":" + std::to_string(column) + ": " +
         message;
}

}  // namespace

RuleSyntaxError::RuleSyntaxError(std::string origin, int line, int column, std::string message)
    : std::invalid_argument(FormatError(origin, line, column, message)),
      origin_(std::move(origin)),
      line_(line),
      column_(column),
      message_(std::move(message)) {}

std::vector<FaultConfig> ParseRules(std::string_view spec) {
  std::vector<FaultConfig> rules;
  Parser(spec, "rules").Parse(rules, nullptr);
  return rules;
}

std::chrono::nanoseconds ParseDuration(std::string_view text, std::string_view origin) {
  return Parser(text, origin).ParseOnlyDuration();
}

namespace {
// `[pct%][cnt*]action[(arg)]` and the modifiers that differ from what the action sets.
std::string TermText(const FaultConfig& rule) {
  std::string out;
  if (rule.probability() != 1.0) out += PercentText(rule.probability()) + "%";
  if (rule.max_triggers() != 0) out += std::to_string(rule.max_triggers()) + "*";
  const FaultType type = rule.type();
  if (rule.passes()) {
    out += "off";
  } else {
    switch (type) {
      case FaultType::kException:
        out += "exception";
        if (rule.message() != kDefaultMessage) out += "(" + TextArgument(rule.message()) + ")";
        break;
      case FaultType::kDelay:
      case FaultType::kTimeout:
        out += std::string(type == FaultType::kDelay ? "delay(" : "timeout(") +
               DurationText(rule.delay()) + ")";
        break;
      case FaultType::kReturn:
        if (const auto* error = AnyCast<SystemError>(&rule.return_value())) {
          const char* name = ErrnoName(error->code);
          out += "errno(" + (name != nullptr ? std::string(name) : std::to_string(error->code)) +
                 ")";
        } else if (AnyCast<ShortTransfer>(&rule.return_value()) != nullptr) {
          out += "partial";
        } else {
          out += "return";
          if (rule.return_value().has_value()) out += "(" + ValueText(rule) + ")";
        }
        break;
      case FaultType::kCorruption:
        out += "corrupt";
        if (rule.corruption_rate() != kDefaultCorruptionRate) {
          out += "(" + PercentText(rule.corruption_rate()) + "%)";
        }
        break;
      case FaultType::kPause:
        out += "pause";
        if (rule.delay() != kDefaultSyncTimeout) out += "(" + DurationText(rule.delay()) + ")";
        break;
      case FaultType::kWait:
        out += "wait(" + TextArgument(rule.after()) + ")";
        break;
    }
  }
  if (rule.skip_first() != 0) out += "@skip(" + std::to_string(rule.skip_first()) + ")";
  if (rule.every_nth() != 0) out += "@every(" + std::to_string(rule.every_nth()) + ")";
  if (!rule.on_calls().empty()) {
    out += "@calls(";
    for (std::size_t i = 0; i < rule.on_calls().size(); ++i) {
      out += (i == 0 ? "" : ",") + std::to_string(rule.on_calls()[i]);
    }
    out += ")";
  }
  // An off term is an exception term that passes: its message is written as a modifier.
  if ((type != FaultType::kException || rule.passes()) && rule.message() != DefaultMessage(type)) {
    out += "@message(" + TextArgument(rule.message()) + ")";
  }
  // A wait's delay is its timeout, whose default is kDefaultSyncTimeout.
  if (type == FaultType::kWait ? rule.delay() != kDefaultSyncTimeout
                               : type != FaultType::kDelay && type != FaultType::kTimeout &&
                                     type != FaultType::kPause && rule.delay() != kDefaultDelay) {
    out += "@delay(" + DurationText(rule.delay()) + ")";
  }
  if (type != FaultType::kReturn && rule.return_value().has_value()) {
    out += "@return(" + ValueText(rule) + ")";
  }
  return out;
}
}  // namespace

std::string ToString(const FaultConfig& rule) {
  if (rule.exception_type_name() != kDefaultExceptionType) {
    NoTextForm(rule, "the custom exception type " + rule.exception_type_name());
  }
  for (const FaultConfig& term : rule.chain()) {
    if (term.exception_type_name() != kDefaultExceptionType) {
      NoTextForm(rule, "the custom exception type " + term.exception_type_name());
    }
  }
  if (rule.thread() != std::thread::id()) {
    NoTextForm(rule, "a thread-id filter (OnThread, OnCurrentThread)");
  }
  std::string out = rule.name() + "=";
  if (rule.target() != "*") {
    out += CanBeBareTarget(rule.target()) ? rule.target() : Quote(rule.target());
    out += ':';
  }
  out += TermText(rule);
  if (!rule.path().empty()) out += "@path(" + TextArgument(rule.path()) + ")";
  if (rule.size_min() != 0 || rule.size_max() != SIZE_MAX) {
    out += "@size(" + std::to_string(rule.size_min());
    if (rule.size_max() != SIZE_MAX) out += "," + std::to_string(rule.size_max());
    out += ")";
  }
  if (rule.scoped()) out += "@scoped";
  if (!rule.thread_name().empty()) out += "@thread(" + TextArgument(rule.thread_name()) + ")";
  if (!rule.enabled()) out += "@off";
  for (const FaultConfig& term : rule.chain()) out += "->" + TermText(term);
  return out;
}

const std::vector<FaultConfig>& RuleFile::Profile(std::string_view name) const {
  const auto it = profiles.find(std::string(name));
  if (it != profiles.end()) return it->second;
  std::string known;
  for (const auto& [profile, rules] : profiles) known += (known.empty() ? "" : ", ") + profile;
  throw std::invalid_argument(
      "faultline: " + origin + ": unknown profile " + Quote(std::string(name)) + ", expected " +
      (known.empty() ? "none (the file has no [profile] sections)" : "one of: " + known));
}

RuleFile ParseRuleFile(std::string_view text, std::string_view origin) {
  RuleFile file;
  file.origin = std::string(origin);
  Parser(text, origin).Parse(file.rules, &file.profiles);
  return file;
}

namespace {

// What a path that is not a regular file is, for the error that refuses it.
std::string KindOf(std::filesystem::file_type type) {
  switch (type) {
    case std::filesystem::file_type::directory:
      return "a directory";
    case std::filesystem::file_type::character:
    case std::filesystem::file_type::block:
      return "a device";
    case std::filesystem::file_type::fifo:
      return "a pipe";
    case std::filesystem::file_type::socket:
      return "a socket";
    default:
      return "not a regular file";
  }
}

// `size` is the file's size, or the first size read past the limit when the file grew.
[[noreturn]] void TooLarge(const std::string& path, const std::string& size) {
  throw std::invalid_argument("faultline: rule file " + Quote(path) + " has " + size +
                              " bytes; the limit is " + std::to_string(kMaxRuleFileSize) +
                              " bytes (16 MiB)");
}

}  // namespace

RuleFile LoadRuleFile(const std::string& path) {
  // A directory reads as empty and a device may never end: only regular files are rules.
  std::error_code error;
  const std::filesystem::file_status status = std::filesystem::status(path, error);
  if (!error && status.type() != std::filesystem::file_type::regular) {
    throw std::invalid_argument("faultline: rule file " + Quote(path) + " is " +
                                KindOf(status.type()) + ", expected a regular file");
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    throw std::invalid_argument("faultline: cannot read rule file " + Quote(path) + ": " +
                                std::strerror(errno));
  }
  const std::uintmax_t size = std::filesystem::file_size(path, error);
  if (!error && size > kMaxRuleFileSize) TooLarge(path, std::to_string(size));
  std::string contents;
  char buffer[1 << 16];
  // Bounded whatever the size said: the file may have grown since.
  while (in.read(buffer, sizeof buffer), in.gcount() > 0) {
    contents.append(buffer, static_cast<std::size_t>(in.gcount()));
    if (contents.size() > kMaxRuleFileSize) TooLarge(path, "more than " + std::to_string(kMaxRuleFileSize));
  }
  if (in.bad()) throw std::invalid_argument("faultline: cannot read rule file " + Quote(path));
  return ParseRuleFile(contents, path);
}

std::vector<FaultConfig> ParseRulesArgument(std::string_view value) {
  const std::size_t first = value.find_first_not_of(" \t");
  if (first == std::string_view::npos || value[first] != '@') return ParseRules(value);
  std::string_view reference = value.substr(first + 1);
  const std::size_t hash = reference.rfind('#');
  const std::string_view path = reference.substr(0, hash);
  if (path.empty()) {
    throw std::invalid_argument("faultline: expected a rule file name after '@', got " +
                                Quote(std::string(value)));
  }
  const RuleFile file = LoadRuleFile(std::string(path));
  if (hash == std::string_view::npos) return file.rules;
  return file.Profile(reference.substr(hash + 1));
}

}  // namespace faultline
