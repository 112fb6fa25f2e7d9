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
          "Percentile bootstrap 95% CIs of the AUC from this many resamples of cases "
          "(stratified), and of patients where every case has a patient_id.");
ABSL_FLAG(uint64_t, seed, 0, "Seed of the bootstrap: the same seed gives the same interval.");
ABSL_FLAG(std::string, figures, "",
          "Write PNG figures into this folder: roc_SPLIT.png and confusion_SPLIT.png per split, "
          "accuracy.png and loss.png with a history; with --runs, one subfolder per run name.");
ABSL_FLAG(std::string, history, "",
          "A training history CSV (history.csv): adds the best epoch's accuracies and beta, and "
          "the accuracy and loss figures. Found by itself in a run folder.");
ABSL_FLAG(bool, runs, false,
          "The arguments are run folders (run.json, history.csv, predictions.csv): print a "
          "Markdown table of all runs, sorted by ROC AUC.");
ABSL_FLAG(std::string, report, "", "With --runs: write the Markdown table here, not to stdout.");
ABSL_FLAG(bool, compare, false,
          "The arguments are two predictions CSVs of the same cases: DeLong's test of their "
          "AUCs per split.");
ABSL_FLAG(bool, leakage, false,
          "The arguments are shard sets, record files or predictions CSVs: report patients and "
          "lesions found in more than one split.");
ABSL_FLAG(bool, strict_leakage, false, "With --leakage: exit 2, not 0, when something leaks.");

namespace {

constexpr char kUsage[] = R"(Usage: score [OPTION]... FILE...
       score [OPTION]... RUN_DIR
       score --runs [--report FILE] [--figures DIR] RUN_DIR...
       score --compare A.csv B.csv
       score --leakage [--strict_leakage] INPUT...

Scores predicted probabilities of malignancy per split: ROC AUC with its DeLong
95% CI, paper_auc = (1 + TPR - FPR) / 2 at the threshold (what Falconi et al.
2020 report as "AUC"), accuracy, F1, sensitivity (TPR), specificity (TNR),
precision, the confusion matrix and the Brier score; --json adds the ECE, the
reliability points (10 bins, as scikit-learn's) and sensitivity at specificity
0.8/0.9/0.95 and the reverse at 0.9/0.95. --bootstrap adds CIs resampling cases
and, where every case has a patient_id, the AUC's resampling patients.

FILE is a CSV (or - for stdin) whose header names id, label and probability, and
optionally patient_id, lesion_id and split; other columns are ignored. Labels are
0/1 or benign/malignant. Without a split column all cases form one split, "all".
Several files are read as one table; ids must be unique.

A run folder (RUN_DIR) holds run.json (tl_train's or ft_train's; score uses its
run_name and best_epoch), history.csv (one line per epoch) and predictions.csv
(predict's output). Given one, score reads all three: the table gains the best
epoch's train_acc, valid_acc and the overfitting ratio beta = train_acc /
valid_acc. --history FILE does the same for CSV input; without run.json the best
epoch is the one of least valid_loss.

--figures DIR draws PNGs (800x600) with PLplot: DIR/roc_SPLIT.png (the ROC curve,
its AUC and the operating point at the threshold), DIR/confusion_SPLIT.png, and
with a history DIR/accuracy.png and DIR/loss.png (train and valid per epoch).

--runs scores every RUN_DIR and prints a Markdown table in the format of the
paper's Table 7: model, split (test, else valid), ROC AUC [DeLong 95% CI],
paper_auc, F1, ACC, train_acc, valid_acc, test_acc, beta; sorted by ROC AUC,
highest first. A folder lacking run.json, history.csv or predictions.csv is an
error naming the file. With --figures DIR each run's figures go to DIR/RUN_NAME/
(characters other than letters, digits, . _ - become _) and the table links them
relative to the report's folder (the current one for stdout; --report must name
a file in an existing folder).

--compare: DeLong's test of two correlated AUCs (both CSVs hold the same ids,
labels and splits): AUC_A, AUC_B, A - B, its 95% CI, z and two-sided p per split.

--leakage reads the patient_id, lesion_id and split of every case in each INPUT
(a shard set such as out/test@4, a record file, or a predictions CSV) and reports
every patient or lesion found in more than one split, with its cases per split:
loudly on stderr, and in the JSON with --json. SPLIT=INPUT (train=, valid=,
test=) puts all of INPUT's cases in SPLIT, for records that carry none. Exit 0
even when something leaks, unless --strict_leakage (then 2).

Examples:
  score predictions.csv                       table at threshold 0.5
  score --threshold youden predictions.csv    threshold from the valid split
  score --json --bootstrap 2000 --seed 1 valid.csv test.csv
  score --figures figs --history out/runs/vgg16-TL/history.csv preds.csv
  score --figures figs out/runs/vgg16-TL      a run folder: beta and all figures
  score --runs --report report.md --figures figs out/runs/*
  score --compare out/runs/vgg16-TL/predictions.csv out/runs/vgg19-TL/predictions.csv
  score --leakage --strict_leakage out/train@8 out/valid@2 out/test@2)";

}  // namespace

int main(int argc, char** argv) {
  mammo::score::CliOptions options;
  options.inputs = mammo::cli::ParseCommandLine(argc, argv, kUsage);
  options.json = absl::GetFlag(FLAGS_json);
  options.threshold = absl::GetFlag(FLAGS_threshold);
  options.bootstrap = absl::GetFlag(FLAGS_bootstrap);
  options.seed = absl::GetFlag(FLAGS_seed);
  options.figures = absl::GetFlag(FLAGS_figures);
  options.history = absl::GetFlag(FLAGS_history);
  options.runs = absl::GetFlag(FLAGS_runs);
  options.report = absl::GetFlag(FLAGS_report);
  options.compare = absl::GetFlag(FLAGS_compare);
  options.leakage = absl::GetFlag(FLAGS_leakage);
  options.strict_leakage = absl::GetFlag(FLAGS_strict_leakage);
  const absl::Status usage = mammo::score::CheckUsage(options);
  if (!usage.ok()) return mammo::cli::UsageError(usage.message());
  return mammo::cli::Finish(mammo::score::RunCommand(options, std::cout, std::cerr));
}
