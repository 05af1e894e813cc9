#include "glob.hpp"

#include <algorithm>
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

// The index of the ']' closing the class whose '[' is at glob[i], or npos.
std::size_t ClassEnd(std::string_view glob, std::size_t i) {
  std::size_t j = i + 1;
  if (j < glob.size() && (glob[j] == '!' || glob[j] == '^')) ++j;
  if (j < glob.size() && glob[j] == ']') ++j;  // a leading ']' is a literal member
  while (j < glob.size() && glob[j] != ']') {
    if (glob[j] == '\\') ++j;
    ++j;
  }
  return j < glob.size() ? j : std::string_view::npos;
}

// The index of the first character of `glob`, from `from` on, that is one of `special` outside
// a class and not escaped, or npos.
std::size_t FindUnescaped(std::string_view glob, std::string_view special, std::size_t from = 0) {
  for (std::size_t i = from; i < glob.size(); ++i) {
    if (special.find(glob[i]) != std::string_view::npos) return i;
    if (glob[i] == '\\') {
      ++i;
    } else if (glob[i] == '[') {
      const std::size_t end = ClassEnd(glob, i);
      if (end == std::string_view::npos) return std::string_view::npos;
      i = end;
    }
  }
  return std::string_view::npos;
}

// A glob without groups: an iterative matcher with one backtrack point per '*', linear in
// practice, no recursion.
bool MatchWithoutGroups(std::string_view glob, std::string_view text) {
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

// Matches `text` against the brace-free glob `piece` followed by the glob `rest`, which may
// hold brace groups. Recurses only at a group and at a '*' before one, never per character,
// and allocates nothing: the system-call targets match paths inside malloc.
bool MatchWithGroups(std::string_view piece, std::string_view rest, std::string_view text) {
  for (;;) {
    // After the last group, the linear matcher: no recursion at its stars.
    if (rest.empty()) return MatchWithoutGroups(piece, text);
    if (piece.empty()) {
      const std::size_t open = FindUnescaped(rest, "{");
      if (open != 0) {
        piece = rest.substr(0, open);
        rest = open == std::string_view::npos ? std::string_view() : rest.substr(open);
        continue;
      }
      const std::size_t close = FindUnescaped(rest, "}");
      const std::string_view after = rest.substr(close + 1);
      for (std::size_t begin = 1;;) {
        const std::size_t comma = std::min(FindUnescaped(rest, ",", begin), close);
        if (MatchWithGroups(rest.substr(begin, comma - begin), after, text)) return true;
        if (comma == close) return false;
        begin = comma + 1;
      }
    }
    const char p = piece[0];
    if (p == '*') {
      piece.remove_prefix(std::min(piece.find_first_not_of('*'), piece.size()));
      for (std::size_t skip = 0; skip <= text.size(); ++skip) {
        if (MatchWithGroups(piece, rest, text.substr(skip))) return true;
      }
      return false;
    }
    if (text.empty()) return false;
    std::size_t used = 1;
    if (p == '[') {
      if (!ClassMatch(piece, 1, text[0], used)) return false;
    } else if (p == '\\') {
      if (piece[1] != text[0]) return false;
      used = 2;
    } else if (p != '?' && p != text[0]) {
      return false;
    }
    piece.remove_prefix(used);
    text.remove_prefix(1);
  }
}

}  // namespace

std::optional<std::string> GlobError(std::string_view glob) {
  if (glob.empty()) return "a target must not be empty";
  // A site name is a C string at every entry point (FAULTLINE_POINT, the interposer).
  if (const std::size_t nul = glob.find('\0'); nul != std::string_view::npos) {
    return "a target must not hold a NUL byte, got one at column " + std::to_string(nul + 1);
  }
  auto column = [](std::size_t i) { return std::to_string(i + 1); };
  std::size_t group = std::string_view::npos;  // the open '{', if any
  for (std::size_t i = 0; i < glob.size(); ++i) {
    if (glob[i] == '\\') {
      if (i + 1 == glob.size()) return "a trailing '\\' escapes nothing";
      ++i;
    } else if (glob[i] == '[') {
      const std::size_t end = ClassEnd(glob, i);
      if (end == std::string_view::npos) {
        return "'[' at column " + column(i) + " is never closed by ']'";
      }
      i = end;
    } else if (glob[i] == '{') {
      if (group != std::string_view::npos) {
        return "'{' at column " + column(i) + " is inside the group opened at column " +
               column(group) + ": groups do not nest";
      }
      group = i;
    } else if (glob[i] == '}') {
      if (group == std::string_view::npos) {
        return "'}' at column " + column(i) + " closes no '{' (write \\} for the character)";
      }
      if (group + 1 == i) return "'{}' at column " + column(group) + " has no alternative";
      group = std::string_view::npos;
    }
  }
  if (group != std::string_view::npos) {
    return "'{' at column " + column(group) + " is never closed by '}'";
  }
  return std::nullopt;
}

bool GlobMatch(std::string_view glob, std::string_view text) {
  if (FindUnescaped(glob, "{") == std::string_view::npos) return MatchWithoutGroups(glob, text);
  return MatchWithGroups({}, glob, text);
}

std::string_view GlobLiteralPrefix(std::string_view glob) {
  return glob.substr(0, glob.find_first_of("*?[{\\"));
}

bool IsLiteralGlob(std::string_view glob) {
  return glob.find_first_of("*?[{\\") == std::string_view::npos;
}

}  // namespace faultline::internal
