// score's command line as a library: the options its flags give, their usage checks, and the
// four modes (scoring, --runs, --compare, --leakage) writing to the streams they are given.
// main.cc only reads the flags into CliOptions; nothing here reads a flag.
#ifndef MAMMO_TOOLS_SCORE_SCORE_CLI_LIB_H_
#define MAMMO_TOOLS_SCORE_SCORE_CLI_LIB_H_

#include <cstdint>
#include <ostream>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "tools/score/score_lib.h"

namespace mammo::score {

// score's --help: its usage lines, what each mode does, and examples.
extern const char kUsage[];

// score's flags, one field each (main.cc's flag help says what they mean), and its arguments.
struct CliOptions {
  std::vector<std::string> inputs;  // CSV files, run folders or shard sets, per mode
  bool json = false;
  std::string threshold = "0.5";
  int bootstrap = 0;
  uint64_t seed = 0;
  std::string figures;
  std::string history;
  bool runs = false;
  std::string report;
  std::string html;
  std::string heatmaps;
  bool paper = false;
  std::string not_run;
  bool compare = false;
  bool folds = false;
  bool leakage = false;
  bool strict_leakage = false;
  // External validation: the datasets of training and of the test split (both or neither).
  std::string train_dataset;
  std::string test_dataset;
};

// "Trained on A, tested on B." for --train_dataset A --test_dataset B; empty without them.
std::string DatasetsLine(const CliOptions& options);

// --threshold, --bootstrap and --seed as ScoreOptions; InvalidArgument naming the flag.
absl::StatusOr<ScoreOptions> MakeScoreOptions(const CliOptions& options);

// The command line's usage errors, found before any file is read: InvalidArgument whose
// message score prints with a hint to --help (exit 1). Only what the chosen mode uses is
// checked: --leakage and --compare ignore --threshold and --bootstrap.
absl::Status CheckUsage(const CliOptions& options);

// Runs the mode that `options` (accepted by CheckUsage) choose: tables, reports and JSON go to
// `out`, the leakage warning to `err`. Errors are one line naming the file or flag.
absl::Status RunCommand(const CliOptions& options, std::ostream& out, std::ostream& err);

}  // namespace mammo::score

#endif  // MAMMO_TOOLS_SCORE_SCORE_CLI_LIB_H_
