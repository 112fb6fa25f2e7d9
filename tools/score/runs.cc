#include "tools/score/runs.h"

#include <algorithm>
#include <cstddef>
#include <numeric>
#include <set>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_replace.h"
#include "lib/status/status_macros.h"
#include "lib/train/run_config.h"
#include "lib/train/run_folder.h"

namespace mammo::score {
namespace {

// A run name is free text; a '|' in it would end its table cell.
std::string MarkdownCell(const std::string& text) {
  return absl::StrReplaceAll(text, {{"|", "\\|"}});
}

}  // namespace

absl::StatusOr<Run> LoadRun(const std::string& dir, const ScoreOptions& options) {
  Run run;
  run.dir = dir;
  ASSIGN_OR_RETURN(const train::RunConfig config,
                   train::ReadRunConfig(train::RunFile(dir, train::kRunConfigFile)));
  run.run_name = config.run_name;
  run.stage = config.stage;
  run.frozen_bn = config.frozen_bn;
  run.restore_best = config.restore_best;
  run.breast_rois =
      std::find(config.preprocessing.begin(), config.preprocessing.end(),
                std::pair<std::string, std::string>("roicrop.breast_without_mask", "true")) !=
      config.preprocessing.end();
  const std::string history_path = train::RunFile(dir, train::kHistoryFile);
  ASSIGN_OR_RETURN(run.history, train::ReadHistory(history_path));
  ASSIGN_OR_RETURN(run.predictions,
                   ReadPredictions({train::RunFile(dir, train::kPredictionsFile)}));
  ASSIGN_OR_RETURN(run.report, Score(run.predictions, options));
  // The epoch whose weights the run kept, and predicted with: its best, or its last with
  // --restore_best=false.
  const int kept_epoch =
      config.restore_best || run.history.empty() ? config.best_epoch : run.history.back().epoch;
  absl::StatusOr<TrainingSummary> training = SummarizeHistory(run.history, kept_epoch);
  if (!training.ok()) {
    return absl::FailedPreconditionError(
        absl::StrCat(history_path, ": ", training.status().message(), " (run.json's best_epoch)"));
  }
  run.report.training = *training;
  return run;
}

std::string ValueWithCi(double value, const metrics::BootstrapCi* ci) {
  if (ci == nullptr) return absl::StrFormat("%.3f", value);
  return absl::StrFormat("%.3f [%.3f, %.3f]", value, ci->ci_lower, ci->ci_upper);
}

const SplitScore& ReportedSplit(const ScoreReport& report) {
  for (const char* name : {"test", "valid"}) {
    for (const SplitScore& s : report.splits) {
      if (s.split == name) return s;
    }
  }
  return report.splits.front();
}

std::string RunsMarkdown(const std::vector<Run>& runs,
                         const std::vector<std::vector<std::string>>& figure_links) {
  std::vector<size_t> order(runs.size());
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) {
    return ReportedSplit(runs[a].report).auc.auc > ReportedSplit(runs[b].report).auc.auc;
  });
  const bool figures = !figure_links.empty();
  std::string out =
      "| model | split | ROC AUC [DeLong 95% CI] | paper_auc | F1 | ACC | train_acc | "
      "valid_acc | test_acc | beta_eq7 | beta_test |";
  absl::StrAppend(&out, figures ? " figures |\n" : "\n");
  absl::StrAppend(&out, "|---|---|---|---:|---:|---:|---:|---:|---:|---:|---:|",
                  figures ? "---|\n" : "\n");
  std::set<std::string> bootstrapped;  // what the intervals resampled: "cases", "patients"
  for (size_t i : order) {
    const Run& run = runs[i];
    const SplitScore& s = ReportedSplit(run.report);
    const metrics::ThresholdMetrics& m = s.at_threshold;
    const TrainingSummary& t = *run.report.training;
    // Tables 8 and 10's beta needs a test split and a test accuracy above 0.
    const std::string beta_test = s.split == "test" && m.accuracy > 0
                                      ? absl::StrFormat("%.3f", t.train_accuracy / m.accuracy)
                                      : "—";
    const metrics::ThresholdMetricsCis* cis =
        s.threshold_cis.has_value() ? &*s.threshold_cis : nullptr;
    if (cis != nullptr) bootstrapped.insert(cis->by_cluster ? "patients" : "cases");
    absl::StrAppendFormat(
        &out, "| %s | %s | %.3f [%.3f, %.3f] | %s | %s | %s | %.3f | %.3f | %.3f | %.3f | %s |",
        MarkdownCell(run.run_name), s.split, s.auc.auc, s.auc.ci_lower, s.auc.ci_upper,
        ValueWithCi(m.paper_auc, cis ? &cis->paper_auc : nullptr),
        ValueWithCi(m.f1, cis ? &cis->f1 : nullptr),
        ValueWithCi(m.accuracy, cis ? &cis->accuracy : nullptr), t.train_accuracy, t.valid_accuracy,
        m.accuracy, t.beta, beta_test);
    if (figures) {
      std::vector<std::string> links;
      for (const std::string& link : figure_links[i]) {
        const size_t slash = link.find_last_of('/');
        const std::string file = slash == std::string::npos ? link : link.substr(slash + 1);
        links.push_back(absl::StrCat("[", file.substr(0, file.rfind('.')), "](", link, ")"));
      }
      absl::StrAppend(&out, " ", absl::StrJoin(links, " "), " |");
    }
    absl::StrAppend(&out, "\n");
  }
  absl::StrAppend(&out,
                  "\nROC AUC: exact, on the split named (test, else valid). paper_auc: "
                  "(1 + TPR - FPR) / 2 at the threshold, what the paper reports as AUC. "
                  "train_acc, valid_acc and beta_eq7 = train_acc / valid_acc (the paper's eq. "
                  "7): from history.csv at run.json's best epoch. test_acc: accuracy on the "
                  "split named. beta_test = train_acc / test_acc, as the paper's Tables 8 and "
                  "10 compute beta.");
  if (!bootstrapped.empty()) {
    absl::StrAppend(&out, " paper_auc, F1 and ACC: value [95% CI], a percentile bootstrap of ",
                    runs.front().report.bootstrap_resamples, " resamples of ",
                    absl::StrJoin(bootstrapped, " or "),
                    " (patients where every case of the split names one), seed ",
                    runs.front().report.seed, ".");
  }
  absl::StrAppend(&out, "\n");
  std::vector<std::string> breast_runs;
  for (size_t i : order) {
    if (runs[i].breast_rois) breast_runs.push_back(MarkdownCell(runs[i].run_name));
  }
  if (!breast_runs.empty()) {
    absl::StrAppend(&out, "\nNote: ", absl::StrJoin(breast_runs, ", "),
                    ": the ROIs of records without a lesion location (CMMD's) are whole breasts "
                    "(roicrop --breast_without_mask), labelled by breast: an image-level task, "
                    "not mass crops.\n");
  }
  // Each run's subgroups on the split its row reports, in the table's order.
  std::vector<SubgroupRows> subgroups;
  for (size_t i : order) {
    const SplitScore& s = ReportedSplit(runs[i].report);
    if (!s.subgroups.empty()) subgroups.push_back({runs[i].run_name, s.split, &s.subgroups});
  }
  if (!subgroups.empty()) absl::StrAppend(&out, "\nSubgroups. ", SubgroupsMarkdown(subgroups));
  return out;
}

}  // namespace mammo::score
