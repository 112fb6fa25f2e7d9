#include "tools/score/score_cli_lib.h"

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
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
  CliOptions html = WithInputs({kCsv});
  html.folds = true;
  html.html = "r.html";
  ExpectUsageError(html,
                   "--html goes with scoring and --runs, not --compare, --leakage or --folds");
  html.folds = false;
  EXPECT_TRUE(CheckUsage(html).ok());
  html.html = "-";
  ExpectUsageError(html, "--html needs a file name: standard output carries the table (or --json)");
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

// Predictions files with --html and no --figures: the page holds each split's three figures,
// the table still goes to stdout, and the figures drawn for the page are gone afterwards.
TEST(RunCommandTest, HtmlEmbedsFiguresAndLeavesNoScratchFolder) {
  const std::string tmp = std::getenv("TEST_TMPDIR");
  const std::string scratch = tmp + "/scratch";
  std::filesystem::create_directories(scratch);
  ASSERT_EQ(setenv("TMPDIR", scratch.c_str(), 1), 0);
  CliOptions options = WithInputs({kCsv});
  options.html = tmp + "/report.html";
  std::ostringstream out, err;
  const absl::Status status = RunCommand(options, out, err);
  ASSERT_TRUE(status.ok()) << status;
  EXPECT_THAT(out.str(), StartsWith("threshold 0.5"));
  std::ifstream file(options.html);
  const std::string html((std::istreambuf_iterator<char>(file)), std::istreambuf_iterator<char>());
  size_t images = 0;
  for (size_t at = html.find("src=\"data:image/png;base64,iVBORw0KGgo"); at != std::string::npos;
       at = html.find("src=\"data:image/png;base64,iVBORw0KGgo", at + 1)) {
    ++images;  // "iVBORw0KGgo" is the PNG signature in base64
  }
  EXPECT_EQ(images, 6u);  // ROC, confusion matrix and reliability diagram of valid and test
  EXPECT_TRUE(std::filesystem::is_empty(scratch));

  options.html = tmp + "/no/such/folder/report.html";
  const absl::Status missing = RunCommand(options, out, err);
  EXPECT_FALSE(missing.ok());
  EXPECT_THAT(std::string(missing.message()), HasSubstr("(--html)"));
  EXPECT_TRUE(std::filesystem::is_empty(scratch));
}

// External validation: the line that names both datasets in the table, the JSON and the page;
// one dataset alone, or with another mode, is a usage error.
TEST(RunCommandTest, ExternalValidationNamesBothDatasetsEverywhere) {
  CliOptions options = WithInputs({kCsv});
  options.train_dataset = "nbia";
  options.test_dataset = "vindr";
  const std::string line = "Trained on nbia, tested on vindr.";
  EXPECT_EQ(DatasetsLine(options), line);
  EXPECT_EQ(DatasetsLine(WithInputs({kCsv})), "");
  std::ostringstream out, err;
  ASSERT_TRUE(RunCommand(options, out, err).ok());
  EXPECT_THAT(out.str(), StartsWith(line + "\n\nthreshold 0.5"));

  options.json = true;
  std::ostringstream json;
  ASSERT_TRUE(RunCommand(options, json, err).ok());
  EXPECT_THAT(json.str(), HasSubstr("\"external_validation\": \"" + line + "\""));
  EXPECT_THAT(json.str(), HasSubstr("\"train_dataset\": \"nbia\""));
  EXPECT_THAT(json.str(), HasSubstr("\"test_dataset\": \"vindr\""));

  options.json = false;
  options.html = std::string(std::getenv("TEST_TMPDIR")) + "/external.html";
  ASSERT_TRUE(RunCommand(options, out, err).ok());
  std::ifstream file(options.html);
  const std::string html((std::istreambuf_iterator<char>(file)), std::istreambuf_iterator<char>());
  EXPECT_THAT(html, HasSubstr(line));

  CliOptions alone = WithInputs({kCsv});
  alone.train_dataset = "nbia";
  ExpectUsageError(alone, "--train_dataset and --test_dataset go together");
  options.html.clear();
  options.folds = true;
  ExpectUsageError(options,
                   "--train_dataset and --test_dataset go with scoring and --runs, not --compare, "
                   "--leakage or --folds");
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
