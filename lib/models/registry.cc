#include "lib/models/registry.h"

#include "absl/strings/str_cat.h"
#include "lib/models/densenet.h"
#include "lib/models/inception.h"
#include "lib/models/inception_resnet.h"
#include "lib/models/load_state.h"
#include "lib/models/mobilenet.h"
#include "lib/models/nasnet.h"
#include "lib/models/resnet.h"
#include "lib/models/resnetv2.h"
#include "lib/models/vgg.h"
#include "lib/models/xception.h"
#include "lib/status/status_macros.h"
#include "lib/weights/safetensors.h"

namespace mammo::models {

absl::StatusOr<std::shared_ptr<BackboneImpl>> CreateBackbone(absl::string_view name) {
  if (name == "vgg16") return std::make_shared<VggImpl>(std::vector<int>{2, 2, 3, 3, 3});
  if (name == "vgg19") return std::make_shared<VggImpl>(std::vector<int>{2, 2, 4, 4, 4});
  if (name == "resnet50") return std::make_shared<ResNetImpl>(std::vector<int>{3, 4, 6, 3});
  if (name == "resnet101") return std::make_shared<ResNetImpl>(std::vector<int>{3, 4, 23, 3});
  if (name == "resnet152") return std::make_shared<ResNetImpl>(std::vector<int>{3, 8, 36, 3});
  if (name == "resnext50_32x4d") {
    return std::make_shared<ResNetImpl>(std::vector<int>{3, 4, 6, 3}, 32, 4);
  }
  if (name == "resnext101_32x4d") {
    return std::make_shared<ResNetImpl>(std::vector<int>{3, 4, 23, 3}, 32, 4);
  }
  if (name == "resnext101_32x8d") {
    return std::make_shared<ResNetImpl>(std::vector<int>{3, 4, 23, 3}, 32, 8);
  }
  if (name == "densenet121") return std::make_shared<DenseNetImpl>(std::vector<int>{6, 12, 24, 16});
  if (name == "densenet169") return std::make_shared<DenseNetImpl>(std::vector<int>{6, 12, 32, 32});
  if (name == "densenet201") return std::make_shared<DenseNetImpl>(std::vector<int>{6, 12, 48, 32});
  if (name == "mobilenet_v1") return std::make_shared<MobileNetV1Impl>();
  if (name == "mobilenet_v2") return std::make_shared<MobileNetV2Impl>();
  if (name == "inception_v3") return std::make_shared<InceptionV3Impl>();
  if (name == "xception") return std::make_shared<XceptionImpl>();
  if (name == "resnet50v2") return std::make_shared<ResNetV2Impl>(std::vector<int>{3, 4, 6, 3});
  if (name == "resnet101v2") return std::make_shared<ResNetV2Impl>(std::vector<int>{3, 4, 23, 3});
  if (name == "resnet152v2") return std::make_shared<ResNetV2Impl>(std::vector<int>{3, 8, 36, 3});
  if (name == "inception_resnet_v2") return std::make_shared<InceptionResNetV2Impl>();
  if (name == "nasnet_large") return std::make_shared<NasNetImpl>(NasNetConfig::Large());
  if (name == "nasnet_mobile") return std::make_shared<NasNetImpl>(NasNetConfig::Mobile());
  return absl::InvalidArgumentError(
      absl::StrCat("unknown model '", name, "'; known models: ", ModelNames()));
}

absl::Status LoadPretrained(const std::string& path, const ModelInfo& info, bool skip_classifier,
                            BackboneImpl& model) {
  ASSIGN_OR_RETURN(std::unique_ptr<weights::SafetensorsFile> file,
                   weights::SafetensorsFile::Open(path));
  LoadStateOptions options;
  if (skip_classifier) options.skip_prefixes = info.classifier_prefixes;
  if (info.name == "mobilenet_v2" && file->Find("features.0.0.weight") != nullptr) {
    options.file_key = MobileNetV2TorchvisionKey;
  }
  return LoadState(*file, info.name, options, model);
}

}  // namespace mammo::models
