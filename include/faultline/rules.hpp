// faultline: the rule language, for command-line flags, environment variables and rule files.
//
//   auto rules = faultline::ParseRules(
//       "gw=Gateway::Charge:30%exception(boom); db=query_*:20%delay(10ms);
//       oom=alloc:3*return(-12)");
//   // rules[0] == faultline::Exception("gw").Target("Gateway::Charge").Probability(0.3)
//   //                 .Message("boom")
//   faultline::ToString(rules[1]);  // "db=query_*:20%delay(10ms)"
//
// One rule is `name=[target:][pct%][cnt*]action[(arg)][@modifier...]`; docs/rules.md has the
// grammar, every action and modifier, the escapes, the rule-file format and the error format.
// Every rule built with the factories and setters of fault.hpp has a text form, except a rule
// that throws a custom exception type (Exception<E>, Throws<E>) or returns a value that is not
// an integer, a floating value (NaN excluded), a bool or a string.
#pragma once

#include <chrono>
#include <cstddef>
#include <map>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "faultline/export.hpp"
#include "faultline/fault.hpp"

namespace faultline {

// A rule text that does not parse, or that gives a value the FaultConfig setters reject.
// what() is one line naming where, what was found and what was expected:
//   faultline: rules:1:22: expected '%' or '*' after "30", got "x"
//   faultline: chaos.rules:4:9: rule "gw": probability must be in [0, 1], got 1.5
class FAULTLINE_API RuleSyntaxError : public std::invalid_argument {
 public:
  // An error at 1-based `line` and `column` (in bytes) of the text named `origin`.
  RuleSyntaxError(std::string origin, int line, int column, std::string message);

  // "rules" for ParseRules, the file name for rule files.
  const std::string& origin() const noexcept { return origin_; }
  // 1-based line of the offending text.
  int line() const noexcept { return line_; }
  // 1-based column (byte offset in the line plus one) of the offending text.
  int column() const noexcept { return column_; }
  // what() without the "faultline: <origin>:<line>:<column>: " prefix.
  const std::string& message() const noexcept { return message_; }

 private:
  std::string origin_;
  int line_;
  int column_;
  std::string message_;
};

// Parses `spec`: rules separated by ';' or newlines, '#' starting a comment to the end of the
// line, blank entries ignored. Returns the rules in the order written (rule names are not
// required to be unique). Throws RuleSyntaxError (origin "rules") for the first bad rule.
FAULTLINE_API std::vector<FaultConfig> ParseRules(std::string_view spec);

// Parses `text` as the rule language writes a duration: digits, an optional fraction and a unit
// (ns, us, ms, s, min or h), e.g. "500ms", "1.5s", "30min". Throws RuleSyntaxError with origin
// `origin` (e.g. the flag that gave the text) when it is not exactly one duration.
FAULTLINE_API std::chrono::nanoseconds ParseDuration(std::string_view text,
                                                     std::string_view origin = "duration");

// The canonical text of `rule`, such that ParseRules(ToString(rule)).at(0) == rule. Throws
// std::invalid_argument naming the rule when it has no text form: a custom exception type,
// or a return value that is not an integer, a non-NaN floating value, a bool or a string.
FAULTLINE_API std::string ToString(const FaultConfig& rule);

// The contents of a rule file: the rules before any `[profile]` section, and each section's.
struct FAULTLINE_API RuleFile {
  // Where the rules came from (the file name), for messages.
  std::string origin;
  // The default set: rules written before the first section.
  std::vector<FaultConfig> rules;
  // The rules of each `[name]` section, by section name.
  std::map<std::string, std::vector<FaultConfig>> profiles;

  // The rules of profile `name`. Throws std::invalid_argument naming the unknown profile and
  // listing the known ones.
  const std::vector<FaultConfig>& Profile(std::string_view name) const;
};

// Parses a rule file's `text`: one rule per line (';' also separates), '#' comments, and
// `[name]` lines opening a profile (letters, digits and "_.-/"; each name once). Errors are
// RuleSyntaxError reporting `origin`:line:column.
FAULTLINE_API RuleFile ParseRuleFile(std::string_view text, std::string_view origin);

// The largest rule file LoadRuleFile reads: 16 MiB.
inline constexpr std::size_t kMaxRuleFileSize = std::size_t{16} << 20;

// Reads and parses the rule file at `path` (relative to the working directory), with the path
// as origin. Throws std::invalid_argument when the file cannot be read, is not a regular file
// (a directory, a device, a pipe) or is larger than kMaxRuleFileSize, RuleSyntaxError when it
// does not parse.
FAULTLINE_API RuleFile LoadRuleFile(const std::string& path);

// Resolves a control string such as a --faultline_rules value: "@path" gives the default rules
// of the rule file at path, "@path#profile" one of its profiles (split at the last '#'), and
// anything else is parsed with ParseRules. Throws what those throw.
FAULTLINE_API std::vector<FaultConfig> ParseRulesArgument(std::string_view value);

}  // namespace faultline
