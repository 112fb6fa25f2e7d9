#include "tools/score/paper_tables.h"

#include <cmath>
#include <string>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "lib/models/model_info.h"

namespace mammo::score {
namespace {

using ::testing::HasSubstr;

// The tables print two or three decimals; ratios of rounded values are off by up to ~0.013.
constexpr double kTwoDecimals = 0.0051;

TEST(PaperTablesTest, TwentyTransferLearningAndFourteenFineTuningRows) {
  const absl::StatusOr<std::vector<PaperRow>> rows = PaperRows();
  ASSERT_TRUE(rows.ok()) << rows.status();
  int tl = 0, ft = 0;
  for (const PaperRow& row : *rows) (row.fine_tuning() ? ft : tl) += 1;
  EXPECT_EQ(tl, 20);
  EXPECT_EQ(ft, 14);
  const PaperRow* best = FindPaperRow(*rows, "vgg16-8-FT");
  ASSERT_NE(best, nullptr);
  EXPECT_EQ(best->auc_eq13, 0.844);
  EXPECT_EQ(best->gamma, 8);
  EXPECT_EQ(FindPaperRow(*rows, "vgg16-9-FT"), nullptr);
}

// Every row names a model we build, spelt as our runs are named, so a run of ours finds it.
TEST(PaperTablesTest, RunNamesAreOurDefaultRunNames) {
  const absl::StatusOr<std::vector<PaperRow>> rows = PaperRows();
  ASSERT_TRUE(rows.ok()) << rows.status();
  for (const PaperRow& row : *rows) {
    const models::ModelInfo* info = models::FindModel(row.model);
    ASSERT_NE(info, nullptr) << row.run;
    EXPECT_EQ(models::PaperSpelling(*info), row.model) << row.run;
    EXPECT_EQ(models::PaperRunName(info->name, row.gamma), row.run);
  }
}

// The tables agree with each other where the paper says they must; a typo in the data fails.
TEST(PaperTablesTest, TheTablesAgreeWithEachOther) {
  const absl::StatusOr<std::vector<PaperRow>> rows = PaperRows();
  ASSERT_TRUE(rows.ok()) << rows.status();
  int with_beta = 0;
  for (const PaperRow& row : *rows) {
    // A balanced test set (3,000 per class): eq. 13's (1 + TPR - FPR) / 2 is the accuracy.
    EXPECT_NEAR(row.auc_eq13, row.accuracy, 0.0011) << row.run;
    // A collapsed run calls every image one class: F1 2/3 (all malignant) or 0 (all benign).
    if (row.auc_eq13 == 0.5) {
      EXPECT_TRUE(row.f1 == 0 || std::abs(row.f1 - 2.0 / 3) < 0.001) << row.run;
    }
    if (!row.beta.has_value()) continue;
    ++with_beta;
    ASSERT_TRUE(row.train_accuracy.has_value() && row.test_accuracy.has_value()) << row.run;
    // Tables 8 and 10 give Table 7's and 9's ACC to two decimals.
    EXPECT_NEAR(*row.test_accuracy, row.accuracy, kTwoDecimals) << row.run;
    EXPECT_NEAR(*row.beta, *row.train_accuracy / *row.test_accuracy, 0.015) << row.run;
  }
  EXPECT_EQ(with_beta, 20 + 3);
}

// Figure 8's confusion matrix of vgg16-10-FT gives its Table 9 ACC and F1 (eq. 12).
TEST(PaperTablesTest, FigureEightGivesTableNinesRow) {
  const absl::StatusOr<std::vector<PaperRow>> rows = PaperRows();
  ASSERT_TRUE(rows.ok()) << rows.status();
  const PaperRow* row = FindPaperRow(*rows, "vgg16-10-FT");
  ASSERT_NE(row, nullptr);
  const double tp = 2547, fn = 453, tn = 2348, fp = 652;
  EXPECT_NEAR(row->accuracy, (tp + tn) / (tp + tn + fp + fn), 0.0005);
  EXPECT_NEAR(row->f1, 2 * tp / (2 * tp + fp + fn), 0.0005);
}

TEST(PaperTablesTest, BadRowsAreNamedByLineAndColumn) {
  const std::string header = "run,model,gamma,auc_eq13,f1,acc,train_acc,test_acc,beta,source\n";
  const absl::StatusOr<std::vector<PaperRow>> bad_number =
      ParsePaperRows(header + "a-TL,a,,0.5,x,0.5,,,,t\n", "t.csv");
  ASSERT_FALSE(bad_number.ok());
  EXPECT_THAT(bad_number.status().message(), HasSubstr("t.csv:2: column f1 is not a number"));
  const absl::StatusOr<std::vector<PaperRow>> bad_gamma =
      ParsePaperRows(header + "a-0-FT,a,0,0.5,0.5,0.5,,,,t\n", "t.csv");
  ASSERT_FALSE(bad_gamma.ok());
  EXPECT_THAT(bad_gamma.status().message(), HasSubstr("gamma is not a positive integer"));
  const absl::StatusOr<std::vector<PaperRow>> twice =
      ParsePaperRows(header + "a-TL,a,,0.5,0.5,0.5,,,,t\na-TL,a,,0.6,0.6,0.6,,,,t\n", "t.csv");
  ASSERT_FALSE(twice.ok());
  EXPECT_THAT(twice.status().message(), HasSubstr("t.csv:3: run a-TL twice"));
  const absl::StatusOr<std::vector<PaperRow>> no_column = ParsePaperRows("run,model\n", "t.csv");
  ASSERT_FALSE(no_column.ok());
  EXPECT_THAT(no_column.status().message(), HasSubstr("gamma"));
}

}  // namespace
}  // namespace mammo::score
