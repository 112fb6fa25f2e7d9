// Training histories (history.csv, as lib/train writes it) and the paper's overfitting ratio
// beta = train accuracy / validation accuracy, read at the best epoch.
//
//   ASSIGN_OR_RETURN(std::vector<HistoryEpoch> history, ReadHistory("runs/vgg16-TL/history.csv"));
//   ASSIGN_OR_RETURN(TrainingSummary summary, SummarizeHistory(history, best_epoch));
//   // summary.beta, summary.train_accuracy and summary.valid_accuracy at the best epoch
#ifndef MAMMO_TOOLS_SCORE_HISTORY_H_
#define MAMMO_TOOLS_SCORE_HISTORY_H_

#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"

namespace mammo::score {

struct HistoryEpoch {
  int epoch = 0;
  double train_loss = 0;
  double train_accuracy = 0;
  double valid_loss = 0;
  double valid_accuracy = 0;
};

// Reads a CSV whose header names at least epoch, train_loss, train_accuracy, valid_loss and
// valid_accuracy (other columns, such as the trainer's beta, are ignored). Errors are DataLoss
// "PATH:LINE: ..." or NotFound "PATH: cannot open"; an empty history is an error.
absl::StatusOr<std::vector<HistoryEpoch>> ReadHistory(const std::string& path);

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
absl::StatusOr<TrainingSummary> SummarizeHistory(const std::vector<HistoryEpoch>& history,
                                                 std::optional<int> best_epoch);

}  // namespace mammo::score

#endif  // MAMMO_TOOLS_SCORE_HISTORY_H_
