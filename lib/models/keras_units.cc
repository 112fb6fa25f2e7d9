#include "lib/models/keras_units.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "lib/status/status_macros.h"

namespace mammo::models {
namespace {

// For each layer, the number of leading units whose output is that layer's output, or
// nullopt when no prefix of units ends there. Keras lists layers by depth, so every layer of
// unit u+1 comes after every layer of unit u; the output of units [0, n) is the last layer
// before the first layer with weights in unit n or later. Layers without weights between two
// units (a pool after a block) belong to the later unit only if a later unit holds weights
// before them, so the cut is placed right before the next weighted layer.
absl::StatusOr<std::vector<std::optional<size_t>>> CutPoints(
    const std::string& model, const std::vector<KerasLayer>& layers,
    const std::vector<ForwardUnit>& units) {
  ASSIGN_OR_RETURN(std::vector<std::optional<size_t>> places, PlaceLayers(model, layers, units));
  std::vector<std::optional<size_t>> cuts(layers.size());
  std::optional<size_t> highest;  // the highest unit among the weighted layers so far
  for (size_t j = 0; j < layers.size(); ++j) {
    if (places[j].has_value()) highest = std::max(highest.value_or(0), *places[j]);
    if (!highest.has_value()) continue;  // the input and anything before the first weights
    if (j + 1 == layers.size()) {
      cuts[j] = units.size();
    } else if (places[j + 1].has_value() && *places[j + 1] > *highest) {
      cuts[j] = *places[j + 1];
    }
  }
  return cuts;
}

}  // namespace

absl::StatusOr<std::vector<std::optional<size_t>>> PlaceLayers(
    const std::string& model, const std::vector<KerasLayer>& layers,
    const std::vector<ForwardUnit>& units) {
  std::vector<std::optional<size_t>> places;
  for (const KerasLayer& layer : layers) {
    if (layer.module.empty()) {
      places.push_back(std::nullopt);
      continue;
    }
    size_t unit = 0;
    while (unit < units.size() && !UnitHolds(units[unit], layer.module)) ++unit;
    if (unit == units.size()) {
      return absl::InternalError(absl::StrCat("Keras layer ", layer.name, " of ", model,
                                              " is placed in ", layer.module,
                                              ", which no forward unit holds"));
    }
    places.push_back(unit);
  }
  return places;
}

absl::StatusOr<std::vector<std::string>> CutLayers(const std::string& model,
                                                   const std::vector<KerasLayer>& layers,
                                                   const std::vector<ForwardUnit>& units) {
  ASSIGN_OR_RETURN(std::vector<std::optional<size_t>> cuts, CutPoints(model, layers, units));
  std::vector<std::string> names;
  for (size_t j = 0; j < layers.size(); ++j) {
    if (cuts[j].has_value()) names.push_back(layers[j].name);
  }
  return names;
}

absl::StatusOr<size_t> UnitsThroughLayer(const std::string& model,
                                         const std::vector<KerasLayer>& layers,
                                         const std::vector<ForwardUnit>& units,
                                         const std::string& layer_name) {
  ASSIGN_OR_RETURN(std::vector<std::optional<size_t>> cuts, CutPoints(model, layers, units));
  std::vector<std::string> allowed;
  for (size_t j = 0; j < layers.size(); ++j) {
    if (!cuts[j].has_value()) continue;
    if (layers[j].name == layer_name) return *cuts[j];
    allowed.push_back(layers[j].name);
  }
  const bool known = std::any_of(layers.begin(), layers.end(),
                                 [&](const KerasLayer& l) { return l.name == layer_name; });
  return absl::InvalidArgumentError(absl::StrCat(
      "--layer ", layer_name, ": ", known ? "a layer inside a block of " : "not a Keras layer of ",
      model, " (tf.keras 2.x names); features can be taken after: ", absl::StrJoin(allowed, ", ")));
}

}  // namespace mammo::models
