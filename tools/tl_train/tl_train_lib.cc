#include "tools/tl_train/tl_train_lib.h"

#include <cstdio>
#include <memory>
#include <utility>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "data_formats/record.pb.h"
#include "lib/cli/cli.h"
#include "lib/models/compute_threads.h"
#include "lib/models/model_info.h"
#include "lib/records/shard_reader.h"
#include "lib/status/status_macros.h"
#include "lib/train/feature_set.h"
#include "lib/train/frozen_backbone.h"
#include "lib/train/image_set.h"
#include "lib/train/run_config.h"
#include "lib/train/run_folder.h"
#include "lib/train/run_request.h"

namespace mammo::tl_train {
namespace {

// Features [rows, D] of `rows` (int64 on the CPU) of `split`. The images were checked when
// loaded, so a failure here is internal (thrown, caught around the training loop).
torch::Tensor EmbedRows(train::FrozenBackbone& net, const train::ImageSet& split,
                        const torch::Tensor& rows) {
  const auto index = rows.accessor<int64_t, 1>();
  std::vector<const Record*> batch;
  for (int64_t i = 0; i < rows.numel(); ++i) batch.push_back(&split.records[index[i]]);
  absl::StatusOr<torch::Tensor> features = net.Embed(batch);
  TORCH_CHECK(features.ok(), features.status().ToString());
  return *std::move(features);
}

// Features of the split's images [first, last) (last > first) in input order, `batch_size`
// images per forward pass.
torch::Tensor EmbedRange(train::FrozenBackbone& net, const train::ImageSet& split, int batch_size,
                         int64_t first, int64_t last) {
  std::vector<torch::Tensor> parts;
  for (int64_t begin = first; begin < last; begin += batch_size) {
    parts.push_back(
        EmbedRows(net, split, torch::arange(begin, std::min<int64_t>(begin + batch_size, last))));
  }
  return torch::cat(parts);
}

// The frozen backbone in run.json, so that `predict` can run it on images: from the spec
// (image path) or from embed's provenance (feature path).
void SetBackbone(const std::vector<std::pair<std::string, std::string>>& parameters,
                 train::RunConfig* config) {
  for (const auto& [name, value] : parameters) {
    if (name == "model") config->model = value;
    if (name == "weights") config->weights = value;
    if (name == "image_size" && !absl::SimpleAtoi(value, &config->image_size))
      config->image_size = 0;
    if (name == "mean") config->mean = value;
    if (name == "std") config->std = value;
    if (name == "layer") config->layer = value;
    if (name == "variant") config->variant = value;
    if (name == "precision") config->precision = value;
  }
  // Without every piece predict could not rebuild the backbone: record none of it.
  if (config->model.empty() || config->weights.empty() || config->image_size <= 0 ||
      config->mean.empty() || config->std.empty()) {
    config->model.clear();
    config->weights.clear();
    config->image_size = 0;
  }
}

// `preprocessing`: the training records' dcm2png and roicrop parameters, for predict.mk.
absl::Status Finish(const Options& options, const std::string& source,
                    const std::vector<std::pair<std::string, std::string>>& backbone,
                    const std::vector<std::pair<std::string, std::string>>& preprocessing,
                    const train::TrainResult& result) {
  if (!options.run.training.WritesRunFolder()) return absl::OkStatus();
  train::RunConfig config = train::TrainedRunConfig(options.run.run_name, "tl_train", options.head,
                                                    options.run.training, result);
  config.features_source = source;
  SetBackbone(backbone, &config);
  config.preprocessing = preprocessing;
  RETURN_IF_ERROR(
      train::WriteRunConfig(train::RunFile(options.run.output, train::kRunConfigFile), config));
  train::PrintRunSummary(options.run.run_name, result, options.run.output);
  return absl::OkStatus();
}

absl::Status RunOnFeatures(Options options) {
  // --precision is not among them: `auto` must work in a pipeline whatever the records hold,
  // and embed already chose (and recorded) the features' precision.
  if (!options.model.empty() || !options.weights.empty() || options.image_size != 0 ||
      !options.layer.empty() || options.mean.has_value() || options.std.has_value()) {
    return absl::InvalidArgumentError(
        "--model, --weights, --image_size, --layer, --mean and --std are for image records; "
        "these records hold features (embed already ran the backbone)");
  }
  ASSIGN_OR_RETURN(train::FeatureSet all, train::LoadFeatureSet(options.run.inputs));
  const train::FeatureSet train_set = all.Select(TRAIN);
  const train::FeatureSet valid_set = all.Select(VALID);
  if (options.run.run_name.empty()) {
    const std::string model =
        absl::StartsWith(all.source, "embed: ") ? all.source.substr(7) : "features";
    options.run.run_name = models::PaperRunName(model, 0);
  }
  options.head.in_features = all.width();
  options.run.training.run_dir = options.run.output;
  std::fprintf(stderr, "%s: %s, %lld train and %lld valid records, head %s\n",
               cli::ToolName().c_str(), options.run.run_name.c_str(),
               static_cast<long long>(train_set.size()), static_cast<long long>(valid_set.size()),
               options.head.ToString().c_str());

  torch::manual_seed(options.run.training.seed);
  train::Head head(options.head);
  ASSIGN_OR_RETURN(train::TrainResult result,
                   train::TrainHead(head, train_set, valid_set, options.run.training));
  return Finish(options, all.source, all.embed_parameters, all.preprocessing, result);
}

absl::Status RunOnImages(Options options) {
  if (options.model.empty() || options.weights.empty()) {
    return absl::InvalidArgumentError(
        "these records hold images: give --model and --weights (FILE or none) for the frozen "
        "backbone to run on them every epoch, or give feature shards from `embed`");
  }
  train::FrozenBackboneSpec spec;
  spec.model = options.model;
  spec.weights = options.weights;
  spec.image_size = options.image_size;
  if (spec.image_size == 0) {
    ASSIGN_OR_RETURN(spec.image_size, train::InputImageSize(options.run.inputs));
  }
  spec.layer = options.layer;
  spec.mean = options.mean;
  spec.std = options.std;
  spec.device = options.run.training.device;
  spec.precision = options.run.precision;
  // Before the head: Create reseeds LibTorch's generator (the random backbone of --weights
  // none is embed's), and the head must start from the seed as on the feature path.
  ASSIGN_OR_RETURN(std::unique_ptr<train::FrozenBackbone> net, train::FrozenBackbone::Create(spec));
  ASSIGN_OR_RETURN(
      const train::TrainAndValidImages splits,
      train::LoadTrainAndValidImages(
          options.run.inputs, {.size = net->image_size(), .mean = net->mean(), .std = net->std()}));
  const train::ImageSet& train_split = splits.train;
  const train::ImageSet& valid_split = splits.valid;
  if (options.run.run_name.empty())
    options.run.run_name = models::PaperRunName(net->info().name, 0);
  options.head.in_features = net->width();
  options.run.training.run_dir = options.run.output;
  const train::TrainOptions& t = options.run.training;
  std::fprintf(stderr,
               "%s: %s, %zu train and %zu valid images; frozen %s at %d px run on every image "
               "every epoch; head %s\n",
               cli::ToolName().c_str(), options.run.run_name.c_str(), train_split.records.size(),
               valid_split.records.size(), net->info().name.c_str(), net->image_size(),
               options.head.ToString().c_str());

  torch::manual_seed(t.seed);
  train::Head head(options.head);
  try {
    // As TrainHead: the standardisation comes from the training set's features (one extra
    // pass of the backbone), then the head moves to the device.
    if (options.head.standardize) {
      head->FitStandardization(
          EmbedRange(*net, train_split, t.batch_size, 0, train_split.labels.numel())
              .to(torch::kCPU));
    }
    head->to(t.device);
    train::TrainTask task;
    task.model = head.ptr().get();
    task.parameters = head->parameters();
    task.train_labels = train_split.labels;
    task.train_logits = [&](const torch::Tensor& rows) {
      return head->forward(EmbedRows(*net, train_split, rows));
    };
    task.valid_labels = valid_split.labels;
    task.valid_logits = [&](int64_t begin, int64_t end) {
      torch::NoGradGuard no_grad;
      head->eval();
      return head->forward(EmbedRange(*net, valid_split, t.batch_size, begin, end)).to(torch::kCPU);
    };
    ASSIGN_OR_RETURN(train::TrainResult result, train::TrainLoop(task, t));
    return Finish(options, absl::StrCat("tl_train images: ", net->info().name), net->Parameters(),
                  splits.preprocessing, result);
  } catch (const c10::Error& e) {
    return absl::InternalError(std::string(e.what_without_backtrace()).substr(0, 300));
  }
}

}  // namespace

absl::Status Run(Options options) {
  models::SetComputeThreads(options.run.threads);
  ASSIGN_OR_RETURN(train::InputKind kind, train::DetectInputKind(options.run.inputs));
  ASSIGN_OR_RETURN(const std::unique_ptr<distributed::Communicator> ranks,
                   train::JoinRanks(&options.run));
  return kind == train::InputKind::kFeatures ? RunOnFeatures(std::move(options))
                                             : RunOnImages(std::move(options));
}

}  // namespace mammo::tl_train
