#include "tools/score/cross_validation.h"

#include <cmath>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace mammo::score {
namespace {

using ::testing::HasSubstr;

// A run folder holding only predictions.csv, which is all --folds reads.
std::string WriteFold(const std::string& name, const std::string& rows) {
  const std::string dir = absl::StrCat(::testing::TempDir(), "/", name);
  std::filesystem::create_directories(dir);
  std::ofstream(dir + "/predictions.csv") << "id,patient_id,lesion_id,split,label,probability\n"
                                          << rows;
  return dir;
}

// Three folds whose AUCs are counted by hand: fold 0 ranks all four pairs right (1), fold 1
// none (0), fold 2 three of four (0.75); pooled, 19 of the 36 positive-negative pairs.
TEST(CrossValidationTest, FoldsMeanSdAndPooledAucByHand) {
  const std::vector<std::string> dirs = {
      WriteFold("f0",
                "a,P1,L1,test,1,0.9\nb,P2,L2,test,1,0.8\nc,P3,L3,test,0,0.1\n"
                "d,P4,L4,test,0,0.2\nv,P9,L9,valid,1,0.5\n"),
      WriteFold("f1",
                "e,P8,L8,test,1,0.25\nf,P10,L10,test,1,0.15\ng,P11,L11,test,0,0.85\n"
                "h,P12,L12,test,0,0.95\n"),
      WriteFold("f2",
                "i,P5,L5,test,1,0.6\nj,P5,L6,test,1,0.4\nk,P6,L7,test,0,0.5\n"
                "l,P7,L13,test,0,0.3\n"),
  };
  const absl::StatusOr<CrossValidation> cv = ScoreFolds(dirs, ScoreOptions{});
  ASSERT_TRUE(cv.ok()) << cv.status();
  ASSERT_EQ(cv->folds.size(), 3u);
  EXPECT_DOUBLE_EQ(cv->folds[0].auc.auc, 1.0);
  EXPECT_DOUBLE_EQ(cv->folds[1].auc.auc, 0.0);
  EXPECT_DOUBLE_EQ(cv->folds[2].auc.auc, 0.75);
  EXPECT_EQ(cv->folds[2].patients, 3);  // P5 has two lesions
  EXPECT_NEAR(cv->mean_auc, 1.75 / 3, 1e-12);
  const double m = 1.75 / 3;
  EXPECT_NEAR(cv->sd_auc,
              std::sqrt((std::pow(1 - m, 2) + std::pow(m, 2) + std::pow(0.75 - m, 2)) / 2), 1e-12);
  EXPECT_EQ(cv->pooled.cases, 12);  // the valid case of fold 0 is not pooled
  EXPECT_DOUBLE_EQ(cv->pooled.auc.auc, 19.0 / 36);
  const std::string table = CrossValidationMarkdown(*cv);
  EXPECT_THAT(table, HasSubstr("| 2 | 4 | 3 | 2 | 0.750 ["));
  EXPECT_THAT(table, HasSubstr("mean 0.583 +- 0.520 (SD)"));
  EXPECT_THAT(table, HasSubstr("| pooled | 12 | 11 | 6 | 0.528 ["));
}

TEST(CrossValidationTest, APatientTestedInTwoFoldsIsNamed) {
  const std::vector<std::string> dirs = {
      WriteFold("g0", "a,P1,L1,test,1,0.9\nb,P2,L2,test,1,0.8\nc,P3,L3,test,0,0.1\n"),
      WriteFold("g1", "d,P1,L4,test,1,0.2\ne,P5,L5,test,0,0.8\n"),
  };
  const absl::StatusOr<CrossValidation> cv = ScoreFolds(dirs, ScoreOptions{});
  ASSERT_FALSE(cv.ok());
  EXPECT_THAT(cv.status().message(), HasSubstr("patient 'P1' is tested in fold 0 and fold 1"));
}

TEST(CrossValidationTest, AFoldWithoutTestOrOneFoldIsRefused) {
  const std::string good = WriteFold("h0", "a,P1,L1,test,1,0.9\nb,P2,L2,test,0,0.1\n");
  const std::string valid_only = WriteFold("h1", "c,P3,L3,valid,1,0.2\nd,P4,L4,valid,0,0.8\n");
  const absl::StatusOr<CrossValidation> no_test = ScoreFolds({good, valid_only}, ScoreOptions{});
  ASSERT_FALSE(no_test.ok());
  EXPECT_THAT(no_test.status().message(), HasSubstr("h1/predictions.csv: no test split"));
  EXPECT_THAT(ScoreFolds({good}, ScoreOptions{}).status().message(), HasSubstr("two folds"));
}

}  // namespace
}  // namespace mammo::score
