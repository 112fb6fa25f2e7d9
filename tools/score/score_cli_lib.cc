#include "tools/score/score_cli_lib.h"

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <optional>
#include <system_error>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "lib/io/byte_io.h"
#include "lib/io/safe_file_name.h"
#include "lib/status/status_macros.h"
#include "lib/train/run_folder.h"
#include "tools/score/cross_validation.h"
#include "tools/score/figures.h"
#include "tools/score/heatmap_gallery.h"
#include "tools/score/history.h"
#include "tools/score/html_report.h"
#include "tools/score/leakage.h"
#include "tools/score/paper_comparison.h"
#include "tools/score/paper_tables.h"
#include "tools/score/runs.h"

namespace mammo::score {

const char kUsage[] = R"(Usage: score [OPTION]... FILE...
       score [OPTION]... RUN_DIR
       score --runs [--report FILE] [--html FILE] [--figures DIR] [--paper [--not_run CSV]] RUN_DIR...
       score [--runs] --train_dataset A --test_dataset B ...
       score --compare A.csv B.csv
       score --folds RUN_DIR...
       score --leakage [--strict_leakage] INPUT...

Scores predicted probabilities of malignancy per split: ROC AUC with its DeLong
95% CI, paper_auc = (1 + TPR - FPR) / 2 at the threshold (what Falconi et al.
2020 report as "AUC"), accuracy, F1, sensitivity (TPR), specificity (TNR),
precision, the confusion matrix and the Brier score; --json adds the ECE, the
reliability points (10 bins, as scikit-learn's) and sensitivity at specificity
0.8/0.9/0.95 and the reverse at 0.9/0.95. --bootstrap adds CIs: the AUC's
resampling cases and, where every case has a patient_id, patients; each rate at
the threshold, and a pointwise band around the ROC curve (TPR at FPR 0, 0.01,
..., 1, drawn in the ROC figure), resampling patients where every case has one,
else cases (--json keys such as f1_ci95_patient_bootstrap, f1_ci95_bootstrap,
roc_band_ci95_patient_bootstrap); the operating points resampling cases. All
intervals come from two resampling passes on every core, the same numbers for
any core count.

FILE is a CSV (or - for stdin) whose header names id, label and probability, and
optionally patient_id, lesion_id and split; other columns are ignored, except
predict's subgroup columns (the subgroups table) and its calibration column:
probabilities recalibrated by predict --calibrate were fitted on the valid
split, and the report says its calibration is in-sample. Labels are
0/1 or benign/malignant. Without a split column all cases form one split, "all".
Several files are read as one table; ids must be unique.

A run folder (RUN_DIR) holds run.json (tl_train's or ft_train's; score uses its
run_name and best_epoch), history.csv (one line per epoch) and predictions.csv
(predict's output). Given one, score reads all three: the table gains the best
epoch's train_acc, valid_acc and the overfitting ratio beta = train_acc /
valid_acc. --history FILE does the same for CSV input; without run.json the best
epoch is the one of least valid_loss.

--figures DIR draws PNGs (800x600) with PLplot: DIR/roc_SPLIT.png (the ROC curve,
its AUC and the operating point at the threshold), DIR/confusion_SPLIT.png,
DIR/reliability_SPLIT.png (the calibration bins against the diagonal), and with a
history DIR/accuracy.png and DIR/loss.png (train and valid per epoch).

--runs scores every RUN_DIR and prints a Markdown table in the format of the
paper's Table 7: model, split (test, else valid), ROC AUC [DeLong 95% CI],
paper_auc, F1, ACC, train_acc, valid_acc, test_acc, beta_eq7 (train_acc /
valid_acc, the paper's eq. 7) and beta_test (train_acc / test_acc, as the
paper's Tables 8 and 10 compute it); sorted by ROC AUC, highest first. A folder
lacking run.json, history.csv or predictions.csv is an error naming the file.
With --figures DIR each run's figures go to DIR/RUN_NAME/ (characters other than
letters, digits, . _ - become _) and the table links them relative to the
report's folder (the current one for stdout; --report must name a file in an
existing folder).

--html FILE writes one self-contained HTML page (with FILE..., RUN_DIR or --runs):
the settings and each run's run.json, the --runs and --paper tables (with CIs
under --bootstrap), per split the AUC with its intervals, calibration, the rates
at the threshold with their CIs and the operating points, and every figure above
embedded as a PNG data: URI. The page has no script and loads nothing from
elsewhere; it opens in any browser, offline, and can be sent as one file.
With --heatmaps DIR (the folder of predict --heatmaps; for a run folder, and
each run of --runs, RUN_DIR/heatmaps when it exists) the page also shows the
Grad-CAM heatmaps of the worst errors at the threshold: up to 8 false positives
(highest probability first) and 8 false negatives (lowest first), those whose
DIR/<id>.png exists (id characters other than letters, digits, . _ - as _).

--train_dataset A --test_dataset B (external validation: a model trained on one
dataset, tested on another) put the line "Trained on A, tested on B." before the
table or the --runs report, into --html's page and its settings, and into --json
as train_dataset, test_dataset and external_validation.

--paper adds every row of the paper's Tables 7-10 (in the tables' order, from
data_formats/falconi2020_tables.csv, built into score) beside our run of the
same name: tl_train and ft_train name runs as the paper does ("resnet-50-TL",
"vgg16-8-FT"). A row without a run says "not run", and why when --not_run names
a CSV with the columns model and reason (pipelines/paper.mk lists the backbones
whose weights are missing).

