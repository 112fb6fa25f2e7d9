// What a trainer is asked to do, whichever model it trains: which records, which run folder,
// and how. tl_train and ft_train read it from the same flags (shared_training_flags.h) and
// keep it as the `run` of their options.
//
//   RunRequest run;
//   run.inputs = {"out/aug_train", "out/aug_valid"};
//   run.output = "out/runs/vgg16-10-FT";
//   run.training.max_epochs = 3;
//   ASSIGN_OR_RETURN(std::unique_ptr<distributed::Communicator> ranks, JoinRanks(&run));
//   // null for one process; otherwise run.training.communicator points at it
#ifndef MAMMO_LIB_TRAIN_RUN_REQUEST_H_
#define MAMMO_LIB_TRAIN_RUN_REQUEST_H_

#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "lib/distributed/communicator.h"
#include "lib/train/precision.h"
#include "lib/train/trainer.h"

namespace mammo::train {

struct RunRequest {
  std::vector<std::string> inputs;  // record shards holding the TRAIN and VALID splits
  std::string output;               // the run folder
  std::string run_name;             // empty: the tool's, as the paper names runs
  // Its run_dir is set from `output`; restore_best from --restore_best (best.pt or last.pt
  // is the run's final model, recorded in run.json).
  TrainOptions training;
  int threads = 0;  // 0: all cores
  // The model's arithmetic (precision.h); heads, loss, weights and optimizer state stay float32.
  Precision precision = Precision::kFloat32;
  // How ranks meet when a launcher started several (--dist_backend, --dist_timeout).
  distributed::ConnectOptions distributed;
};

// Data-parallel training when torchrun or srun started this process as one of several ranks
// (distributed::WorldFromEnvironment): meets the others, points run->training.communicator at
// the connection, moves a CUDA device without an index to the rank's local GPU, and says so on
// stderr. Returns null, changing nothing, for a job of one process.
absl::StatusOr<std::unique_ptr<distributed::Communicator>> JoinRanks(RunRequest* run);

}  // namespace mammo::train

#endif  // MAMMO_LIB_TRAIN_RUN_REQUEST_H_
