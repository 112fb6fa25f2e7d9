#include "lib/train/frozen_backbone.h"

#include <algorithm>
#include <iostream>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "lib/cli/cli.h"
#include "lib/image/preprocess.h"
#include "lib/models/keras_units.h"
#include "lib/models/parallel_batches.h"
#include "lib/models/registry.h"
#include "lib/status/status_macros.h"
#include "lib/train/autocast.h"

namespace mammo::train {

absl::StatusOr<std::unique_ptr<FrozenBackbone>> FrozenBackbone::Create(
    const FrozenBackboneSpec& spec) {
  ASSIGN_OR_RETURN(const models::ModelInfo* info, models::RequireModel(spec.model));
  if (spec.weights.empty()) {
    return absl::InvalidArgumentError("--weights is required (a safetensors file, or none)");
  }
  if (spec.image_size < 0) {
    return absl::InvalidArgumentError("--image_size must be at least 0 (0: the model's)");
  }
  RETURN_IF_ERROR(CheckPrecisionDevice(spec.precision, !spec.device.is_cpu()));
  const bool bfloat16 = spec.precision == Precision::kBFloat16;
  std::unique_ptr<FrozenBackbone> backbone(new FrozenBackbone());
  // With --weights none the random model must be the same on every run and in every tool.
  torch::manual_seed(0);
  ASSIGN_OR_RETURN(models::PretrainedBackbone pretrained,
                   models::CreatePretrained(*info, spec.weights));
  backbone->info_ = info;
  backbone->net_ = pretrained.net;
  backbone->variant_ = pretrained.convention.variant;
  backbone->weights_ = spec.weights;
  backbone->layer_ = spec.layer;
  backbone->size_ = spec.image_size > 0 ? spec.image_size : info->input_size;
  backbone->mean_ = spec.mean.value_or(pretrained.convention.mean.value_or(info->mean));
  backbone->std_ = spec.std.value_or(pretrained.convention.std.value_or(info->std));
  backbone->device_ = spec.device;
  backbone->precision_ = spec.precision;
  for (float s : backbone->std_) {
    if (!(s > 0)) return absl::InvalidArgumentError("--std values must be positive");
  }
  if (spec.weights == "none") {
    std::cerr << cli::ToolName() << ": WARNING: --weights none: " << info->name
              << " has RANDOM weights; its features are meaningless except for testing\n";
  }
  backbone->net_->eval();
  for (const torch::Tensor& p : backbone->net_->parameters()) p.set_requires_grad(false);
  backbone->width_ = info->feature_width;
  if (!spec.layer.empty()) {
    ASSIGN_OR_RETURN(std::vector<models::KerasLayer> layers, models::KerasLayers(info->name));
    std::vector<models::ForwardUnit> units = backbone->net_->Units();
    ASSIGN_OR_RETURN(size_t n, models::UnitsThroughLayer(info->name, layers, units, spec.layer));
    units.resize(n);
    backbone->units_ = std::move(units);
    // The channel count of a layer inside the network: one small image through the prefix.
    torch::InferenceMode inference;
    backbone->width_ =
        backbone->Features(torch::zeros({1, 3, backbone->size_, backbone->size_})).size(1);
  }
  backbone->net_->to(spec.device);
  // oneDNN's bfloat16 convolutions want NHWC, and on a CPU with AVX-512 its float32 ones run
  // faster in it too (embed here: resnet50 1.2-1.3x, vgg16 1.1-1.5x, mobilenet_v2 1.0-1.2x, on
  // an AMD EPYC with avx512f; issue 20). AVX2-only CPUs, not measured so, keep NCHW. Float32
  // features then differ from NCHW's by summation order only, and still not with the thread
  // count.
  backbone->channels_last_ =
      spec.device.is_cpu() && (bfloat16 || __builtin_cpu_supports("avx512f"));
  if (backbone->channels_last_) {
    // Weights reordered once here, not per call.
    for (torch::Tensor p : backbone->net_->parameters()) {
      if (p.dim() == 4) p.set_data(p.contiguous(torch::MemoryFormat::ChannelsLast));
    }
  }
  return backbone;
}

torch::Tensor FrozenBackbone::Features(const torch::Tensor& images) {
  if (layer_.empty()) return net_->Features(images);
  torch::Tensor x = images;
  for (const models::ForwardUnit& unit : units_) x = unit.forward(x);
  return x;
}

absl::StatusOr<torch::Tensor> FrozenBackbone::Embed(const std::vector<const Record*>& records) {
  // On the CPU, chunks of kCpuChunk records run on one LibTorch thread each
  // (models::RunBatchesInParallel), and a short last chunk is padded with zero images: every
  // forward pass then has the same shape, so a record's features depend on neither the thread
  // count nor which records share its batch, and embed's stored features and tl_train's
  // per-epoch ones are the same bytes whatever --threads and --batch_size are. 16 because
  // single-threaded PyTorch sends 1x1 convolutions of fewer than 16 images to its slow
  // native kernel instead of oneDNN (at::native ConvParams::use_mkldnn): with chunks of 8,
  // ResNet-50 ran 1.4x slower.
  const bool cpu = device_.is_cpu();
  const size_t chunk = cpu ? kCpuChunk : std::max<size_t>(records.size(), 1);
  const size_t chunks = (records.size() + chunk - 1) / chunk;
  std::vector<absl::StatusOr<torch::Tensor>> parts = models::RunBatchesInParallel(
      chunks, cpu ? at::get_num_threads() : 1, [&](size_t c) -> absl::StatusOr<torch::Tensor> {
        const size_t begin = c * chunk, end = std::min(records.size(), begin + chunk);
        const auto n = static_cast<int64_t>(end - begin);
        torch::Tensor input = torch::empty({cpu ? kCpuChunk : n, 3, size_, size_});
        input.slice(0, n).zero_();  // the padding of a short chunk
        for (size_t i = begin; i < end; ++i) {
          RETURN_IF_ERROR(
              PreprocessImage(*records[i], size_, mean_, std_,
                              input[static_cast<int64_t>(i - begin)].data_ptr<float>()));
        }
        try {
          torch::InferenceMode inference;
          Autocast autocast(device_.type(), precision_ != Precision::kFloat32);
          if (channels_last_) {
            input = input.contiguous(torch::MemoryFormat::ChannelsLast);
          }
          return models::GlobalAveragePool(Features(input.to(device_)))
              .slice(0, 0, n)
              .to(torch::kFloat32)
              .contiguous();
        } catch (const c10::Error& e) {  // must not escape a worker thread
          return absl::InternalError(e.what_without_backtrace());
        }
      });
  std::vector<torch::Tensor> pooled;
  for (absl::StatusOr<torch::Tensor>& part : parts) {
    RETURN_IF_ERROR(part.status());
    pooled.push_back(*std::move(part));
  }
  if (pooled.empty()) return torch::empty({0, width()}, torch::TensorOptions().device(device_));
  // A tensor made in inference mode cannot be saved for a backward pass (the head's first
  // layer saves its input); a copy made outside is an ordinary tensor.
  return torch::cat(pooled);
}

size_t FrozenBackbone::BatchForAllThreads() const {
  return device_.is_cpu() ? kCpuChunk * at::get_num_threads() : 32;
}

std::vector<std::pair<std::string, std::string>> FrozenBackbone::Parameters() const {
  std::vector<std::pair<std::string, std::string>> parameters = {
      {"model", info_->name},
      {"weights", weights_},
      {"image_size", absl::StrCat(size_)},
      {"mean", absl::StrJoin(mean_, ",")},
      {"std", absl::StrJoin(std_, ",")}};
  if (!layer_.empty()) parameters.push_back({"layer", layer_});
  if (variant_ != models::Variant::kTimm) {
    parameters.push_back({"variant", models::VariantName(variant_)});
  }
  if (precision_ != Precision::kFloat32) {
    parameters.push_back({"precision", std::string(PrecisionName(precision_))});
  }
  return parameters;
}

}  // namespace mammo::train
