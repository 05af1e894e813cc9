// Internal: text in error messages. Names and targets are echoed whole: a multibyte UTF-8
// character is never cut, and bytes a terminal would act on are escaped.
#pragma once

#include <chrono>
#include <cstddef>
#include <string>
#include <string_view>

namespace faultline::internal {

// The length in bytes of the UTF-8 character starting at `text[pos]` (1 for a stray byte).
inline std::size_t CharacterLength(std::string_view text, std::size_t pos) {
  std::size_t end = pos + 1;
  // Continuation bytes are 10xxxxxx; a character has at most three.
  while (end < text.size() && end - pos < 4 && (static_cast<unsigned char>(text[end]) & 0xC0) == 0x80) {
    ++end;
  }
  return end - pos;
}

// In the largest unit that holds the duration exactly: "2s", "1500us", "2min", "0s" (the
// rule language's form, also used in messages).
std::string DurationText(std::chrono::nanoseconds duration);

// True for the bytes a message shows as \xHH: the C0 controls (NUL included) and DEL.
inline bool IsControl(char c) {
  const auto u = static_cast<unsigned char>(c);
  return u < 0x20 || u == 0x7f;
}

// Appends `c` as "\xHH".
inline void AppendHexEscape(std::string& out, char c) {
  static constexpr char kHex[] = "0123456789abcdef";
  const auto u = static_cast<unsigned char>(c);
  out += "\\x";
  out += kHex[u >> 4];
  out += kHex[u & 0xf];
}

}  // namespace faultline::internal
