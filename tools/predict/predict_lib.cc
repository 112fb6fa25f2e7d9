#include "tools/predict/predict_lib.h"

#include <algorithm>
#include <filesystem>
#include <memory>
#include <optional>
#include <set>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "data_formats/record.pb.h"
#include "lib/cli/cli.h"
#include "lib/image/preprocess.h"
#include "lib/io/byte_io.h"
#include "lib/metrics/recalibration.h"
#include "lib/metrics/worst_errors.h"
#include "lib/records/shard_reader.h"
#include "lib/status/status_macros.h"
#include "lib/train/feature_set.h"
#include "lib/train/finetune.h"
#include "lib/train/frozen_backbone.h"
#include "lib/train/grad_cam.h"
#include "lib/train/precision.h"
#include "lib/train/run_config.h"
#include "lib/train/run_folder.h"
#include "lib/train/trainer.h"
#include "nlohmann/json.hpp"
#include "tools/predict/heatmaps.h"

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

// One record's prediction, a line of the CSV.
struct Row {
  std::string id, patient_id, lesion_id;
  Split split = SPLIT_NONE;
  bool malignant = false;
  double probability = 0;
  Attributes attributes;
};

// The attributes score groups by (its subgroup table), as CSV cells: empty when unknown.
constexpr char kAttributeColumns[] =
    "view,breast_density,assessment,subtlety,mass_shape,mass_margins";
std::string AttributeCells(const Attributes& a) {
  auto number = [](int value) { return value == 0 ? std::string() : absl::StrCat(value); };
  return absl::StrCat(CsvField(a.view()), ",", number(a.breast_density()), ",",
                      number(a.assessment()), ",", number(a.subtlety()), ",",
                      CsvField(a.mass_shape()), ",", CsvField(a.mass_margins()));
}
using Rows = std::vector<Row>;

// The CSV; with a recalibration, `probability` is the recalibrated one and two columns follow:
// the head's own probability and the method, so that the file says what was done to it.
std::string Csv(const Rows& rows, const metrics::Recalibration* recalibration) {
  std::string csv = "id,patient_id,lesion_id,split,label,probability";
  if (recalibration != nullptr) csv += ",uncalibrated_probability,calibration";
  absl::StrAppend(&csv, ",", kAttributeColumns, "\n");
  for (const Row& row : rows) {
    const std::string split =
        row.split == SPLIT_NONE ? "none" : absl::AsciiStrToLower(Split_Name(row.split));
    absl::StrAppendFormat(&csv, "%s,%s,%s,%s,%d,", CsvField(row.id), CsvField(row.patient_id),
                          CsvField(row.lesion_id), split, row.malignant ? 1 : 0);
    if (recalibration == nullptr) {
      absl::StrAppendFormat(&csv, "%.9g,", row.probability);
    } else {
      absl::StrAppendFormat(&csv, "%.9g,%.9g,%s,", recalibration->Apply(row.probability),
                            row.probability, RecalibrationMethodName(recalibration->method));
    }
    absl::StrAppend(&csv, AttributeCells(row.attributes), "\n");
  }
  return csv;
}

