// Keras layers placed on a backbone's forward units (backbone.h): which unit holds a layer's
// weights (fine tuning freezes by it), and how many units compute a layer's output (features
// taken from inside the network: `embed --layer mixed5`).
//
//   ASSIGN_OR_RETURN(std::vector<KerasLayer> layers, KerasLayers("inception_v3"));
//   std::vector<ForwardUnit> units = net->Units();
//   ASSIGN_OR_RETURN(size_t n, UnitsThroughLayer("inception_v3", layers, units, "mixed5"));
//   for (size_t i = 0; i < n; ++i) x = units[i].forward(x);   // x is mixed5's output
#ifndef MAMMO_LIB_MODELS_KERAS_UNITS_H_
#define MAMMO_LIB_MODELS_KERAS_UNITS_H_

#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "lib/models/backbone.h"
#include "lib/models/model_info.h"

namespace mammo::models {

// The forward unit holding each Keras layer's weights; nullopt for a layer without weights.
// Internal error when a layer's module lies in no unit (a model table out of step).
absl::StatusOr<std::vector<std::optional<size_t>>> PlaceLayers(
    const std::string& model, const std::vector<KerasLayer>& layers,
    const std::vector<ForwardUnit>& units);

// The number N of leading units whose output is Keras layer `layer_name`'s output. Units
// are whole blocks, so a layer inside a block (a branch convolution, a BatchNorm followed
// by its activation) is no cut point: InvalidArgument naming the layer and listing the
// layers that are. The input layer is no cut point either.
absl::StatusOr<size_t> UnitsThroughLayer(const std::string& model,
                                         const std::vector<KerasLayer>& layers,
                                         const std::vector<ForwardUnit>& units,
                                         const std::string& layer_name);

// The names of the layers UnitsThroughLayer accepts, in Keras's order.
absl::StatusOr<std::vector<std::string>> CutLayers(const std::string& model,
                                                   const std::vector<KerasLayer>& layers,
                                                   const std::vector<ForwardUnit>& units);

}  // namespace mammo::models

#endif  // MAMMO_LIB_MODELS_KERAS_UNITS_H_
