#include "lib/train/run_config.h"

#include <nlohmann/json.hpp>

#include "absl/strings/str_cat.h"
#include "lib/io/byte_io.h"
#include "lib/status/status_macros.h"
#include "lib/train/run_folder.h"

namespace mammo::train {

const char* FinalCheckpoint(const RunConfig& config) {
  return config.restore_best ? kBestCheckpointFile : kLastCheckpointFile;
}

absl::Status WriteRunConfig(const std::string& path, const RunConfig& config) {
  nlohmann::ordered_json j;
  j["run_name"] = config.run_name;
  j["stage"] = config.stage;
  j["features_source"] = config.features_source;
  j["head"] = {{"in_features", config.head.in_features},
               {"hidden", config.head.hidden},
               {"dropout", config.head.dropout},
               {"standardize", config.head.standardize}};
  j["learning_rate"] = config.learning_rate;
  j["batch_size"] = config.batch_size;
  j["seed"] = config.seed;
  j["epochs_run"] = config.epochs_run;
  j["best_epoch"] = config.best_epoch;
  j["stopped_early"] = config.stopped_early;
  j["restore_best"] = config.restore_best;
  // The features' precision matters to predict even where their backbone is unknown.
  if (!config.precision.empty()) j["precision"] = config.precision;
  if (config.stage == "ft_train") j["frozen_bn"] = config.frozen_bn;
  if (!config.model.empty()) {
    j["model"] = config.model;
    if (config.stage != "tl_train") j["gamma"] = config.gamma;
    j["image_size"] = config.image_size;
    if (!config.layer.empty()) j["layer"] = config.layer;
    if (!config.variant.empty()) j["variant"] = config.variant;
    if (!config.weights.empty()) {
      j["weights"] = config.weights;
      j["mean"] = config.mean;
      j["std"] = config.std;
    }
  }
  if (!config.preprocessing.empty()) {
    nlohmann::ordered_json& preprocessing = j["preprocessing"] = nlohmann::ordered_json::object();
    for (const auto& [name, value] : config.preprocessing) preprocessing[name] = value;
  }
  return WriteFileAtomically(path, j.dump(2) + "\n");
}

absl::StatusOr<RunConfig> ReadRunConfig(const std::string& path) {
  absl::StatusOr<std::string> text = ReadFile(path);
  if (absl::IsNotFound(text.status())) {
    return absl::NotFoundError(absl::StrCat(path, ": missing (is this a run folder?)"));
  }
  RETURN_IF_ERROR(text.status());
  try {
    const nlohmann::ordered_json j = nlohmann::ordered_json::parse(*text);
    RunConfig config;
    config.run_name = j.at("run_name").get<std::string>();
    config.stage = j.at("stage").get<std::string>();
    config.features_source = j.at("features_source").get<std::string>();
    config.head.in_features = j.at("head").at("in_features").get<int64_t>();
    config.head.hidden = j.at("head").at("hidden").get<std::vector<int64_t>>();
    config.head.dropout = j.at("head").at("dropout").get<double>();
    config.head.standardize = j.at("head").at("standardize").get<bool>();
    config.learning_rate = j.at("learning_rate").get<double>();
    config.batch_size = j.at("batch_size").get<int>();
    config.seed = j.at("seed").get<uint64_t>();
    config.epochs_run = j.at("epochs_run").get<int>();
    config.best_epoch = j.at("best_epoch").get<int>();
    config.stopped_early = j.at("stopped_early").get<bool>();
    config.restore_best = j.value("restore_best", true);
    config.model = j.value("model", "");
    config.gamma = j.value("gamma", 0);
    config.image_size = j.value("image_size", 0);
    config.layer = j.value("layer", "");
    config.variant = j.value("variant", "");
    config.precision = j.value("precision", "");
    config.weights = j.value("weights", "");
    config.mean = j.value("mean", "");
    config.std = j.value("std", "");
    config.frozen_bn = j.value("frozen_bn", "inference");
    if (const auto it = j.find("preprocessing"); it != j.end()) {
      for (const auto& [name, value] : it->items()) {
        config.preprocessing.emplace_back(name, value.get<std::string>());
      }
    }
    if (config.frozen_bn != "inference" && config.frozen_bn != "batch_stats") {
      return absl::DataLossError(absl::StrCat(
          path, ": frozen_bn must be inference or batch_stats, not '", config.frozen_bn, "'"));
    }
    if (config.head.in_features <= 0) {
      return absl::DataLossError(absl::StrCat(path, ": head.in_features must be positive"));
    }
    return config;
  } catch (const nlohmann::json::exception& e) {
    return absl::DataLossError(absl::StrCat(path, ": not a valid run.json: ", e.what()));
  }
}

}  // namespace mammo::train
