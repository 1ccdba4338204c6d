// Checks at the edge of every native entry point, so that a wrong input becomes a typed error
// that names the argument, never a libtorch assertion deep inside a model.
#pragma once

#include <torch/torch.h>

#include <optional>
#include <string>
#include <vector>

namespace diffprompt {

/** "float32", "int64", ... as JavaScript names them (else libtorch's name). */
std::string dtypeName(at::ScalarType type);
/** The inverse of dtypeName for the eight dtypes the bridge carries. */
std::optional<at::ScalarType> dtypeFromName(const std::string& name);

/** "[8, 3, 64, 64]" */
std::string shapeString(at::IntArrayRef shape);

/** Throws ERR_SHAPE unless `tensor` has `expected` shape; -1 matches any size. */
void expectShape(const at::Tensor& tensor, const std::vector<int64_t>& expected, const std::string& what);

/** Throws ERR_DTYPE unless `tensor` has `dtype`. */
void expectDtype(const at::Tensor& tensor, at::ScalarType dtype, const std::string& what);

/** Throws ERR_NAN unless every element of `value` is finite. */
void expectFinite(const at::Tensor& value, const std::string& what);

}  // namespace diffprompt
