// The command-line flags tl_train and ft_train share, defined once (shared_training_flags.cc)
// so that both tools take the same names, defaults and help. Link this library into those two
// mains only: its flags appear in the --help of every binary that links it. Each tool keeps
// its own --hidden, --dropout and --lr, whose defaults are the paper's different TL and FT
// settings.
//
//   TrainingFlags flags = SharedTrainingFlags();
//   flags.hidden = absl::GetFlag(FLAGS_hidden);
//   flags.dropout = absl::GetFlag(FLAGS_dropout);
//   flags.learning_rate = absl::GetFlag(FLAGS_lr);
//   RETURN_IF_ERROR(ApplyTrainingFlags(flags, &head, &training));
//   ASSIGN_OR_RETURN(Precision precision, SharedPrecisionFlag(training.device.is_cuda()));
#ifndef MAMMO_LIB_TRAIN_SHARED_TRAINING_FLAGS_H_
#define MAMMO_LIB_TRAIN_SHARED_TRAINING_FLAGS_H_

#include "absl/status/statusor.h"
#include "lib/train/precision.h"
#include "lib/train/training_flags.h"

namespace mammo::train {

// Every field but hidden, dropout and learning_rate, from --rho, --epsilon, --batch_size,
// --max_epochs, --patience, --seed, --resume, --monitor and --device.
TrainingFlags SharedTrainingFlags();

// --threads (0: all cores).
int SharedThreadsFlag();

// --precision through PrecisionFlag: fp32, bf16, fp16 or auto (which says what it chose);
// unset: fp32 on the CPU, fp16 on CUDA.
absl::StatusOr<Precision> SharedPrecisionFlag(bool cuda);

}  // namespace mammo::train

#endif  // MAMMO_LIB_TRAIN_SHARED_TRAINING_FLAGS_H_
