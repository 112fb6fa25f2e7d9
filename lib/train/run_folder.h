// The files of a training run's folder (tl_train and ft_train write it; predict and score read
// it), and the libraries that read and write each of them without LibTorch:
//
//   RUN/run.json         what the run was (lib/train/run_config.h)
//   RUN/history.csv      one row per epoch (lib/train/history.h)
//   RUN/best.pt          the best epoch's weights (lib/train/checkpoint.h, LibTorch)
//   RUN/last.pt          the last epoch's weights and the loop's state, for --resume
//   RUN/predictions.csv  predict's output, which score reads
//
//   ASSIGN_OR_RETURN(RunConfig config, ReadRunConfig(RunFile(dir, kRunConfigFile)));
#ifndef MAMMO_LIB_TRAIN_RUN_FOLDER_H_
#define MAMMO_LIB_TRAIN_RUN_FOLDER_H_

#include <string>

namespace mammo::train {

inline constexpr char kRunConfigFile[] = "run.json";
inline constexpr char kHistoryFile[] = "history.csv";
inline constexpr char kBestCheckpointFile[] = "best.pt";
inline constexpr char kLastCheckpointFile[] = "last.pt";
inline constexpr char kPredictionsFile[] = "predictions.csv";

inline std::string RunFile(const std::string& run_dir, const char* name) {
  return run_dir + "/" + name;
}

}  // namespace mammo::train

#endif  // MAMMO_LIB_TRAIN_RUN_FOLDER_H_
