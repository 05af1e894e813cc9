// Internal: readable type names without RTTI, so that the public headers compile with
// -fno-rtti.
#pragma once

#include <string>
#include <string_view>
#include <type_traits>

#include "faultline/export.hpp"

namespace faultline::internal {

// `spelling` made readable and the same under every compiler and standard library: without
// the standard library's inline namespaces, strings as "std::string", integer types as
// "long" and "unsigned long" (not "long int", "long unsigned int").
FAULTLINE_API std::string ReadableTypeName(std::string_view spelling);

// The compiler's spelling of T, cut out of the function's signature.
template <class T>
std::string_view TypeSpelling() {
  // "... TypeSpelling() [with T = int; std::string_view = ...]" (g++) or
  // "... TypeSpelling() [T = int]" (clang).
  const std::string_view signature = __PRETTY_FUNCTION__;
  std::string_view::size_type begin = signature.find("T = ");
  if (begin == std::string_view::npos) return signature;
  begin += 4;
  // g++ appends the typedefs the signature uses after a ';' at the outermost level.
  int depth = 0;
  std::string_view::size_type end = begin;
  for (; end < signature.size(); ++end) {
    const char c = signature[end];
    if (c == '<' || c == '(' || c == '[') ++depth;
    if (c == '>' || c == ')' || c == ']') {
      if (depth == 0) break;
      --depth;
    }
    if (c == ';' && depth == 0) break;
  }
  return signature.substr(begin, end - begin);
}

// Readable name of a type ("std::string", "Status&"; cv-qualifiers dropped, as typeid does).
template <class T>
std::string TypeName() {
  std::string name =
      ReadableTypeName(TypeSpelling<std::remove_cv_t<std::remove_reference_t<T>>>());
  if constexpr (std::is_lvalue_reference_v<T>) name += "&";
  if constexpr (std::is_rvalue_reference_v<T>) name += "&&";
  return name;
}

}  // namespace faultline::internal
