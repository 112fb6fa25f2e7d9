// embed: pooled features of a pretrained backbone for every record.

#include <optional>
#include <string>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/strings/str_cat.h"
#include "lib/cli/cli.h"
#include "lib/cli/malloc_tuning.h"
#include "lib/models/model_info.h"
#include "lib/records/task_flag.h"
#include "lib/train/precision.h"
#include "tools/embed/embed_lib.h"

ABSL_FLAG(std::string, model, "", "The backbone, one of the Models listed in --help (required).");
ABSL_FLAG(std::string, weights, "",
          "Pretrained weights: a safetensors file with timm or torchvision keys (the ImageNet "
          "classifier is ignored), or one that `weights convert` made from a Keras or TF.js "
          "model (it brings its Keras variant and normalisation), or 'none' for random weights "
          "(testing only). Required.");
ABSL_FLAG(std::string, layer, "",
          "Pool the output of this Keras layer (tf.keras 2.x names, e.g. mixed5 for "
          "inception_v3, block_12_add for mobilenet_v2, conv4_block6_out for resnet50) instead of "
          "the last "
          "convolutional block; only the network up to it runs. It must be a block boundary: "
          "the error lists the layers that are.");
ABSL_FLAG(std::vector<std::string>, input, {}, "Input shard specs, comma-separated (required).");
ABSL_FLAG(std::string, output, "", "Output shard spec DIR/PREFIX@N or '-' (required).");
ABSL_FLAG(int, image_size, 0,
          "Images are resized (not cropped) to this square side; 0: the input records' own "
          "side (the paper's ROIs: 320), read from the first record.");
ABSL_FLAG(int, batch, 0,
          "Images embedded together. On the CPU they run in chunks of 16, one chunk per "
          "thread (a short chunk is padded), so a multiple of 16 x --threads keeps every core "
          "busy; 0: 16 x threads on the CPU, 32 on CUDA.");
ABSL_FLAG(int, threads, 0, "Compute threads; 0: all cores.");
ABSL_FLAG(std::string, mean, "",
          "Per-channel mean R,G,B for pixels in [0, 1]; default: the weights' convention "
          "(ImageNet's 0.485,0.456,0.406; 0.5,0.5,0.5 for inception_v3, xception, "
          "inception_resnet_v2 and resnet50v2/101v2/152v2, as timm's weights expect).");
ABSL_FLAG(std::string, std, "", "Per-channel std R,G,B; default: the weights' convention.");
ABSL_FLAG(std::string, device, "cpu", "cpu or cuda (when LibTorch was built with CUDA).");
ABSL_FLAG(std::string, precision, "",
          "The backbone's arithmetic; features are stored as float32 either way. Default: "
          "fp32 on the CPU (byte-reproducible), fp16 on CUDA. fp32; bf16, CPU only (bfloat16 "
          "autocast with channels-last, about 2x faster where the CPU has AVX512-BF16 or AMX, "
          "features within a few percent of fp32's); fp16, CUDA only (float16 autocast); or "
          "auto (bf16 where the CPU has it, fp16 on CUDA, fp32 otherwise; says which). Other "
          "than fp32 it is recorded in the provenance.");

namespace {

constexpr char kUsage[] =
    R"(Usage: embed --model NAME --weights FILE|none --input SPEC --output SPEC [OPTION]...

Runs a frozen backbone (inference mode) with global average pooling on every
record's image and writes the records with their feature vector (images
dropped, ids, labels, splits and provenance kept, one provenance entry added).
Grey images are replicated to 3 channels. Progress and images/s on stderr.

Examples:
  embed --model vgg16 --weights vgg16.safetensors --input out/rois@8 \
    --output out/feats@8                  # at the ROIs' own 320x320
  embed --model inception_v3 --weights out/weights/inception_v3.safetensors \
    --layer mixed5 --input out/rois@8 --output out/feats@8)";

}  // namespace

int main(int argc, char** argv) {
  mammo::cli::KeepLargeBuffersInHeap();
  const std::vector<std::string> args =
      mammo::cli::ParseCommandLine(argc, argv, absl::StrCat(kUsage, mammo::models::ModelsHelp()));
  if (!args.empty()) return mammo::cli::UsageError("unexpected argument '" + args[0] + "'");
  mammo::embed::EmbedOptions options;
  options.model = mammo::models::CanonicalModelName(absl::GetFlag(FLAGS_model));
  options.weights = absl::GetFlag(FLAGS_weights);
  options.inputs = absl::GetFlag(FLAGS_input);
  options.output = absl::GetFlag(FLAGS_output);
  options.image_size = absl::GetFlag(FLAGS_image_size);
  options.layer = absl::GetFlag(FLAGS_layer);
  options.batch = absl::GetFlag(FLAGS_batch);
  options.threads = absl::GetFlag(FLAGS_threads);
  const std::string device = absl::GetFlag(FLAGS_device);
  if (device != "cpu" && device != "cuda")
    return mammo::cli::UsageError("--device must be cpu or cuda");
  options.cuda = device == "cuda";
  absl::StatusOr<mammo::train::Precision> precision =
      mammo::train::PrecisionFlag(absl::GetFlag(FLAGS_precision), options.cuda);
  if (!precision.ok()) return mammo::cli::UsageError(precision.status().message());
  options.precision = *precision;
  absl::StatusOr<mammo::Task> task = mammo::TaskFlag();
  if (!task.ok()) return mammo::cli::UsageError(task.status().message());
  options.task = *task;
  if (options.model.empty()) return mammo::cli::UsageError("--model is required");
  if (options.inputs.empty()) return mammo::cli::UsageError("--input is required");
  if (options.output.empty()) return mammo::cli::UsageError("--output is required");
  for (const auto& [flag, target] : {std::pair{absl::GetFlag(FLAGS_mean), &options.mean},
                                     std::pair{absl::GetFlag(FLAGS_std), &options.std}}) {
    if (flag.empty()) continue;
    absl::StatusOr<std::array<float, 3>> values = mammo::cli::ParseTriple(flag);
    if (!values.ok()) return mammo::cli::UsageError(values.status().message());
    *target = *values;
  }
  return mammo::cli::Finish(mammo::embed::Embed(options));
}
