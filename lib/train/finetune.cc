#include "lib/train/finetune.h"

#include <algorithm>
#include <optional>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "lib/cli/cli.h"
#include "lib/image/preprocess.h"
#include "lib/models/keras_units.h"
#include "lib/models/model_info.h"
#include "lib/models/registry.h"
#include "lib/records/shard_reader.h"
#include "lib/status/status_macros.h"
#include "lib/train/autocast.h"
#include "lib/train/image_set.h"
#include "lib/train/run_config.h"
#include "lib/train/run_folder.h"

namespace mammo::train {

const char* FrozenBatchNormName(FrozenBatchNorm mode) {
  return mode == FrozenBatchNorm::kBatchStats ? "batch_stats" : "inference";
}

absl::StatusOr<FrozenBatchNorm> ParseFrozenBatchNorm(const std::string& name) {
  if (name == "inference") return FrozenBatchNorm::kInference;
  if (name == "batch_stats") return FrozenBatchNorm::kBatchStats;
  return absl::InvalidArgumentError(
      absl::StrCat("--frozen_bn must be inference or batch_stats, not '", name, "'"));
}

absl::StatusOr<int> GammaOfLayer(const std::string& model, const std::string& layer_name) {
  ASSIGN_OR_RETURN(std::vector<models::KerasLayer> layers, models::KerasLayers(model));
  for (const models::KerasLayer& layer : layers) {
    if (layer.name == layer_name) return layer.index;
  }
  return absl::NotFoundError(absl::StrCat("'", layer_name, "' is not a Keras layer of ", model,
                                          " (its layers run from ", layers.front().name, " to ",
                                          layers.back().name, ")"));
}

absl::StatusOr<int> ResolveGamma(const std::string& model, int gamma,
                                 const std::string& from_layer) {
  if ((gamma >= 0) == !from_layer.empty()) {
    return absl::InvalidArgumentError("give exactly one of --gamma and --from_layer");
  }
  if (from_layer.empty()) return gamma;
  return GammaOfLayer(model, from_layer);
}

absl::StatusOr<FineTuneModel> FineTuneModel::Create(const FineTuneSpec& spec) {
  ASSIGN_OR_RETURN(const models::ModelInfo* info, models::RequireModel(spec.model));
  if (spec.freeze_bn_stats && spec.frozen_bn == FrozenBatchNorm::kBatchStats) {
    return absl::InvalidArgumentError(
        "--freeze_bn_stats and --frozen_bn=batch_stats contradict each other: the first keeps "
        "every BatchNorm in inference mode, the second has the frozen ones use batch "
        "statistics");
  }
  absl::StatusOr<std::vector<models::KerasLayer>> layers = models::KerasLayers(info->name);
  if (!layers.ok()) return absl::InvalidArgumentError(layers.status().message());
  if (spec.gamma < 0 || spec.gamma > static_cast<int>(layers->size())) {
    return absl::InvalidArgumentError(
        absl::StrCat("gamma ", spec.gamma, " is outside 0..", layers->size(), " for ", spec.model));
  }
  auto impl = std::make_shared<FineTuneModelImpl>();
  impl->spec_ = spec;
  ASSIGN_OR_RETURN(models::PretrainedBackbone pretrained,
                   models::CreatePretrained(*info, spec.weights, spec.variant));
  impl->net_ = pretrained.net;
  impl->convention_ = pretrained.convention;
  impl->spec_.variant = pretrained.convention.variant;
  impl->units_ = impl->net_->Units();
  ASSIGN_OR_RETURN(std::vector<std::optional<size_t>> places,
                   models::PlaceLayers(spec.model, *layers, impl->units_));
  // With a cut, the layers after it are neither run nor trained.
  int last_layer = static_cast<int>(layers->size()) - 1;
  impl->spec_.head.in_features = info->feature_width;
  if (!spec.layer.empty()) {
    ASSIGN_OR_RETURN(size_t n,
                     models::UnitsThroughLayer(spec.model, *layers, impl->units_, spec.layer));
    ASSIGN_OR_RETURN(last_layer, GammaOfLayer(spec.model, spec.layer));
    if (spec.gamma > last_layer) {
      return absl::InvalidArgumentError(absl::StrCat("gamma ", spec.gamma, " lies after --layer ",
                                                     spec.layer, " (layer ", last_layer, ")"));
    }
    impl->units_.resize(n);
    torch::NoGradGuard no_grad;
    impl->net_->eval();  // BatchNorm on one zero image: no batch statistics to take
    torch::Tensor probe = torch::zeros({1, 3, info->input_size, info->input_size});
    for (const models::ForwardUnit& unit : impl->units_) probe = unit.forward(probe);
    impl->spec_.head.in_features = probe.size(1);
  }
  // The backbone's modules without its ImageNet classifier, whose weights are freed: they
  // would only fill checkpoints (VGG16's are 470 MB).
  auto backbone = std::make_shared<torch::nn::Module>("Backbone");
  for (const auto& child : impl->net_->named_children()) {
    const std::string prefix = child.key() + ".";
    if (std::find(info->classifier_prefixes.begin(), info->classifier_prefixes.end(), prefix) !=
        info->classifier_prefixes.end()) {
      torch::NoGradGuard no_grad;
      for (torch::Tensor& p : child.value()->parameters()) p.set_data(torch::empty({0}));
      continue;
    }
    backbone->register_module(child.key(), child.value());
  }
  impl->register_module("backbone", backbone);
  impl->head_ = impl->register_module("head", std::make_shared<HeadImpl>(impl->spec_.head));
  RETURN_IF_ERROR(impl->FreezeOutside(*layers, places, last_layer, *backbone));
  impl->train(true);
  return FineTuneModel(impl);
}

absl::Status FineTuneModelImpl::FreezeOutside(const std::vector<models::KerasLayer>& layers,
                                              const std::vector<std::optional<size_t>>& places,
                                              int last_layer, torch::nn::Module& backbone) {
  const auto frozen_index = [&](int index) { return index < spec_.gamma || index > last_layer; };
  std::vector<std::string> frozen_paths;
  first_trainable_unit_ = units_.size();
  for (size_t k = 0; k < places.size(); ++k) {
    if (!places[k].has_value()) continue;
    if (frozen_index(static_cast<int>(k))) {
      frozen_paths.push_back(layers[k].module);
    } else {
      first_trainable_unit_ = std::min(first_trainable_unit_, *places[k]);
    }
  }
  for (auto& p : backbone.named_parameters()) {
    bool known = false, frozen = false;
    for (const models::KerasLayer& layer : layers) {
      if (layer.module.empty() || !absl::StartsWith(p.key(), layer.module + ".")) continue;
      known = true;
      frozen = frozen_index(layer.index);
    }
    if (!known) return absl::InternalError(absl::StrCat(p.key(), " belongs to no Keras layer"));
    if (frozen) {
      p.value().set_requires_grad(false);
      frozen_parameters_.push_back("backbone." + p.key());
    }
  }
  for (const auto& m : backbone.named_modules("", /*include_self=*/false)) {
    auto batchnorm = std::dynamic_pointer_cast<torch::nn::BatchNorm2dImpl>(m.value());
    if (batchnorm == nullptr) continue;
    const bool frozen =
        std::find(frozen_paths.begin(), frozen_paths.end(), m.key()) != frozen_paths.end();
    if (frozen || spec_.freeze_bn_stats)
      fixed_batchnorms_.push_back({"backbone." + m.key(), batchnorm});
  }
  return absl::OkStatus();
}

torch::Tensor FineTuneModelImpl::forward(const torch::Tensor& images) {
  return Suffix(Prefix(images));
}

torch::Tensor FineTuneModelImpl::Prefix(const torch::Tensor& images) {
  torch::Tensor x = channels_last_ ? images.contiguous(torch::MemoryFormat::ChannelsLast) : images;
  torch::NoGradGuard no_grad;
  for (size_t i = 0; i < first_trainable_unit_; ++i) x = units_[i].forward(x);
  return x;
}

torch::Tensor FineTuneModelImpl::Suffix(const torch::Tensor& prefix) {
  torch::Tensor x = prefix;
  for (size_t i = first_trainable_unit_; i < units_.size(); ++i) x = units_[i].forward(x);
  return head_->forward(models::GlobalAveragePool(x));
}

void FineTuneModelImpl::UseChannelsLast() {
  torch::NoGradGuard no_grad;
  for (torch::Tensor p : parameters()) {
    if (p.dim() == 4) p.set_data(p.contiguous(torch::MemoryFormat::ChannelsLast));
  }
  channels_last_ = true;
}

torch::Tensor FineTuneModelImpl::Features(const torch::Tensor& images) {
  torch::Tensor x = images;
  for (const models::ForwardUnit& unit : units_) x = unit.forward(x);
  return x;
}

namespace {

// A BatchNorm in eval() normalises with the batch's statistics when its options say it tracks
// no running statistics (BatchNormImplBase::forward), and updates (with factor 0) only the
// running statistics its members point at: none while `on`. The registered buffers, which
// state_dict, checkpoints and to() see, are the same tensors throughout, untouched, and
// num_batches_tracked does not count (it counts only in training mode).
void UseBatchStatistics(torch::nn::BatchNorm2dImpl& batchnorm, bool on) {
  batchnorm.options.track_running_stats(!on);
  if (on) {
    batchnorm.running_mean = torch::Tensor();
    batchnorm.running_var = torch::Tensor();
  } else {
    const auto buffers = batchnorm.named_buffers(/*recurse=*/false);
    batchnorm.running_mean = *buffers.find("running_mean");
    batchnorm.running_var = *buffers.find("running_var");
  }
}

}  // namespace

void FineTuneModelImpl::train(bool on) {
  torch::nn::Module::train(on);
  for (auto& batchnorm : fixed_batchnorms_) {
    batchnorm.second->eval();
    // With freeze_bn_stats refused alongside kBatchStats, the fixed BatchNorms are the frozen.
    if (spec_.frozen_bn == FrozenBatchNorm::kBatchStats) UseBatchStatistics(*batchnorm.second, on);
  }
}

bool FineTuneModelImpl::PrefixDependsOnBatch() const {
  if (spec_.frozen_bn != FrozenBatchNorm::kBatchStats) return false;
  for (const auto& batchnorm : fixed_batchnorms_) {
    const std::string path = batchnorm.first.substr(std::string("backbone.").size());
    for (size_t i = 0; i < first_trainable_unit_; ++i) {
      if (models::UnitHolds(units_[i], path)) return true;
    }
  }
  return false;
}

std::vector<torch::Tensor> FineTuneModelImpl::TrainableParameters() const {
  std::vector<torch::Tensor> trainable;
  for (const torch::Tensor& p : parameters()) {
    if (p.requires_grad()) trainable.push_back(p);
  }
  return trainable;
}

std::vector<std::string> FineTuneModelImpl::FixedBatchNormNames() const {
  std::vector<std::string> names;
  for (const auto& batchnorm : fixed_batchnorms_) names.push_back(batchnorm.first);
  return names;
}

absl::StatusOr<FineTunedRun> LoadFineTunedRun(const std::string& run_dir,
                                              const std::string& checkpoint) {
  ASSIGN_OR_RETURN(RunConfig config, ReadRunConfig(RunFile(run_dir, kRunConfigFile)));
  const models::ModelInfo* info = models::FindModel(config.model);
  if (config.stage != "ft_train" || info == nullptr || config.image_size <= 0) {
    return absl::FailedPreconditionError(
        absl::StrCat(run_dir, ": not an ft_train run (its run.json names no model)"));
  }
  // The checkpoint holds every backbone weight, so the random start is overwritten.
  FineTuneSpec spec;
  spec.model = config.model;
  spec.weights = "none";
  spec.gamma = config.gamma;
  spec.layer = config.layer;
  spec.variant = config.variant == "keras" ? models::Variant::kKeras : models::Variant::kTimm;
  spec.head = config.head;
  // Inference mode, whatever the run trained with: with kBatchStats, the paper's mismatch.
  ASSIGN_OR_RETURN(spec.frozen_bn, ParseFrozenBatchNorm(config.frozen_bn));
  ASSIGN_OR_RETURN(FineTuneModel model, FineTuneModel::Create(spec));
  RETURN_IF_ERROR(LoadModelWeights(absl::StrCat(run_dir, "/", checkpoint), *model));
  model->eval();
  ASSIGN_OR_RETURN(const Precision recorded, PrecisionFromName(config.precision));
  FineTunedRun run{model, Preprocessing(), CpuPrecisionFor(recorded)};
  Preprocessing& p = run.preprocessing;
  p.size = config.image_size;
  p.mean = info->mean;
  p.std = info->std;
  // Runs written before run.json kept ft_train's normalisation used the model's.
  if (!config.mean.empty()) {
    ASSIGN_OR_RETURN(p.mean, cli::ParseTriple(config.mean));
  }
  if (!config.std.empty()) {
    ASSIGN_OR_RETURN(p.std, cli::ParseTriple(config.std));
  }
  return run;
}

absl::StatusOr<ImagePredictions> PredictImages(const std::string& run_dir,
                                               const std::string& checkpoint,
                                               const std::vector<std::string>& inputs,
                                               const Task& task) {
  ASSIGN_OR_RETURN(FineTunedRun run, LoadFineTunedRun(run_dir, checkpoint));
  FineTuneModel& model = run.model;
  const Preprocessing& p = run.preprocessing;
  torch::NoGradGuard no_grad;
  // As the run was validated: its checkpoint was chosen on bfloat16 forward passes.
  const bool bfloat16 = run.precision == Precision::kBFloat16;
  Autocast autocast(c10::DeviceType::CPU, bfloat16);
  if (bfloat16) model->UseChannelsLast();

  ASSIGN_OR_RETURN(std::unique_ptr<ShardReader> reader, ShardReader::Open(inputs));
  if (task.count > 1) RETURN_IF_ERROR(reader->SelectTask(task));
  ImagePredictions predictions;
  ImageSet batch;
  // Decodes and classifies the pending batch, keeping its records without their images.
  const auto flush = [&] {
    const auto n = static_cast<int64_t>(batch.records.size());
    if (n == 0) return;
    torch::Tensor images = DecodeBatch(batch, torch::arange(n), p);
    if (n < kPredictBatch) {  // blank images fill the batch: same shape, same arithmetic
      images = torch::cat({images, torch::zeros({kPredictBatch - n, images.size(1), images.size(2),
                                                 images.size(3)})});
    }
    const torch::Tensor probabilities =
        torch::sigmoid(model->forward(images)).to(torch::kFloat64).contiguous();
    for (int64_t i = 0; i < n; ++i) {
      predictions.probabilities.push_back(probabilities.data_ptr<double>()[i]);
      batch.records[i].clear_image();
      predictions.records.push_back(std::move(batch.records[i]));
    }
    batch.records.clear();
  };
  std::vector<float> scratch(3 * static_cast<size_t>(p.size) * p.size);
  Record record;
  while (true) {
    ASSIGN_OR_RETURN(bool got, reader->Next(&record));
    if (!got) break;
    // Checked here, where the reader can say where the record is: DecodeBatch cannot.
    const absl::Status decoded = PreprocessImage(record, p.size, p.mean, p.std, scratch.data());
    if (!decoded.ok()) {
      return absl::Status(decoded.code(),
                          absl::StrCat(reader->Position(), ": ", decoded.message()));
    }
    record.clear_masks();
    record.clear_provenance();
    batch.records.push_back(std::move(record));
    record = Record();
    if (batch.records.size() == kPredictBatch) flush();
  }
  flush();
  if (predictions.records.empty()) {
    return absl::FailedPreconditionError("the inputs hold no records");
  }
  return predictions;
}

}  // namespace mammo::train
