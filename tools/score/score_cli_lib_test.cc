#include "tools/score/score_cli_lib.h"

#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace mammo::score {
namespace {

using ::testing::HasSubstr;
using ::testing::StartsWith;

const char kCsv[] = "tools/score/testdata/predictions.csv";

CliOptions WithInputs(std::vector<std::string> inputs) {
  CliOptions options;
  options.inputs = std::move(inputs);
  return options;
}

void ExpectUsageError(const CliOptions& options, const std::string& message) {
  const absl::Status status = CheckUsage(options);
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument) << message;
  EXPECT_EQ(status.message(), message);
}

TEST(CheckUsageTest, AcceptsPlainScoring) { EXPECT_TRUE(CheckUsage(WithInputs({kCsv})).ok()); }

TEST(CheckUsageTest, NamesTheFlagsThatConflict) {
  ExpectUsageError(WithInputs({}), "no input given (a CSV file or -)");
  CliOptions two_modes = WithInputs({kCsv});
  two_modes.runs = two_modes.leakage = true;
  ExpectUsageError(two_modes, "--runs, --compare, --leakage and --folds exclude each other");
  CliOptions report = WithInputs({kCsv});
  report.report = "r.md";
  ExpectUsageError(report, "--report goes with --runs");
  CliOptions figures = WithInputs({kCsv, kCsv});
  figures.compare = true;
  figures.figures = "f";
  ExpectUsageError(figures, "--figures goes with scoring, not --compare, --leakage or --folds");
  CliOptions paper = WithInputs({kCsv});
  paper.paper = true;
  ExpectUsageError(paper, "--paper goes with --runs");
}

TEST(CheckUsageTest, ChecksOnlyWhatTheModeUses) {
  CliOptions bad_threshold = WithInputs({kCsv});
  bad_threshold.threshold = "half";
  EXPECT_FALSE(CheckUsage(bad_threshold).ok());
  bad_threshold.leakage = true;  // --leakage never scores
  EXPECT_TRUE(CheckUsage(bad_threshold).ok());

  CliOptions compare = WithInputs({kCsv});
  compare.compare = true;
  ExpectUsageError(compare, "--compare takes exactly two CSV files");
  CliOptions bootstrap = WithInputs({kCsv});
  bootstrap.bootstrap = -1;
  ExpectUsageError(bootstrap, "--bootstrap must be at least 0");
}

TEST(CheckUsageTest, RejectsAFolderAmongFiles) {
  const std::string dir = std::getenv("TEST_TMPDIR");
  ExpectUsageError(WithInputs({kCsv, dir}),
                   dir + " is a folder: a run folder is scored alone (several: --runs)");
  CliOptions history = WithInputs({dir});
  history.history = "history.csv";
  ExpectUsageError(history, "--history is not for a run folder, which has its own");
}

TEST(MakeScoreOptionsTest, TakesTheScoringFlags) {
  CliOptions options = WithInputs({kCsv});
  options.threshold = "youden";
  options.bootstrap = 100;
  options.seed = 7;
  absl::StatusOr<ScoreOptions> score_options = MakeScoreOptions(options);
  ASSERT_TRUE(score_options.ok()) << score_options.status();
  EXPECT_EQ(score_options->threshold.kind, ThresholdRule::Kind::kYouden);
  EXPECT_EQ(score_options->bootstrap_resamples, 100);
  EXPECT_EQ(score_options->seed, 7u);
}

TEST(RunCommandTest, WritesTheTableAndTheLeakageReportToItsStreams) {
  std::ostringstream out, err;
  ASSERT_TRUE(RunCommand(WithInputs({kCsv}), out, err).ok());
  EXPECT_THAT(out.str(), StartsWith("threshold 0.5"));
  EXPECT_EQ(err.str(), "");

  CliOptions leakage = WithInputs({kCsv});
  leakage.leakage = true;
  std::ostringstream leak_out, leak_err;
  ASSERT_TRUE(RunCommand(leakage, leak_out, leak_err).ok());
  EXPECT_THAT(leak_out.str(), HasSubstr("0 patients and 0 lesions appear in more than one split"));
}

TEST(RunCommandTest, ComparisonErrorsNameBothFiles) {
  const std::string other = std::string(std::getenv("TEST_TMPDIR")) + "/other.csv";
  {
    std::ofstream file(other);
    file << "id,label,probability,split\nx1,1,0.5,test\nx2,0,0.4,test\n";
  }
  CliOptions compare = WithInputs({kCsv, other});
  compare.compare = true;
  std::ostringstream out, err;
  const absl::Status status = RunCommand(compare, out, err);
  EXPECT_FALSE(status.ok());
  EXPECT_THAT(std::string(status.message()), StartsWith(std::string(kCsv) + " vs " + other + ": "));
}

}  // namespace
}  // namespace mammo::score
