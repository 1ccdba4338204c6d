#include "nn/grounding/text_encoder.h"

#include "nn/attention.h"

namespace diffprompt {

namespace {
torch::nn::LayerNorm bertLayerNorm(int64_t width) { return torch::nn::LayerNorm(torch::nn::LayerNormOptions({width}).eps(1e-12)); }
}  // namespace

BertLayerImpl::BertLayerImpl(int64_t width, int64_t heads, int64_t intermediate) : heads_(heads) {
  auto attention = register_module("attention", std::make_shared<torch::nn::Module>());
  auto self = attention->register_module("self", std::make_shared<torch::nn::Module>());
  query_ = self->register_module("query", torch::nn::Linear(width, width));
  key_ = self->register_module("key", torch::nn::Linear(width, width));
  value_ = self->register_module("value", torch::nn::Linear(width, width));
  auto attentionOutput = attention->register_module("output", std::make_shared<torch::nn::Module>());
  attentionOut_ = attentionOutput->register_module("dense", torch::nn::Linear(width, width));
  attentionNorm_ = attentionOutput->register_module("LayerNorm", bertLayerNorm(width));
  auto intermediateModule = register_module("intermediate", std::make_shared<torch::nn::Module>());
  intermediate_ = intermediateModule->register_module("dense", torch::nn::Linear(width, intermediate));
  auto output = register_module("output", std::make_shared<torch::nn::Module>());
  output_ = output->register_module("dense", torch::nn::Linear(intermediate, width));
  outputNorm_ = output->register_module("LayerNorm", bertLayerNorm(width));
}

at::Tensor BertLayerImpl::forward(const at::Tensor& hidden, const at::Tensor& additiveMask) {
  const at::Tensor attended = multiHeadAttention(query_(hidden), key_(hidden), value_(hidden), heads_, additiveMask);
  const at::Tensor h = attentionNorm_(hidden + attentionOut_(attended));
  return outputNorm_(h + output_(at::gelu(intermediate_(h))));
}

TextEncoderImpl::TextEncoderImpl(const GroundingConfig& config) {
  auto embeddings = register_module("embeddings", std::make_shared<torch::nn::Module>());
  wordEmbeddings_ = embeddings->register_module("word_embeddings", torch::nn::Embedding(config.vocabSize, config.textWidth));
  positionEmbeddings_ = embeddings->register_module("position_embeddings", torch::nn::Embedding(config.maxPositions, config.textWidth));
  tokenTypeEmbeddings_ = embeddings->register_module("token_type_embeddings", torch::nn::Embedding(config.typeVocabSize, config.textWidth));
  embeddingNorm_ = embeddings->register_module("LayerNorm", bertLayerNorm(config.textWidth));
  auto encoder = register_module("encoder", std::make_shared<torch::nn::Module>());
  layers_ = encoder->register_module("layer", torch::nn::ModuleList());
  for (int64_t i = 0; i < config.textLayers; ++i) layers_->push_back(BertLayer(config.textWidth, config.textHeads, config.textIntermediate));
  auto pooler = register_module("pooler", std::make_shared<torch::nn::Module>());
  pooler_ = pooler->register_module("dense", torch::nn::Linear(config.textWidth, config.textWidth));
}

TextEncoding TextEncoderImpl::forward(const at::Tensor& ids, const at::Tensor& attentionMask, const std::vector<at::Tensor>& prompts) {
  const int64_t length = ids.size(1);
  const at::Tensor positions = at::arange(length, ids.options()).unsqueeze(0);  // 1×S
  at::Tensor hidden = wordEmbeddings_(ids) + positionEmbeddings_(positions) + tokenTypeEmbeddings_(at::zeros_like(ids));
  hidden = embeddingNorm_(hidden);
  const at::Tensor mask = additiveAttentionMask(attentionMask);  // B×1×1×S
  for (size_t i = 0; i < layers_->size(); ++i) {
    auto* layer = layers_[i]->as<BertLayer>();
    const at::Tensor prompt = i < prompts.size() ? prompts[i] : at::Tensor();
    if (!prompt.defined() || prompt.size(1) == 0) {
      hidden = layer->forward(hidden, mask);
      continue;
    }
    const int64_t promptLength = prompt.size(1);
    const at::Tensor extendedMask = at::cat({at::zeros({mask.size(0), 1, 1, promptLength}, mask.options()), mask}, -1);
    hidden = layer->forward(at::cat({prompt, hidden}, 1), extendedMask).narrow(1, promptLength, length);  // prompts prepended, dropped
  }
  return {hidden, at::tanh(pooler_(hidden.select(1, 0)))};
}

}  // namespace diffprompt
