// libFuzzer target for the rule language. Parsing arbitrary text either succeeds or throws
// std::invalid_argument (RuleSyntaxError is one); any other exception, crash or sanitizer
// report is a bug. Every rule that parses must print to a canonical text that parses back to
// an equal rule and prints the same again; a mismatch aborts with both texts.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "faultline/rules.hpp"

namespace {

[[noreturn]] void Mismatch(const std::string& text, const char* what) {
  std::fprintf(stderr, "faultline: rules fuzz: %s\n  canonical text: %s\n", what, text.c_str());
  std::abort();
}

void CheckRoundTrip(const faultline::FaultConfig& rule) {
  std::string text;
  try {
    text = faultline::ToString(rule);
  } catch (const std::exception& error) {
    Mismatch(error.what(), "a parsed rule has no text form");
  }
  std::vector<faultline::FaultConfig> again;
  try {
    again = faultline::ParseRules(text);
  } catch (const std::exception& error) {
    Mismatch(text, error.what());
  }
  if (again.size() != 1) Mismatch(text, "the canonical text does not hold exactly one rule");
  if (again[0] != rule) Mismatch(text, "the canonical text parses to a different rule");
  if (faultline::ToString(again[0]) != text) Mismatch(text, "the canonical text is not stable");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  std::vector<faultline::FaultConfig> rules;
  try {
    rules = faultline::ParseRules(input);
  } catch (const std::invalid_argument&) {
  }
  for (const auto& rule : rules) CheckRoundTrip(rule);

  faultline::RuleFile file;
  try {
    file = faultline::ParseRuleFile(input, "fuzz");
  } catch (const std::invalid_argument&) {
  }
  for (const auto& rule : file.rules) CheckRoundTrip(rule);
  for (const auto& [name, profile] : file.profiles) {
    for (const auto& rule : profile) CheckRoundTrip(rule);
  }
  return 0;
}
