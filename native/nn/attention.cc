#include "nn/attention.h"

#include <cmath>

namespace diffprompt {

at::Tensor multiHeadAttention(const at::Tensor& q, const at::Tensor& k, const at::Tensor& v, int64_t heads,
                              const at::Tensor& additiveMask) {
  const int64_t batch = q.size(0), queries = q.size(1), width = q.size(2), keys = k.size(1);
  const int64_t headWidth = width / heads;
  auto split = [&](const at::Tensor& x, int64_t tokens) { return x.view({batch, tokens, heads, headWidth}).transpose(1, 2); };
  const at::Tensor qh = split(q, queries) * (1.0 / std::sqrt(static_cast<double>(headWidth)));  // B×h×Nq×d
  at::Tensor scores = at::matmul(qh, split(k, keys).transpose(-2, -1));                         // B×h×Nq×Nk
  if (additiveMask.defined()) scores = scores + additiveMask;
  const at::Tensor weights = at::softmax(scores, -1);
  return at::matmul(weights, split(v, keys)).transpose(1, 2).reshape({batch, queries, width});
}

CrossAttentionImpl::CrossAttentionImpl(int64_t queryWidth, int64_t keyWidth, int64_t width, int64_t heads) : heads_(heads) {
  qProj_ = register_module("q_proj", torch::nn::Linear(queryWidth, width));
  kProj_ = register_module("k_proj", torch::nn::Linear(keyWidth, width));
  vProj_ = register_module("v_proj", torch::nn::Linear(keyWidth, width));
  outProj_ = register_module("out_proj", torch::nn::Linear(width, queryWidth));
}

at::Tensor CrossAttentionImpl::forward(const at::Tensor& queries, const at::Tensor& keys, const at::Tensor& additiveMask) {
  return outProj_(multiHeadAttention(qProj_(queries), kProj_(keys), vProj_(keys), heads_, additiveMask));
}

at::Tensor additiveAttentionMask(const at::Tensor& attentionMask) {
  return ((1.0 - attentionMask.to(at::kFloat)) * -10000.0).view({attentionMask.size(0), 1, 1, attentionMask.size(1)});
}

}  // namespace diffprompt
