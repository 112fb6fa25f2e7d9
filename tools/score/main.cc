// score: ROC AUC [DeLong 95% CI], the paper's single-threshold AUC and threshold metrics per
// split, from a CSV of predicted probabilities; figures, a report across run folders, DeLong's
// comparison of two models and a leakage check of the splits. The work is in score_cli_lib.
#include <cstdint>
#include <iostream>
#include <string>

#include "absl/flags/flag.h"
#include "absl/status/status.h"
#include "lib/cli/cli.h"
#include "tools/score/score_cli_lib.h"

ABSL_FLAG(bool, json, false, "Print one JSON object instead of the table.");
ABSL_FLAG(std::string, threshold, "0.5",
          "Predict malignant when probability >= this number; or chosen on the valid split, then "
          "applied to all: 'youden', 'valid:sens=R' or 'valid:spec=R' (that rate at least R).");
ABSL_FLAG(int, bootstrap, 0,
          "Percentile bootstrap 95% CIs from this many resamples: the AUC's of cases "
          "(stratified) and of patients where every case has a patient_id; the threshold "
          "metrics' of patients where every case has one, else of cases.");
ABSL_FLAG(uint64_t, seed, 0, "Seed of the bootstrap: the same seed gives the same interval.");
ABSL_FLAG(std::string, figures, "",
          "Write PNG figures into this folder: roc_SPLIT.png, confusion_SPLIT.png and "
          "reliability_SPLIT.png per split, "
          "accuracy.png and loss.png with a history; with --runs, one subfolder per run name.");
ABSL_FLAG(std::string, history, "",
          "A training history CSV (history.csv): adds the best epoch's accuracies and beta, and "
          "the accuracy and loss figures. Found by itself in a run folder.");
ABSL_FLAG(bool, runs, false,
          "The arguments are run folders (run.json, history.csv, predictions.csv): print a "
          "Markdown table of all runs, sorted by ROC AUC.");
ABSL_FLAG(std::string, report, "", "With --runs: write the Markdown table here, not to stdout.");
ABSL_FLAG(std::string, html, "",
          "Write one self-contained HTML report here (tables, CIs, provenance and every figure "
          "embedded; no script, nothing loaded from elsewhere), scoring files, a run folder or "
          "--runs.");
ABSL_FLAG(std::string, heatmaps, "",
          "With --html: a folder of Grad-CAM heatmaps from predict --heatmaps (<id>.png); the "
          "page shows those of the worst false positives and negatives at the threshold (up to 8 "
          "of each). Default for a run folder, and for each run of --runs: RUN_DIR/heatmaps.");
ABSL_FLAG(bool, paper, false,
          "With --runs: add the paper's Tables 7-10 beside our runs of the same names.");
ABSL_FLAG(std::string, not_run, "",
          "With --paper: a CSV of model,reason for backbones left out (their rows say why).");
ABSL_FLAG(bool, compare, false,
          "The arguments are two predictions CSVs of the same cases: DeLong's test of their "
          "AUCs per split.");
ABSL_FLAG(bool, folds, false,
          "The arguments are the run folders of a K-fold cross-validation, one per fold: each "
          "fold's test AUC, their mean +- SD and the pooled out-of-fold AUC.");
ABSL_FLAG(bool, leakage, false,
          "The arguments are shard sets, record files or predictions CSVs: report patients and "
          "lesions found in more than one split.");
ABSL_FLAG(bool, strict_leakage, false, "With --leakage: exit 2, not 0, when something leaks.");
ABSL_FLAG(std::string, train_dataset, "",
          "External validation, with --test_dataset: the dataset the model was trained on, "
          "named in the report's line 'Trained on A, tested on B.' (Markdown, --json, --html).");
ABSL_FLAG(std::string, test_dataset, "",
          "External validation, with --train_dataset: the dataset of the test split.");

int main(int argc, char** argv) {
  mammo::score::CliOptions options;
  options.inputs = mammo::cli::ParseCommandLine(argc, argv, mammo::score::kUsage);
  options.json = absl::GetFlag(FLAGS_json);
  options.threshold = absl::GetFlag(FLAGS_threshold);
  options.bootstrap = absl::GetFlag(FLAGS_bootstrap);
  options.seed = absl::GetFlag(FLAGS_seed);
  options.figures = absl::GetFlag(FLAGS_figures);
  options.history = absl::GetFlag(FLAGS_history);
  options.runs = absl::GetFlag(FLAGS_runs);
  options.report = absl::GetFlag(FLAGS_report);
  options.html = absl::GetFlag(FLAGS_html);
  options.heatmaps = absl::GetFlag(FLAGS_heatmaps);
  options.paper = absl::GetFlag(FLAGS_paper);
  options.not_run = absl::GetFlag(FLAGS_not_run);
  options.compare = absl::GetFlag(FLAGS_compare);
  options.leakage = absl::GetFlag(FLAGS_leakage);
  options.folds = absl::GetFlag(FLAGS_folds);
  options.strict_leakage = absl::GetFlag(FLAGS_strict_leakage);
  options.train_dataset = absl::GetFlag(FLAGS_train_dataset);
  options.test_dataset = absl::GetFlag(FLAGS_test_dataset);
  const absl::Status usage = mammo::score::CheckUsage(options);
  if (!usage.ok()) return mammo::cli::UsageError(usage.message());
  return mammo::cli::Finish(mammo::score::RunCommand(options, std::cout, std::cerr));
}
