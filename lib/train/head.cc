#include "lib/train/head.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"

namespace mammo::train {
namespace {

// Keras Dense defaults: glorot_uniform kernel, zeros bias.
void KerasDenseInit(torch::nn::Linear& layer) {
  torch::NoGradGuard no_grad;
  const auto fan_out = layer->weight.size(0);
  const auto fan_in = layer->weight.size(1);
  const double limit = std::sqrt(6.0 / static_cast<double>(fan_in + fan_out));
  layer->weight.uniform_(-limit, limit);
  layer->bias.zero_();
}

}  // namespace

std::string HeadOptions::ToString() const {
  std::string layers = absl::StrCat(in_features);
  for (int64_t width : hidden) absl::StrAppend(&layers, ">", width);
  return absl::StrFormat("%s>1, dropout %g", layers, dropout);
}

HeadImpl::HeadImpl(const HeadOptions& options) : options_(options) {
  int64_t width = options.in_features;
  for (size_t i = 0; i < options.hidden.size(); ++i) {
    hidden_.push_back(register_module(absl::StrCat("dense", i + 1),
                                      torch::nn::Linear(width, options.hidden[i])));
    KerasDenseInit(hidden_.back());
    width = options.hidden[i];
  }
  dropout_ = register_module("dropout", torch::nn::Dropout(options.dropout));
  logit_ = register_module("logit", torch::nn::Linear(width, 1));
  KerasDenseInit(logit_);
}

torch::Tensor HeadImpl::forward(const torch::Tensor& features) {
  torch::Tensor x = features;
  if (hidden_.empty()) x = dropout_(x);  // GAP -> Dropout -> classifier, as in the FT head
  for (auto& layer : hidden_) x = dropout_(torch::relu(layer(x)));
  return logit_(x).squeeze(1);
}

}  // namespace mammo::train
