// A training run's checkpoints: best.pt holds the model's weights, last.pt also the RMSprop
// state and the loop's own state, everything a killed run needs to continue exactly where it
// stopped. Both are LibTorch archives written to a temporary name, synced and renamed.
//
//   LoopState state;
//   RETURN_IF_ERROR(SaveCheckpoint("run/last.pt", model, &optimizer, &state));
//   ...
//   RETURN_IF_ERROR(LoadCheckpoint("run/last.pt", model, &optimizer, &state));
//   RETURN_IF_ERROR(LoadCheckpoint("run/best.pt", model, nullptr, nullptr));  // weights only
#ifndef MAMMO_LIB_TRAIN_CHECKPOINT_H_
#define MAMMO_LIB_TRAIN_CHECKPOINT_H_

#include <torch/torch.h>

#include <string>

#include "absl/status/status.h"

namespace mammo::train {

// What, besides weights and optimizer state, a resumed run must know.
struct LoopState {
  int epochs_done = 0;
  int best_epoch = 0;
  double best_value = 0;
  int epochs_without_improvement = 0;
  bool finished = false;
  // Float16 training only (LossScaler): the loss scale and the good steps since it changed.
  double loss_scale = 1;
  int good_steps = 0;
};

// Writes the model's weights, and the optimizer's and loop's state where given (not null).
// The optimizer state is keyed by parameter position, not by LibTorch's TensorImpl address,
// so the file depends only on the training, byte for byte. Unavailable, naming the file and
// the system's reason, when it cannot be written.
absl::Status SaveCheckpoint(const std::string& path, torch::nn::Module& model,
                            torch::optim::RMSprop* optimizer, const LoopState* state);

// Reads what SaveCheckpoint wrote into a model of the same layout (and the optimizer and
// state where given). DataLoss naming the file when it is not such a checkpoint.
absl::Status LoadCheckpoint(const std::string& path, torch::nn::Module& model,
                            torch::optim::RMSprop* optimizer, LoopState* state);

}  // namespace mammo::train

#endif  // MAMMO_LIB_TRAIN_CHECKPOINT_H_
