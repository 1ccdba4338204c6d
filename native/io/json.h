// A small strict JSON reader and writer for safetensors headers. Untrusted input: nesting depth
// and sizes are bounded, and every malformed byte is a diffprompt::Error(ErrorCode::Checkpoint).
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <variant>
#include <vector>

namespace diffprompt::json {

struct Value;
using Object = std::vector<std::pair<std::string, Value>>;  // in file order; keys unique
using Array = std::vector<Value>;

struct Value {
  std::variant<std::nullptr_t, bool, double, std::string, std::shared_ptr<Array>, std::shared_ptr<Object>> data;

  bool isString() const { return std::holds_alternative<std::string>(data); }
  bool isNumber() const { return std::holds_alternative<double>(data); }
  bool isArray() const { return std::holds_alternative<std::shared_ptr<Array>>(data); }
  bool isObject() const { return std::holds_alternative<std::shared_ptr<Object>>(data); }
  const std::string& string() const { return std::get<std::string>(data); }
  double number() const { return std::get<double>(data); }
  const Array& array() const { return *std::get<std::shared_ptr<Array>>(data); }
  const Object& object() const { return *std::get<std::shared_ptr<Object>>(data); }
};

/** Parses one JSON document; `what` names the input in error messages. */
Value parse(const std::string& text, const std::string& what);

/** A JSON string literal, quotes included. */
std::string quote(const std::string& text);

}  // namespace diffprompt::json
