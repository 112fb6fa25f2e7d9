#include "tools/score/history.h"

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"

namespace mammo::score {

absl::StatusOr<TrainingSummary> SummarizeHistory(const std::vector<train::EpochRecord>& history,
                                                 std::optional<int> best_epoch) {
  if (history.empty()) return absl::FailedPreconditionError("the history has no epochs");
  const train::EpochRecord* best = nullptr;
  TrainingSummary s;
  if (best_epoch.has_value()) {
    for (const train::EpochRecord& e : history) {
      if (e.epoch == *best_epoch) best = &e;
    }
    if (best == nullptr) {
      return absl::FailedPreconditionError(
          absl::StrCat("best epoch ", *best_epoch, " is not in the history"));
    }
    s.best_epoch_source = "run.json";
  } else {
    best = &history.front();
    for (const train::EpochRecord& e : history) {
      if (e.valid_loss < best->valid_loss) best = &e;
    }
    s.best_epoch_source = "min valid_loss";
  }
  s.epochs = static_cast<int>(history.size());
  s.best_epoch = best->epoch;
  s.train_accuracy = best->train_accuracy;
  s.valid_accuracy = best->valid_accuracy;
  s.beta = s.valid_accuracy > 0 ? s.train_accuracy / s.valid_accuracy : 0.0;
  return s;
}

}  // namespace mammo::score
