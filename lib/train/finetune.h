// The paper's fine tuning (FT): a backbone, global average pooling and a head, trained end to
// end from Keras layer gamma on, on images decoded per batch.
//
//   ASSIGN_OR_RETURN(FineTuneModel model, FineTuneModel::Create(spec));  // spec.gamma = 10
//   torch::Tensor logits = model->forward(images);   // [N, 3, H, W] -> [N]
//
//   ASSIGN_OR_RETURN(ImagePredictions p, PredictImages("out/runs/vgg16-10-FT", "best.pt", inputs));
//
// ft_train trains it (tools/ft_train/ft_train_lib.h).
//
// Freezing follows the paper's count of Keras layers (model_info.h, index 0 = the input):
// every parameter of a layer with index < gamma keeps requires_grad false. The frozen prefix
// of the backbone runs under NoGradGuard (no autograd graph, no activations kept for it); the
// split lies at a boundary of the backbone's ForwardUnits (VGG: one torchvision module;
// ResNet and ResNeXt: the stem or one bottleneck block; DenseNet: the stem, a dense layer, a
// transition or norm5; MobileNet: the stem, a block or the head; InceptionV3: a stem
// convolution or a Mixed block), before the unit holding the first trainable layer, so when gamma
// falls inside a block that block runs with autograd while its frozen parameters stay frozen.
// Frozen BatchNorm layers keep their running statistics (the pretrained ones) and, by default
// (FrozenBatchNorm::kInference), normalise with them when the model trains too, so training
// and inference compute the same function; `freeze_bn_stats` does the same for every BatchNorm
// of the backbone. FrozenBatchNorm::kBatchStats reproduces Keras 2.2 (the paper's ResNet runs,
// which all collapsed to AUC 0.5): frozen BatchNorm layers normalise each training batch with
// that batch's own mean and variance, their running statistics untouched, and with the running
// statistics in inference mode (validation, predict), so the two disagree.
#ifndef MAMMO_LIB_TRAIN_FINETUNE_H_
#define MAMMO_LIB_TRAIN_FINETUNE_H_

#include <torch/torch.h>

#include <array>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "data_formats/record.pb.h"
#include "lib/models/backbone.h"
#include "lib/models/registry.h"
#include "lib/records/task.h"
#include "lib/train/head.h"
#include "lib/train/image_set.h"
#include "lib/train/precision.h"
#include "lib/train/trainer.h"

namespace mammo::train {

// Which Keras layer index gamma names: "block3_pool" -> 10 for vgg16. NotFound naming the
// model's first and last layers for an unknown name.
absl::StatusOr<int> GammaOfLayer(const std::string& model, const std::string& layer_name);

// ft_train's gamma from exactly one of --gamma (>= 0; negative: not given) and --from_layer (a
// Keras layer name, GammaOfLayer); InvalidArgument when both or neither are given.
absl::StatusOr<int> ResolveGamma(const std::string& model, int gamma,
                                 const std::string& from_layer);

// How frozen BatchNorm layers (those of layers < gamma) normalise during training forward
// passes; in inference mode (eval(): validation, predict) every BatchNorm uses its running
// statistics either way, and frozen ones never update them.
enum class FrozenBatchNorm {
  kInference,   // with their running statistics: training and inference agree (the default)
  kBatchStats,  // with the batch's statistics, as Keras 2.2 did (the paper's ResNet collapse)
};
// "inference" or "batch_stats", as --frozen_bn and run.json's frozen_bn spell them.
const char* FrozenBatchNormName(FrozenBatchNorm mode);
// The inverse; InvalidArgument naming --frozen_bn for anything else.
absl::StatusOr<FrozenBatchNorm> ParseFrozenBatchNorm(const std::string& name);

struct FineTuneSpec {
  std::string model;             // a model with a Keras layer list (models::KerasLayers)
  std::string weights;           // a safetensors file (classifier keys ignored), or "none": random
  int gamma = 0;                 // Keras layers with index < gamma are frozen
  bool freeze_bn_stats = false;  // every backbone BatchNorm in inference mode
  // kBatchStats with freeze_bn_stats is refused: the frozen BatchNorms cannot both normalise
  // with the batch's statistics and stay in inference mode.
  FrozenBatchNorm frozen_bn = FrozenBatchNorm::kInference;
  HeadOptions head;  // in_features is set from the model
  // The Keras layer the head sits on (GAP of its output; models::UnitsThroughLayer); empty:
  // the last. Layers after it are neither run nor trained.
  std::string layer;
  // The architecture variant; unset: what the weights file says (timm for "none").
  std::optional<models::Variant> variant;
};

class FineTuneModelImpl : public torch::nn::Module {
 public:
  // [N, 3, H, W] normalised RGB -> logits [N]; Suffix(Prefix(images)).
  torch::Tensor forward(const torch::Tensor& images);
  // The frozen units (before the first one holding a trainable layer), without autograd.
  // Every layer in it is frozen and its BatchNorm in inference mode, so an image's output
  // is the same in every epoch: ft_train computes it once (the prefix cache). Not so in
  // training mode with FrozenBatchNorm::kBatchStats when the prefix holds a BatchNorm
  // (PrefixDependsOnBatch): its output then depends on the batch.
  torch::Tensor Prefix(const torch::Tensor& images);
  // Whether Prefix's output in training mode depends on the other images of the batch.
  bool PrefixDependsOnBatch() const;
  // The rest: the trainable units with autograd, global average pooling and the head.
  torch::Tensor Suffix(const torch::Tensor& prefix);
  // Whether Prefix runs anything (false when gamma falls in the first unit).
  bool HasFrozenPrefix() const { return first_trainable_unit_ > 0; }
  // The backbone's last convolutional block through the units, all with autograd: what
  // BackboneImpl::Features computes, for checking the units against it.
  torch::Tensor Features(const torch::Tensor& images);
  // Keeps the frozen BatchNorm layers' running statistics fixed whatever `on` is; they
  // normalise with them in both modes (kInference), or with the batch's statistics when `on`
  // (kBatchStats).
  void train(bool on = true) override;
  // Convolution weights and inputs in channels-last memory format from now on: oneDNN's
  // layout for bfloat16 convolutions (fine tuning vgg16 1.3x faster here). Values unchanged.
  void UseChannelsLast();

