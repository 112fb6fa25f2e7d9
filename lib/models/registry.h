// Backbones by name, with pretrained weights from a safetensors file.
//
//   const ModelInfo* info = FindModel("inception_v3");               // model_info.h
//   ASSIGN_OR_RETURN(PretrainedBackbone p, CreatePretrained(*info, "inception_v3.safetensors"));
//   p.net->eval();   // Keras's variant if the file says so; p.convention.mean/std: its input
//
// or, by hand, for a timm or torchvision file:
//   ASSIGN_OR_RETURN(std::shared_ptr<BackboneImpl> net, CreateBackbone(info->name));
//   RETURN_IF_ERROR(LoadPretrained("resnet50.safetensors", *info, /*skip_classifier=*/true, *net));
#ifndef MAMMO_LIB_MODELS_REGISTRY_H_
#define MAMMO_LIB_MODELS_REGISTRY_H_

#include <array>
#include <memory>
#include <optional>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "lib/models/backbone.h"
#include "lib/models/model_info.h"

namespace mammo::models {

// The model with LibTorch's default random initialisation (reproducible after
// torch::manual_seed). InvalidArgument listing the known names for an unknown one, or for a
// Keras variant of a model that has none (see Variant in backbone.h).
absl::StatusOr<std::shared_ptr<BackboneImpl>> CreateBackbone(absl::string_view name,
                                                             Variant variant = Variant::kTimm);

// What a weights file says about the network it fits, from the safetensors metadata that
// `weights convert` writes ("mammo.model", "mammo.variant", "mammo.mean", "mammo.std"). A timm
// or torchvision file says nothing: timm's variant, the model's own normalisation.
struct WeightsConvention {
  std::string model;  // empty when the file does not say
  Variant variant = Variant::kTimm;
  // For RGB pixels in [0, 1]; unset: the model's ModelInfo.
  std::optional<std::array<float, 3>> mean, std;
};

// The convention of `path` ("none": the defaults). DataLoss for an unreadable file,
// FailedPrecondition naming the file for metadata that is malformed or names another model.
absl::StatusOr<WeightsConvention> ReadWeightsConvention(const std::string& path,
                                                        const ModelInfo& info);
// "timm" or "keras".
std::string VariantName(Variant variant);

struct PretrainedBackbone {
  std::shared_ptr<BackboneImpl> net;
  WeightsConvention convention;
};

// The backbone of the variant `weights` asks for, its weights loaded (the ImageNet classifier
// and a converted Keras top, "keras_top.*", skipped), or LibTorch's random initialisation
// (seed it first) for weights "none", of `variant` (a run rebuilt from its run.json
// before its checkpoint is loaded). A file that does not fit the model, or whose variant is
// not `variant`, is a FailedPrecondition naming the file.
absl::StatusOr<PretrainedBackbone> CreatePretrained(const ModelInfo& info,
                                                    const std::string& weights,
                                                    std::optional<Variant> variant = std::nullopt);

// Loads timm's or torchvision's weights (a torchvision MobileNetV2 file is recognised by its
// `features.0.0.weight` key and renamed through MobileNetV2TorchvisionKey). With
// `skip_classifier` the ImageNet classifier (info.classifier_prefixes) is neither required
// nor loaded, nor is a converted Keras top ("keras_top.*"); otherwise every key must match.
absl::Status LoadPretrained(const std::string& path, const ModelInfo& info, bool skip_classifier,
                            BackboneImpl& model);

}  // namespace mammo::models

#endif  // MAMMO_LIB_MODELS_REGISTRY_H_
