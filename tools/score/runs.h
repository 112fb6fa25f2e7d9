// Run folders and the report across them, in the format of the paper's Table 7.
//
// A run folder (lib/train/run_folder.h) is what tl_train or ft_train writes plus what
// predict writes into it; the report reads its run.json (run_name and best_epoch),
// history.csv and predictions.csv.
// A folder lacking any of them is an error naming the missing file, never a silent gap in
// the report.
#ifndef MAMMO_TOOLS_SCORE_RUNS_H_
#define MAMMO_TOOLS_SCORE_RUNS_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "tools/score/history.h"
#include "tools/score/score_lib.h"

namespace mammo::score {

struct Run {
  std::string dir;
  std::string run_name;
  std::string stage;      // run.json's: "tl_train" or "ft_train"
  std::string frozen_bn;  // ft_train's BatchNorm mode before gamma: "inference", "batch_stats"
  bool restore_best = true;
  // run.json's preprocessing had roicrop --breast_without_mask: the ROIs of records without a
  // lesion location (CMMD's) were whole breasts, which the report says.
  bool breast_rois = false;
  std::vector<Prediction> predictions;
  std::vector<train::EpochRecord> history;
  ScoreReport report;  // with report.training from the history at run.json's best epoch
};

// Reads and scores one run folder.
absl::StatusOr<Run> LoadRun(const std::string& dir, const ScoreOptions& options);

// The split a run's row reports: test, else valid, else the first one scored.
const SplitScore& ReportedSplit(const ScoreReport& report);

// "0.667", or with a bootstrap interval "0.667 [0.500, 0.800]": the reports' numbers.
std::string ValueWithCi(double value, const metrics::BootstrapCi* ci);

// A Markdown table, one row per run sorted by ROC AUC (descending; input order on ties):
// model, split, ROC AUC with its DeLong 95% CI, paper_auc, F1, ACC, train_acc, valid_acc,
// test_acc and beta (paper_auc, F1 and ACC with their bootstrap CIs when bootstrapping); then
// a figures column when `figure_links` is non-empty (figure_links[i]
// are the relative paths of runs[i]'s figures). Then, where the predictions have the
// attribute columns, a table of each run's subgroups on that split (SubgroupsMarkdown).
std::string RunsMarkdown(const std::vector<Run>& runs,
                         const std::vector<std::vector<std::string>>& figure_links);

}  // namespace mammo::score

#endif  // MAMMO_TOOLS_SCORE_RUNS_H_
