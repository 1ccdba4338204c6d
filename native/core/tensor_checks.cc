#include "core/tensor_checks.h"

#include <sstream>

#include "core/error.h"

namespace diffprompt {

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
  fail(ErrorCode::Dtype, what + " must be " + c10::toString(dtype) + " but is " +
                             c10::toString(tensor.scalar_type()));
}

void expectFinite(const at::Tensor& value, const std::string& what) {
  if (at::isfinite(value).all().item<bool>()) return;
  fail(ErrorCode::Nan, what + " is not finite (NaN or infinity): lower the learning rate or check the inputs");
}

}  // namespace diffprompt
