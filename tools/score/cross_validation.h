// K-fold cross-validation across run folders, one per fold (augment --fold I/K, then the same
// training in each): every fold's test split scored, the folds' spread, and the pooled
// out-of-fold AUC, each test case scored by the one model that never saw its patient.
//
//   ASSIGN_OR_RETURN(const CrossValidation cv, ScoreFolds({"cv/fold0/runs/x", ...}, options));
//   std::cout << CrossValidationMarkdown(cv);
#ifndef MAMMO_TOOLS_SCORE_CROSS_VALIDATION_H_
#define MAMMO_TOOLS_SCORE_CROSS_VALIDATION_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "tools/score/score_lib.h"

namespace mammo::score {

struct CrossValidation {
  std::vector<SplitScore> folds;  // each fold's test split, in the order of the run folders
  double mean_auc = 0;
  double sd_auc = 0;  // the sample standard deviation of the folds' AUCs (K - 1)
  SplitScore pooled;  // every fold's test cases together
};

// Scores each run folder's predictions.csv (lib/train/run_folder.h) on its test split and all
// test splits pooled. FailedPrecondition naming the folder when one has no test split or fewer
// than two folders are given, and naming the patient (or lesion) and folds when one is tested
// in two folds: the folds' test splits must partition the patients.
absl::StatusOr<CrossValidation> ScoreFolds(const std::vector<std::string>& run_dirs,
                                           const ScoreOptions& options);

// A Markdown table, one row per fold in the order given (test cases, patients, positives, ROC
// AUC with its DeLong 95% CI) and one for the pooled test splits, then mean +- SD over the
// folds and the pooled out-of-fold AUC with its CI.
std::string CrossValidationMarkdown(const CrossValidation& cv);

}  // namespace mammo::score

#endif  // MAMMO_TOOLS_SCORE_CROSS_VALIDATION_H_
