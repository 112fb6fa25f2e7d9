#include "tools/predict/predict_lib.h"

#include <algorithm>
#include <filesystem>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "data_formats/record.pb.h"
#include "lib/cli/cli.h"
#include "lib/image/preprocess.h"
#include "lib/io/byte_io.h"
#include "lib/records/shard_reader.h"
#include "lib/status/status_macros.h"
#include "lib/train/feature_set.h"
#include "lib/train/finetune.h"
#include "lib/train/frozen_backbone.h"
#include "lib/train/precision.h"
#include "lib/train/run_config.h"
#include "lib/train/run_folder.h"
#include "lib/train/trainer.h"
#include "nlohmann/json.hpp"

namespace mammo::predict {
namespace {

// Ids come from file and folder names; quote a field only when CSV needs it.
std::string CsvField(const std::string& value) {
  if (value.find_first_of(",\"\r\n") == std::string::npos) return value;
  std::string quoted = "\"";
  for (char c : value) {
    if (c == '"') quoted.push_back('"');
    quoted.push_back(c);
  }
  return quoted + "\"";
}

void AppendLine(const std::string& id, const std::string& patient_id, const std::string& lesion_id,
                Split split, bool malignant, double probability, std::string* csv) {
  absl::StrAppendFormat(csv, "%s,%s,%s,%s,%d,%.9g\n", CsvField(id), CsvField(patient_id),
                        CsvField(lesion_id),
                        split == SPLIT_NONE ? "none" : absl::AsciiStrToLower(Split_Name(split)),
                        malignant ? 1 : 0, probability);
}

// Probabilities of the head on features [N, D] in chunks of a fixed number of rows, the last
// padded with zeros: a matrix product's last bits can depend on its row count, and a task's
// slice must give the rows one process gives.
torch::Tensor HeadProbabilities(train::Head& head, const torch::Tensor& features) {
  constexpr int64_t kChunk = 256;
  torch::NoGradGuard no_grad;
  head->eval();
  std::vector<torch::Tensor> parts;
  for (int64_t begin = 0; begin < features.size(0); begin += kChunk) {
    torch::Tensor chunk = features.slice(0, begin, begin + kChunk);
    const int64_t rows = chunk.size(0);
    if (rows < kChunk) chunk = torch::cat({chunk, torch::zeros({kChunk - rows, chunk.size(1)})});
    parts.push_back(torch::sigmoid(head->forward(chunk)).slice(0, 0, rows));
  }
  return torch::cat(parts).to(torch::kFloat64).contiguous();
}

// A tl_train run on image records: its frozen backbone (named in run.json; the checkpoint
// holds the head only) gives each image's features, then the head its probability.
// The frozen backbone that run.json names, checked against its head's width.
absl::StatusOr<std::unique_ptr<train::FrozenBackbone>> RunBackbone(const Options& options,
                                                                   const train::RunConfig& config) {
  if (config.model.empty()) {
    return absl::FailedPreconditionError(absl::StrCat(
        options.run_dir, "/run.json names no backbone (run ", config.run_name,
        " was trained on features of unknown origin): give predict feature shards from embed"));
  }
  train::FrozenBackboneSpec spec;
  spec.model = config.model;
  spec.weights = config.weights;
  spec.image_size = config.image_size;
  spec.layer = config.layer;
  ASSIGN_OR_RETURN(spec.mean, cli::ParseTriple(config.mean));
  ASSIGN_OR_RETURN(spec.std, cli::ParseTriple(config.std));
  ASSIGN_OR_RETURN(const train::Precision precision, train::PrecisionFromName(config.precision));
  spec.precision = train::CpuPrecisionFor(precision);
  absl::StatusOr<std::unique_ptr<train::FrozenBackbone>> created =
      train::FrozenBackbone::Create(spec);
  if (!created.ok()) {
    return absl::Status(
        created.status().code(),
        absl::StrCat(options.run_dir, "/run.json's backbone: ", created.status().message()));
  }
  if ((*created)->width() != config.head.in_features) {
    return absl::FailedPreconditionError(
        absl::StrCat(options.run_dir, "/run.json: ", config.model, " gives ", (*created)->width(),
                     " features, the head takes ", config.head.in_features));
  }
  return created;
}

absl::Status PredictTlImages(const Options& options, const train::RunConfig& config,
                             std::string* csv) {
  ASSIGN_OR_RETURN(std::unique_ptr<train::FrozenBackbone> backbone, RunBackbone(options, config));
  train::FrozenBackbone& net = *backbone;
  train::Head head(config.head);
  RETURN_IF_ERROR(
      train::LoadHeadWeights(absl::StrCat(options.run_dir, "/", options.checkpoint), head));

  // Features a batch at a time (images dropped once embedded; embed's fixed chunks), then the
  // head in HeadProbabilities' chunks, as for feature records: the probabilities are then
  // those of embed + predict bit for bit.
  ASSIGN_OR_RETURN(std::unique_ptr<ShardReader> reader, ShardReader::Open(options.inputs));
  if (options.task.count > 1) RETURN_IF_ERROR(reader->SelectTask(options.task));
  std::vector<Record> records;
  std::vector<torch::Tensor> features;
  size_t embedded = 0;
  const auto flush = [&]() -> absl::Status {
    if (embedded == records.size()) return absl::OkStatus();
    std::vector<const Record*> rows;
    for (size_t i = embedded; i < records.size(); ++i) rows.push_back(&records[i]);
    ASSIGN_OR_RETURN(torch::Tensor batch, net.Embed(rows));
    features.push_back(batch);
    for (; embedded < records.size(); ++embedded) records[embedded].clear_image();
    return absl::OkStatus();
  };
  std::vector<float> scratch(3 * static_cast<size_t>(net.image_size()) * net.image_size());
  Record record;
  while (true) {
    ASSIGN_OR_RETURN(bool got, reader->Next(&record));
    if (!got) break;
    if (!record.has_image() || record.image().data().empty()) {
      return absl::FailedPreconditionError(absl::StrCat(
          reader->Position(), ": record '", record.id(),
          "' has no image but earlier records do: give either features or images, not a mix"));
    }
    // Checked here, where the reader can say where the record is.
    const absl::Status decoded =
        PreprocessImage(record, net.image_size(), net.mean(), net.std(), scratch.data());
    if (!decoded.ok()) {
      return absl::Status(decoded.code(),
                          absl::StrCat(reader->Position(), ": ", decoded.message()));
    }
    record.clear_masks();
    record.clear_provenance();
    records.push_back(std::move(record));
    record = Record();
    if (records.size() - embedded == net.BatchForAllThreads()) RETURN_IF_ERROR(flush());
  }
  RETURN_IF_ERROR(flush());
  if (records.empty()) return absl::FailedPreconditionError("the inputs hold no records");
  const torch::Tensor probabilities = HeadProbabilities(head, torch::cat(features));
  for (size_t i = 0; i < records.size(); ++i) {
    const Record& r = records[i];
    AppendLine(r.id(), r.patient_id(), r.lesion_id(), r.split(), r.label() == MALIGNANT,
               probabilities.data_ptr<double>()[i], csv);
  }
  return absl::OkStatus();
}

// The head learnt features of one precision; bf16's rounding (about 1% of a feature) moves
// the probabilities of features of the other.
absl::Status CheckPrecision(const Options& options, const train::RunConfig& config,
                            const train::FeatureSet& set) {
  std::string features = "fp32";
  for (const auto& [name, value] : set.embed_parameters) {
    if (name == "precision") features = value;
  }
  const std::string trained = config.precision.empty() ? "fp32" : config.precision;
  if (features == trained || options.allow_precision_mismatch) return absl::OkStatus();
  return absl::FailedPreconditionError(
      absl::StrCat("the inputs' features were embedded in ", features, ", run ", config.run_name,
                   " was trained on ", trained, " features: embed them with --precision ", trained,
                   ", or pass --allow_precision_mismatch"));
}

}  // namespace

namespace {

absl::Status Predict(const Options& options, const train::RunConfig& config, std::string* csv) {
  if (config.stage == "ft_train") {  // a fine-tuned backbone: its inputs are images
    ASSIGN_OR_RETURN(
        train::ImagePredictions predictions,
        train::PredictImages(options.run_dir, options.checkpoint, options.inputs, options.task));
    for (size_t i = 0; i < predictions.records.size(); ++i) {
      const Record& r = predictions.records[i];
      AppendLine(r.id(), r.patient_id(), r.lesion_id(), r.split(), r.label() == MALIGNANT,
                 predictions.probabilities[i], csv);
    }
    return absl::OkStatus();
  }
  ASSIGN_OR_RETURN(train::InputKind kind, train::DetectInputKind(options.inputs));
  if (kind == train::InputKind::kImages) return PredictTlImages(options, config, csv);
  ASSIGN_OR_RETURN(train::FeatureSet set, train::LoadFeatureSet(options.inputs, options.task));
  RETURN_IF_ERROR(CheckPrecision(options, config, set));
  if (set.width() != config.head.in_features) {
    return absl::FailedPreconditionError(absl::StrCat(
        "the inputs have ", set.width(), " features per record, run ", config.run_name,
        " was trained on ", config.head.in_features, " (", config.features_source, ")"));
  }
  train::Head head(config.head);
  RETURN_IF_ERROR(
      train::LoadHeadWeights(absl::StrCat(options.run_dir, "/", options.checkpoint), head));
  const torch::Tensor probabilities = HeadProbabilities(head, set.features);
  const double* p = probabilities.data_ptr<double>();
  for (int64_t i = 0; i < set.size(); ++i) {
    AppendLine(set.ids[i], set.patient_ids[i], set.lesion_ids[i], set.splits[i],
               set.labels[i].item<float>() > 0.5f, p[i], csv);
  }
  return absl::OkStatus();
}

}  // namespace

absl::Status Run(const Options& requested) {
  Options options = requested;
  const bool part = options.task.count > 1;
  if (part && options.output == "-") {
    return absl::InvalidArgumentError(
        "--task: give each task its own --output file (e.g. preds.part3.csv), not stdout");
  }
  ASSIGN_OR_RETURN(train::RunConfig config,
                   train::ReadRunConfig(train::RunFile(options.run_dir, train::kRunConfigFile)));
  if (options.checkpoint.empty()) options.checkpoint = train::FinalCheckpoint(config);
  std::string csv = "id,patient_id,lesion_id,split,label,probability\n";
  RETURN_IF_ERROR(Predict(options, config, &csv));
  if (!part) return WriteFileAtomically(options.output, csv);
  // The part, then the file that says it is complete (a kill between leaves no marker).
  const std::string manifest = TaskFileManifestPath(options.output);
  std::filesystem::remove(manifest);
  RETURN_IF_ERROR(WriteFileAtomically(options.output, csv));
  nlohmann::json description = {
      {"stage", "predict"},
      {"run", options.run_dir},
      {"checkpoint", options.checkpoint},
      {"inputs", options.inputs},
      {"task", {{"index", options.task.index}, {"count", options.task.count}}},
      {"rows", std::count(csv.begin(), csv.end(), '\n') - 1}};
  return WriteFileAtomically(manifest, description.dump(2) + "\n");
}

}  // namespace mammo::predict
