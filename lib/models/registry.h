// Backbones by name, with pretrained weights from a safetensors file.
//
//   const ModelInfo* info = FindModel("resnet50");                   // model_info.h
//   ASSIGN_OR_RETURN(std::shared_ptr<BackboneImpl> net, CreateBackbone(info->name));
//   RETURN_IF_ERROR(LoadPretrained("resnet50.safetensors", *info, /*skip_classifier=*/true, *net));
//   net->eval();
#ifndef MAMMO_LIB_MODELS_REGISTRY_H_
#define MAMMO_LIB_MODELS_REGISTRY_H_

#include <memory>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "lib/models/backbone.h"
#include "lib/models/model_info.h"

namespace mammo::models {

// The model with LibTorch's default random initialisation (reproducible after
// torch::manual_seed). InvalidArgument listing the known names for an unknown one.
absl::StatusOr<std::shared_ptr<BackboneImpl>> CreateBackbone(absl::string_view name);

// Loads timm's or torchvision's weights (a torchvision MobileNetV2 file is recognised by its
// `features.0.0.weight` key and renamed through MobileNetV2TorchvisionKey). With
// `skip_classifier` the ImageNet classifier (info.classifier_prefixes) is neither required
// nor loaded; otherwise every key must match.
absl::Status LoadPretrained(const std::string& path, const ModelInfo& info, bool skip_classifier,
                            BackboneImpl& model);

}  // namespace mammo::models

#endif  // MAMMO_LIB_MODELS_REGISTRY_H_
