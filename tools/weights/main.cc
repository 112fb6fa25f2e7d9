// weights: converts Keras weights (TF.js layers models, .h5 files) for our models; lists
// the tensors of weight files.

#include <iostream>
#include <string>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/strings/str_cat.h"
#include "lib/cli/cli.h"
#include "lib/cli/malloc_tuning.h"
#include "lib/models/model_info.h"
#include "tools/weights/weights_lib.h"

ABSL_FLAG(std::string, from, "",
          "convert: the input's format, tfjs (model.json with its shards beside it) or "
          "keras_h5 (a Keras .h5 file, weights only or a full model). Required.");
ABSL_FLAG(std::string, model, "",
          "convert: the model the weights are for, one of the Models listed in --help (required).");

namespace {

constexpr char kUsage[] = R"(Usage: weights convert|inspect [OPTION]... FILE...

  weights convert --from tfjs|keras_h5 --model NAME INPUT OUTPUT.safetensors
    Converts Keras weights to our model's safetensors keys. Layers are matched
    by their Keras names (Keras 2.2's conv2d_1 numbering is recognised), kernels
    transposed to PyTorch's layout, BatchNorm epsilons and ResNet's convolution
    biases folded, a 'caffe' model's first convolution turned from BGR to RGB.
    Dense layers after the backbone (a trained top) are kept as keras_top.N.
    The metadata say the model, variant (keras), input mean/std and more; the
    tools (embed, tl_train, ft_train, predict) read them. On any error: one
    line naming the file and the layer, exit code 2, and no output file.

  weights inspect FILE
    Lists the tensors (name, dtype, shape, quantisation) and metadata of a
    safetensors file, a TF.js model.json or a Keras .h5 file.

Example:
  weights convert --from tfjs --model inception_v3 \
    nsfw/inception_v3/model.json nsfw_inception_v3.safetensors
  weights convert --from keras_h5 --model resnet50 \
    resnet50_weights_tf_dim_ordering_tf_kernels_notop.h5 resnet50_keras.safetensors
  weights inspect nsfw_inception_v3.safetensors)";

}  // namespace

int main(int argc, char** argv) {
  mammo::cli::KeepLargeBuffersInHeap();
  const std::vector<std::string> args =
      mammo::cli::ParseCommandLine(argc, argv, absl::StrCat(kUsage, mammo::models::ModelsHelp()));
  if (args.empty()) return mammo::cli::UsageError("a command is required: convert or inspect");
  const std::string& command = args[0];
  if (command == "inspect") {
    if (args.size() != 2) return mammo::cli::UsageError("inspect takes one FILE");
    if (!absl::GetFlag(FLAGS_from).empty() || !absl::GetFlag(FLAGS_model).empty()) {
      return mammo::cli::UsageError("inspect takes no --from or --model");
    }
    return mammo::cli::Finish(mammo::weights_tool::Inspect(args[1], std::cout));
  }
  if (command != "convert") {
    return mammo::cli::UsageError("unknown command '" + command + "': convert or inspect");
  }
  mammo::weights_tool::ConvertOptions options;
  options.from = absl::GetFlag(FLAGS_from);
  options.model = absl::GetFlag(FLAGS_model);
  if (options.from != "tfjs" && options.from != "keras_h5") {
    return mammo::cli::UsageError("--from must be tfjs or keras_h5");
  }
  if (options.model.empty()) return mammo::cli::UsageError("--model is required");
  const absl::StatusOr<const mammo::models::ModelInfo*> model =
      mammo::models::RequireModel(options.model);
  if (!model.ok())
    return mammo::cli::UsageError("--model: " + std::string(model.status().message()));
  options.model = (*model)->name;
  if (args.size() != 3) return mammo::cli::UsageError("convert takes INPUT and OUTPUT");
  options.input = args[1];
  options.output = args[2];
  return mammo::cli::Finish(mammo::weights_tool::Convert(options));
}
