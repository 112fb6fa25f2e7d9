#include "lib/train/shared_training_flags.h"

#include <cstdint>
#include <string>
#include <vector>

#include "absl/flags/flag.h"
#include "lib/status/status_macros.h"
#include "lib/train/training_flags.h"

ABSL_FLAG(std::vector<std::string>, input, {},
          "Record shards, comma-separated specs (tl_train: feature records from `embed` or ROI "
          "image records; ft_train: ROI image records). TRAIN records train, VALID records drive "
          "early stopping, others are ignored.");
ABSL_FLAG(std::string, output, "", "The run folder: best.pt, last.pt, history.csv, run.json.");
ABSL_FLAG(std::string, run_name, "",
          "Name of the run (default, as the paper names runs: MODEL-TL for tl_train, "
          "MODEL-GAMMA-FT for ft_train).");
ABSL_FLAG(double, rho, 0.9, "RMSprop rho, Keras's default (LibTorch's alpha).");
ABSL_FLAG(double, epsilon, 1e-7, "RMSprop epsilon, Keras's default (LibTorch's eps).");
ABSL_FLAG(int, batch_size, 32, "Mini-batch size (Keras's default).");
ABSL_FLAG(int, max_epochs, 1000, "Upper bound on epochs (the paper: 1000).");
ABSL_FLAG(int, patience, 50, "Early stopping: epochs without improvement (the paper: 50).");
ABSL_FLAG(std::string, monitor, "val_loss", "Early stopping monitors val_loss or val_acc.");
ABSL_FLAG(bool, restore_best, true,
          "At the end the model takes the best epoch's weights (best.pt) back, as Keras's "
          "EarlyStopping(restore_best_weights=True) does; that is not Keras's default, nor "
          "necessarily what the paper ran. --restore_best=false gives Keras's default: the "
          "model ends with the last epoch's weights (last.pt). Recorded in run.json as "
          "restore_best; predict uses that checkpoint unless told --checkpoint.");
ABSL_FLAG(uint64_t, seed, 42, "Seed of the head's initial weights, shuffling and dropout.");
ABSL_FLAG(int, threads, 0, "CPU threads (0: all cores).");
ABSL_FLAG(bool, resume, false, "Continue the run in --output from its last checkpoint.");
ABSL_FLAG(std::string, device, "cpu", "cpu or cuda (when LibTorch was built with CUDA).");
ABSL_FLAG(std::string, precision, "",
          "The model's arithmetic (tl_train: the frozen backbone on image records; feature "
          "records keep what embed chose). Default: fp32 on the CPU (byte-reproducible), fp16 "
          "on CUDA. fp32; bf16, CPU only (bfloat16 autocast in channels-last, about 2x faster "
          "where the CPU has AVX512-BF16 or AMX); fp16, CUDA only (float16 autocast, the loss "
          "scaled dynamically where gradients flow through float16); or auto (bf16 where the "
          "CPU has it, fp16 on CUDA, fp32 otherwise; says which). Heads, loss, weights and "
          "RMSprop state stay float32. Recorded in run.json; predict runs the model so too.");

ABSL_FLAG(std::string, dist_backend, "gloo",
          "Data-parallel training (several ranks started by torchrun or `srun -n N`): the "
          "collectives' backend, gloo (CPU; Debian's LibTorch) or nccl (CUDA, one rank per GPU; "
          "needs a LibTorch built with it). One process ignores it.");
ABSL_FLAG(int, dist_timeout, 300,
          "Data-parallel training: seconds to wait for the other ranks to arrive, and for any one "
          "collective; a rank that died makes the others fail, with a message, no later.");

namespace mammo::train {

absl::StatusOr<RunRequest> ReadSharedTrainingFlags(const ToolTrainingFlags& own,
                                                   HeadOptions* head) {
  RunRequest run;
  run.inputs = absl::GetFlag(FLAGS_input);
  run.output = absl::GetFlag(FLAGS_output);
  if (run.inputs.empty()) return absl::InvalidArgumentError("--input is required");
  if (run.output.empty()) {
    return absl::InvalidArgumentError("--output (the run folder) is required");
  }
  run.run_name = absl::GetFlag(FLAGS_run_name);
  run.threads = absl::GetFlag(FLAGS_threads);
  TrainingFlags flags;
  flags.hidden = own.hidden;
  flags.dropout = own.dropout;
  flags.learning_rate = own.learning_rate;
  flags.rho = absl::GetFlag(FLAGS_rho);
  flags.epsilon = absl::GetFlag(FLAGS_epsilon);
  flags.batch_size = absl::GetFlag(FLAGS_batch_size);
  flags.max_epochs = absl::GetFlag(FLAGS_max_epochs);
  flags.patience = absl::GetFlag(FLAGS_patience);
  flags.seed = absl::GetFlag(FLAGS_seed);
  flags.resume = absl::GetFlag(FLAGS_resume);
  flags.monitor = absl::GetFlag(FLAGS_monitor);
  flags.device = absl::GetFlag(FLAGS_device);
  RETURN_IF_ERROR(ApplyTrainingFlags(flags, head, &run.training));
  run.training.restore_best = absl::GetFlag(FLAGS_restore_best);
  ASSIGN_OR_RETURN(run.precision,
                   PrecisionFlag(absl::GetFlag(FLAGS_precision), run.training.device.is_cuda()));
  ASSIGN_OR_RETURN(run.distributed.backend,
                   distributed::ParseBackend(absl::GetFlag(FLAGS_dist_backend)));
  if (absl::GetFlag(FLAGS_dist_timeout) < 1) {
    return absl::InvalidArgumentError("--dist_timeout must be at least 1 (seconds)");
  }
  run.distributed.timeout = std::chrono::seconds(absl::GetFlag(FLAGS_dist_timeout));
  return run;
}

}  // namespace mammo::train
