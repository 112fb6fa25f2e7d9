// What the tools need to know about each backbone without linking LibTorch: its name, the
// width of its pooled features, its default input size, the normalisation its pretrained
// weights expect, which weight keys form its ImageNet classifier, and (for the models the
// paper fine-tuned by layer index, and the others alike) the Keras layer list that gives
// gamma its meaning.
//
//   const ModelInfo* info = FindModel("resnet50");          // nullptr for an unknown name
//   ASSIGN_OR_RETURN(std::vector<KerasLayer> layers, KerasLayers("resnet50"));
//   layers[143].name == "conv5_block1_1_conv", layers[143].module == "layer4.0.conv1"
//
// The modules themselves are in registry.h (LibTorch).
#ifndef MAMMO_LIB_MODELS_MODEL_INFO_H_
#define MAMMO_LIB_MODELS_MODEL_INFO_H_

#include <array>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace mammo::models {

inline constexpr std::array<float, 3> kImageNetMean = {0.485f, 0.456f, 0.406f};
inline constexpr std::array<float, 3> kImageNetStd = {0.229f, 0.224f, 0.225f};

struct ModelInfo {
  std::string name;           // the registry name, e.g. "resnet50"
  int feature_width;          // channels of the last convolutional block
  int input_size;             // default square input side in pixels
  std::array<float, 3> mean;  // per RGB channel, applied to pixels scaled to [0, 1]
  std::array<float, 3> std;
  // Key prefixes of the ImageNet classifier in both timm's and torchvision's files; these are
  // the keys skipped when a loader is told to leave the classifier alone.
  std::vector<std::string> classifier_prefixes;
  // Other spellings that name it, in any case: the paper's ("resnet-50", "nasnet-m") first,
  // where the paper spells it otherwise, then Keras's applications' ("MobileNetV2").
  std::vector<std::string> aliases;
};

// Every model, in a fixed order: the one table of model names.
const std::vector<ModelInfo>& AllModels();
// The model called `name` or one of its aliases, in any case; nullptr for an unknown name.
const ModelInfo* FindModel(absl::string_view name);
// FindModel, or InvalidArgument "unknown model 'NAME'; known models: ...".
absl::StatusOr<const ModelInfo*> RequireModel(absl::string_view name);
// The registry name of `name` (an alias becomes its model's name); an unknown name is returned
// as it is, for the tool that uses it to refuse. Every --model flag goes through it.
std::string CanonicalModelName(absl::string_view name);
// How Falconi et al. 2020 spell the model in their run names ("resnet-50" in
// "resnet-50-TL"): the first alias, else the name ("vgg16", and models the paper did not run).
// tl_train and ft_train name their runs with it, so the report finds the paper's row.
const std::string& PaperSpelling(const ModelInfo& model);
// The paper's name of a run of `model` (any spelling): "resnet-50-TL" for transfer learning
// (gamma 0), "resnet-50-170-FT" fine tuned from Keras layer gamma. An unknown model keeps its
// spelling ("features-TL").
std::string PaperRunName(absl::string_view model, int gamma);
// "resnet50 (resnet-50), ...": every name with its aliases that differ from it by more than
// case, for --help.
std::string ModelNamesWithAliases();
// The paragraph that ends the --help of every tool with --model: ModelNamesWithAliases,
// wrapped to 80 columns, and which models have no Keras layer list (no --gamma).
std::string ModelsHelp();

// One layer of a Keras `applications` model built with include_top=False.
struct KerasLayer {
  int index;  // 0 is the input layer
  std::string name;
  // The module path of its weights in our model ("features.5", "layer4.0.downsample.1"),
  // empty for a layer without weights (input, padding, activation, pooling, add).
  std::string module;
};

// The ordered Keras layer list of a registered model, as Keras's `model.layers` lists the
// model's `applications` counterpart (shared/spec/models-and-weights.md for VGG, ResNet and
// Xception; lib/models/README.md for the sources, names and checks of every list):
// densenet121 has 427 layers, layers[311] is "pool4_conv" in "features.transition3.conv".
// ResNeXt and ResNetV2 come from keras_applications; resnext101_32x8d, which Keras lacks, has
// the 32x4d list. NotFound for inception_resnet_v2 and the NASNets (the paper did not
// fine-tune them) and for an unknown model.
absl::StatusOr<std::vector<KerasLayer>> KerasLayers(absl::string_view model_name);

// MobileNetV2 keys: our modules follow timm (`conv_stem`, `blocks.1.0.conv_pw`, ...);
// torchvision's files number everything under `features.N`. This maps one of our (timm) keys
// to torchvision's name for the same tensor, e.g. "blocks.1.0.conv_dw.weight" ->
// "features.2.conv.1.0.weight", "classifier.bias" -> "classifier.1.bias". A key outside the
// architecture is returned unchanged, so that the key check reports it.
std::string MobileNetV2TorchvisionKey(const std::string& timm_key);

}  // namespace mammo::models

#endif  // MAMMO_LIB_MODELS_MODEL_INFO_H_
