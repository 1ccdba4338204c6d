#include "core/tensor_checks.h"

#include <sstream>

#include "core/error.h"

namespace diffprompt {
namespace {

struct DtypeName {
  const char* name;
  at::ScalarType type;
};

constexpr DtypeName kDtypeNames[] = {
    {"float32", at::kFloat}, {"float64", at::kDouble}, {"int64", at::kLong},    {"int32", at::kInt},
    {"uint8", at::kByte},    {"bool", at::kBool},      {"float16", at::kHalf}, {"bfloat16", at::kBFloat16},
};

}  // namespace

std::string dtypeName(at::ScalarType type) {
  for (const auto& entry : kDtypeNames) {
    if (type == entry.type) return entry.name;
  }
  return c10::toString(type);
}

std::optional<at::ScalarType> dtypeFromName(const std::string& name) {
  for (const auto& entry : kDtypeNames) {
    if (name == entry.name) return entry.type;
  }
  return std::nullopt;
}

std::string shapeString(at::IntArrayRef shape) {
  std::ostringstream out;
  out << '[';
  for (size_t i = 0; i < shape.size(); ++i) out << (i ? ", " : "") << shape[i];
  out << ']';
  return out.str();
}

void expectShape(const at::Tensor& tensor, const std::vector<int64_t>& expected, const std::string& what) {
  bool matches = tensor.dim() == static_cast<int64_t>(expected.size());
  for (size_t i = 0; matches && i < expected.size(); ++i) {
    matches = expected[i] < 0 || tensor.size(static_cast<int64_t>(i)) == expected[i];
  }
  if (matches) return;
  std::ostringstream want;
  want << '[';
  for (size_t i = 0; i < expected.size(); ++i) {
    want << (i ? ", " : "");
    if (expected[i] < 0) want << '*'; else want << expected[i];
  }
  want << ']';
  fail(ErrorCode::Shape, what + " must have shape " + want.str() + " but has " + shapeString(tensor.sizes()));
}

void expectDtype(const at::Tensor& tensor, at::ScalarType dtype, const std::string& what) {
  if (tensor.scalar_type() == dtype) return;
  fail(ErrorCode::Dtype, what + " must be " + dtypeName(dtype) + " but is " + dtypeName(tensor.scalar_type()));
}

void expectFinite(const at::Tensor& value, const std::string& what) {
  if (at::isfinite(value).all().item<bool>()) return;
  fail(ErrorCode::Nan, what + " is not finite (NaN or infinity): lower the learning rate or check the inputs");
}

}  // namespace diffprompt
