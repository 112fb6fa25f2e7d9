#include "tools/score/score_cli_lib.h"

#include <filesystem>
#include <optional>
#include <system_error>
#include <utility>

#include "absl/strings/str_cat.h"
#include "lib/io/byte_io.h"
#include "lib/status/status_macros.h"
#include "tools/score/figures.h"
#include "tools/score/history.h"
#include "tools/score/leakage.h"
#include "tools/score/runs.h"

namespace mammo::score {
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
  const std::string folder = SafeName(run.run_name);
  for (const Run& other : earlier) {
    if (SafeName(other.run_name) == folder) {
      return absl::FailedPreconditionError(absl::StrCat(
          dir, ": run name '", run.run_name, "' gives the figures folder of ", other.dir,
          " (--figures puts each run's figures in a folder named after it)"));
    }
  }
  return folder;
}

// Writes `run`'s figures into `run_figures`; returns their paths relative to `report_dir`, the
// folder the report is read from, for its links.
absl::StatusOr<std::vector<std::string>> WriteRunFigures(const std::string& run_figures,
                                                         const Run& run,
                                                         const std::filesystem::path& report_dir) {
  ASSIGN_OR_RETURN(const std::vector<std::string> written,
                   WriteFigures(run_figures, run.predictions, run.report, run.history));
  std::vector<std::string> links;
  for (const std::string& name : written) {
    links.push_back(std::filesystem::absolute(run_figures + "/" + name)
                        .lexically_normal()
                        .lexically_relative(report_dir.lexically_normal())
                        .string());
  }
  return links;
}

absl::Status ScoreRuns(const CliOptions& options, const ScoreOptions& score_options,
                       std::ostream& out) {
  std::vector<Run> runs;
  std::vector<std::vector<std::string>> links;
  // A bare file name has an empty parent, which std::filesystem::absolute throws on.
  const std::filesystem::path report_parent = std::filesystem::path(options.report).parent_path();
  const std::filesystem::path report_dir =
      std::filesystem::absolute(report_parent.empty() ? "." : report_parent);
  for (const std::string& dir : options.inputs) {
    ASSIGN_OR_RETURN(Run run, LoadRun(dir, score_options));
    if (!options.figures.empty()) {
      ASSIGN_OR_RETURN(const std::string folder, FiguresFolder(dir, run, runs));
      ASSIGN_OR_RETURN(
          std::vector<std::string> run_links,
          WriteRunFigures(absl::StrCat(options.figures, "/", folder), run, report_dir));
      links.push_back(std::move(run_links));
    }
    runs.push_back(std::move(run));
  }
  const std::string markdown = RunsMarkdown(runs, links);
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
  if (!options.figures.empty()) {
    RETURN_IF_ERROR(
        WriteFigures(options.figures, scored.predictions, scored.report, scored.history).status());
  }
  if (options.json) {
    out << ToJson(scored.report).dump(2) << "\n";
  } else {
    out << FormatTable(scored.report);
  }
  out.flush();
  return absl::OkStatus();
}

}  // namespace

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
  const int modes = options.runs + options.compare + options.leakage;
  if (modes > 1) {
    return absl::InvalidArgumentError("--runs, --compare and --leakage exclude each other");
  }
  if (!options.report.empty() && !options.runs) {
    return absl::InvalidArgumentError("--report goes with --runs");
  }
  if (options.strict_leakage && !options.leakage) {
    return absl::InvalidArgumentError("--strict_leakage goes with --leakage");
  }
  if (!options.history.empty() && modes > 0) {
    return absl::InvalidArgumentError("--history goes with predictions CSVs, not another mode");
  }
  if (!options.figures.empty() && (options.compare || options.leakage)) {
    return absl::InvalidArgumentError("--figures goes with scoring, not --compare or --leakage");
  }
  if (options.leakage) return absl::OkStatus();
  if (options.compare) {
    if (inputs.size() != 2)
      return absl::InvalidArgumentError("--compare takes exactly two CSV files");
    return absl::OkStatus();
  }
  RETURN_IF_ERROR(MakeScoreOptions(options).status());
  if (options.runs) return absl::OkStatus();
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
  return ScoreFiles(options, score_options, out);
}

}  // namespace mammo::score
