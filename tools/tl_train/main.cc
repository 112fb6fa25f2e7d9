// tl_train: transfer learning of the paper's head on backbone features.
#include <array>
#include <string>
#include <utility>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/strings/str_cat.h"
#include "lib/cli/cli.h"
#include "lib/cli/malloc_tuning.h"
#include "lib/models/model_info.h"
#include "lib/train/shared_training_flags.h"
#include "tools/tl_train/tl_train_lib.h"

ABSL_FLAG(std::string, hidden, "4096",
          "Widths of the hidden Dense+ReLU layers, comma-separated; 'none' for GAP -> dropout -> "
          "classifier.");
ABSL_FLAG(double, dropout, 0.2, "Dropout rate after each hidden layer.");
ABSL_FLAG(bool, standardize, false,
          "Standardise each feature with the training set's mean and std before the head "
          "(not in the paper; for badly scaled features, e.g. from a backbone with random "
          "weights). predict applies the same statistics.");
ABSL_FLAG(double, lr, 1e-5, "RMSprop learning rate (the paper: 1e-5).");
ABSL_FLAG(std::string, model, "",
          "Image records only (required then): the frozen backbone, as embed's --model.");
ABSL_FLAG(std::string, weights, "",
          "Image records only (required then): the backbone's safetensors file, or none "
          "(random weights, the same as embed's; testing only).");
ABSL_FLAG(int, image_size, 0, "Image records only: embed's --image_size (0: the records' own).");
ABSL_FLAG(std::string, layer, "",
          "Image records only: embed's --layer, the Keras layer whose pooled output is the "
          "features (default: the last convolutional block).");
ABSL_FLAG(std::string, mean, "", "Image records only: embed's --mean (default: the model's).");
ABSL_FLAG(std::string, std, "", "Image records only: embed's --std (default: the model's).");

namespace {

constexpr char kUsage[] = R"(Usage: tl_train [OPTION]... --input FEATURES --output RUN_DIR
       tl_train [OPTION]... --input ROIS --model NAME --weights FILE|none --output RUN_DIR

Trains the paper's transfer-learning head (global average pooled features ->
Dense 4096 ReLU -> Dropout 0.2 -> Dense 1 sigmoid) with RMSprop at 1e-5 and
binary cross-entropy, early stopping on validation loss with patience 50 that
restores the best epoch (Keras does not by default: --restore_best=false keeps
the last epoch's weights, Keras's default), at most 1000 epochs. A checkpoint each epoch (last.pt),
the best epoch (best.pt), history.csv with the overfitting ratio
beta = train_acc / valid_acc, and run.json for `predict`.

Deterministic on CPU for a seed; --resume after a kill gives the same weights
as an uninterrupted run. Started as several ranks (srun -n 2, or torchrun
--no_python ...), it trains data-parallel the weights one process would.

Two inputs, told apart by the records, giving the same run: feature records
from `embed` (the fast path: the backbone ran once per image), or ROI image
records, on which the frozen backbone (--model, --weights) runs every epoch in
inference mode, preprocessed exactly as embed does (same --image_size, --mean,
--std and defaults): the paper's Keras way, a backbone pass per image per epoch. With the
same backbone and thread count both give the same history and head weights.

Example:
  embed --model vgg16 --weights vgg16.safetensors --input out/aug_train,out/aug_valid --output out/feats@4
  tl_train --input out/feats --output out/runs/vgg16-TL
  predict --run out/runs/vgg16-TL --input out/test_feats --output out/vgg16-TL.csv
  tl_train --input out/aug_train,out/aug_valid --model vgg16 --weights vgg16.safetensors \
    --output out/runs/vgg16-TL-images)";

}  // namespace

int main(int argc, char** argv) {
  mammo::cli::KeepLargeBuffersInHeap();
  const std::vector<std::string> args =
      mammo::cli::ParseCommandLine(argc, argv, absl::StrCat(kUsage, mammo::models::ModelsHelp()));
  if (!args.empty()) return mammo::cli::UsageError("unexpected argument '" + args[0] + "'");
  mammo::tl_train::Options options;
  absl::StatusOr<mammo::train::RunRequest> run =
      mammo::train::ReadSharedTrainingFlags({.hidden = absl::GetFlag(FLAGS_hidden),
                                             .dropout = absl::GetFlag(FLAGS_dropout),
                                             .learning_rate = absl::GetFlag(FLAGS_lr)},
                                            &options.head);
  if (!run.ok()) return mammo::cli::UsageError(run.status().message());
  options.run = *std::move(run);
  options.head.standardize = absl::GetFlag(FLAGS_standardize);
  options.model = mammo::models::CanonicalModelName(absl::GetFlag(FLAGS_model));
  options.weights = absl::GetFlag(FLAGS_weights);
  options.image_size = absl::GetFlag(FLAGS_image_size);
  options.layer = absl::GetFlag(FLAGS_layer);
  for (const auto& [flag, target] : {std::pair{absl::GetFlag(FLAGS_mean), &options.mean},
                                     std::pair{absl::GetFlag(FLAGS_std), &options.std}}) {
    if (flag.empty()) continue;
    absl::StatusOr<std::array<float, 3>> values = mammo::cli::ParseTriple(flag);
    if (!values.ok()) return mammo::cli::UsageError(values.status().message());
    *target = *values;
  }
  return mammo::cli::Finish(mammo::tl_train::Run(options));
}
