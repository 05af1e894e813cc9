#include "glob.hpp"

#include <cstddef>

namespace faultline::internal {
namespace {

// Matches the class starting after '[' at glob[i] against c; sets `end` to the index after ']'.
bool ClassMatch(std::string_view glob, std::size_t i, char c, std::size_t& end) {
  bool negate = false;
  if (i < glob.size() && (glob[i] == '!' || glob[i] == '^')) {
    negate = true;
    ++i;
  }
  bool matched = false;
  bool first = true;
  while (i < glob.size() && (glob[i] != ']' || first)) {
    first = false;
    char low = glob[i];
    if (low == '\\' && i + 1 < glob.size()) low = glob[++i];
    char high = low;
    if (i + 2 < glob.size() && glob[i + 1] == '-' && glob[i + 2] != ']') {
      high = glob[i + 2];
      if (high == '\\' && i + 3 < glob.size()) high = glob[++i + 2];
      i += 2;
    }
    if (low <= c && c <= high) matched = true;
    ++i;
  }
  end = i + 1;
  return matched != negate;
}

}  // namespace

std::optional<std::string> GlobError(std::string_view glob) {
  if (glob.empty()) return "a target must not be empty";
  // A site name is a C string at every entry point (FAULTLINE_POINT, the interposer).
  if (const std::size_t nul = glob.find('\0'); nul != std::string_view::npos) {
    return "a target must not hold a NUL byte, got one at column " + std::to_string(nul + 1);
  }
  for (std::size_t i = 0; i < glob.size(); ++i) {
    if (glob[i] == '\\') {
      if (i + 1 == glob.size()) return "a trailing '\\' escapes nothing";
      ++i;
    } else if (glob[i] == '[') {
      std::size_t j = i + 1;
      if (j < glob.size() && (glob[j] == '!' || glob[j] == '^')) ++j;
      if (j < glob.size() && glob[j] == ']') ++j;  // a leading ']' is a literal member
      while (j < glob.size() && glob[j] != ']') {
        if (glob[j] == '\\') ++j;
        ++j;
      }
      if (j >= glob.size()) {
        return "'[' at column " + std::to_string(i + 1) + " is never closed by ']'";
      }
      i = j;
    }
  }
  return std::nullopt;
}

bool GlobMatch(std::string_view glob, std::string_view text) {
  // Iterative matcher with one backtrack point per '*': linear in practice, no recursion.
  std::size_t g = 0, t = 0;
  std::size_t star_g = std::string_view::npos, star_t = 0;
  while (t < text.size()) {
    if (g < glob.size()) {
      const char p = glob[g];
      if (p == '*') {
        star_g = g++;
        star_t = t;
        continue;
      }
      if (p == '?') {
        ++g;
        ++t;
        continue;
      }
      if (p == '[') {
        std::size_t end = 0;
        if (ClassMatch(glob, g + 1, text[t], end)) {
          g = end;
          ++t;
          continue;
        }
      } else {
        const char literal = (p == '\\') ? glob[g + 1] : p;
        if (literal == text[t]) {
          g += (p == '\\') ? 2 : 1;
          ++t;
          continue;
        }
      }
    }
    if (star_g == std::string_view::npos) return false;
    g = star_g + 1;
    t = ++star_t;
  }
  while (g < glob.size() && glob[g] == '*') ++g;
  return g == glob.size();
}

std::string_view GlobLiteralPrefix(std::string_view glob) {
  return glob.substr(0, glob.find_first_of("*?[\\"));
}

bool IsLiteralGlob(std::string_view glob) {
  return glob.find_first_of("*?[\\") == std::string_view::npos;
}

}  // namespace faultline::internal
