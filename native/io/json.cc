#include "io/json.h"

#include <cmath>
#include <cstdlib>
#include <set>

#include "core/error.h"

namespace diffprompt::json {
namespace {

constexpr int kMaxDepth = 64;
// Far above any real header (a model of 10,000 tensors has ~60,000 values), far below what
// would let a crafted header grow into gigabytes of tree.
constexpr size_t kMaxValues = 2'000'000;

class Parser {
 public:
  Parser(const std::string& text, const std::string& what) : text_(text), what_(what) {}

  Value document() {
    Value value = parseValue(0);
    skipSpace();
    if (pos_ != text_.size()) error("unexpected text after the JSON value");
    return value;
  }

 private:
  const std::string& text_;
  const std::string& what_;
  size_t pos_ = 0;
  size_t values_ = 0;

  [[noreturn]] void error(const std::string& why) {
    fail(ErrorCode::Checkpoint, what_ + ": malformed JSON at byte " + std::to_string(pos_) + ": " + why);
  }

  void skipSpace() {
    while (pos_ < text_.size() && (text_[pos_] == ' ' || text_[pos_] == '\n' || text_[pos_] == '\r' || text_[pos_] == '\t')) ++pos_;
  }

  char peek() {
    skipSpace();
    if (pos_ >= text_.size()) error("unexpected end");
    return text_[pos_];
  }

  void expect(char c) {
    if (peek() != c) error(std::string("expected '") + c + "'");
    ++pos_;
  }

  Value parseValue(int depth) {
    if (depth > kMaxDepth) error("nested too deeply");
    if (++values_ > kMaxValues) error("more than " + std::to_string(kMaxValues) + " values");
    const char c = peek();
    if (c == '{') return parseObject(depth);
    if (c == '[') return parseArray(depth);
    if (c == '"') return Value{parseString()};
    if (c == '-' || (c >= '0' && c <= '9')) return Value{parseNumber()};
    if (text_.compare(pos_, 4, "true") == 0) { pos_ += 4; return Value{true}; }
    if (text_.compare(pos_, 5, "false") == 0) { pos_ += 5; return Value{false}; }
    if (text_.compare(pos_, 4, "null") == 0) { pos_ += 4; return Value{nullptr}; }
    error("unexpected character");
  }

  Value parseObject(int depth) {
    expect('{');
    auto object = std::make_shared<Object>();
    std::set<std::string> keys;
    if (peek() == '}') { ++pos_; return Value{object}; }
    while (true) {
      if (peek() != '"') error("expected a key");
      std::string key = parseString();
      if (!keys.insert(key).second) error("duplicate key \"" + key + "\"");
      expect(':');
      object->emplace_back(std::move(key), parseValue(depth + 1));
      const char next = peek();
      ++pos_;
      if (next == '}') return Value{object};
      if (next != ',') error("expected ',' or '}'");
    }
  }

  Value parseArray(int depth) {
    expect('[');
    auto array = std::make_shared<Array>();
    if (peek() == ']') { ++pos_; return Value{array}; }
    while (true) {
      array->push_back(parseValue(depth + 1));
      const char next = peek();
      ++pos_;
      if (next == ']') return Value{array};
      if (next != ',') error("expected ',' or ']'");
    }
  }

  double parseNumber() {
    const size_t start = pos_;
    if (text_[pos_] == '-') ++pos_;
    auto digits = [&] {
      const size_t before = pos_;
      while (pos_ < text_.size() && text_[pos_] >= '0' && text_[pos_] <= '9') ++pos_;
      if (pos_ == before) error("expected a digit");
    };
    digits();
    if (pos_ < text_.size() && text_[pos_] == '.') { ++pos_; digits(); }
    if (pos_ < text_.size() && (text_[pos_] == 'e' || text_[pos_] == 'E')) {
      ++pos_;
      if (pos_ < text_.size() && (text_[pos_] == '+' || text_[pos_] == '-')) ++pos_;
      digits();
    }
    const double value = std::strtod(text_.substr(start, pos_ - start).c_str(), nullptr);
    if (!std::isfinite(value)) error("number out of range");
    return value;
  }

  unsigned hex4() {
    if (pos_ + 4 > text_.size()) error("short \\u escape");
    unsigned code = 0;
    for (int i = 0; i < 4; ++i) {
      const char h = text_[pos_++];
      code <<= 4;
      if (h >= '0' && h <= '9') code |= h - '0';
      else if (h >= 'a' && h <= 'f') code |= h - 'a' + 10;
      else if (h >= 'A' && h <= 'F') code |= h - 'A' + 10;
      else error("bad \\u escape");
    }
    return code;
  }

  static void appendUtf8(std::string& out, unsigned code) {
    if (code < 0x80) { out += static_cast<char>(code); }
    else if (code < 0x800) { out += static_cast<char>(0xC0 | (code >> 6)); out += static_cast<char>(0x80 | (code & 0x3F)); }
    else if (code < 0x10000) {
      out += static_cast<char>(0xE0 | (code >> 12));
      out += static_cast<char>(0x80 | ((code >> 6) & 0x3F));
      out += static_cast<char>(0x80 | (code & 0x3F));
    } else {
      out += static_cast<char>(0xF0 | (code >> 18));
      out += static_cast<char>(0x80 | ((code >> 12) & 0x3F));
      out += static_cast<char>(0x80 | ((code >> 6) & 0x3F));
      out += static_cast<char>(0x80 | (code & 0x3F));
    }
  }

  std::string parseString() {
    expect('"');
    std::string out;
    while (true) {
      if (pos_ >= text_.size()) error("unterminated string");
      const char c = text_[pos_++];
      if (c == '"') return out;
      if (static_cast<unsigned char>(c) < 0x20) error("control character in string");
      if (c != '\\') { out += c; continue; }
      if (pos_ >= text_.size()) error("unterminated escape");
      const char e = text_[pos_++];
      switch (e) {
        case '"': out += '"'; break;
        case '\\': out += '\\'; break;
        case '/': out += '/'; break;
        case 'b': out += '\b'; break;
        case 'f': out += '\f'; break;
        case 'n': out += '\n'; break;
        case 'r': out += '\r'; break;
        case 't': out += '\t'; break;
        case 'u': {
          unsigned code = hex4();
          if (code >= 0xD800 && code < 0xDC00) {  // a surrogate pair
            if (text_.compare(pos_, 2, "\\u") != 0) error("lone surrogate");
            pos_ += 2;
            const unsigned low = hex4();
            if (low < 0xDC00 || low >= 0xE000) error("bad surrogate pair");
            code = 0x10000 + ((code - 0xD800) << 10) + (low - 0xDC00);
          }
          appendUtf8(out, code);
          break;
        }
        default: error("bad escape");
      }
    }
  }
};

}  // namespace

Value parse(const std::string& text, const std::string& what) { return Parser(text, what).document(); }

std::string quote(const std::string& text) {
  std::string out = "\"";
  for (const char c : text) {
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      default:
        if (static_cast<unsigned char>(c) < 0x20) {
          static const char* hex = "0123456789abcdef";
          out += "\\u00";
          out += hex[(c >> 4) & 0xF];
          out += hex[c & 0xF];
        } else {
          out += c;
        }
    }
  }
  return out + "\"";
}

}  // namespace diffprompt::json
