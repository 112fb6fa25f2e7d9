// ft_train: the paper's fine tuning of a backbone and head on ROI images.
#include <string>
#include <utility>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/strings/str_cat.h"
#include "lib/cli/cli.h"
#include "lib/cli/malloc_tuning.h"
#include "lib/models/model_info.h"
#include "lib/train/shared_training_flags.h"
#include "tools/ft_train/ft_train_lib.h"

ABSL_FLAG(std::string, model, "vgg16",
          "The backbone: one of the Models listed in --help that has a Keras layer list.");
ABSL_FLAG(std::string, weights, "",
          "The backbone's pretrained weights: a timm/torchvision safetensors file, or one that "
          "`weights convert` made from a Keras or TF.js model (its variant and normalisation "
          "come with it), or none (random weights, for tests only).");
ABSL_FLAG(int, gamma, -1,
          "Fine tune from Keras layer gamma on (index 0 = input, include_top=False, tf.keras "
          "2.x order; ResNeXt from keras_applications); layers before it stay frozen.");
ABSL_FLAG(std::string, from_layer, "",
          "The Keras layer name to fine tune from, instead of --gamma.");
ABSL_FLAG(std::string, layer, "",
          "The Keras layer the head sits on (global average pooling of its output), e.g. "
          "mixed5 for inception_v3; layers after it are neither run nor trained. Default: the "
          "last convolutional block. Must be a block boundary (the error lists them).");
ABSL_FLAG(bool, freeze_bn_stats, false,
          "Keep every BatchNorm in inference mode, also in the fine-tuned blocks (frozen ones "
          "are with --frozen_bn=inference; refused with --frozen_bn=batch_stats).");
ABSL_FLAG(std::string, frozen_bn, "inference",
          "How frozen BatchNorm layers (layers < gamma) normalise while training: inference "
          "(their pretrained running statistics, as at inference: training and predict agree) "
          "or batch_stats (each batch's own statistics, running statistics untouched and used "
          "at validation and predict: Keras 2.2's behaviour, which collapsed every ResNet FT "
          "run of the paper's Table 9 to AUC 0.5; also runs the frozen prefix every batch). "
          "Recorded in run.json as frozen_bn.");
ABSL_FLAG(std::string, init_head, "",
          "A tl_train run folder whose final weights (best.pt, or last.pt if it ran with "
          "--restore_best=false) start the head (its head shape must match).");
ABSL_FLAG(std::string, hidden, "none",
          "Widths of hidden Dense+ReLU layers of the head, comma-separated, or none (the paper's "
          "FT head: GAP -> Dropout -> Dense 1; vgg16-8-FT used 4096).");
ABSL_FLAG(double, dropout, 0.2, "Dropout rate of the head.");
ABSL_FLAG(int, image_size, 0,
          "Square input side in pixels (0: the input records' own, 320 for the paper's ROIs).");
ABSL_FLAG(double, lr, 2e-7, "RMSprop learning rate (the paper: 2e-7).");
ABSL_FLAG(int64_t, cache_budget, 4096,
          "MiB for the frozen prefix's outputs of every image, computed once so that each "
          "epoch runs only the layers that train (same weights bit for bit); above it, or 0, "
          "the prefix runs on decoded images every batch, unless --cache_dir.");
ABSL_FLAG(std::string, cache_dir, "",
          "DIR for the frozen prefix's outputs when they exceed --cache_budget (train.prefix, "
          "valid.prefix): reused by a later run with the same model, cut, size, precision, "
          "weights and records, rewritten otherwise. Data-parallel ranks share the computing "
          "and each keeps its own copy (train.rankRofN.prefix; give each machine a local "
          "folder). Mind the size: N x the prefix's output (vgg16 gamma 10 at 320 px: 1.6 MB "
          "per image in fp32).");
ABSL_FLAG(std::string, cache_dtype, "same",
          "--cache_dir's dtype: same (the prefix's own: results bit for bit those uncached), "
          "bf16 or fp16 (half a fp32 run's disk; the suffix's inputs rounded).");

