// Reading Keras .h5 files as keras.applications (and model.save / save_weights) write them,
// with libhdf5's C API. No LibTorch here.
//
//   ASSIGN_OR_RETURN(KerasModel model,
//   ReadKerasH5("resnet50_weights_tf_dim_ordering_tf_kernels_notop.h5")); model.weights[0].name ==
//   "conv1_conv/kernel:0", .layer == "conv1_conv", .shape {7, 7, 3, 64}
//
// Two layouts. Weights-only files (save_weights, the *_notop.h5 downloads): the root group has
// the attribute `layer_names` (fixed-length byte strings, in model.layers order), each layer
// group `/<layer>` has `weight_names` (e.g. "conv1_conv/kernel:0") and the dataset
// `/<layer>/<weight_name>` holds the weight. Full-model files (model.save): the same under
// `/model_weights`, and the root attributes `model_config` (the model's JSON, which gives the
// layers their classes, configs and inputs) and `keras_version`. Datasets are float32;
// float64 and float16 are converted to float32.
//
// Errors name the file, the layer and the dataset, and the dataset's byte offset in the file
// when it is stored contiguously: NotFound for a missing file, DataLoss for a file HDF5
// cannot read, a missing group or dataset, an unreadable dataset, NaN or infinite values;
// InvalidArgument for a valid HDF5 file that is not a Keras weights file or has the wrong
// content (no layer_names, a non-float dataset, an unparseable model_config).
#ifndef MAMMO_LIB_WEIGHTS_KERAS_H5_H_
#define MAMMO_LIB_WEIGHTS_KERAS_H5_H_

#include <string>

#include "absl/status/statusor.h"
#include "lib/weights/keras_model.h"

namespace mammo::weights {

absl::StatusOr<KerasModel> ReadKerasH5(const std::string& path);

}  // namespace mammo::weights

#endif  // MAMMO_LIB_WEIGHTS_KERAS_H5_H_
