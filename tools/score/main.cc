// score: ROC AUC [DeLong 95% CI], the paper's single-threshold AUC and threshold metrics per
// split, from a CSV of predicted probabilities; figures, a report across run folders, DeLong's
// comparison of two models and a leakage check of the splits.
#include <cstdint>
#include <filesystem>
#include <iostream>
#include <optional>
#include <string>
#include <system_error>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "lib/cli/cli.h"
#include "lib/io/byte_io.h"
#include "tools/score/figures.h"
#include "tools/score/history.h"
#include "tools/score/leakage.h"
#include "tools/score/runs.h"
#include "tools/score/score_lib.h"

ABSL_FLAG(bool, json, false, "Print one JSON object instead of the table.");
ABSL_FLAG(std::string, threshold, "0.5",
          "Predict malignant when probability >= this number, or 'youden': the threshold "
          "maximising Youden's J on the valid split, applied to every split.");
ABSL_FLAG(int, bootstrap, 0,
          "Add a percentile bootstrap 95% CI of the AUC from this many stratified resamples.");
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
precision and the confusion matrix.

FILE is a CSV (or - for stdin) whose header names id, label and probability, and
optionally patient_id, lesion_id and split; other columns are ignored. Labels are
0/1 or benign/malignant. Without a split column all cases form one split, "all".
Several files are read as one table; ids must be unique.

A run folder (RUN_DIR) holds run.json (run_name, best_epoch), history.csv (one
line per epoch) and predictions.csv (predict's output). Given one, score reads
all three: the table gains the best epoch's train_acc, valid_acc and the
overfitting ratio beta = train_acc / valid_acc. --history FILE does the same for
CSV input; without run.json the best epoch is the one of least valid_loss.

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

--compare runs DeLong's test for two correlated AUCs: both CSVs must hold the same
ids with the same labels and splits; prints AUC_A, AUC_B, A - B with its 95% CI,
z and the two-sided p-value per split.

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
  score --leakage --strict_leakage out/train@8 out/valid@2 out/test@2
  score --leakage --json out/runs/vgg16-TL/predictions.csv)";

bool IsDirectory(const std::string& path) {
  std::error_code error;
  return std::filesystem::is_directory(path, error);
}

int Leakage(const std::vector<std::string>& inputs) {
  absl::StatusOr<std::vector<mammo::score::CaseKey>> cases = mammo::score::ReadCaseKeys(inputs);
  if (!cases.ok()) return mammo::cli::Finish(cases.status());
  const mammo::score::LeakageReport report = mammo::score::FindLeakage(*cases);
  std::cerr << mammo::score::LeakageWarning(report);
  if (absl::GetFlag(FLAGS_json)) {
    std::cout << mammo::score::LeakageToJson(report).dump(2) << "\n";
  } else {
    std::cout << mammo::score::FormatLeakage(report);
  }
  std::cout.flush();
  if (report.leaks() && absl::GetFlag(FLAGS_strict_leakage)) {
    return mammo::cli::Finish(absl::FailedPreconditionError(
        "leakage between splits (--strict_leakage)"));
  }
  return mammo::cli::Finish(absl::OkStatus());
}

int Compare(const std::vector<std::string>& files) {
  if (files.size() != 2) return mammo::cli::UsageError("--compare takes exactly two CSV files");
  absl::StatusOr<std::vector<mammo::score::Prediction>> a =
      mammo::score::ReadPredictions({files[0]});
  if (!a.ok()) return mammo::cli::Finish(a.status());
  absl::StatusOr<std::vector<mammo::score::Prediction>> b =
      mammo::score::ReadPredictions({files[1]});
  if (!b.ok()) return mammo::cli::Finish(b.status());
  absl::StatusOr<std::vector<mammo::score::SplitComparison>> comparisons =
      mammo::score::Compare(*a, *b);
  if (!comparisons.ok()) {
    return mammo::cli::Finish(absl::Status(
        comparisons.status().code(),
        absl::StrCat(files[0], " vs ", files[1], ": ", comparisons.status().message())));
  }
  if (absl::GetFlag(FLAGS_json)) {
    std::cout << mammo::score::ComparisonToJson(*comparisons, files[0], files[1]).dump(2) << "\n";
  } else {
    std::cout << mammo::score::FormatComparison(*comparisons, files[0], files[1]);
  }
  std::cout.flush();
  return mammo::cli::Finish(absl::OkStatus());
}

