// VGG (Simonyan and Zisserman 2014) with torchvision's module names: `features.N` (convs,
// ReLUs and max-pools numbered together, so the first convs are features.0, .2, .5, ...)
// and `classifier.{0,3,6}`.
#ifndef MAMMO_LIB_MODELS_VGG_H_
#define MAMMO_LIB_MODELS_VGG_H_

#include <vector>

#include "lib/models/backbone.h"

namespace mammo::models {

class VggImpl : public BackboneImpl {
 public:
  // Convolutions per block: {2, 2, 3, 3, 3} is VGG16, {2, 2, 4, 4, 4} VGG19.
  explicit VggImpl(const std::vector<int>& convs_per_block);
  // Includes the last max-pool (Keras's block5_pool, the end of include_top=False).
  torch::Tensor Features(const torch::Tensor& x) override;
  torch::Tensor Logits(const torch::Tensor& x) override;
  // One unit per `features` module.
  std::vector<ForwardUnit> Units() override;

 private:
  torch::nn::Sequential features_;
  torch::nn::Sequential classifier_;
};
TORCH_MODULE(Vgg);

}  // namespace mammo::models

#endif  // MAMMO_LIB_MODELS_VGG_H_
