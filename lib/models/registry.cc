#include "lib/models/registry.h"

#include <map>

#include "absl/strings/str_cat.h"
#include "lib/cli/cli.h"
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

namespace {

constexpr char kKerasTopPrefix[] = "keras_top.";

// A metadata triple, its error naming the file and key.
absl::StatusOr<std::array<float, 3>> MetadataTriple(const std::string& path, const char* key,
                                                    const std::string& text) {
  absl::StatusOr<std::array<float, 3>> values = cli::ParseTriple(text);
  if (!values.ok()) {
    return absl::FailedPreconditionError(
        absl::StrCat(path, ": metadata ", key, " ", values.status().message()));
  }
  return values;
}

}  // namespace

std::string VariantName(Variant variant) { return variant == Variant::kKeras ? "keras" : "timm"; }

absl::StatusOr<std::shared_ptr<BackboneImpl>> CreateBackbone(absl::string_view requested,
                                                             Variant variant) {
  ASSIGN_OR_RETURN(const ModelInfo* info, RequireModel(requested));
  const std::string& name = info->name;
  if (variant == Variant::kKeras) {
    // Only where Keras computes otherwise (backbone.h); VGG is the same in both.
    if (name == "vgg16" || name == "vgg19") return CreateBackbone(name, Variant::kTimm);
    const auto resnet = [variant](std::vector<int> blocks_per_stage) {
      return std::make_shared<ResNetImpl>(blocks_per_stage, 1, 64, variant);
    };
    if (name == "resnet50") return resnet({3, 4, 6, 3});
    if (name == "resnet101") return resnet({3, 4, 23, 3});
    if (name == "resnet152") return resnet({3, 8, 36, 3});
    if (name == "mobilenet_v2") return std::make_shared<MobileNetV2Impl>(variant);
    if (name == "inception_v3") return std::make_shared<InceptionV3Impl>(variant);
    if (name == "xception") return std::make_shared<XceptionImpl>(variant);
    return absl::InvalidArgumentError(
        absl::StrCat("model '", name,
                     "' has no Keras variant; there are: vgg16, vgg19, resnet50, resnet101, "
                     "resnet152, mobilenet_v2, inception_v3, xception"));
  }
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
  return absl::InternalError(absl::StrCat("model_info.cc lists '", name, "', which has no module"));
}

absl::Status LoadPretrained(const std::string& path, const ModelInfo& info, bool skip_classifier,
                            BackboneImpl& model) {
  ASSIGN_OR_RETURN(std::unique_ptr<weights::SafetensorsFile> file,
                   weights::SafetensorsFile::Open(path));
  LoadStateOptions options;
  if (skip_classifier) {
    options.skip_prefixes = info.classifier_prefixes;
    options.skip_prefixes.push_back(kKerasTopPrefix);
  }
  if (info.name == "mobilenet_v2" && file->Find("features.0.0.weight") != nullptr) {
    options.file_key = MobileNetV2TorchvisionKey;
  }
  return LoadState(*file, info.name, options, model);
}

absl::StatusOr<WeightsConvention> ReadWeightsConvention(const std::string& path,
                                                        const ModelInfo& info) {
  WeightsConvention convention;
  if (path == "none") return convention;
  ASSIGN_OR_RETURN(std::unique_ptr<weights::SafetensorsFile> file,
                   weights::SafetensorsFile::Open(path));
  const std::map<std::string, std::string>& meta = file->metadata();
  const auto get = [&meta](const char* key) {
    const auto it = meta.find(key);
    return it == meta.end() ? std::string() : it->second;
  };
  convention.model = get("mammo.model");
  if (!convention.model.empty() && convention.model != info.name) {
    return absl::FailedPreconditionError(
        absl::StrCat(path, ": the weights are for ", convention.model, ", not ", info.name));
  }
  const std::string variant = get("mammo.variant");
  if (variant == "keras") {
    convention.variant = Variant::kKeras;
  } else if (!variant.empty() && variant != "timm") {
    return absl::FailedPreconditionError(
        absl::StrCat(path, ": metadata mammo.variant '", variant, "' is neither timm nor keras"));
  }
  if (const std::string mean = get("mammo.mean"); !mean.empty()) {
    ASSIGN_OR_RETURN(convention.mean, MetadataTriple(path, "mammo.mean", mean));
  }
  if (const std::string std = get("mammo.std"); !std.empty()) {
    ASSIGN_OR_RETURN(convention.std, MetadataTriple(path, "mammo.std", std));
    for (float s : *convention.std) {
      if (!(s > 0)) {
        return absl::FailedPreconditionError(
            absl::StrCat(path, ": metadata mammo.std '", std, "' must be positive"));
      }
    }
  }
  return convention;
}

absl::StatusOr<PretrainedBackbone> CreatePretrained(const ModelInfo& info,
                                                    const std::string& weights,
                                                    std::optional<Variant> variant) {
  PretrainedBackbone result;
  ASSIGN_OR_RETURN(result.convention, ReadWeightsConvention(weights, info));
  if (weights == "none" && variant.has_value()) result.convention.variant = *variant;
  if (variant.has_value() && result.convention.variant != *variant) {
    return absl::FailedPreconditionError(
        absl::StrCat(weights, ": the weights are for the ", VariantName(result.convention.variant),
                     " variant of ", info.name, ", not the ", VariantName(*variant), " one"));
  }
  ASSIGN_OR_RETURN(result.net, CreateBackbone(info.name, result.convention.variant));
  if (weights == "none") return result;
  const absl::Status loaded = LoadPretrained(weights, info, /*skip_classifier=*/true, *result.net);
  // A file whose keys or shapes do not fit the model is bad input data (exit 2), not a usage
  // error, although lib/weights reports it as InvalidArgument.
  if (loaded.code() == absl::StatusCode::kInvalidArgument) {
    return absl::FailedPreconditionError(loaded.message());
  }
  RETURN_IF_ERROR(loaded);
  return result;
}

}  // namespace mammo::models
