#include "json.hpp"

#include <cstdint>

namespace faultline {
namespace report {
namespace {

// Deep nesting would exhaust the stack of a recursive reader: no report nests this deep.
constexpr int kMaxDepth = 64;

class Parser {
 public:
  Parser(const std::string& text, const std::string& source) : text_(text), source_(source) {}

  Json Document() {
    SkipSpace();
    Json value = Value(0);
    SkipSpace();
    if (at_ != text_.size()) Fail("expected the end of the document");
    return value;
  }

 private:
  [[noreturn]] void Fail(const std::string& expected) const {
    std::string got = "the end of the file";
    if (at_ < text_.size()) {
      const unsigned char c = static_cast<unsigned char>(text_[at_]);
      got = c >= 0x20 && c < 0x7f ? "'" + std::string(1, text_[at_]) + "'"
                                  : "byte " + std::to_string(int(c));
    }
    throw ReportError(source_ + ":" + std::to_string(line_) + ":" + std::to_string(column_) + ": " +
                      expected + ", got " + got);
  }

  void Advance() {
    if (text_[at_] == '\n') {
      ++line_;
      column_ = 1;
    } else {
      ++column_;
    }
    ++at_;
  }

  void SkipSpace() {
    while (at_ < text_.size() &&
           (text_[at_] == ' ' || text_[at_] == '\t' || text_[at_] == '\n' || text_[at_] == '\r')) {
      Advance();
    }
  }

  bool Next(char c) {
    if (at_ < text_.size() && text_[at_] == c) {
      Advance();
      return true;
    }
    return false;
  }

  void Word(const char* word, const char* expected) {
    for (const char* c = word; *c != '\0'; ++c) {
      if (!Next(*c)) Fail(expected);
    }
  }

  Json Value(int depth) {
    if (depth > kMaxDepth) Fail("at most " + std::to_string(kMaxDepth) + " levels of nesting");
    Json value;
    value.line = line_;
    value.column = column_;
    if (at_ >= text_.size()) Fail("expected a value");
    const char c = text_[at_];
    if (c == '{') {
      value.kind = Json::Kind::kObject;
      Advance();
      SkipSpace();
      if (Next('}')) return value;
      for (;;) {
        SkipSpace();
        if (at_ >= text_.size() || text_[at_] != '"') Fail("expected a member name in quotes");
        std::string key = String();
        SkipSpace();
        if (!Next(':')) Fail("expected ':' after a member name");
        SkipSpace();
        value.members.emplace_back(std::move(key), Value(depth + 1));
        SkipSpace();
        if (Next('}')) return value;
        if (!Next(',')) Fail("expected ',' or '}' after a member");
      }
    }
    if (c == '[') {
      value.kind = Json::Kind::kArray;
      Advance();
      SkipSpace();
      if (Next(']')) return value;
      for (;;) {
        SkipSpace();
        value.items.push_back(Value(depth + 1));
        SkipSpace();
        if (Next(']')) return value;
        if (!Next(',')) Fail("expected ',' or ']' after an array item");
      }
    }
    if (c == '"') {
      value.kind = Json::Kind::kString;
      value.text = String();
      return value;
    }
    if (c == 't' || c == 'f') {
      value.kind = Json::Kind::kBool;
      value.boolean = c == 't';
      Word(c == 't' ? "true" : "false", "expected a value (true or false?)");
      return value;
    }
    if (c == 'n') {
      Word("null", "expected a value (null?)");
      return value;
    }
    if (c == '-' || (c >= '0' && c <= '9')) {
      value.kind = Json::Kind::kNumber;
      value.text = Number();
      return value;
    }
    Fail("expected a value");
  }

  bool Digits() {
    const std::size_t start = at_;
    while (at_ < text_.size() && text_[at_] >= '0' && text_[at_] <= '9') Advance();
    return at_ != start;
  }

  std::string Number() {
    const std::size_t start = at_;
    Next('-');
    if (Next('0')) {
      // JSON has no leading zeros.
    } else if (!Digits()) {
      Fail("expected a digit");
    }
    if (Next('.') && !Digits()) Fail("expected a digit after '.'");
    if (at_ < text_.size() && (text_[at_] == 'e' || text_[at_] == 'E')) {
      Advance();
      if (!Next('+')) Next('-');
      if (!Digits()) Fail("expected a digit in the exponent");
    }
    return text_.substr(start, at_ - start);
  }

  unsigned Hex4() {
    unsigned code = 0;
    for (int i = 0; i < 4; ++i) {
      if (at_ >= text_.size()) Fail("expected 4 hexadecimal digits after \\u");
      const char c = text_[at_];
      unsigned digit = 0;
      if (c >= '0' && c <= '9') {
        digit = unsigned(c - '0');
      } else if (c >= 'a' && c <= 'f') {
        digit = unsigned(c - 'a' + 10);
      } else if (c >= 'A' && c <= 'F') {
        digit = unsigned(c - 'A' + 10);
      } else {
        Fail("expected 4 hexadecimal digits after \\u");
      }
      code = code * 16 + digit;
      Advance();
    }
    return code;
  }