int Runs(const std::vector<std::string>& dirs, const mammo::score::ScoreOptions& options) {
  const std::string report_path = absl::GetFlag(FLAGS_report);
  const std::string figures = absl::GetFlag(FLAGS_figures);
  std::vector<mammo::score::Run> runs;
  std::vector<std::vector<std::string>> links;
  // Links are relative to the folder the report is read from.
  const std::filesystem::path report_dir = std::filesystem::absolute(
      report_path.empty() ? std::filesystem::path(".")
                          : std::filesystem::path(report_path).parent_path());
  for (const std::string& dir : dirs) {
    absl::StatusOr<mammo::score::Run> run = mammo::score::LoadRun(dir, options);
    if (!run.ok()) return mammo::cli::Finish(run.status());
    const std::string folder = mammo::score::SafeName(run->run_name);
    for (const mammo::score::Run& other : runs) {
      if (!figures.empty() && mammo::score::SafeName(other.run_name) == folder) {
        return mammo::cli::Finish(absl::FailedPreconditionError(absl::StrCat(
            dir, ": run name '", run->run_name, "' gives the figures folder of ", other.dir,
            " (--figures puts each run's figures in a folder named after it)")));
      }
    }
    if (!figures.empty()) {
      const std::string run_figures = absl::StrCat(figures, "/", folder);
      absl::StatusOr<std::vector<std::string>> written =
          mammo::score::WriteFigures(run_figures, run->predictions, run->report, run->history);
      if (!written.ok()) return mammo::cli::Finish(written.status());
      std::vector<std::string> run_links;
      for (const std::string& name : *written) {
        run_links.push_back(std::filesystem::absolute(run_figures + "/" + name)
                                .lexically_normal()
                                .lexically_relative(report_dir.lexically_normal())
                                .string());
      }
      links.push_back(std::move(run_links));
    }
    runs.push_back(*std::move(run));
  }
  const std::string markdown = mammo::score::RunsMarkdown(runs, links);
  if (report_path.empty()) {
    std::cout << markdown;
    std::cout.flush();
  } else {
    const absl::Status written = mammo::WriteFileAtomically(report_path, markdown);
    if (!written.ok()) {
      return mammo::cli::Finish(
          absl::Status(written.code(), absl::StrCat(written.message(), " (--report)")));
    }
  }
  return mammo::cli::Finish(absl::OkStatus());
}

