// Keras weights (a TF.js layers model or a .h5 file, read by tfjs_model.h / keras_h5.h) to the
// state_dict keys of our backbone (lib/models), as a safetensors file that LoadPretrained and
// CreatePretrained (lib/models/registry.h) load.
//
//   ASSIGN_OR_RETURN(KerasModel keras, ReadTfjsModel("nsfw/inception_v3/model.json"));
//   ASSIGN_OR_RETURN(KerasConversion converted, ConvertKeras(keras, "inception_v3"));
//   RETURN_IF_ERROR(WriteSafetensors("nsfw_inception_v3.safetensors", converted.tensors,
//                                    converted.metadata));
//
// Layers are matched by name against the model's Keras layer list (KerasLayers in
// lib/models/model_info.h), never by position. Files from Keras 2.2 and older number unnamed
// layers from _1 (`conv2d_1` is tf.keras's `conv2d`, `conv2d_2` its `conv2d_1`, and so for
// every automatically named class); the numbering of the file and of the model's list are each
// detected (a bare `conv2d` means tf.keras's) and the file's names are renumbered to the
// list's. Weightless layers the list lacks (Keras 2.2 MobileNetV2's `Conv1_pad`) are fine.
//
// Parameters, Keras (channels last) -> ours:
//   Conv2D          kernel [kh,kw,in,out] -> <module>.weight [out,in,kh,kw]; bias -> .bias
//   DepthwiseConv2D depthwise_kernel [kh,kw,in,m] -> <module>.weight [in*m,1,kh,kw]
//   SeparableConv2D depthwise_kernel -> <module>.conv1.weight, pointwise_kernel [1,1,in*m,out]
//                   -> <module>.pointwise.weight [out,in*m,1,1] (Xception)
//   BatchNorm       gamma, beta, moving_mean, moving_variance -> weight, bias, running_mean,
//                   running_var (no gamma with scale=False: ones; no beta: zeros)
//   Dense (top)     kernel [in,out] -> keras_top.<i>.weight [out,in]; bias -> keras_top.<i>.bias
// num_batches_tracked and the model's ImageNet classifier (ModelInfo::classifier_prefixes)
// are not written.
//
// Folded so that our modules compute what Keras computes:
//  (a) BatchNorm epsilon: ours is the created module's options().eps(), Keras's the layer
//      config's `epsilon` or, without a config, Keras's default for the model (1e-3;
//      ResNet50/101/152 1.001e-5): running_var + eps_keras - eps_ours, so that
//      running_var + eps_ours is Keras's variance + epsilon.
//  (b) A convolution bias that our convolution lacks (every convolution of Keras's ResNet)
//      is folded into the BatchNorm that takes the convolution's output (the model config's
//      inbound layer, or `X_conv` -> `X_bn` without a config): running_mean - bias.
//  (c) 'caffe' preprocessing (vgg16, vgg19, resnet50/101/152: Keras feeds BGR, mean-subtracted
//      pixels in 0..255): the first convolution's input channels are reversed, so the model
//      takes RGB; mammo.mean/std then say (123.68, 116.779, 103.939)/255 and 1/255.
//
// Layers after the model's last Keras layer form the file's "top": Dense layers become
// keras_top.<i>; Flatten, Dropout, GlobalAveragePooling2D and AveragePooling2D are allowed
// (pool sizes in mammo.keras_top_pool); anything else is an error.
//
// Every key of our state_dict (but the above) must come from exactly one Keras weight with
// exactly our shape; a missing, extra or ill-fitting weight is one InvalidArgument naming the
// file, the Keras layer and our key, e.g. "model.json: layer 'conv2d_5' weight 'kernel'
// [3,3,64,80] does not fit 'Conv2d_4a_3x3.conv.weight' [192,80,3,3]".
//
// Metadata written: format "pt"; mammo.model; mammo.variant "keras"; mammo.mean and mammo.std
// ("a,b,c", RGB pixels in [0, 1]); mammo.preprocessing "tf", "caffe" or "torch";
// mammo.keras_version ("unknown" when the file does not say); mammo.source (the input's
// basename and format); mammo.input_size when the file's input layer has a fixed size ("299",
// or "HxW"); with a top, mammo.keras_top (the Dense activations, "relu,relu,softmax";
// "unknown" without a model config) and mammo.keras_top_pool when it has a pooling layer.
#ifndef MAMMO_LIB_WEIGHTS_KERAS_CONVERT_H_
#define MAMMO_LIB_WEIGHTS_KERAS_CONVERT_H_

#include <map>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "lib/weights/keras_model.h"
#include "lib/weights/safetensors_writer.h"

namespace mammo::weights {

struct KerasConversion {
  std::vector<TensorToWrite> tensors;  // F32
  std::map<std::string, std::string> metadata;
  int mapped_layers = 0;     // Keras layers with weights that went to the backbone
  int top_dense_layers = 0;  // keras_top.<i>
  int folded_biases = 0;     // (b) above
};

// InvalidArgument for an unknown model, a model without a Keras layer list, or a file that
// does not fit the model (naming the file, the layer and our key).
absl::StatusOr<KerasConversion> ConvertKeras(const KerasModel& file, absl::string_view model_name);

// "tf", "caffe" or "torch": how Keras's preprocess_input feeds the model.
std::string KerasPreprocessing(absl::string_view model_name);

}  // namespace mammo::weights

#endif  // MAMMO_LIB_WEIGHTS_KERAS_CONVERT_H_