namespace {

constexpr char kUsage[] =
    R"(Usage: ft_train [OPTION]... --input ROIS --output RUN_DIR --weights FILE --gamma N

Fine tunes a backbone and the paper's FT head (global average pooling ->
Dropout 0.2 -> Dense 1 sigmoid) end to end on 8-bit grey ROI images, from the
Keras layer gamma on: every weight of a layer with index < gamma stays frozen,
the frozen prefix runs without autograd, and frozen BatchNorm layers run in
inference mode (--frozen_bn). RMSprop at 2e-7, binary cross-entropy, early stopping on
validation loss with patience 50 restoring the best epoch (Keras does not by
default: --restore_best=false keeps the last epoch's). A checkpoint each
epoch (last.pt), the best epoch (best.pt), history.csv with beta =
train_acc / valid_acc, and run.json. Deterministic on CPU for a seed;
--resume continues after a kill. Started as several ranks (srun -n 2, or
torchrun --no_python ...) it trains data-parallel, each rank a part of every
batch (BatchNorm layers that train use each rank's part, as PyTorch's DDP).

Images stay PNG-encoded in memory and are decoded per batch: memory is the
encoded ROIs (3,000 320x320 grey ROIs: at most 300 MiB) plus one batch.

Example (the paper's vgg16-10-FT, starting from the vgg16-TL head):
  tl_train --input out/feats --output out/runs/vgg16-TL --hidden none
  ft_train --input out/aug_train,out/aug_valid --output out/runs/vgg16-10-FT \
    --model vgg16 --weights vgg16.safetensors --from_layer block3_pool \
    --init_head out/runs/vgg16-TL)";

}  // namespace

int main(int argc, char** argv) {
  mammo::cli::KeepLargeBuffersInHeap();
  const std::vector<std::string> args =
      mammo::cli::ParseCommandLine(argc, argv, absl::StrCat(kUsage, mammo::models::ModelsHelp()));
  if (!args.empty()) return mammo::cli::UsageError("unexpected argument '" + args[0] + "'");
  mammo::ft_train::Options options;
  mammo::train::FineTuneSpec& spec = options.spec;
  absl::StatusOr<mammo::train::RunRequest> run =
      mammo::train::ReadSharedTrainingFlags({.hidden = absl::GetFlag(FLAGS_hidden),
                                             .dropout = absl::GetFlag(FLAGS_dropout),
                                             .learning_rate = absl::GetFlag(FLAGS_lr)},
                                            &spec.head);
  if (!run.ok()) return mammo::cli::UsageError(run.status().message());
  options.run = *std::move(run);
  options.init_head = absl::GetFlag(FLAGS_init_head);
  options.image_size = absl::GetFlag(FLAGS_image_size);
  options.cache_budget_mib = absl::GetFlag(FLAGS_cache_budget);
  options.cache_dir = absl::GetFlag(FLAGS_cache_dir);
  const std::string cache_dtype = absl::GetFlag(FLAGS_cache_dtype);
  if (cache_dtype == "bf16") {
    options.cache_dtype = torch::kBFloat16;
  } else if (cache_dtype == "fp16") {
    options.cache_dtype = torch::kFloat16;
  } else if (cache_dtype != "same") {
    return mammo::cli::UsageError("--cache_dtype must be same, bf16 or fp16");
  }
  spec.model = mammo::models::CanonicalModelName(absl::GetFlag(FLAGS_model));
  spec.weights = absl::GetFlag(FLAGS_weights);
  const absl::StatusOr<int> gamma = mammo::train::ResolveGamma(
      spec.model, absl::GetFlag(FLAGS_gamma), absl::GetFlag(FLAGS_from_layer));
  if (!gamma.ok()) return mammo::cli::UsageError(gamma.status().message());
  spec.gamma = *gamma;
  spec.freeze_bn_stats = absl::GetFlag(FLAGS_freeze_bn_stats);
  const absl::StatusOr<mammo::train::FrozenBatchNorm> frozen_bn =
      mammo::train::ParseFrozenBatchNorm(absl::GetFlag(FLAGS_frozen_bn));
  if (!frozen_bn.ok()) return mammo::cli::UsageError(frozen_bn.status().message());
  spec.frozen_bn = *frozen_bn;
  spec.layer = absl::GetFlag(FLAGS_layer);
  return mammo::cli::Finish(mammo::ft_train::Run(options));
}
