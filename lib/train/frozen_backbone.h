// A frozen ImageNet backbone as a feature extractor: decoded, resized and normalised images
// in, globally average-pooled features out, in inference mode (no autograd, BatchNorm with
// its stored statistics). `embed` (features stored once) and tl_train's image path (features
// recomputed every epoch) both go through it, so both feed the head the same numbers.
//
//   FrozenBackboneSpec spec{.model = "vgg16", .weights = "vgg16.safetensors"};
//   ASSIGN_OR_RETURN(std::unique_ptr<FrozenBackbone> net, FrozenBackbone::Create(spec));
//   ASSIGN_OR_RETURN(torch::Tensor features, net->Embed(records));   // [B, D] float32
//
// A weights file converted from Keras (tools/weights) brings its variant and normalisation
// (models::ReadWeightsConvention); `layer` takes the features from inside the network, e.g.
// InceptionV3's "mixed5", running only the units up to it.
//
// With weights "none" the backbone has random weights drawn after torch::manual_seed(0), so
// every tool that creates it gets the same one. Create reseeds LibTorch's generator: seed
// anything else that needs it (a head) afterwards.
#ifndef MAMMO_LIB_TRAIN_FROZEN_BACKBONE_H_
#define MAMMO_LIB_TRAIN_FROZEN_BACKBONE_H_

#include <torch/torch.h>

#include <array>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "data_formats/record.pb.h"
#include "lib/models/backbone.h"
#include "lib/models/model_info.h"
#include "lib/train/precision.h"

namespace mammo::train {

struct FrozenBackboneSpec {
  std::string model;    // a name from lib/models/model_info.h
  std::string weights;  // a safetensors file (classifier keys ignored), or "none": random
  int image_size = 0;   // square side the images are resized to; 0: the model's default
  // A Keras layer name (models::UnitsThroughLayer) whose output is pooled; empty: the last.
  std::string layer;
  // Per RGB channel, for pixels scaled to [0, 1]; unset: the weights file's, else the model's.
  std::optional<std::array<float, 3>> mean;
  std::optional<std::array<float, 3>> std;
  torch::Device device = torch::kCPU;
  // kBFloat16 (CPU only) runs the backbone under bfloat16 autocast with channels-last
  // activations and weights (oneDNN's fast layout for it; float32 too on a CPU with AVX-512),
  // kFloat16 (CUDA only) under float16 autocast; features come back as float32. Create refuses
  // either on the other device.
  Precision precision = Precision::kFloat32;
};

class FrozenBackbone {
 public:
  // InvalidArgument for an unknown model or a bad size, mean or std; FailedPrecondition for a
  // weights file whose keys or shapes do not fit the model.
  static absl::StatusOr<std::unique_ptr<FrozenBackbone>> Create(const FrozenBackboneSpec& spec);

  // Pooled features [records.size(), width()] float32 on the spec's device, an ordinary
  // tensor (usable as input to a trained head). On the CPU the records run in chunks of
  // kCpuChunk (a short one padded with zero images), one chunk per LibTorch thread, so a
  // record's features do not depend on the thread count or on the other records. Fails
  // naming the record whose image cannot be decoded.
  absl::StatusOr<torch::Tensor> Embed(const std::vector<const Record*>& records);

  static constexpr int64_t kCpuChunk = 16;
  // How many records one Embed call needs to keep every LibTorch thread busy on the CPU
  // (kCpuChunk per thread), or a batch that fits a GPU comfortably (32).
  size_t BatchForAllThreads() const;

  const models::ModelInfo& info() const { return *info_; }
  int64_t width() const { return width_; }
  const std::string& layer() const { return layer_; }  // empty: the last convolutional block
  models::Variant variant() const { return variant_; }
  int image_size() const { return size_; }
  const std::array<float, 3>& mean() const { return mean_; }
  const std::array<float, 3>& std() const { return std_; }
  const std::string& weights() const { return weights_; }
  Precision precision() const { return precision_; }
  // The backbone (in inference mode, its parameters frozen) and how many of its Units() give
  // the feature map that is pooled: what Grad-CAM differentiates (lib/train/grad_cam.h).
  models::BackboneImpl& net() const { return *net_; }
  size_t feature_units() const { return layer_.empty() ? net_->Units().size() : units_.size(); }
  // What `embed` writes into each record's provenance: model, weights, image_size, mean, std,
  // and layer, variant and precision where they are not the defaults.
  std::vector<std::pair<std::string, std::string>> Parameters() const;

 private:
  FrozenBackbone() = default;
  const models::ModelInfo* info_ = nullptr;
  // The features of [N, 3, size, size] images, before pooling.
  torch::Tensor Features(const torch::Tensor& images);

  std::shared_ptr<models::BackboneImpl> net_;
  std::vector<models::ForwardUnit> units_;  // with a layer: the units up to it
  std::string weights_;
  std::string layer_;
  models::Variant variant_ = models::Variant::kTimm;
  int64_t width_ = 0;
  int size_ = 0;
  std::array<float, 3> mean_{}, std_{};
  torch::Device device_ = torch::kCPU;
  Precision precision_ = Precision::kFloat32;
  bool channels_last_ = false;  // weights and inputs in NHWC (see Load)
};

}  // namespace mammo::train

#endif  // MAMMO_LIB_TRAIN_FROZEN_BACKBONE_H_
