// faultline-report's JSON: a small reader that says where input went wrong, and a writer of
// string literals. Enough for faultline's own reports; no dependency beyond the standard library.
#pragma once

#include <cstddef>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

namespace faultline {
namespace report {

// Bad input: a missing file, invalid JSON or a report of an unknown format. what() names the
// file, the position and what was expected: "a.json:3:14: expected ',' or '}', got 'x'".
class ReportError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// One JSON value, with where it starts in its file (for errors about its contents).
struct Json {
  enum class Kind { kNull, kBool, kNumber, kString, kArray, kObject };
  Kind kind = Kind::kNull;
  bool boolean = false;
  // A string's value, or a number as written (so 64-bit integers stay exact).
  std::string text;
  std::vector<Json> items;                            // an array's
  std::vector<std::pair<std::string, Json>> members;  // an object's, in file order
  std::size_t line = 0;
  std::size_t column = 0;

  // The member `key` of an object, or null when it has none (or is no object).
  const Json* Find(const std::string& key) const;
  // "string", "number", ...: the kind's name, for errors.
  const char* KindName() const;
};

// Parses `text`, the contents of `source` (named in errors). Throws ReportError.
Json ParseJson(const std::string& text, const std::string& source);

// `text` as a JSON string literal, quotes included.
std::string Quote(const std::string& text);

// `value` as compact JSON text (members in their order, numbers as written).
std::string ToText(const Json& value);

}  // namespace report
}  // namespace faultline
