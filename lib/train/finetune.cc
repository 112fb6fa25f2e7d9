#include "lib/train/finetune.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <functional>
#include <optional>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "lib/cli/cli.h"
#include "lib/image/preprocess.h"
#include "lib/models/compute_threads.h"
#include "lib/models/keras_units.h"
#include "lib/models/model_info.h"
#include "lib/models/parallel_batches.h"
#include "lib/models/registry.h"
#include "lib/records/shard_reader.h"
#include "lib/status/status_macros.h"
#include "lib/train/autocast.h"
#include "lib/train/run_config.h"
#include "lib/train/run_folder.h"

namespace mammo::train {
namespace {

// A split's records, images kept encoded until a batch needs them.
struct ImageSet {
  std::vector<Record> records;
  torch::Tensor labels;  // [N] float32 on the CPU
};

struct Preprocessing {
  int size = 0;
  std::array<float, 3> mean{}, std{};
};

// Decodes `rows` of `set` into [B, 3, size, size]. Images were checked when loaded; a
// failure here means the bytes changed in memory, which is an internal error.
torch::Tensor DecodeBatch(const ImageSet& set, const torch::Tensor& rows, const Preprocessing& p) {
  const int64_t n = rows.numel();
  const auto index = rows.accessor<int64_t, 1>();
  torch::Tensor batch = torch::empty({n, 3, p.size, p.size});
  std::vector<absl::Status> statuses(n);
  at::parallel_for(0, n, 1, [&](int64_t begin, int64_t end) {
    for (int64_t i = begin; i < end; ++i) {
      statuses[i] =
          PreprocessImage(set.records[index[i]], p.size, p.mean, p.std, batch[i].data_ptr<float>());
    }
  });
  for (const absl::Status& status : statuses) TORCH_CHECK(status.ok(), status.ToString());
  return batch;
}

absl::StatusOr<std::pair<ImageSet, ImageSet>> LoadImages(const std::vector<std::string>& inputs,
                                                         const Preprocessing& p) {
  ASSIGN_OR_RETURN(std::unique_ptr<ShardReader> reader, ShardReader::Open(inputs));
  ImageSet train, valid;
  std::vector<float> train_labels, valid_labels;
  std::vector<float> scratch(3 * static_cast<size_t>(p.size) * p.size);
  Record record;
  while (true) {
    ASSIGN_OR_RETURN(bool got, reader->Next(&record));
    if (!got) break;
    if (record.split() != TRAIN && record.split() != VALID) continue;
    const auto where = [&] {
      return absl::StrCat(reader->Position(), ": record '", record.id(), "'");
    };
    if (!record.has_image() || record.image().data().empty()) {
      return absl::FailedPreconditionError(
          absl::StrCat(where(), " has no image (ft_train takes ROI records, not features)"));
    }
    if (record.label() == LABEL_UNSPECIFIED) {
      return absl::FailedPreconditionError(absl::StrCat(where(), " has no label"));
    }
    // Decoding once here turns a bad image into an error before any epoch runs.
    absl::Status decoded = PreprocessImage(record, p.size, p.mean, p.std, scratch.data());
    if (!decoded.ok()) {
      return absl::Status(decoded.code(), absl::StrCat(where(), ": ", decoded.message()));
    }
    // Only the id, image and label are needed: masks and provenance would waste memory.
    record.clear_masks();
    record.clear_provenance();
    record.clear_features();
    const float label = record.label() == MALIGNANT ? 1.0f : 0.0f;
    if (record.split() == TRAIN) {
      train.records.push_back(std::move(record));
      train_labels.push_back(label);
    } else {
      valid.records.push_back(std::move(record));
      valid_labels.push_back(label);
    }
    record = Record();
  }
  train.labels = torch::tensor(train_labels, torch::kFloat32);
  valid.labels = torch::tensor(valid_labels, torch::kFloat32);
  return std::make_pair(std::move(train), std::move(valid));
}

// run(rows) for rows 0..n-1 in batches of `batch_size`, without autograd and under the device's
// autocast when `autocast`, concatenated on the CPU. On the CPU whole batches run in parallel
// on one LibTorch thread each, so that the results do not depend on the thread count.
torch::Tensor MapRowBatches(int64_t n, int batch_size, torch::Device device, bool autocast,
                            const std::function<torch::Tensor(const torch::Tensor&)>& run) {
  const size_t batches = static_cast<size_t>((n + batch_size - 1) / batch_size);
  const std::vector<absl::StatusOr<torch::Tensor>> parts = models::RunBatchesInParallel(
      batches, device.is_cpu() ? at::get_num_threads() : 1,
      [&](size_t i) -> absl::StatusOr<torch::Tensor> {
        torch::NoGradGuard no_grad;
        const int64_t begin = static_cast<int64_t>(i) * batch_size;
        const torch::Tensor rows = torch::arange(begin, std::min<int64_t>(begin + batch_size, n));
        try {
          Autocast scope(device.type(), autocast);
          return run(rows).to(torch::kCPU);
        } catch (const c10::Error& e) {  // must not escape a worker thread
          return absl::InternalError(e.what_without_backtrace());
        }
      });
  std::vector<torch::Tensor> outputs;
  for (const absl::StatusOr<torch::Tensor>& part : parts) {
    TORCH_CHECK(part.ok(), part.status().ToString());  // as a failure on this thread would
    outputs.push_back(*part);
  }
  return torch::cat(outputs);
}

// (loss, accuracy) of the model in inference mode, as Evaluate computes them for a head, in
// MapRowBatches' batches, so that they (and the checkpoint chosen by them) do not depend on
// the thread count. With `cached` (the set's prefix outputs, PrefixOutputs) only the suffix
// runs.
std::pair<double, double> EvaluateImages(FineTuneModelImpl& model, const ImageSet& set,
                                         const Preprocessing& p, int batch_size,
                                         torch::Device device, bool autocast,
                                         const torch::Tensor& cached = {}) {
  model.eval();
  const torch::Tensor all =
      MapRowBatches(set.labels.numel(), batch_size, device, autocast,
                    [&](const torch::Tensor& rows) {
                      return cached.defined()
                                 ? model.Suffix(cached.index_select(0, rows).to(device))
                                 : model.forward(DecodeBatch(set, rows, p).to(device));
                    })
          .to(torch::kFloat32);
  const double loss = torch::binary_cross_entropy_with_logits(all, set.labels).item<double>();
  const double accuracy =
      (all.gt(0).to(torch::kFloat32) == set.labels).to(torch::kFloat64).mean().item<double>();
  return {loss, accuracy};
}

// The frozen prefix's output for every image of `set`, [N, C, H, W] on the CPU (bfloat16 under
// bfloat16 autocast), in MapRowBatches' batches as EvaluateImages runs them.
torch::Tensor PrefixOutputs(FineTuneModelImpl& model, const ImageSet& set, const Preprocessing& p,
                            int batch_size, torch::Device device, bool autocast) {
  return MapRowBatches(set.labels.numel(), batch_size, device, autocast,
                       [&](const torch::Tensor& rows) {
                         return model.Prefix(DecodeBatch(set, rows, p).to(device));
                       });
}

struct PrefixCache {
  torch::Tensor train, valid;  // undefined: not cached
};

// PrefixOutputs of both sets when they fit in `budget_mib` (sized from one image first), and
// says on stderr what it did; an empty cache otherwise.
PrefixCache BuildPrefixCache(FineTuneModelImpl& model, const ImageSet& train_set,
                             const ImageSet& valid_set, const Preprocessing& p, int batch_size,
                             torch::Device device, bool autocast, int64_t budget_mib) {
  if (budget_mib <= 0 || !model.HasFrozenPrefix()) return {};
  torch::Tensor one;
  {
    Autocast scope(device.type(), autocast);
    one = model.Prefix(DecodeBatch(train_set, torch::zeros({1}, torch::kInt64), p).to(device));
  }
  const double image_mib = static_cast<double>(one.numel() * one.element_size()) / (1 << 20);
  const double needed_mib =
      image_mib * static_cast<double>(train_set.records.size() + valid_set.records.size());
  if (needed_mib > static_cast<double>(budget_mib)) {
    std::fprintf(stderr,
                 "%s: frozen prefix not cached: it needs %.0f MiB, --cache_budget is %lld MiB\n",
                 cli::ToolName().c_str(), needed_mib, static_cast<long long>(budget_mib));
    return {};
  }
  const auto start = std::chrono::steady_clock::now();
  PrefixCache cache{PrefixOutputs(model, train_set, p, batch_size, device, autocast),
                    PrefixOutputs(model, valid_set, p, batch_size, device, autocast)};
  std::fprintf(stderr, "%s: frozen prefix cached: %zu images, %.0f MiB, %.1f s\n",
               cli::ToolName().c_str(), train_set.records.size() + valid_set.records.size(),
               needed_mib,
               std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
  return cache;
}

// LibTorch lacks some bfloat16 kernels on the CPU (1.13: ReLU6's backward, which MobileNetV2
// needs): one image through the model and back, in inference mode so that no BatchNorm
// statistic moves, finds out before the first epoch instead of failing inside it.
absl::Status CheckBfloat16Training(FineTuneModelImpl& model, int size) {
  model.eval();
  try {
    Autocast autocast(c10::DeviceType::CPU, true);
    model.forward(torch::zeros({1, 3, size, size})).sum().backward();
  } catch (const c10::Error& e) {
    return absl::FailedPreconditionError(absl::StrCat(
        "--precision bf16: this LibTorch cannot train ", model.spec().model,
        " in bfloat16 on the CPU (", e.what_without_backtrace(), "); use --precision fp32"));
  }
  for (torch::Tensor& p : model.parameters()) {
    if (p.grad().defined()) p.mutable_grad() = torch::Tensor();
  }
  return absl::OkStatus();
}

}  // namespace

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
    if (std::dynamic_pointer_cast<torch::nn::BatchNorm2dImpl>(m.value()) == nullptr) continue;
    const bool frozen =
        std::find(frozen_paths.begin(), frozen_paths.end(), m.key()) != frozen_paths.end();
    if (frozen || spec_.freeze_bn_stats)
      fixed_batchnorms_.push_back({"backbone." + m.key(), m.value()});
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

void FineTuneModelImpl::train(bool on) {
  torch::nn::Module::train(on);
  for (auto& batchnorm : fixed_batchnorms_) batchnorm.second->eval();
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

namespace {

absl::Status ValidateFineTuneOptions(const FineTuneOptions& options) {
  if (options.image_size < 0) {
    return absl::InvalidArgumentError("--image_size must be at least 0 (0: the model's)");
  }
  if (options.cache_budget_mib < 0) {
    return absl::InvalidArgumentError("--cache_budget must be at least 0 (0: no cache)");
  }
  if (options.spec.weights.empty()) {
    return absl::InvalidArgumentError("--weights is required (a safetensors file, or none)");
  }
  return absl::OkStatus();
}

// --init_head: the weights of a tl_train run's head, which must have this run's shape.
absl::Status LoadInitialHead(const std::string& run_dir, const RunConfig& run,
                             FineTuneModelImpl& model) {
  const HeadOptions& wanted = model.head()->options();
  if (run.head.in_features != wanted.in_features || run.head.hidden != wanted.hidden) {
    return absl::FailedPreconditionError(absl::StrCat(
        run_dir, ": its head is ", run.head.ToString(), ", this run's ", wanted.ToString(),
        "; set --hidden to match (and --layer) or leave out --init_head"));
  }
  return LoadModelWeights(RunFile(run_dir, kBestCheckpointFile), *model.head());
}

// TRAIN and VALID images, each with both labels: early stopping needs a validation set.
absl::StatusOr<std::pair<ImageSet, ImageSet>> LoadTrainingImages(
    const std::vector<std::string>& inputs, const Preprocessing& p) {
  ASSIGN_OR_RETURN(auto sets, LoadImages(inputs, p));
  RETURN_IF_ERROR(CheckLabels(sets.first.labels, "training"));
  if (sets.second.records.empty()) {
    return absl::FailedPreconditionError(
        "the validation set is empty: early stopping needs VALID records");
  }
  RETURN_IF_ERROR(CheckLabels(sets.second.labels, "validation"));
  return sets;
}

// run.json: the training run, and the backbone and input side predict rebuilds it from.
absl::Status WriteFineTuneRunConfig(const FineTuneOptions& options, FineTuneModelImpl& model,
                                    const Preprocessing& p, const TrainResult& result) {
  const FineTuneSpec& spec = options.spec;
  RunConfig config = TrainedRunConfig(options.run_name, "ft_train", model.head()->options(),
                                      options.training, result);
  config.features_source = absl::StrCat("ft_train: ", spec.model, " gamma ", spec.gamma,
                                        spec.layer.empty() ? "" : " to layer " + spec.layer, " at ",
                                        p.size, " px, weights ", spec.weights);
  config.model = spec.model;
  config.gamma = spec.gamma;
  config.image_size = p.size;
  config.layer = spec.layer;
  config.variant = models::VariantName(*model.spec().variant);
  config.weights = spec.weights;
  config.mean = absl::StrJoin(p.mean, ",");
  config.std = absl::StrJoin(p.std, ",");
  if (options.precision != Precision::kFloat32) {
    config.precision = std::string(PrecisionName(options.precision));
  }
  return WriteRunConfig(RunFile(options.output, kRunConfigFile), config);
}

}  // namespace

absl::Status FineTune(FineTuneOptions options) {
  models::SetComputeThreads(options.threads);
  ASSIGN_OR_RETURN(const models::ModelInfo* info, models::RequireModel(options.spec.model));
  options.spec.model = info->name;  // an alias such as the paper's "resnet-50" becomes resnet50
  RETURN_IF_ERROR(ValidateFineTuneOptions(options));
  std::optional<RunConfig> init_head;
  if (!options.init_head.empty()) {
    ASSIGN_OR_RETURN(init_head, ReadRunConfig(RunFile(options.init_head, kRunConfigFile)));
    // The head's standardisation statistics travel with its weights.
    options.spec.head.standardize = init_head->head.standardize;
  }
  torch::manual_seed(options.training.seed);
  ASSIGN_OR_RETURN(FineTuneModel model, FineTuneModel::Create(options.spec));
  if (init_head.has_value()) {
    RETURN_IF_ERROR(LoadInitialHead(options.init_head, *init_head, *model));
  }
  Preprocessing p;
  p.size = options.image_size > 0 ? options.image_size : info->input_size;
  p.mean = model->convention().mean.value_or(info->mean);
  p.std = model->convention().std.value_or(info->std);
  ASSIGN_OR_RETURN(auto sets, LoadTrainingImages(options.inputs, p));
  const ImageSet& train_set = sets.first;
  const ImageSet& valid_set = sets.second;
  if (options.run_name.empty()) {
    options.run_name = absl::StrCat(options.spec.model, "-", options.spec.gamma, "-FT");
  }

  const TrainOptions& t = options.training;
  RETURN_IF_ERROR(CheckPrecisionDevice(options.precision, !t.device.is_cpu()));
  const bool bfloat16 = options.precision == Precision::kBFloat16;
  // The 16-bit autocast of each device: float16 with loss scaling on CUDA, bfloat16 on the CPU.
  const bool autocast = options.precision != Precision::kFloat32;
  model->to(t.device);
  if (bfloat16) {
    model->UseChannelsLast();
    RETURN_IF_ERROR(CheckBfloat16Training(*model, p.size));
  }
  std::fprintf(stderr,
               "%s: %s, %zu train and %zu valid images at %d px, %zu of %zu weight "
               "tensors frozen, head %s\n",
               cli::ToolName().c_str(), options.run_name.c_str(), train_set.records.size(),
               valid_set.records.size(), p.size, model->FrozenParameterNames().size(),
               model->parameters().size(), model->head()->options().ToString().c_str());

  TrainTask task;
  task.model = model.ptr().get();
  task.parameters = model->TrainableParameters();
  task.train_labels = train_set.labels;
  const PrefixCache cache = BuildPrefixCache(*model, train_set, valid_set, p, t.batch_size,
                                             t.device, autocast, options.cache_budget_mib);
  task.train_logits = [&](const torch::Tensor& rows) {
    // Mixed precision: 16-bit activations under autocast; TrainLoop takes the loss in
    // float32 (and scales it for CUDA's float16).
    Autocast scope(t.device.type(), autocast);
    if (cache.train.defined()) return model->Suffix(cache.train.index_select(0, rows).to(t.device));
    return model->forward(DecodeBatch(train_set, rows, p).to(t.device));
  };
  task.evaluate = [&] {
    return EvaluateImages(*model, valid_set, p, t.batch_size, t.device, autocast, cache.valid);
  };
  TrainOptions training = t;
  training.run_dir = options.output;
  // float16 gradients underflow without it; bfloat16 has float32's exponent range.
  training.scale_loss = options.precision == Precision::kFloat16;
  absl::StatusOr<TrainResult> result;
  try {
    result = TrainLoop(task, training);
  } catch (const c10::Error& e) {
    return absl::InternalError(std::string(e.what_without_backtrace()).substr(0, 300));
  }
  RETURN_IF_ERROR(result.status());

  RETURN_IF_ERROR(WriteFineTuneRunConfig(options, *model, p, *result));
  PrintRunSummary(options.run_name, *result, options.output);
  return absl::OkStatus();
}

absl::StatusOr<ImagePredictions> PredictImages(const std::string& run_dir,
                                               const std::string& checkpoint,
                                               const std::vector<std::string>& inputs) {
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
  ASSIGN_OR_RETURN(FineTuneModel model, FineTuneModel::Create(spec));
  RETURN_IF_ERROR(LoadModelWeights(absl::StrCat(run_dir, "/", checkpoint), *model));
  model->eval();
  torch::NoGradGuard no_grad;
  ASSIGN_OR_RETURN(const Precision recorded, PrecisionFromName(config.precision));
  const Precision precision = CpuPrecisionFor(recorded);
  // As the run was validated: its checkpoint was chosen on bfloat16 forward passes.
  Autocast autocast(c10::DeviceType::CPU, precision == Precision::kBFloat16);
  if (precision == Precision::kBFloat16) model->UseChannelsLast();
  Preprocessing p;
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

  ASSIGN_OR_RETURN(std::unique_ptr<ShardReader> reader, ShardReader::Open(inputs));
  ImagePredictions predictions;
  ImageSet batch;
  // Decodes and classifies the pending batch, keeping its records without their images.
  const auto flush = [&] {
    const auto n = static_cast<int64_t>(batch.records.size());
    if (n == 0) return;
    const torch::Tensor probabilities =
        torch::sigmoid(model->forward(DecodeBatch(batch, torch::arange(n), p)))
            .to(torch::kFloat64)
            .contiguous();
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
    if (batch.records.size() == 32) flush();
  }
  flush();
  if (predictions.records.empty()) {
    return absl::FailedPreconditionError("the inputs hold no records");
  }
  return predictions;
}

}  // namespace mammo::train