// Fits the recalibration on the valid rows (issue 21: on VALID, applied to TEST and the rest).
absl::StatusOr<metrics::Recalibration> FitOnValid(const Rows& rows,
                                                  metrics::Recalibration::Method method) {
  std::vector<int> labels;
  std::vector<double> probabilities;
  for (const Row& row : rows) {
    if (row.split != VALID) continue;
    labels.push_back(row.malignant ? 1 : 0);
    probabilities.push_back(row.probability);
  }
  const size_t malignant = std::count(labels.begin(), labels.end(), 1);
  if (malignant == 0 || malignant == labels.size()) {
    return absl::FailedPreconditionError(absl::StrCat(
        "--calibrate fits on the valid split, and the inputs' valid rows are ", labels.size(), " (",
        malignant, " malignant): give predict the valid records too, of both classes"));
  }
  return metrics::FitRecalibration(method, labels, probabilities);
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

absl::Status PredictTlImages(const Options& options, const train::RunConfig& config, Rows* rows) {
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
    rows->push_back({r.id(), r.patient_id(), r.lesion_id(), r.split(), r.label() == MALIGNANT,
                     probabilities.data_ptr<double>()[i], r.attributes()});
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

// What the heatmaps need from the run, loaded before predicting so that a bad --heatmap_layer
// or feature inputs fail at once. The network's units run the modules of `backbone` (a
// tl_train run's) or of the fine-tuned model its head holds (an ft_train run's).
struct RunHeatmaps {
  std::unique_ptr<train::FrozenBackbone> backbone;
  HeatmapImages images;
};

absl::StatusOr<std::unique_ptr<RunHeatmaps>> LoadRunHeatmaps(const Options& options,
                                                             const train::RunConfig& config) {
  auto heatmaps = std::make_unique<RunHeatmaps>();
  if (config.stage == "ft_train") {
    ASSIGN_OR_RETURN(train::FineTunedRun run,
                     train::LoadFineTunedRun(options.run_dir, options.checkpoint));
    train::FineTuneModel model = run.model;
    ASSIGN_OR_RETURN(
        heatmaps->images.network,
        train::MakeGradCamNetwork(
            config.model, model->net(), model->feature_units(),
            [net = model.ptr()](const torch::Tensor& x) { return net->head()->forward(x); },
            options.heatmap_layer));
    heatmaps->images.network.bfloat16 = run.precision == train::Precision::kBFloat16;
    heatmaps->images.preprocessing = run.preprocessing;
    return heatmaps;
  }
  ASSIGN_OR_RETURN(train::InputKind kind, train::DetectInputKind(options.inputs));
  if (kind != train::InputKind::kImages) {
    return absl::FailedPreconditionError(
        "--heatmaps needs ROI image records, and the inputs hold features: give predict the "
        "image shards the features were embedded from");
  }
  ASSIGN_OR_RETURN(heatmaps->backbone, RunBackbone(options, config));
  const train::FrozenBackbone& backbone = *heatmaps->backbone;
  train::Head head(config.head);
  RETURN_IF_ERROR(
      train::LoadHeadWeights(absl::StrCat(options.run_dir, "/", options.checkpoint), head));
  head->eval();
  ASSIGN_OR_RETURN(heatmaps->images.network,
                   train::MakeGradCamNetwork(
                       config.model, backbone.net(), backbone.feature_units(),
                       [net = head.ptr()](const torch::Tensor& x) { return net->forward(x); },
                       options.heatmap_layer));
  heatmaps->images.network.bfloat16 = backbone.precision() == train::Precision::kBFloat16;
  heatmaps->images.preprocessing = {backbone.image_size(), backbone.mean(), backbone.std()};
  return heatmaps;
}

// Every record's id, or those of the worst errors of the probabilities the CSV gives.
std::set<std::string> HeatmapIds(const Options& options, const Rows& rows,
                                 const metrics::Recalibration* recalibration) {
  std::set<std::string> ids;
  if (options.heatmaps_top == 0) {
    for (const Row& row : rows) ids.insert(row.id);
    return ids;
  }
  std::vector<int> labels;
  std::vector<double> probabilities;
  for (const Row& row : rows) {
    labels.push_back(row.malignant ? 1 : 0);
    probabilities.push_back(recalibration != nullptr ? recalibration->Apply(row.probability)
                                                     : row.probability);
  }
  const metrics::WorstErrors worst = metrics::FindWorstErrors(
      labels, probabilities, kHeatmapThreshold, static_cast<size_t>(options.heatmaps_top));
  for (size_t i : worst.false_positives) ids.insert(rows[i].id);
  for (size_t i : worst.false_negatives) ids.insert(rows[i].id);
  return ids;
}

}  // namespace

namespace {

absl::Status Predict(const Options& options, const train::RunConfig& config, Rows* rows) {
  if (config.stage == "ft_train") {  // a fine-tuned backbone: its inputs are images
    ASSIGN_OR_RETURN(
        train::ImagePredictions predictions,
        train::PredictImages(options.run_dir, options.checkpoint, options.inputs, options.task));
    for (size_t i = 0; i < predictions.records.size(); ++i) {
      const Record& r = predictions.records[i];
      rows->push_back({r.id(), r.patient_id(), r.lesion_id(), r.split(), r.label() == MALIGNANT,
                       predictions.probabilities[i], r.attributes()});
    }
    return absl::OkStatus();
  }
  ASSIGN_OR_RETURN(train::InputKind kind, train::DetectInputKind(options.inputs));
  if (kind == train::InputKind::kImages) return PredictTlImages(options, config, rows);
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
    rows->push_back({set.ids[i], set.patient_ids[i], set.lesion_ids[i], set.splits[i],
                     set.labels[i].item<float>() > 0.5f, p[i], set.attributes[i]});
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
  if (part && options.calibrate.has_value()) {
    return absl::InvalidArgumentError(
        "--calibrate fits on the valid rows of all the inputs, which a --task slice lacks: "
        "merge the parts first, or predict in one process");
  }
  if (options.heatmaps_dir.empty() &&
      (options.heatmaps_top != 0 || !options.heatmap_layer.empty())) {
    return absl::InvalidArgumentError("--heatmaps_top and --heatmap_layer need --heatmaps DIR");
  }
  if (options.heatmaps_top < 0)
    return absl::InvalidArgumentError("--heatmaps_top must be at least 0");
  if (part && options.heatmaps_top > 0) {
    return absl::InvalidArgumentError(
        "--heatmaps_top ranks the errors of all the inputs, which a --task slice lacks: "
        "predict in one process, or draw every record's heatmap (--heatmaps alone)");
  }
  std::unique_ptr<RunHeatmaps> heatmaps;
  if (!options.heatmaps_dir.empty()) {
    RETURN_IF_ERROR(CreateHeatmapFolder(options.heatmaps_dir));
    ASSIGN_OR_RETURN(heatmaps, LoadRunHeatmaps(options, config));
  }
  Rows rows;
  RETURN_IF_ERROR(Predict(options, config, &rows));
  std::optional<metrics::Recalibration> recalibration;
  if (options.calibrate.has_value()) {
    ASSIGN_OR_RETURN(recalibration, FitOnValid(rows, *options.calibrate));
  }
  const metrics::Recalibration* recalibrated = recalibration ? &*recalibration : nullptr;
  if (heatmaps != nullptr) {
    RETURN_IF_ERROR(WriteHeatmaps(heatmaps->images, options.inputs, options.task,
                                  HeatmapIds(options, rows, recalibrated), options.heatmaps_dir));
  }
  const std::string csv = Csv(rows, recalibrated);
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

absl::StatusOr<std::string> PreprocessingLines(const std::string& run_dir) {
  ASSIGN_OR_RETURN(const train::RunConfig config,
                   train::ReadRunConfig(train::RunFile(run_dir, train::kRunConfigFile)));
  if (config.preprocessing.empty()) {
    return absl::FailedPreconditionError(
        absl::StrCat(run_dir, "/", train::kRunConfigFile,
                     " records no preprocessing: retrain on records from dcm2png and roicrop"));
  }
  std::string lines;
  for (const auto& [name, value] : config.preprocessing)
    absl::StrAppend(&lines, name, "=", value, "\n");
  absl::StrAppend(&lines, "embed.model=", config.model, "\n");
  absl::StrAppend(&lines, "embed.image_size=", config.image_size, "\n");
  if (!config.layer.empty()) absl::StrAppend(&lines, "embed.layer=", config.layer, "\n");
  absl::StrAppend(&lines, "embed.precision=", config.precision.empty() ? "fp32" : config.precision,
                  "\n");
  return lines;
}

}  // namespace mammo::predict
