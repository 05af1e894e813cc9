// Internal: target globs. "*" any run of characters, "?" one character, "[abc]", "[a-z]",
// "[!a]" (or "[^a]") a class, "{log,table}" one of the comma-separated alternatives (globs
// themselves; groups do not nest), "\" escapes the next character.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace faultline::internal {

// Empty when `glob` is well formed, else what is wrong with it (for an error message).
std::optional<std::string> GlobError(std::string_view glob);
// True when `text` matches the well-formed `glob`.
bool GlobMatch(std::string_view glob, std::string_view text);
// True when `glob` has no wildcard, so it matches exactly one name.
bool IsLiteralGlob(std::string_view glob);
// The text every name `glob` matches starts with: up to its first wildcard or escape.
std::string_view GlobLiteralPrefix(std::string_view glob);

}  // namespace faultline::internal
