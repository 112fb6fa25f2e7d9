// The command-line flags tl_train and ft_train share, defined once (shared_training_flags.cc)
// so that both tools take the same names, defaults and help. Link this library into those two
// mains only: its flags appear in the --help of every binary that links it. Each tool keeps
// its own --hidden, --dropout and --lr, whose defaults are the paper's different TL and FT
// settings, and passes their values in.
//
//   ASSIGN_OR_RETURN(options.run,
//                    ReadSharedTrainingFlags({.hidden = absl::GetFlag(FLAGS_hidden),
//                                             .dropout = absl::GetFlag(FLAGS_dropout),
//                                             .learning_rate = absl::GetFlag(FLAGS_lr)},
//                                            &options.head));
#ifndef MAMMO_LIB_TRAIN_SHARED_TRAINING_FLAGS_H_
#define MAMMO_LIB_TRAIN_SHARED_TRAINING_FLAGS_H_

#include <string>

#include "absl/status/statusor.h"
#include "lib/train/head_options.h"
#include "lib/train/run_request.h"

namespace mammo::train {

// The values of the flags each tool defines itself.
struct ToolTrainingFlags {
  std::string hidden;  // "4096", "1024,256" or "none"
  double dropout = 0;
  double learning_rate = 0;
};

// Reads --input and --output (both required), --run_name, --threads, --precision (fp32, bf16,
// fp16 or auto, which says what it chose; unset: fp32 on the CPU, fp16 on CUDA) and the
// training flags (--rho, --epsilon, --batch_size, --max_epochs, --patience, --seed, --resume,
// --monitor, --restore_best, --device), --dist_backend and --dist_timeout with the tool's own; sets
// the head's hidden widths and dropout. InvalidArgument naming the flag on a bad or missing value.
absl::StatusOr<RunRequest> ReadSharedTrainingFlags(const ToolTrainingFlags& own, HeadOptions* head);

}  // namespace mammo::train

#endif  // MAMMO_LIB_TRAIN_SHARED_TRAINING_FLAGS_H_
