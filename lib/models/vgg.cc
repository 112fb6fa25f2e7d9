#include "lib/models/vgg.h"

#include <algorithm>
#include <string>

namespace mammo::models {

VggImpl::VggImpl(const std::vector<int>& convs_per_block) {
  int64_t in = 3;
  int64_t out = 64;
  for (int convs : convs_per_block) {
    for (int i = 0; i < convs; ++i) {
      features_->push_back(Conv(in, out, 3, 1, 1, 1, /*bias=*/true));
      features_->push_back(torch::nn::ReLU(torch::nn::ReLUOptions(true)));
      in = out;
    }
    features_->push_back(torch::nn::MaxPool2d(torch::nn::MaxPool2dOptions(2).stride(2)));
    out = std::min<int64_t>(out * 2, 512);
  }
  // torchvision's head: two hidden layers of 4096 on the 7x7x512 map.
  classifier_->push_back(torch::nn::Linear(512 * 7 * 7, 4096));
  classifier_->push_back(torch::nn::ReLU(torch::nn::ReLUOptions(true)));
  classifier_->push_back(torch::nn::Dropout(0.5));
  classifier_->push_back(torch::nn::Linear(4096, 4096));
  classifier_->push_back(torch::nn::ReLU(torch::nn::ReLUOptions(true)));
  classifier_->push_back(torch::nn::Dropout(0.5));
  classifier_->push_back(torch::nn::Linear(4096, 1000));
  register_module("features", features_);
  register_module("classifier", classifier_);
}

torch::Tensor VggImpl::Features(const torch::Tensor& x) { return features_->forward(x); }

std::vector<ForwardUnit> VggImpl::Units() {
  std::vector<ForwardUnit> units;
  for (size_t i = 0; i < features_->size(); ++i) {
    units.push_back({{"features." + std::to_string(i)}, [this, i](const torch::Tensor& x) {
                       return features_->begin()[i].forward(x);
                     }});
  }
  return units;
}

torch::Tensor VggImpl::Logits(const torch::Tensor& x) {
  torch::Tensor maps = torch::adaptive_avg_pool2d(Features(x), {7, 7});
  return classifier_->forward(maps.flatten(1));
}

}  // namespace mammo::models
