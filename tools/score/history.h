// The paper's overfitting ratio beta = train accuracy / validation accuracy, read from a
// training history (lib/train/history.h reads history.csv) at the best epoch.
//
//   ASSIGN_OR_RETURN(std::vector<train::EpochRecord> history,
//                    train::ReadHistory("runs/vgg16-TL/history.csv"));
//   ASSIGN_OR_RETURN(TrainingSummary summary, SummarizeHistory(history, best_epoch));
//   // summary.beta, summary.train_accuracy and summary.valid_accuracy at the best epoch
#ifndef MAMMO_TOOLS_SCORE_HISTORY_H_
#define MAMMO_TOOLS_SCORE_HISTORY_H_

#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "lib/train/history.h"

namespace mammo::score {

struct TrainingSummary {
  int epochs = 0;
  int best_epoch = 0;
  // "run.json" when the run said which epoch it kept, else "min valid_loss": the trainer's
  // default monitor, the best guess of which weights were kept.
  std::string best_epoch_source;
  double train_accuracy = 0;  // at best_epoch
  double valid_accuracy = 0;
  // train_accuracy / valid_accuracy; 0 when valid_accuracy is 0, as the trainer logs it.
  double beta = 0;
};

// Summarises `history` at `best_epoch` (from run.json) or, without one, at the epoch of least
// valid loss (the earliest on ties). FailedPrecondition when best_epoch is not in the history.
absl::StatusOr<TrainingSummary> SummarizeHistory(const std::vector<train::EpochRecord>& history,
                                                 std::optional<int> best_epoch);

}  // namespace mammo::score

#endif  // MAMMO_TOOLS_SCORE_HISTORY_H_