--compare: DeLong's test of two correlated AUCs (both CSVs hold the same ids,
labels and splits): AUC_A, AUC_B, A - B, its 95% CI, z and two-sided p per split.

--folds scores a patient-grouped K-fold cross-validation (augment --fold I/K, the
same training per fold; demo.mk's cv target): one RUN_DIR per fold, each scored on
its test split (ROC AUC, DeLong 95% CI), the mean +- SD of the K AUCs, and the
pooled out-of-fold AUC with its CI. A patient or lesion tested in two folds is an
error naming it.

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
  score --runs --paper --not_run out/paper/not_run.csv out/paper/runs/*
  score --runs --paper --bootstrap 2000 --html report.html out/paper/runs/*
  score --folds out/demo/cv/fold*/runs/inception_v3-mixed5-TL
  score --compare out/runs/vgg16-TL/predictions.csv out/runs/vgg19-TL/predictions.csv
  score --leakage --strict_leakage out/train@8 out/valid@2 out/test@2
  score --runs --train_dataset cbis --test_dataset vindr out/runs/*)";

namespace {

bool IsDirectory(const std::string& path) {
  std::error_code error;
  return std::filesystem::is_directory(path, error);
}

// Predictions scored from CSV files or a run folder, with the history they came with.
struct Scored {
  std::vector<Prediction> predictions;
  std::vector<train::EpochRecord> history;
  ScoreReport report;
};

absl::Status Leakage(const CliOptions& options, std::ostream& out, std::ostream& err) {
  ASSIGN_OR_RETURN(const std::vector<CaseKey> cases, ReadCaseKeys(options.inputs));
  const LeakageReport report = FindLeakage(cases);
  err << LeakageWarning(report);
  if (options.json) {
    out << LeakageToJson(report).dump(2) << "\n";
  } else {
    out << FormatLeakage(report);
  }
  out.flush();
  if (report.leaks() && options.strict_leakage) {
    return absl::FailedPreconditionError("leakage between splits (--strict_leakage)");
  }
  return absl::OkStatus();
}

absl::Status CompareFiles(const CliOptions& options, std::ostream& out) {
  const std::string& a_path = options.inputs[0];
  const std::string& b_path = options.inputs[1];
  ASSIGN_OR_RETURN(const std::vector<Prediction> a, ReadPredictions({a_path}));
  ASSIGN_OR_RETURN(const std::vector<Prediction> b, ReadPredictions({b_path}));
  absl::StatusOr<std::vector<SplitComparison>> comparisons = Compare(a, b);
  if (!comparisons.ok()) {
    return absl::Status(comparisons.status().code(),
                        absl::StrCat(a_path, " vs ", b_path, ": ", comparisons.status().message()));
  }
  if (options.json) {
    out << ComparisonToJson(*comparisons, a_path, b_path).dump(2) << "\n";
  } else {
    out << FormatComparison(*comparisons, a_path, b_path);
  }
  out.flush();
  return absl::OkStatus();
}

// The folder under --figures for `run` (read from `dir`): its name made safe, which must differ
// from the folders of the runs before it.
absl::StatusOr<std::string> FiguresFolder(const std::string& dir, const Run& run,
                                          const std::vector<Run>& earlier) {
  const std::string folder = SafeFileName(run.run_name);
  for (const Run& other : earlier) {
    if (SafeFileName(other.run_name) == folder) {
      return absl::FailedPreconditionError(absl::StrCat(
          dir, ": run name '", run.run_name, "' gives the figures folder of ", other.dir,
          " (--figures puts each run's figures in a folder named after it)"));
    }
  }
  return folder;
}

// The paths of the figures `names` in `dir` relative to `report_dir`, the folder the report
// is read from, for its links.
std::vector<std::string> FigureLinks(const std::string& dir, const std::vector<std::string>& names,
                                     const std::filesystem::path& report_dir) {
  std::vector<std::string> links;
  for (const std::string& name : names) {
    links.push_back(std::filesystem::absolute(dir + "/" + name)
                        .lexically_normal()
                        .lexically_relative(report_dir.lexically_normal())
                        .string());
  }
  return links;
}

// A new folder under the system's temporary one, removed with its contents when this goes
// out of scope: where --html draws figures that --figures does not ask to keep.
class ScratchFolder {
 public:
  ScratchFolder() = default;
  ScratchFolder(const ScratchFolder&) = delete;
  ScratchFolder& operator=(const ScratchFolder&) = delete;
  ~ScratchFolder() {
    std::error_code ignored;  // a leftover temporary folder is no reason to fail
    if (!path_.empty()) std::filesystem::remove_all(path_, ignored);
  }

  absl::Status Create() {
    std::error_code error;
    std::string name = (std::filesystem::temp_directory_path(error) / "score.XXXXXX").string();
    if (error || mkdtemp(name.data()) == nullptr) {
      return absl::PermissionDeniedError(
          absl::StrCat(name, ": cannot create a temporary folder for --html's figures: ",
                       error ? error.message() : std::strerror(errno)));
    }
    path_ = name;
    return absl::OkStatus();
  }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

// The figures `names` in `dir`, read back for the HTML page.
absl::StatusOr<std::vector<HtmlFigure>> ReadFigures(const std::string& dir,
                                                    const std::vector<std::string>& names) {
  std::vector<HtmlFigure> figures;
  for (const std::string& name : names) {
    ASSIGN_OR_RETURN(std::string png, ReadFile(absl::StrCat(dir, "/", name)));
    figures.push_back({name, std::move(png)});
  }
  return figures;
}

// How score was asked to score, for the page's provenance.
std::vector<std::pair<std::string, std::string>> Settings(const CliOptions& options) {
  std::vector<std::pair<std::string, std::string>> settings = {
      {"inputs", absl::StrJoin(options.inputs, " ")},
      {"mode", options.runs ? (options.paper ? "--runs --paper" : "--runs") : "scoring"},
      {"threshold", options.threshold},
      {"bootstrap", options.bootstrap > 0
                        ? absl::StrCat(options.bootstrap, " resamples, seed ", options.seed)
                        : "none"}};
  if (!options.history.empty()) settings.push_back({"history", options.history});
  if (!options.not_run.empty()) settings.push_back({"not_run", options.not_run});
  if (!options.train_dataset.empty()) settings.push_back({"datasets", DatasetsLine(options)});
  return settings;
}

// The text of `dir`'s run.json, shown as the run's provenance.
absl::StatusOr<std::string> RunJson(const std::string& dir) {
  return ReadFile(train::RunFile(dir, train::kRunConfigFile));
}

absl::Status WriteHtml(const CliOptions& options, const HtmlDocument& document) {
  const absl::Status written = WriteFileAtomically(options.html, HtmlReport(document));
  if (!written.ok()) {
    return absl::Status(written.code(), absl::StrCat(written.message(), " (--html)"));
  }
  return absl::OkStatus();
}

// The datasets line as a Markdown paragraph; empty without external validation.
std::string DatasetsParagraph(const CliOptions& options) {
  const std::string line = DatasetsLine(options);
  return line.empty() ? "" : absl::StrCat(line, "\n\n");
}

// A run folder's gallery: the heatmaps predict drew into RUN_DIR/heatmaps, if it did.
absl::StatusOr<std::vector<HtmlHeatmap>> RunHeatmaps(const std::string& run_dir,
                                                     const std::vector<Prediction>& predictions,
                                                     const ScoreReport& report) {
  const std::string dir = absl::StrCat(run_dir, "/heatmaps");
  if (!IsDirectory(dir)) return std::vector<HtmlHeatmap>();
  return ReadHeatmapGallery(dir, predictions, report.threshold);
}

absl::Status ScoreRuns(const CliOptions& options, const ScoreOptions& score_options,
                       std::ostream& out) {
  std::vector<Run> runs;
  std::vector<std::vector<std::string>> links;
  std::vector<std::vector<HtmlFigure>> html_figures;
  // A bare file name has an empty parent, which std::filesystem::absolute throws on.
  const std::filesystem::path report_parent = std::filesystem::path(options.report).parent_path();
  const std::filesystem::path report_dir =
      std::filesystem::absolute(report_parent.empty() ? "." : report_parent);
  const bool html = !options.html.empty();
  ScratchFolder scratch;
  if (html && options.figures.empty()) RETURN_IF_ERROR(scratch.Create());
  const std::string figures_root = options.figures.empty() ? scratch.path() : options.figures;
  for (const std::string& dir : options.inputs) {
    ASSIGN_OR_RETURN(Run run, LoadRun(dir, score_options));
    if (!figures_root.empty()) {
      ASSIGN_OR_RETURN(const std::string folder, FiguresFolder(dir, run, runs));
      const std::string run_figures = absl::StrCat(figures_root, "/", folder);
      ASSIGN_OR_RETURN(const std::vector<std::string> names,
                       WriteFigures(run_figures, run.predictions, run.report, run.history));
      if (!options.figures.empty()) links.push_back(FigureLinks(run_figures, names, report_dir));
      if (html) {
        ASSIGN_OR_RETURN(std::vector<HtmlFigure> figures, ReadFigures(run_figures, names));
        html_figures.push_back(std::move(figures));
      }
    }
    runs.push_back(std::move(run));
  }
  std::string paper_markdown;
  if (options.paper) {
    ASSIGN_OR_RETURN(const std::vector<PaperRow> paper, PaperRows());
    std::vector<NotRun> not_run;
    if (!options.not_run.empty()) {
      ASSIGN_OR_RETURN(not_run, ReadNotRun(options.not_run));
    }
    paper_markdown = PaperComparisonMarkdown(runs, paper, not_run);
  }
  if (html) {
    // The page embeds the figures, so its table links none.
    HtmlDocument document;
    document.settings = Settings(options);
    document.summary_markdown = absl::StrCat("## Runs\n\n", DatasetsParagraph(options),
                                             RunsMarkdown(runs, {}), paper_markdown);
    for (size_t i = 0; i < runs.size(); ++i) {
      ASSIGN_OR_RETURN(std::string provenance, RunJson(runs[i].dir));
      ASSIGN_OR_RETURN(std::vector<HtmlHeatmap> heatmaps,
                       RunHeatmaps(runs[i].dir, runs[i].predictions, runs[i].report));
      document.sections.push_back({absl::StrCat(runs[i].run_name, " (", runs[i].dir, ")"),
                                   std::move(provenance), &runs[i].report,
                                   std::move(html_figures[i]), std::move(heatmaps)});
    }
    RETURN_IF_ERROR(WriteHtml(options, document));
  }
  const std::string markdown =
      absl::StrCat(DatasetsParagraph(options), RunsMarkdown(runs, links), paper_markdown);
  if (options.report.empty()) {
    out << markdown;
    out.flush();
    return absl::OkStatus();
  }
  const absl::Status written = WriteFileAtomically(options.report, markdown);
  if (!written.ok()) {
    return absl::Status(written.code(), absl::StrCat(written.message(), " (--report)"));
  }
  return absl::OkStatus();
}

// CSV files, with the best epoch of --history when given.
absl::StatusOr<Scored> ScoreCsvs(const CliOptions& options, const ScoreOptions& score_options) {
  Scored scored;
  ASSIGN_OR_RETURN(scored.predictions, ReadPredictions(options.inputs));
  ASSIGN_OR_RETURN(scored.report, Score(scored.predictions, score_options));
  if (options.history.empty()) return scored;
  ASSIGN_OR_RETURN(scored.history, train::ReadHistory(options.history));
  ASSIGN_OR_RETURN(scored.report.training, SummarizeHistory(scored.history, std::nullopt));
  return scored;
}

absl::Status ScoreFiles(const CliOptions& options, const ScoreOptions& score_options,
                        std::ostream& out) {
  Scored scored;
  if (IsDirectory(options.inputs[0])) {
    ASSIGN_OR_RETURN(Run run, LoadRun(options.inputs[0], score_options));
    scored = {std::move(run.predictions), std::move(run.history), std::move(run.report)};
  } else {
    ASSIGN_OR_RETURN(scored, ScoreCsvs(options, score_options));
  }
  const bool html = !options.html.empty();
  ScratchFolder scratch;
  if (html && options.figures.empty()) RETURN_IF_ERROR(scratch.Create());
  const std::string figures_dir = options.figures.empty() ? scratch.path() : options.figures;
  if (!figures_dir.empty()) {
    ASSIGN_OR_RETURN(const std::vector<std::string> names,
                     WriteFigures(figures_dir, scored.predictions, scored.report, scored.history));
    if (html) {
      const bool run_folder = IsDirectory(options.inputs[0]);
      HtmlSection section;
      section.title = absl::StrJoin(options.inputs, ", ");
      if (run_folder) {
        ASSIGN_OR_RETURN(section.provenance, RunJson(options.inputs[0]));
      }
      section.report = &scored.report;
      ASSIGN_OR_RETURN(section.figures, ReadFigures(figures_dir, names));
      if (!options.heatmaps.empty()) {
        ASSIGN_OR_RETURN(section.heatmaps, ReadHeatmapGallery(options.heatmaps, scored.predictions,
                                                              scored.report.threshold));
      } else if (run_folder) {
        ASSIGN_OR_RETURN(section.heatmaps,
                         RunHeatmaps(options.inputs[0], scored.predictions, scored.report));
      }
      HtmlDocument document;
      document.settings = Settings(options);
      document.summary_markdown = DatasetsParagraph(options);
      document.sections.push_back(std::move(section));
      RETURN_IF_ERROR(WriteHtml(options, document));
    }
  }
  if (options.json) {
    nlohmann::json json = ToJson(scored.report);
    if (!options.train_dataset.empty()) {
      json["train_dataset"] = options.train_dataset;
      json["test_dataset"] = options.test_dataset;
      json["external_validation"] = DatasetsLine(options);
    }
    out << json.dump(2) << "\n";
  } else {
    out << DatasetsParagraph(options) << FormatTable(scored.report);
  }
  out.flush();
  return absl::OkStatus();
}

}  // namespace

std::string DatasetsLine(const CliOptions& options) {
  if (options.train_dataset.empty()) return "";
  return absl::StrCat("Trained on ", options.train_dataset, ", tested on ", options.test_dataset,
                      ".");
}

absl::StatusOr<ScoreOptions> MakeScoreOptions(const CliOptions& options) {
  ScoreOptions score_options;
  ASSIGN_OR_RETURN(score_options.threshold, ParseThreshold(options.threshold));
  if (options.bootstrap < 0) return absl::InvalidArgumentError("--bootstrap must be at least 0");
  score_options.bootstrap_resamples = options.bootstrap;
  score_options.seed = options.seed;
  return score_options;
}

absl::Status CheckUsage(const CliOptions& options) {
  const std::vector<std::string>& inputs = options.inputs;
  if (inputs.empty()) return absl::InvalidArgumentError("no input given (a CSV file or -)");
  const int modes = options.runs + options.compare + options.leakage + options.folds;
  if (modes > 1) {
    return absl::InvalidArgumentError(
        "--runs, --compare, --leakage and --folds exclude each other");
  }
  if (!options.report.empty() && !options.runs) {
    return absl::InvalidArgumentError("--report goes with --runs");
  }
  if (options.paper && !options.runs) return absl::InvalidArgumentError("--paper goes with --runs");
  if (!options.not_run.empty() && !options.paper) {
    return absl::InvalidArgumentError("--not_run goes with --paper");
  }
  if (options.strict_leakage && !options.leakage) {
    return absl::InvalidArgumentError("--strict_leakage goes with --leakage");
  }
  if (!options.history.empty() && modes > 0) {
    return absl::InvalidArgumentError("--history goes with predictions CSVs, not another mode");
  }
  if (!options.figures.empty() && (options.compare || options.leakage || options.folds)) {
    return absl::InvalidArgumentError(
        "--figures goes with scoring, not --compare, --leakage or --folds");
  }
  if (!options.heatmaps.empty() && (options.html.empty() || modes > 0)) {
    return absl::InvalidArgumentError(
        "--heatmaps goes with --html when scoring files or one run folder (with --runs, each "
        "run's RUN_DIR/heatmaps is shown)");
  }
  if (!options.html.empty() && (options.compare || options.leakage || options.folds)) {
    return absl::InvalidArgumentError(
        "--html goes with scoring and --runs, not --compare, --leakage or --folds");
  }
  if (options.html == "-") {
    return absl::InvalidArgumentError(
        "--html needs a file name: standard output carries the table (or --json)");
  }
  if (options.train_dataset.empty() != options.test_dataset.empty()) {
    return absl::InvalidArgumentError("--train_dataset and --test_dataset go together");
  }
  if (!options.train_dataset.empty() && (options.compare || options.leakage || options.folds)) {
    return absl::InvalidArgumentError(
        "--train_dataset and --test_dataset go with scoring and --runs, not --compare, "
        "--leakage or --folds");
  }
  if (options.leakage) return absl::OkStatus();
  if (options.compare) {
    if (inputs.size() != 2)
      return absl::InvalidArgumentError("--compare takes exactly two CSV files");
    return absl::OkStatus();
  }
  RETURN_IF_ERROR(MakeScoreOptions(options).status());
  if (options.runs || options.folds) return absl::OkStatus();
  for (const std::string& input : inputs) {
    if (inputs.size() > 1 && IsDirectory(input)) {
      return absl::InvalidArgumentError(
          absl::StrCat(input, " is a folder: a run folder is scored alone (several: --runs)"));
    }
  }
  if (IsDirectory(inputs[0]) && !options.history.empty()) {
    return absl::InvalidArgumentError("--history is not for a run folder, which has its own");
  }
  return absl::OkStatus();
}

absl::Status RunCommand(const CliOptions& options, std::ostream& out, std::ostream& err) {
  if (options.leakage) return Leakage(options, out, err);
  if (options.compare) return CompareFiles(options, out);
  ASSIGN_OR_RETURN(const ScoreOptions score_options, MakeScoreOptions(options));
  if (options.runs) return ScoreRuns(options, score_options, out);
  if (options.folds) {
    ASSIGN_OR_RETURN(const CrossValidation cv, ScoreFolds(options.inputs, score_options));
    out << CrossValidationMarkdown(cv);
    return absl::OkStatus();
  }
  return ScoreFiles(options, score_options, out);
}

}  // namespace mammo::score
