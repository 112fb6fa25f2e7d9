// weights: converting Keras weights to our models' safetensors, and listing weight files.
//
//   RETURN_IF_ERROR(Convert({"tfjs", "inception_v3", "nsfw/model.json", "nsfw.safetensors"}));
//   RETURN_IF_ERROR(Inspect("nsfw.safetensors", std::cout));
//
// Convert reads a TF.js layers model (model.json, shards beside it) or a Keras .h5 file
// (lib/weights/tfjs_model.h, keras_h5.h), maps it onto the model's modules
// (lib/weights/keras_convert.h: names, transpositions, folds, metadata) and writes a
// safetensors file atomically: on any error nothing is written, not even a temporary file.
// Every error from the input is FailedPrecondition, DataLoss or NotFound (exit code 2), one
// line naming the file and the layer. No LibTorch in this header.
#ifndef MAMMO_TOOLS_WEIGHTS_WEIGHTS_LIB_H_
#define MAMMO_TOOLS_WEIGHTS_WEIGHTS_LIB_H_

#include <ostream>
#include <string>

#include "absl/status/status.h"

namespace mammo::weights_tool {

struct ConvertOptions {
  std::string from;    // "tfjs" or "keras_h5"
  std::string model;   // a name from lib/models/model_info.h with a Keras layer list
  std::string input;   // model.json or .h5
  std::string output;  // .safetensors
};

// Progress and a summary (tensors written, time) go to stderr.
absl::Status Convert(const ConvertOptions& options);

// Lists the tensors (name, dtype, shape, quantisation) and metadata of a safetensors file, a
// TF.js model.json or a Keras .h5 file, told apart by their first bytes.
absl::Status Inspect(const std::string& path, std::ostream& out);

}  // namespace mammo::weights_tool

#endif  // MAMMO_TOOLS_WEIGHTS_WEIGHTS_LIB_H_
