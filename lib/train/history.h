// A training run's history.csv: one row per epoch, written by TrainLoop (lib/train/trainer.h)
// and read back by it on resume and by score for its figures and beta. No LibTorch here, so
// that score reads runs without linking it.
//
//   WriteFileAtomically("runs/vgg16-TL/history.csv", HistoryCsv(history));
//   ASSIGN_OR_RETURN(std::vector<EpochRecord> read, ReadHistory("runs/vgg16-TL/history.csv"));
//   // read == history, every double to the last bit
#ifndef MAMMO_LIB_TRAIN_HISTORY_H_
#define MAMMO_LIB_TRAIN_HISTORY_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"

namespace mammo::train {

struct EpochRecord {
  int epoch = 0;  // 1-based
  double train_loss = 0, train_accuracy = 0;
  double valid_loss = 0, valid_accuracy = 0;
  double learning_rate = 0;
  double seconds = 0;
  // The paper's overfitting ratio beta = train accuracy / validation accuracy.
  double beta() const { return valid_accuracy > 0 ? train_accuracy / valid_accuracy : 0.0; }
};

inline constexpr char kHistoryHeader[] =
    "epoch,train_loss,train_accuracy,valid_loss,valid_accuracy,beta,learning_rate,seconds";

// The CSV text: kHistoryHeader, then one row per epoch. Every number but seconds (3
// decimals) is the shortest text that reads back as the same double, so that a resumed run
// rebuilds its earlier epochs, and their beta, exactly as the uninterrupted run had them.
std::string HistoryCsv(const std::vector<EpochRecord>& history);

// Reads a CSV whose header names at least epoch, train_loss, train_accuracy, valid_loss and
// valid_accuracy, in any order; learning_rate and seconds are read where present (0
// otherwise), other columns (such as beta, which is computed) ignored. Read by lib/csv:
// NotFound for a missing file; DataLoss "PATH:LINE: ..." for a malformed header or row;
// DataLoss for no rows.
absl::StatusOr<std::vector<EpochRecord>> ReadHistory(const std::string& path);

}  // namespace mammo::train

#endif  // MAMMO_LIB_TRAIN_HISTORY_H_
