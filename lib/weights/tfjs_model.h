// Reading a TensorFlow.js layers model (what tensorflowjs_converter writes from Keras):
// model.json and the binary weight shards beside it.
//
//   ASSIGN_OR_RETURN(KerasModel model, ReadTfjsModel("nsfw/inception_v3/model.json"));
//   model.keras_version == "2.2.4"; model.layers[1].name == "conv2d_1"
//   model.weights[0].name == "batch_normalization_1/beta", .values dequantised to float32
//
// model.json: {"format": "layers-model", "modelTopology": {"keras_version", "model_config"},
// "weightsManifest": [{"paths": ["group1-shard1of2", ...], "weights": [{"name", "shape",
// "dtype": "float32"|"int32", "quantization"?: {"dtype": "uint8"|"uint16"|"float16", "min",
// "scale"}}, ...]}, ...]}. A group's weights lie back to back, in manifest order, across the
// concatenation of its shard files (relative to model.json's folder), little-endian. uint8
// and uint16 quantisation is affine per tensor (value = min + scale * q); float16 has no min
// or scale. The shards must hold exactly the bytes the manifest's weights need.
//
// Errors name model.json or the shard, the weight and the byte offset where one applies:
// NotFound for a missing file, DataLoss for unparseable JSON, truncated or oversized shards,
// and NaN or infinite values; InvalidArgument for a manifest or topology of the wrong shape
// (unknown dtype, negative dimension, duplicate weight name, ...).
#ifndef MAMMO_LIB_WEIGHTS_TFJS_MODEL_H_
#define MAMMO_LIB_WEIGHTS_TFJS_MODEL_H_

#include <string>

#include "absl/status/statusor.h"
#include "lib/weights/keras_model.h"

namespace mammo::weights {

absl::StatusOr<KerasModel> ReadTfjsModel(const std::string& model_json_path);

}  // namespace mammo::weights

#endif  // MAMMO_LIB_WEIGHTS_TFJS_MODEL_H_
