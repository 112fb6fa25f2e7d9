#include "lib/train/training_flags.h"

#include "absl/strings/numbers.h"
#include "absl/strings/str_split.h"

namespace mammo::train {

absl::Status ApplyTrainingFlags(const TrainingFlags& flags, HeadOptions* head,
                                TrainOptions* training) {
  head->hidden.clear();
  if (flags.hidden != "none") {
    for (absl::string_view width : absl::StrSplit(flags.hidden, ',')) {
      int64_t value = 0;
      if (!absl::SimpleAtoi(width, &value) || value < 1) {
        return absl::InvalidArgumentError(
            "--hidden: expected positive widths like 4096 or 1024,256, or none");
      }
      head->hidden.push_back(value);
    }
  }
  if (flags.dropout < 0 || flags.dropout >= 1) {
    return absl::InvalidArgumentError("--dropout must be in [0, 1)");
  }
  head->dropout = flags.dropout;
  if (flags.learning_rate <= 0) return absl::InvalidArgumentError("--lr must be positive");
  training->learning_rate = flags.learning_rate;
  training->rho = flags.rho;
  training->epsilon = flags.epsilon;
  training->batch_size = flags.batch_size;
  training->max_epochs = flags.max_epochs;
  training->patience = flags.patience;
  training->seed = flags.seed;
  training->resume = flags.resume;
  if (flags.monitor == "val_loss") {
    training->monitor = Monitor::kValidLoss;
  } else if (flags.monitor == "val_acc") {
    training->monitor = Monitor::kValidAccuracy;
  } else {
    return absl::InvalidArgumentError("--monitor must be val_loss or val_acc");
  }
  if (flags.device == "cuda") {
    if (!torch::cuda::is_available()) {
      return absl::InvalidArgumentError(
          "--device cuda: this LibTorch has no CUDA or no GPU is visible (build with "
          "LIBTORCH_DIR pointing at a CUDA LibTorch)");
    }
    training->device = torch::kCUDA;
  } else if (flags.device == "cpu") {
    training->device = torch::kCPU;
  } else {
    return absl::InvalidArgumentError("--device must be cpu or cuda");
  }
  return absl::OkStatus();
}

}  // namespace mammo::train