int ScoreFiles(const std::vector<std::string>& args, const mammo::score::ScoreOptions& options) {
  std::vector<mammo::score::Prediction> predictions;
  std::vector<mammo::score::HistoryEpoch> history;
  mammo::score::ScoreReport report;
  for (const std::string& arg : args) {
    if (args.size() > 1 && IsDirectory(arg)) {
      return mammo::cli::UsageError(
          absl::StrCat(arg, " is a folder: a run folder is scored alone (several: --runs)"));
    }
  }
  if (IsDirectory(args[0])) {
    if (!absl::GetFlag(FLAGS_history).empty()) {
      return mammo::cli::UsageError("--history is not for a run folder, which has its own");
    }
    absl::StatusOr<mammo::score::Run> run = mammo::score::LoadRun(args[0], options);
    if (!run.ok()) return mammo::cli::Finish(run.status());
    predictions = std::move(run->predictions);
    history = std::move(run->history);
    report = std::move(run->report);
  } else {
    absl::StatusOr<std::vector<mammo::score::Prediction>> read =
        mammo::score::ReadPredictions(args);
    if (!read.ok()) return mammo::cli::Finish(read.status());
    predictions = *std::move(read);
    absl::StatusOr<mammo::score::ScoreReport> scored = mammo::score::Score(predictions, options);
    if (!scored.ok()) return mammo::cli::Finish(scored.status());
    report = *std::move(scored);
    const std::string history_path = absl::GetFlag(FLAGS_history);
    if (!history_path.empty()) {
      absl::StatusOr<std::vector<mammo::score::HistoryEpoch>> read_history =
          mammo::score::ReadHistory(history_path);
      if (!read_history.ok()) return mammo::cli::Finish(read_history.status());
      history = *std::move(read_history);
      absl::StatusOr<mammo::score::TrainingSummary> training =
          mammo::score::SummarizeHistory(history, std::nullopt);
      if (!training.ok()) return mammo::cli::Finish(training.status());
      report.training = *training;
    }
  }
  if (!absl::GetFlag(FLAGS_figures).empty()) {
    absl::StatusOr<std::vector<std::string>> written =
        mammo::score::WriteFigures(absl::GetFlag(FLAGS_figures), predictions, report, history);
    if (!written.ok()) return mammo::cli::Finish(written.status());
  }
  if (absl::GetFlag(FLAGS_json)) {
    std::cout << mammo::score::ToJson(report).dump(2) << "\n";
  } else {
    std::cout << mammo::score::FormatTable(report);
  }
  std::cout.flush();
  return mammo::cli::Finish(absl::OkStatus());
}

}  // namespace

int main(int argc, char** argv) {
  const std::vector<std::string> args = mammo::cli::ParseCommandLine(argc, argv, kUsage);
  if (args.empty()) return mammo::cli::UsageError("no input given (a CSV file or -)");
  const int modes = absl::GetFlag(FLAGS_runs) + absl::GetFlag(FLAGS_compare) +
                    absl::GetFlag(FLAGS_leakage);
  if (modes > 1) return mammo::cli::UsageError("--runs, --compare and --leakage exclude each other");
  if (!absl::GetFlag(FLAGS_report).empty() && !absl::GetFlag(FLAGS_runs)) {
    return mammo::cli::UsageError("--report goes with --runs");
  }
  if (absl::GetFlag(FLAGS_strict_leakage) && !absl::GetFlag(FLAGS_leakage)) {
    return mammo::cli::UsageError("--strict_leakage goes with --leakage");
  }
  if (!absl::GetFlag(FLAGS_history).empty() && modes > 0) {
    return mammo::cli::UsageError("--history goes with predictions CSVs, not another mode");
  }
  if (!absl::GetFlag(FLAGS_figures).empty() &&
      (absl::GetFlag(FLAGS_compare) || absl::GetFlag(FLAGS_leakage))) {
    return mammo::cli::UsageError("--figures goes with scoring, not --compare or --leakage");
  }
  if (absl::GetFlag(FLAGS_leakage)) return Leakage(args);
  if (absl::GetFlag(FLAGS_compare)) return Compare(args);

  absl::StatusOr<std::optional<double>> threshold =
      mammo::score::ParseThreshold(absl::GetFlag(FLAGS_threshold));
  if (!threshold.ok()) return mammo::cli::UsageError(threshold.status().message());
  if (absl::GetFlag(FLAGS_bootstrap) < 0) return mammo::cli::UsageError("--bootstrap must be >= 0");
  mammo::score::ScoreOptions options;
  options.threshold = *threshold;
  options.bootstrap_resamples = absl::GetFlag(FLAGS_bootstrap);
  options.seed = absl::GetFlag(FLAGS_seed);
  if (absl::GetFlag(FLAGS_runs)) return Runs(args, options);
  return ScoreFiles(args, options);
}
