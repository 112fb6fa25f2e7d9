#include "tools/score/paper_comparison.h"

#include <cstddef>
#include <optional>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "lib/csv/csv.h"
#include "lib/models/model_info.h"
#include "lib/status/status_macros.h"

namespace mammo::score {
namespace {

constexpr char kNone[] = "—";

std::string Value(std::optional<double> value) {
  return value.has_value() ? absl::StrFormat("%.3f", *value) : kNone;
}

// Our numbers for a paper row, from the run's reported split (test, else valid).
struct Ours {
  std::string split;
  double auc_eq13 = 0, f1 = 0, accuracy = 0;
  double train_accuracy = 0, beta_eq7 = 0;         // at the best epoch
  std::optional<double> test_accuracy, beta_test;  // none when the run has no test split
  double roc_auc = 0, ci_lower = 0, ci_upper = 0;
  const metrics::ThresholdMetricsCis* cis = nullptr;  // when bootstrapped
};

// Ours beside the paper's: with its bootstrap interval when there is one.
std::string OurValue(double value, const Ours& ours,
                     metrics::BootstrapCi metrics::ThresholdMetricsCis::*ci) {
  return ValueWithCi(value, ours.cis != nullptr ? &(ours.cis->*ci) : nullptr);
}

Ours OurNumbers(const Run& run) {
  const SplitScore& s = ReportedSplit(run.report);
  const TrainingSummary& t = *run.report.training;
  Ours ours;
  ours.split = s.split;
  ours.auc_eq13 = s.at_threshold.paper_auc;
  ours.f1 = s.at_threshold.f1;
  ours.accuracy = s.at_threshold.accuracy;
  ours.train_accuracy = t.train_accuracy;
  ours.beta_eq7 = t.beta;
  if (s.split == "test") {
    ours.test_accuracy = ours.accuracy;
    if (ours.accuracy > 0) ours.beta_test = t.train_accuracy / ours.accuracy;
  }
  ours.roc_auc = s.auc.auc;
  ours.ci_lower = s.auc.ci_lower;
  ours.ci_upper = s.auc.ci_upper;
  if (s.threshold_cis.has_value()) ours.cis = &*s.threshold_cis;
  return ours;
}

const Run* FindRun(const std::vector<Run>& runs, const std::string& name) {
  for (const Run& run : runs) {
    if (run.run_name == name) return &run;
  }
  return nullptr;
}

std::string NotRunNote(const PaperRow& row, const std::vector<NotRun>& not_run) {
  const models::ModelInfo* model = models::FindModel(row.model);
  for (const NotRun& entry : not_run) {
    if (model != nullptr && models::FindModel(entry.model) == model) {
      return absl::StrCat("not run: ", entry.reason);
    }
  }
  return "not run";
}

std::string Table(const std::vector<Run>& runs, const std::vector<PaperRow>& paper,
                  const std::vector<NotRun>& not_run, bool fine_tuning) {
  std::string out =
      "| run | AUC eq. 13 | paper | F1 | paper | ACC | paper | train_acc | paper | test_acc | "
      "paper | beta train/test | paper | beta eq. 7 | ROC AUC [DeLong 95% CI] | note |\n"
      "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|---|\n";
  for (const PaperRow& row : paper) {
    if (row.fine_tuning() != fine_tuning) continue;
    const Run* run = FindRun(runs, row.run);
    if (run == nullptr) {
      absl::StrAppend(&out, "| ", row.run, " | ", kNone, " | ", Value(row.auc_eq13), " | ", kNone,
                      " | ", Value(row.f1), " | ", kNone, " | ", Value(row.accuracy), " | ", kNone,
                      " | ", Value(row.train_accuracy), " | ", kNone, " | ",
                      Value(row.test_accuracy), " | ", kNone, " | ", Value(row.beta), " | ", kNone,
                      " | ", kNone, " | ", NotRunNote(row, not_run), " |\n");
      continue;
    }
    const Ours ours = OurNumbers(*run);
    std::vector<std::string> notes;
    if (ours.split != "test") notes.push_back(absl::StrCat("scored on ", ours.split));
    if (run->stage == "ft_train") {
      notes.push_back(run->frozen_bn == "batch_stats"
                          ? "frozen BatchNorm: batch statistics (Keras 2.2's)"
                          : "frozen BatchNorm: inference mode");
    }
    if (!run->restore_best) notes.push_back("last epoch's weights (Keras's default)");
    absl::StrAppend(
        &out, "| ", row.run, " | ",
        OurValue(ours.auc_eq13, ours, &metrics::ThresholdMetricsCis::paper_auc), " | ",
        Value(row.auc_eq13), " | ", OurValue(ours.f1, ours, &metrics::ThresholdMetricsCis::f1),
        " | ", Value(row.f1), " | ",
        OurValue(ours.accuracy, ours, &metrics::ThresholdMetricsCis::accuracy), " | ",
        Value(row.accuracy), " | ", Value(ours.train_accuracy), " | ", Value(row.train_accuracy),
        " | ", Value(ours.test_accuracy), " | ", Value(row.test_accuracy), " | ",
        Value(ours.beta_test), " | ", Value(row.beta), " | ", Value(ours.beta_eq7), " | ",
        absl::StrFormat("%.3f [%.3f, %.3f]", ours.roc_auc, ours.ci_lower, ours.ci_upper), " | ",
        absl::StrJoin(notes, "; "), " |\n");
  }
  return out;
}

}  // namespace

absl::StatusOr<std::vector<NotRun>> ReadNotRun(const std::string& path) {
  ASSIGN_OR_RETURN(const csv::CsvTable table, csv::ReadCsv(path));
  ASSIGN_OR_RETURN(const size_t model, table.RequireColumn("model"));
  ASSIGN_OR_RETURN(const size_t reason, table.RequireColumn("reason"));
  std::vector<NotRun> not_run;
  for (const csv::CsvRow& row : table.rows) {
    if (models::FindModel(row.cells[model]) == nullptr) {
      return absl::DataLossError(
          absl::StrCat(table.Where(row), ": unknown model '", row.cells[model], "'"));
    }
    not_run.push_back({row.cells[model], row.cells[reason]});
  }
  return not_run;
}

std::string PaperComparisonMarkdown(const std::vector<Run>& runs,
                                    const std::vector<PaperRow>& paper,
                                    const std::vector<NotRun>& not_run) {
  std::string out =
      "\n## Beside the paper (Falconi et al. 2020, Tables 7-10)\n\n"
      "Each pair of columns is ours, then the paper's (data_formats/falconi2020_tables.csv). "
      "Ours are on the test split. AUC eq. 13 is the paper's \"AUC\", (1 + TPR - FPR) / 2 at "
      "the threshold. beta train/test = train_acc / test_acc, as Tables 8 and 10 compute it; "
      "beta eq. 7 = train_acc / valid_acc, the paper's definition, at the best epoch. Table 10 "
      "gives train_acc, test_acc and beta for three fine-tuning rows only. With --bootstrap "
      "our AUC eq. 13, F1 and ACC carry their percentile bootstrap 95% CIs (resampling "
      "patients where every case names its patient, else cases).\n\n"
      "### Transfer learning (Tables 7 and 8)\n\n";
  absl::StrAppend(&out, Table(runs, paper, not_run, /*fine_tuning=*/false),
                  "\n### Fine tuning (Tables 9 and 10)\n\n",
                  Table(runs, paper, not_run, /*fine_tuning=*/true));
  std::vector<std::string> others;
  for (const Run& run : runs) {
    if (FindPaperRow(paper, run.run_name) == nullptr) others.push_back(run.run_name);
  }
  if (!others.empty()) {
    absl::StrAppend(&out, "\nRuns the paper has no row for: ", absl::StrJoin(others, ", "), "\n");
  }
  return out;
}

}  // namespace mammo::score
