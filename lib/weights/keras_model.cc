#include "lib/weights/keras_model.h"

#include <utility>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "lib/status/status_macros.h"

namespace mammo::weights {
namespace {

using Json = nlohmann::json;

bool IsModelClass(const std::string& class_name) {
  return class_name == "Model" || class_name == "Functional" || class_name == "Sequential";
}

absl::Status AppendLayers(const std::string& path, const Json& model, int depth,
                          std::vector<KerasLayerInfo>* layers) {
  if (depth > 16) return absl::InvalidArgumentError(path + ": model config nested too deeply");
  if (!model.is_object() || !model.contains("config")) {
    return absl::InvalidArgumentError(path + ": model config has no 'config' object");
  }
  const Json& config = model["config"];
  // Keras 2.2's Sequential stores the layer list itself as its config.
  const Json* list = config.is_array() ? &config : nullptr;
  if (config.is_object() && config.contains("layers")) list = &config["layers"];
  if (list == nullptr || !list->is_array()) {
    return absl::InvalidArgumentError(path + ": model config has no 'layers' list");
  }
  for (size_t i = 0; i < list->size(); ++i) {
    const Json& entry = (*list)[i];
    if (!entry.is_object() || !entry.contains("class_name") || !entry["class_name"].is_string()) {
      return absl::InvalidArgumentError(
          absl::StrCat(path, ": model config layer ", i, " has no class_name"));
    }
    KerasLayerInfo layer;
    layer.class_name = entry["class_name"].get<std::string>();
    layer.config = entry.contains("config") ? entry["config"] : Json(nullptr);
    if (entry.contains("name") && entry["name"].is_string()) {
      layer.name = entry["name"].get<std::string>();
    } else if (layer.config.is_object() && layer.config.contains("name") &&
               layer.config["name"].is_string()) {
      layer.name = layer.config["name"].get<std::string>();
    } else {
      return absl::InvalidArgumentError(
          absl::StrCat(path, ": model config layer ", i, " (", layer.class_name, ") has no name"));
    }
    if (IsModelClass(layer.class_name)) {
      RETURN_IF_ERROR(AppendLayers(path, entry, depth + 1, layers));
      continue;
    }
    // inbound_nodes: [[["conv2d_1", 0, 0, {}], ...], ...] (Keras 2.x); only the first call.
    if (entry.contains("inbound_nodes") && entry["inbound_nodes"].is_array() &&
        !entry["inbound_nodes"].empty() && entry["inbound_nodes"][0].is_array()) {
      for (const Json& input : entry["inbound_nodes"][0]) {
        if (input.is_array() && !input.empty() && input[0].is_string()) {
          layer.inbound.push_back(input[0].get<std::string>());
        }
      }
    }
    layers->push_back(std::move(layer));
  }
  return absl::OkStatus();
}

}  // namespace

const KerasLayerInfo* KerasModel::FindLayer(absl::string_view name) const {
  for (const KerasLayerInfo& layer : layers) {
    if (layer.name == name) return &layer;
  }
  return nullptr;
}

absl::StatusOr<std::vector<KerasLayerInfo>> ParseKerasModelConfig(const std::string& path,
                                                                  const Json& config) {
  std::vector<KerasLayerInfo> layers;
  RETURN_IF_ERROR(AppendLayers(path, config, 0, &layers));
  return layers;
}

void SplitWeightName(const std::string& name, std::string* layer, std::string* param) {
  std::vector<std::string> parts = absl::StrSplit(name, '/');
  std::string last = parts.back();
  const size_t colon = last.rfind(':');
  if (colon != std::string::npos) last.resize(colon);
  *param = last;
  *layer = parts.size() >= 2 ? parts[parts.size() - 2] : "";
}

}  // namespace mammo::weights
