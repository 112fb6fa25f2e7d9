// The interface every backbone module implements, and the layer helpers they share.
//
//   std::shared_ptr<BackboneImpl> net = ...;        // see registry.h
//   net->eval();
//   torch::Tensor maps = net->Features(images);     // (N, C, h, w): last convolutional block
//   torch::Tensor pooled = GlobalAveragePool(maps); // (N, C)
//   torch::Tensor logits = net->Logits(images);     // (N, 1000): ImageNet classifier
//   for (ForwardUnit& unit : net->Units()) x = unit.forward(x);  // == Features(x), in steps
//
// Inputs are float32 NCHW, RGB, normalised as the model's ModelInfo says. Module names
// reproduce the state_dict keys of timm / torchvision, so named_parameters() and
// named_buffers() of a module are the keys of its pretrained weight files.
#ifndef MAMMO_LIB_MODELS_BACKBONE_H_
#define MAMMO_LIB_MODELS_BACKBONE_H_

#include <torch/torch.h>

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

namespace mammo::models {

// One step of a backbone's Features(): fine tuning runs the steps before the first one with
// trainable weights under NoGradGuard. `modules` are the module paths (state_dict prefixes
// without the trailing dot, e.g. "layer1.0") whose weights the step uses; "" stands for
// every module.
struct ForwardUnit {
  std::vector<std::string> modules;
  std::function<torch::Tensor(const torch::Tensor&)> forward;
};

// True when the weights under `path` ("layer1.0.conv1") belong to the unit.
bool UnitHolds(const ForwardUnit& unit, const std::string& path);

class BackboneImpl : public torch::nn::Module {
 public:
  // The output of the last convolutional block, before any pooling.
  virtual torch::Tensor Features(const torch::Tensor& x) = 0;
  // The model's own ImageNet classifier applied to its pooled features.
  virtual torch::Tensor Logits(const torch::Tensor& x) = 0;
  // Features() as a sequence of steps, as fine-grained as the model's blocks: applying them
  // in order gives exactly Features(x) (backbones_test checks this for every model). The
  // default is one step, which fine tuning can only run as a whole with autograd.
  virtual std::vector<ForwardUnit> Units();
};

// (N, C, h, w) -> (N, C).
inline torch::Tensor GlobalAveragePool(const torch::Tensor& x) { return x.mean({2, 3}); }

// Which framework's arithmetic a backbone reproduces. Both have the same modules, names and
// weight shapes, so one weights file layout serves both; they differ only where Keras computes
// otherwise than timm/torchvision, so that weights converted from Keras (tools/weights) give
// Keras's outputs:
// - inception_v3: average pools inside the blocks leave the padding out of the mean;
// - mobilenet_v2: stride-2 convolutions pad as TensorFlow's 'same' (more at the bottom/right);
// - resnet50/101/152: a block's stride sits on its first 1x1 convolution (ResNet v1, not v1.5);
// - xception: the blocks' stride-2 max-pools pad as TensorFlow's 'same'.
// Other models are the same in both (vgg16, vgg19) or have no Keras variant yet.
enum class Variant { kTimm, kKeras };

// TensorFlow's 'same' padding of a `kernel` window at `stride` (NCHW): out = ceil(in / stride),
// total = max((out - 1) * stride + kernel - in, 0) per side pair, the odd pixel at the
// bottom/right. `value` fills the border (-infinity before a max-pool).
torch::Tensor PadSameAsTensorFlow(const torch::Tensor& x, int64_t kernel, int64_t stride,
                                  double value = 0);

// A max-pool with TensorFlow's 'same' padding (padded pixels never win), as a module so that
// it can sit in a Sequential where timm has its MaxPool2d.
class SameMaxPool2dImpl : public torch::nn::Module {
 public:
  SameMaxPool2dImpl(int64_t kernel, int64_t stride) : kernel_(kernel), stride_(stride) {}
  torch::Tensor forward(const torch::Tensor& x);

 private:
  int64_t kernel_, stride_;
};
TORCH_MODULE(SameMaxPool2d);

// A convolution without bias (every backbone here follows it with BatchNorm) unless asked.
inline torch::nn::Conv2d Conv(int64_t in, int64_t out, torch::ExpandingArray<2> kernel,
                              int64_t stride = 1, torch::ExpandingArray<2> padding = 0,
                              int64_t groups = 1, bool bias = false) {
  return torch::nn::Conv2d(torch::nn::Conv2dOptions(in, out, kernel)
                               .stride(stride)
                               .padding(padding)
                               .groups(groups)
                               .bias(bias));
}

// A Sequential that can sit inside another one (LibTorch's Sequential has a templated
// forward, which Sequential refuses to hold); numbers its children "0", "1", ... the same way.
class ChainImpl : public torch::nn::SequentialImpl {
 public:
  using SequentialImpl::SequentialImpl;
  torch::Tensor forward(const torch::Tensor& x) { return SequentialImpl::forward(x); }
};
TORCH_MODULE(Chain);

inline torch::nn::BatchNorm2d BatchNorm(int64_t channels, double eps = 1e-5) {
  return torch::nn::BatchNorm2d(torch::nn::BatchNorm2dOptions(channels).eps(eps));
}

}  // namespace mammo::models

#endif  // MAMMO_LIB_MODELS_BACKBONE_H_