  static void AppendUtf8(std::string& out, unsigned code) {
    if (code < 0x80) {
      out += char(code);
    } else if (code < 0x800) {
      out += char(0xc0 | (code >> 6));
      out += char(0x80 | (code & 0x3f));
    } else if (code < 0x10000) {
      out += char(0xe0 | (code >> 12));
      out += char(0x80 | ((code >> 6) & 0x3f));
      out += char(0x80 | (code & 0x3f));
    } else {
      out += char(0xf0 | (code >> 18));
      out += char(0x80 | ((code >> 12) & 0x3f));
      out += char(0x80 | ((code >> 6) & 0x3f));
      out += char(0x80 | (code & 0x3f));
    }
  }

  std::string String() {
    Advance();  // the opening quote
    std::string out;
    for (;;) {
      if (at_ >= text_.size()) Fail("expected '\"' to end the string");
      const char c = text_[at_];
      if (c == '"') {
        Advance();
        return out;
      }
      if (static_cast<unsigned char>(c) < 0x20) {
        Fail("expected a control character escaped (\\n, \\t, \\u00XX) in a string");
      }
      if (c != '\\') {
        out += c;
        Advance();
        continue;
      }
      Advance();
      if (at_ >= text_.size()) Fail("expected an escape after '\\'");
      const char e = text_[at_];
      Advance();
      switch (e) {
        case '"':
          out += '"';
          break;
        case '\\':
          out += '\\';
          break;
        case '/':
          out += '/';
          break;
        case 'b':
          out += '\b';
          break;
        case 'f':
          out += '\f';
          break;
        case 'n':
          out += '\n';
          break;
        case 'r':
          out += '\r';
          break;
        case 't':
          out += '\t';
          break;
        case 'u': {
          unsigned code = Hex4();
          if (code >= 0xd800 && code < 0xdc00 && at_ + 1 < text_.size() && text_[at_] == '\\' &&
              text_[at_ + 1] == 'u') {
            Advance();
            Advance();
            const unsigned low = Hex4();
            if (low < 0xdc00 || low >= 0xe000) Fail("expected a low surrogate after a high one");
            code = 0x10000 + ((code - 0xd800) << 10) + (low - 0xdc00);
          }
          AppendUtf8(out, code);
          break;
        }
        default:
          --column_;
          --at_;
          Fail("expected one of \\\" \\\\ \\/ \\b \\f \\n \\r \\t \\u after '\\'");
      }
    }
  }

  const std::string& text_;
  const std::string& source_;
  std::size_t at_ = 0;
  std::size_t line_ = 1;
  std::size_t column_ = 1;
};

}  // namespace

const Json* Json::Find(const std::string& key) const {
  for (const auto& [name, value] : members) {
    if (name == key) return &value;
  }
  return nullptr;
}

const char* Json::KindName() const {
  switch (kind) {
    case Kind::kNull:
      return "null";
    case Kind::kBool:
      return "a boolean";
    case Kind::kNumber:
      return "a number";
    case Kind::kString:
      return "a string";
    case Kind::kArray:
      return "an array";
    case Kind::kObject:
      return "an object";
  }
  return "a value";
}

Json ParseJson(const std::string& text, const std::string& source) {
  return Parser(text, source).Document();
}

std::string Quote(const std::string& text) {
  static const char kHex[] = "0123456789abcdef";
  std::string out = "\"";
  for (const char c : text) {
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
      case '\t':
        out += "\\t";
        break;
      default:
        if (static_cast<unsigned char>(c) < 0x20) {
          out += "\\u00";
          out += kHex[(c >> 4) & 0xf];
          out += kHex[c & 0xf];
        } else {
          out += c;
        }
    }
  }
  return out + "\"";
}

std::string ToText(const Json& value) {
  switch (value.kind) {
    case Json::Kind::kNull:
      return "null";
    case Json::Kind::kBool:
      return value.boolean ? "true" : "false";
    case Json::Kind::kNumber:
      return value.text;
    case Json::Kind::kString:
      return Quote(value.text);
    case Json::Kind::kArray: {
      std::string out = "[";
      for (std::size_t i = 0; i < value.items.size(); ++i) {
        out += (i == 0 ? "" : ", ") + ToText(value.items[i]);
      }
      return out + "]";
    }
    case Json::Kind::kObject: {
      std::string out = "{";
      for (std::size_t i = 0; i < value.members.size(); ++i) {
        out += (i == 0 ? "" : ", ") + Quote(value.members[i].first) + ": " +
               ToText(value.members[i].second);
      }
      return out + "}";
    }
  }
  return "null";
}

}  // namespace report
}  // namespace faultline
