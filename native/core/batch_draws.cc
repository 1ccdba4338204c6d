#include "core/batch_draws.h"

#include <ATen/CPUGeneratorImpl.h>

#include "core/error.h"

namespace diffprompt {

BatchDraws::BatchDraws(const at::Tensor& seeds, at::Generator shared, int64_t batch) : batch_(batch), shared_(std::move(shared)) {
  if (!seeds.defined()) return;
  if (seeds.dim() != 1 || seeds.scalar_type() != at::kLong || seeds.size(0) != batch) {
    fail(ErrorCode::Shape, "seeds must be a 1-D int64 tensor with one seed per sample (" + std::to_string(batch) + ")");
  }
  const at::Tensor values = seeds.contiguous().cpu();
  for (int64_t i = 0; i < batch; ++i) perSample_.push_back(at::make_generator<at::CPUGeneratorImpl>(static_cast<uint64_t>(values.data_ptr<int64_t>()[i])));
}

at::Tensor BatchDraws::normal(at::IntArrayRef shape) {
  std::vector<int64_t> full{batch_};
  full.insert(full.end(), shape.begin(), shape.end());
  if (perSample_.empty()) return at::randn(full, shared_, at::kFloat);
  at::Tensor result = at::empty(full, at::kFloat);
  for (int64_t i = 0; i < batch_; ++i) result[i].copy_(at::randn(shape, perSample_[i], at::kFloat));
  return result;
}

at::Tensor BatchDraws::integers(int64_t high) {
  if (perSample_.empty()) return at::randint(high, {batch_}, shared_, at::kLong);
  at::Tensor result = at::empty({batch_}, at::kLong);
  for (int64_t i = 0; i < batch_; ++i) result[i] = at::randint(high, {1}, perSample_[i], at::kLong).item<int64_t>();
  return result;
}

}  // namespace diffprompt
