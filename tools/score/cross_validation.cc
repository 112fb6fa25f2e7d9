#include "tools/score/cross_validation.h"

#include <cmath>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "lib/status/status_macros.h"
#include "lib/train/run_folder.h"
#include "tools/score/leakage.h"

namespace mammo::score {
namespace {

// A patient or lesion in the test splits of two folds, as FailedPrecondition.
absl::Status CheckFoldsDisjoint(const std::vector<std::vector<Prediction>>& tests) {
  std::vector<CaseKey> cases;
  for (size_t fold = 0; fold < tests.size(); ++fold) {
    for (const Prediction& p : tests[fold]) {
      cases.push_back({p.patient_id, p.lesion_id, absl::StrCat("fold ", fold)});
    }
  }
  const LeakageReport report = FindLeakage(cases);
  if (!report.leaks()) return absl::OkStatus();
  const bool patient = !report.leaking_patients.empty();
  const Overlap& overlap =
      patient ? report.leaking_patients.front() : report.leaking_lesions.front();
  std::vector<std::string> folds;
  for (const auto& [fold, _] : overlap.cases_per_split) folds.push_back(fold);
  return absl::FailedPreconditionError(absl::StrCat(
      patient ? "patient '" : "lesion '", overlap.id, "' is tested in ",
      absl::StrJoin(folds, " and "),
      ": the folds' test splits must not share patients (augment --fold I/K with one --seed)"));
}

}  // namespace

absl::StatusOr<CrossValidation> ScoreFolds(const std::vector<std::string>& run_dirs,
                                           const ScoreOptions& options) {
  if (run_dirs.size() < 2) {
    return absl::FailedPreconditionError("--folds takes the run folders of two folds or more");
  }
  CrossValidation cv;
  std::vector<std::vector<Prediction>> tests;
  for (const std::string& dir : run_dirs) {
    const std::string path = train::RunFile(dir, train::kPredictionsFile);
    ASSIGN_OR_RETURN(std::vector<Prediction> predictions, ReadPredictions({path}));
    std::vector<Prediction> test;
    for (Prediction& p : predictions) {
      if (p.split == "test") test.push_back(std::move(p));
    }
    if (test.empty()) {
      return absl::FailedPreconditionError(
          absl::StrCat(path, ": no test split, which a fold's score is taken on"));
    }
    tests.push_back(std::move(test));
  }
  RETURN_IF_ERROR(CheckFoldsDisjoint(tests));
  // The AUC does not depend on the threshold; a rule that reads the valid split has none here.
  // Every prediction scored is a test one, so each report has the one split, test.
  ScoreOptions on_test = options;
  on_test.threshold = ThresholdRule{};
  std::vector<Prediction> pooled;
  for (size_t fold = 0; fold < tests.size(); ++fold) {
    absl::StatusOr<ScoreReport> report = Score(tests[fold], on_test);
    if (!report.ok()) {
      return absl::Status(report.status().code(),
                          absl::StrCat(run_dirs[fold], ": ", report.status().message()));
    }
    cv.folds.push_back(report->splits.front());
    pooled.insert(pooled.end(), tests[fold].begin(), tests[fold].end());
  }
  ASSIGN_OR_RETURN(const ScoreReport pooled_report, Score(pooled, on_test));
  cv.pooled = pooled_report.splits.front();
  double sum = 0, squares = 0;
  for (const SplitScore& fold : cv.folds) sum += fold.auc.auc;
  cv.mean_auc = sum / cv.folds.size();
  for (const SplitScore& fold : cv.folds) squares += std::pow(fold.auc.auc - cv.mean_auc, 2);
  cv.sd_auc = std::sqrt(squares / (cv.folds.size() - 1));
  return cv;
}

std::string CrossValidationMarkdown(const CrossValidation& cv) {
  std::string out =
      "| fold | test cases | patients | malignant | ROC AUC [DeLong 95% CI] |\n"
      "|---|---:|---:|---:|---|\n";
  for (size_t fold = 0; fold < cv.folds.size(); ++fold) {
    const SplitScore& s = cv.folds[fold];
    absl::StrAppendFormat(&out, "| %d | %d | %d | %d | %.3f [%.3f, %.3f] |\n", fold, s.cases,
                          s.patients, s.positives, s.auc.auc, s.auc.ci_lower, s.auc.ci_upper);
  }
  const SplitScore& p = cv.pooled;
  absl::StrAppendFormat(&out, "| pooled | %d | %d | %d | %.3f [%.3f, %.3f] |\n", p.cases,
                        p.patients, p.positives, p.auc.auc, p.auc.ci_lower, p.auc.ci_upper);
  absl::StrAppendFormat(&out,
                        "\nFold I is the I-th run folder given. ROC AUC over %d folds: mean "
                        "%.3f +- %.3f (SD). Pooled out-of-fold: "
                        "%.3f [%.3f, %.3f] (DeLong 95%% CI), every test case scored by the "
                        "fold's model that never saw its patient; no patient is in two folds' "
                        "test splits.\n",
                        cv.folds.size(), cv.mean_auc, cv.sd_auc, p.auc.auc, p.auc.ci_lower,
                        p.auc.ci_upper);
  return out;
}

}  // namespace mammo::score