  const FineTuneSpec& spec() const { return spec_; }
  // The weights file's variant and normalisation (models::ReadWeightsConvention).
  const models::WeightsConvention& convention() const { return convention_; }
  // The trainable parameters: the backbone from gamma on and the head.
  std::vector<torch::Tensor> TrainableParameters() const;
  // State-dict style names ("backbone.features.0.weight", "head.logit.bias") of the backbone
  // parameters that are frozen, and of the BatchNorm layers whose running statistics stay
  // fixed (in inference mode, or normalising by the batch with kBatchStats).
  const std::vector<std::string>& FrozenParameterNames() const { return frozen_parameters_; }
  std::vector<std::string> FixedBatchNormNames() const;
  std::shared_ptr<HeadImpl> head() const { return head_; }
  // The backbone and how many of its Units() run before the pooling: what Grad-CAM
  // differentiates (lib/train/grad_cam.h).
  models::BackboneImpl& net() const { return *net_; }
  size_t feature_units() const { return units_.size(); }

 private:
  friend class FineTuneModel;
  // Freezes the layers outside gamma..last_layer of `backbone` (its parameters and BatchNorm
  // statistics); `places` gives each Keras layer's unit. InternalError for a parameter of no
  // Keras layer, which would silently escape freezing.
  absl::Status FreezeOutside(const std::vector<models::KerasLayer>& layers,
                             const std::vector<std::optional<size_t>>& places, int last_layer,
                             torch::nn::Module& backbone);
  FineTuneSpec spec_;
  models::WeightsConvention convention_;
  std::shared_ptr<models::BackboneImpl> net_;  // owns the modules; its classifier is dropped
  std::vector<models::ForwardUnit> units_;     // the backbone's, run frozen or with autograd
  size_t first_trainable_unit_ = 0;            // units before it run under NoGradGuard
  bool channels_last_ = false;
  std::vector<std::string> frozen_parameters_;
  std::vector<std::pair<std::string, std::shared_ptr<torch::nn::BatchNorm2dImpl>>>
      fixed_batchnorms_;
  std::shared_ptr<HeadImpl> head_;
};

// A holder with a factory that can fail (a bad gamma or weights file), instead of
// TORCH_MODULE's throwing constructor.
class FineTuneModel : public torch::nn::ModuleHolder<FineTuneModelImpl> {
 public:
  using torch::nn::ModuleHolder<FineTuneModelImpl>::ModuleHolder;
  static absl::StatusOr<FineTuneModel> Create(const FineTuneSpec& spec);
};

// An ft_train run's model with the weights of `checkpoint` (best.pt or last.pt inside
// `run_dir`), in inference mode, with the preprocessing and the CPU precision it was validated
// with. FailedPrecondition for a folder that holds no ft_train run.
struct FineTunedRun {
  FineTuneModel model;
  Preprocessing preprocessing;
  Precision precision = Precision::kFloat32;
};
absl::StatusOr<FineTunedRun> LoadFineTunedRun(const std::string& run_dir,
                                              const std::string& checkpoint);

// An ft_train run's probabilities of malignancy for every record of `inputs` (images, any
// split; of `task`'s slice of them), in input order, with the records they belong to (images
// dropped). `checkpoint` is best.pt or last.pt inside `run_dir`. Every forward pass is a batch
// of kPredictBatch images (the last padded with blank ones), so that an image's probability
// does not depend on which images share its batch: the tasks' slices give one process's bytes.
struct ImagePredictions {
  std::vector<Record> records;
  std::vector<double> probabilities;
};
inline constexpr int kPredictBatch = 32;
absl::StatusOr<ImagePredictions> PredictImages(const std::string& run_dir,
                                               const std::string& checkpoint,
                                               const std::vector<std::string>& inputs,
                                               const Task& task = Task{});

}  // namespace mammo::train

#endif  // MAMMO_LIB_TRAIN_FINETUNE_H_
