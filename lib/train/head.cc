#include "lib/train/head.h"

#include "absl/strings/str_cat.h"
#include "lib/train/batch_dropout.h"

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

HeadImpl::HeadImpl(const HeadOptions& options) : options_(options) {
  if (options.standardize) {
    feature_mean_ = register_buffer("feature_mean", torch::zeros({options.in_features}));
    feature_inv_std_ = register_buffer("feature_inv_std", torch::ones({options.in_features}));
  }
  int64_t width = options.in_features;
  for (size_t i = 0; i < options.hidden.size(); ++i) {
    hidden_.push_back(
        register_module(absl::StrCat("dense", i + 1), torch::nn::Linear(width, options.hidden[i])));
    KerasDenseInit(hidden_.back());
    width = options.hidden[i];
  }
  logit_ = register_module("logit", torch::nn::Linear(width, 1));
  KerasDenseInit(logit_);
}

void HeadImpl::FitStandardization(const torch::Tensor& features) {
  torch::NoGradGuard no_grad;
  const torch::Tensor x = features.to(torch::kFloat64);
  const torch::Tensor std = x.std(0, /*unbiased=*/false);
  // A constant feature carries nothing; leaving it unscaled keeps it finite.
  const torch::Tensor inv_std = torch::where(std > 0, 1.0 / std, torch::ones_like(std));
  feature_mean_.copy_(x.mean(0).to(torch::kFloat32));
  feature_inv_std_.copy_(inv_std.to(torch::kFloat32));
}

torch::Tensor HeadImpl::forward(const torch::Tensor& features) {
  torch::Tensor x = features;
  if (options_.standardize) x = (x - feature_mean_) * feature_inv_std_;
  const double p = options_.dropout;
  // GAP -> Dropout -> classifier, as in the FT head.
  if (hidden_.empty()) x = BatchDropout(x, p, is_training());
  for (auto& layer : hidden_) x = BatchDropout(torch::relu(layer(x)), p, is_training());
  return logit_(x).squeeze(1);
}

}  // namespace mammo::train
