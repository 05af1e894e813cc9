// Well-formedness checks of the XML and JSON files test programs write, strict enough to catch
// a truncated or interleaved file: every element closed in order, every value complete.
#pragma once

#include <cctype>
#include <cstddef>
#include <string>
#include <vector>

namespace faultline::testing {
namespace well_formed_internal {

inline bool IsSpace(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

inline bool IsNameChar(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
         c == '-' || c == '.' || c == ':' || static_cast<unsigned char>(c) >= 0x80;
}

// Checks one JSON document by recursive descent.
class JsonChecker {
 public:
  explicit JsonChecker(const std::string& text) : text_(text) {}

  std::string Check() {
    SkipSpace();
    if (!Value(0)) return error_;
    SkipSpace();
    if (at_ != text_.size()) Fail("text after the document");
    return error_;
  }

 private:
  bool Value(int depth) {
    if (depth > 200) return Fail("nested too deeply");
    if (at_ >= text_.size()) return Fail("unexpected end");
    switch (text_[at_]) {
      case '{': return Object(depth);
      case '[': return Array(depth);
      case '"': return String();
      case 't': return Word("true");
      case 'f': return Word("false");
      case 'n': return Word("null");
      default: return Number();
    }
  }
  bool Object(int depth) {
    ++at_;
    SkipSpace();
    if (Take('}')) return true;
    do {
      SkipSpace();
      if (at_ >= text_.size() || text_[at_] != '"') return Fail("expected a key");
      if (!String()) return false;
      SkipSpace();
      if (!Take(':')) return Fail("expected ':'");
      SkipSpace();
      if (!Value(depth + 1)) return false;
      SkipSpace();
    } while (Take(','));
    return Take('}') || Fail("expected ',' or '}'");
  }
  bool Array(int depth) {
    ++at_;
    SkipSpace();
    if (Take(']')) return true;
    do {
      SkipSpace();
      if (!Value(depth + 1)) return false;
      SkipSpace();
    } while (Take(','));
    return Take(']') || Fail("expected ',' or ']'");
  }
  bool String() {
    ++at_;
    while (at_ < text_.size() && text_[at_] != '"') {
      const char c = text_[at_++];
      if (static_cast<unsigned char>(c) < 0x20) return Fail("control character in a string");
      if (c != '\\') continue;
      if (at_ >= text_.size()) break;
      const char escape = text_[at_++];
      if (escape == 'u') {
        for (int i = 0; i < 4; ++i, ++at_) {
          if (at_ >= text_.size() || !std::isxdigit(static_cast<unsigned char>(text_[at_]))) {
            return Fail("bad \\u escape");
          }
        }
      } else if (std::string("\"\\/bfnrt").find(escape) == std::string::npos) {
        return Fail("bad escape");
      }
    }
    return Take('"') || Fail("unterminated string");
  }
  bool Number() {
    Take('-');
    if (Take('0')) {
      if (at_ < text_.size() && text_[at_] >= '0' && text_[at_] <= '9') {
        return Fail("leading zero");
      }
    } else if (!Digits()) {
      return Fail("expected a value");
    }
    if (Take('.') && !Digits()) return Fail("expected digits after '.'");
    if (Take('e') || Take('E')) {
      if (!Take('+')) Take('-');
      if (!Digits()) return Fail("expected an exponent");
    }
    return true;
  }
  bool Digits() {
    const std::size_t start = at_;
    while (at_ < text_.size() && text_[at_] >= '0' && text_[at_] <= '9') ++at_;
    return at_ > start;
  }
  bool Word(const char* word) {
    const std::string expected(word);
    if (text_.compare(at_, expected.size(), expected) != 0) return Fail("expected a value");
    at_ += expected.size();
    return true;
  }
  bool Take(char c) {
    if (at_ < text_.size() && text_[at_] == c) {
      ++at_;
      return true;
    }
    return false;
  }
  void SkipSpace() {
    while (at_ < text_.size() && IsSpace(text_[at_])) ++at_;
  }
  // Records the first problem; false, for `return Fail(...)` in the parsers.
  bool Fail(const std::string& what) {
    if (error_.empty()) error_ = what + " at offset " + std::to_string(at_);
    return false;
  }

  const std::string& text_;
  std::size_t at_ = 0;
  std::string error_;
};

}  // namespace well_formed_internal

// "" when `text` is one well-formed JSON document, else what is wrong and where.
inline std::string JsonProblem(const std::string& text) {
  return well_formed_internal::JsonChecker(text).Check();
}

// "" when `text` is a well-formed XML document (one root element, every element closed in
// order, attributes quoted, entities complete), else what is wrong and where.
inline std::string XmlProblem(const std::string& text) {
  using well_formed_internal::IsNameChar;
  using well_formed_internal::IsSpace;
  std::vector<std::string> open;  // the open elements, outermost first
  int roots = 0;
  std::size_t at = 0;
  const auto fail = [&](const std::string& what) {
    return what + " at offset " + std::to_string(at);
  };
  const auto skip = [&](const char* end) {
    const std::size_t found = text.find(end, at);
    if (found == std::string::npos) return false;
    at = found + std::string(end).size();
    return true;
  };
  const auto name = [&] {
    const std::size_t start = at;
    while (at < text.size() && IsNameChar(text[at])) ++at;
    return text.substr(start, at - start);
  };
  const auto entities = [&](std::size_t from, std::size_t to) {
    for (std::size_t i = text.find('&', from); i < to; i = text.find('&', i + 1)) {
      const std::size_t end = text.find(';', i);
      if (end == std::string::npos || end > to || end == i + 1 || end - i > 10) return false;
    }
    return true;
  };
  while (true) {
    const std::size_t tag = text.find('<', at);
    const std::size_t stop = tag == std::string::npos ? text.size() : tag;
    for (std::size_t i = at; i < stop; ++i) {
      if (open.empty() && !IsSpace(text[i])) return fail("text outside the root element");
    }
    if (!entities(at, stop)) return fail("incomplete entity");
    if (tag == std::string::npos) break;
    at = tag;
    if (text.compare(at, 9, "<![CDATA[") == 0) {
      if (open.empty()) return fail("CDATA outside the root element");
      if (!skip("]]>")) return fail("unterminated CDATA");
    } else if (text.compare(at, 4, "<!--") == 0) {
      if (!skip("-->")) return fail("unterminated comment");
    } else if (text.compare(at, 2, "<?") == 0) {
      if (!skip("?>")) return fail("unterminated processing instruction");
    } else if (text.compare(at, 2, "</") == 0) {
      at += 2;
      const std::string closing = name();
      if (open.empty() || open.back() != closing) return fail("unexpected </" + closing + ">");
      open.pop_back();
      while (at < text.size() && IsSpace(text[at])) ++at;
      if (at >= text.size() || text[at] != '>') return fail("unterminated </" + closing + ">");
      ++at;
    } else {
      ++at;
      const std::string element = name();
      if (element.empty()) return fail("'<' without a name");
      if (open.empty() && ++roots > 1) return fail("a second root element");
      bool closed = false;
      while (true) {
        while (at < text.size() && IsSpace(text[at])) ++at;
        if (at >= text.size()) return fail("unterminated <" + element + ">");
        if (text[at] == '>') {
          ++at;
          break;
        }
        if (text.compare(at, 2, "/>") == 0) {
          at += 2;
          closed = true;
          break;
        }
        if (name().empty()) return fail("bad attribute in <" + element + ">");
        while (at < text.size() && IsSpace(text[at])) ++at;
        if (at >= text.size() || text[at] != '=')
          return fail("attribute without '=' in <" + element + ">");
        ++at;
        while (at < text.size() && IsSpace(text[at])) ++at;
        if (at >= text.size() || (text[at] != '"' && text[at] != '\'')) {
          return fail("unquoted attribute in <" + element + ">");
        }
        const std::size_t end = text.find(text[at], at + 1);
        if (end == std::string::npos) return fail("unterminated attribute in <" + element + ">");
        if (text.find('<', at + 1) < end) return fail("'<' in an attribute of <" + element + ">");
        if (!entities(at + 1, end)) return fail("incomplete entity in <" + element + ">");
        at = end + 1;
      }
      if (!closed) open.push_back(element);
    }
  }
  if (roots == 0) return fail("no root element");
  if (!open.empty()) return fail("unclosed <" + open.back() + ">");
  return "";
}

}  // namespace faultline::testing
