// score: ROC AUC [DeLong 95% CI], the paper's single-threshold AUC and threshold metrics per
// split, from a CSV of predicted probabilities.
#include <cstdint>
#include <iostream>
#include <optional>
#include <string>
#include <vector>

#include "absl/flags/flag.h"
#include "lib/cli/cli.h"
#include "tools/score/score_lib.h"

ABSL_FLAG(bool, json, false, "Print one JSON object instead of the table.");
ABSL_FLAG(std::string, threshold, "0.5",
          "Predict malignant when probability >= this number, or 'youden': the threshold "
          "maximising Youden's J on the valid split, applied to every split.");
ABSL_FLAG(int, bootstrap, 0,
          "Add a percentile bootstrap 95% CI of the AUC from this many stratified resamples.");
ABSL_FLAG(uint64_t, seed, 0, "Seed of the bootstrap: the same seed gives the same interval.");

namespace {

constexpr char kUsage[] = R"(Usage: score [OPTION]... FILE...

Scores predicted probabilities of malignancy per split: ROC AUC with its DeLong
95% CI, paper_auc = (1 + TPR - FPR) / 2 at the threshold (what Falconi et al.
2020 report as "AUC"), accuracy, F1, sensitivity (TPR), specificity (TNR),
precision and the confusion matrix.

FILE is a CSV (or - for stdin) whose header names id, label and probability, and
optionally patient_id and split; other columns are ignored. Labels are 0/1 or
benign/malignant. Without a split column all cases form one split, "all".
Several files are read as one table; ids must be unique.

Examples:
  score predictions.csv                       table at threshold 0.5
  score --threshold youden predictions.csv    threshold from the valid split
  score --json --bootstrap 2000 --seed 1 valid.csv test.csv)";

}  // namespace

int main(int argc, char** argv) {
  const std::vector<std::string> args = mammo::cli::ParseCommandLine(argc, argv, kUsage);
  if (args.empty()) return mammo::cli::UsageError("no input given (a CSV file or -)");
  absl::StatusOr<std::optional<double>> threshold =
      mammo::score::ParseThreshold(absl::GetFlag(FLAGS_threshold));
  if (!threshold.ok()) return mammo::cli::UsageError(threshold.status().message());
  if (absl::GetFlag(FLAGS_bootstrap) < 0) return mammo::cli::UsageError("--bootstrap must be >= 0");

  mammo::score::ScoreOptions options;
  options.threshold = *threshold;
  options.bootstrap_resamples = absl::GetFlag(FLAGS_bootstrap);
  options.seed = absl::GetFlag(FLAGS_seed);
  absl::StatusOr<std::vector<mammo::score::Prediction>> predictions =
      mammo::score::ReadPredictions(args);
  if (!predictions.ok()) return mammo::cli::Finish(predictions.status());
  absl::StatusOr<mammo::score::ScoreReport> report = mammo::score::Score(*predictions, options);
  if (!report.ok()) return mammo::cli::Finish(report.status());
  if (absl::GetFlag(FLAGS_json)) {
    std::cout << mammo::score::ToJson(*report).dump(2) << "\n";
  } else {
    std::cout << mammo::score::FormatTable(*report);
  }
  std::cout.flush();
  return mammo::cli::Finish(absl::OkStatus());
}
