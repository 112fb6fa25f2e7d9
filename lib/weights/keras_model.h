// A Keras model's layers and weights as a file holds them, whatever the file format: what the
// TF.js reader (tfjs_model.h) and the HDF5 reader (keras_h5.h) give, and what the converter to
// our modules (keras_convert.h) takes. No LibTorch here.
//
//   ASSIGN_OR_RETURN(KerasModel model, ReadTfjsModel("nsfw/model.json"));
//   for (const KerasWeight& w : model.weights) {
//     // w.layer == "conv2d_1", w.param == "kernel", w.shape == {3, 3, 3, 32},
//     // w.values: float32, dequantised; w.quantization == "uint8", w.dtype == "float32"
//   }
//   const KerasLayerInfo* layer = model.FindLayer("mixed10");   // class_name "Concatenate"
//
// Weights keep Keras's layouts (channels last: Conv2D kernel [kh, kw, in, out], Dense [in, out]).
#ifndef MAMMO_LIB_WEIGHTS_KERAS_MODEL_H_
#define MAMMO_LIB_WEIGHTS_KERAS_MODEL_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "nlohmann/json.hpp"

namespace mammo::weights {

struct KerasWeight {
  std::string name;   // as stored: "conv2d_1/kernel" (TF.js), "conv1_conv/kernel:0" (.h5)
  std::string layer;  // the layer it belongs to: "conv2d_1" (the component before the last)
  std::string param;  // "kernel", "bias", "gamma", "moving_variance", ... (":0" dropped)
  std::vector<int64_t> shape;
  std::vector<float> values;  // row-major, dequantised or converted to float32
  std::string dtype;          // as stored: "float32", "int32", "float16", "float64"
  std::string quantization;   // TF.js only: "", "uint8", "uint16" or "float16"
  double quant_min = 0;       // uint8/uint16: value = quant_min + quant_scale * q
  double quant_scale = 0;
};

struct KerasLayerInfo {
  std::string name;
  std::string class_name;            // "Conv2D", ...; empty when the file has no model config
  nlohmann::json config;             // the layer's "config" object; null without a model config
  std::vector<std::string> inbound;  // names of the layers feeding it (first call only)
};

struct KerasModel {
  std::string path;           // the file read, used in every error message
  std::string format;         // "tfjs" or "keras_h5"
  std::string keras_version;  // "2.2.4"; empty when the file does not say
  bool has_config = false;    // whether `layers` came with classes, configs and inbounds
  // Layers in the file's order (the model config's, or a weights-only .h5's layer_names).
  std::vector<KerasLayerInfo> layers;
  // Weights in the file's order.
  std::vector<KerasWeight> weights;

  const KerasLayerInfo* FindLayer(absl::string_view name) const;
};

// Keras 'model_config' JSON ({"class_name": "Model"|"Functional"|"Sequential", "config": ...})
// to its layer list; nested models' layers are listed in place of the nested model.
// InvalidArgument naming `path` and the layer for a malformed config.
absl::StatusOr<std::vector<KerasLayerInfo>> ParseKerasModelConfig(const std::string& path,
                                                                  const nlohmann::json& config);

// "conv2d_1/kernel:0" -> layer "conv2d_1", param "kernel"; "model/conv/bias" -> "conv", "bias".
void SplitWeightName(const std::string& name, std::string* layer, std::string* param);

}  // namespace mammo::weights

#endif  // MAMMO_LIB_WEIGHTS_KERAS_MODEL_H_
