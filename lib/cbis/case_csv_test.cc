#include "lib/cbis/case_csv.h"

#include <fstream>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace mammo::cbis {
namespace {

using ::testing::HasSubstr;

std::string Write(const std::string& name, const std::string& text) {
  const std::string path = ::testing::TempDir() + "/" + name;
  std::ofstream(path, std::ios::binary) << text;
  return path;
}

constexpr char kMassHeader[] =
    "patient_id,breast_density,left or right breast,image view,abnormality id,abnormality type,"
    "mass shape,mass margins,assessment,pathology,subtlety,image file path,"
    "cropped image file path,ROI mask file path\r\n";

TEST(ReadCaseCsvTest, MassFileWithCrlfQuotedNewlineAndSpaces) {
  const std::string path = Write(
      "mass_case_description_train_set.csv",
      std::string(kMassHeader) +
          "P_00001, 3 ,LEFT,CC,1,mass,IRREGULAR-ARCHITECTURAL_DISTORTION,SPICULATED,4,MALIGNANT,4,"
          "Mass-Training_P_00001_LEFT_CC/1.2/1.3/000000.dcm,Mass-Training_P_00001_LEFT_CC_1/1.4/"
          "1.5/000000.dcm,"
          "\"Mass-Training_P_00001_LEFT_CC_1/1.4/1.5/000001.dcm\n\"\r\n"
          "P_00004,2,RIGHT,MLO,1,mass,OVAL,\"CIRCUMSCRIBED\",3,BENIGN_WITHOUT_CALLBACK,0,a/b/c/"
          "d.dcm,e/f/g/h.dcm,i/j/k/l.dcm\r\n");
  auto rows = ReadCaseCsv(path);
  ASSERT_TRUE(rows.ok()) << rows.status();
  ASSERT_EQ(rows->size(), 2u);
  const CaseRow& r = (*rows)[0];
  EXPECT_EQ(r.split, "train");
  EXPECT_EQ(r.row, 1);
  EXPECT_EQ(r.patient_id, "P_00001");
  EXPECT_EQ(r.breast_density, "3");
  EXPECT_EQ(r.laterality, "LEFT");
  EXPECT_EQ(r.view, "CC");
  EXPECT_EQ(r.mass_shape, "IRREGULAR-ARCHITECTURAL_DISTORTION");
  EXPECT_EQ(r.mass_margins, "SPICULATED");
  EXPECT_EQ(r.pathology, "MALIGNANT");
  EXPECT_EQ(r.mask_path, "Mass-Training_P_00001_LEFT_CC_1/1.4/1.5/000001.dcm");
  EXPECT_EQ((*rows)[1].mass_margins, "CIRCUMSCRIBED");
  EXPECT_EQ((*rows)[1].subtlety, "0");
  EXPECT_EQ((*rows)[1].mask_path, "i/j/k/l.dcm");
}

TEST(ReadCaseCsvTest, CalcFileAndTestSplit) {
  const std::string path = Write(
      "calc_case_description_test_set.csv",
      "patient_id,breast density,left or right breast,image view,abnormality id,abnormality type,"
      "calc type,calc distribution,assessment,pathology,subtlety,image file path,"
      "cropped image file path,ROI mask file path\r\n"
      "P_00038,2,LEFT,CC,1,calcification,PUNCTATE-PLEOMORPHIC,CLUSTERED,4,BENIGN,2,a/b/c/d,e/f/g/"
      "h,i/j/k/l\r\n");
  auto rows = ReadCaseCsv(path);
  ASSERT_TRUE(rows.ok()) << rows.status();
  ASSERT_EQ(rows->size(), 1u);
  EXPECT_EQ((*rows)[0].split, "test");
  EXPECT_EQ((*rows)[0].calc_type, "PUNCTATE-PLEOMORPHIC");
  EXPECT_EQ((*rows)[0].calc_distribution, "CLUSTERED");
  EXPECT_EQ((*rows)[0].mass_shape, "");
}

TEST(ReadCaseCsvTest, ErrorsNameTheFile) {
  auto rows = ReadCaseCsv(Write("mass_train.csv", "patient_id,density\r\nP_1,2\r\n"));
  EXPECT_EQ(rows.status().code(), absl::StatusCode::kDataLoss);
  EXPECT_THAT(rows.status().message(), HasSubstr("mass_train.csv: header is neither"));

  // A short row is that row's problem, not the file's.
  rows = ReadCaseCsv(Write("mass_test.csv", std::string(kMassHeader) + "P_1,2,LEFT\r\n"));
  ASSERT_TRUE(rows.ok()) << rows.status();
  ASSERT_EQ(rows->size(), 1u);
  EXPECT_EQ((*rows)[0].row, 1);
  EXPECT_THAT((*rows)[0].malformed, HasSubstr("3 fields, but the header has 14 (/"));
  EXPECT_THAT((*rows)[0].malformed, HasSubstr("mass_test.csv:2)"));
  EXPECT_TRUE((*rows)[0].patient_id.empty());

  rows = ReadCaseCsv(Write("mass_test_quote.csv", std::string(kMassHeader) + "\"P_1,2\r\n"));
  EXPECT_EQ(rows.status().code(), absl::StatusCode::kDataLoss);

  rows = ReadCaseCsv(Write("cases.csv", kMassHeader));
  EXPECT_EQ(rows.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(ReadCaseCsv("/no/such/train.csv").status().code(), absl::StatusCode::kNotFound);
}

TEST(ParseCsvPathTest, SplitsSubjectAndUids) {
  auto parts = ParseCsvPath("Mass-Training_P_00001_LEFT_CC_1/1.2.3/1.2.4/000001.dcm");
  ASSERT_TRUE(parts.ok());
  EXPECT_EQ(parts->subject, "Mass-Training_P_00001_LEFT_CC_1");
  EXPECT_EQ(parts->study_uid, "1.2.3");
  EXPECT_EQ(parts->series_uid, "1.2.4");
  EXPECT_FALSE(ParseCsvPath("a/b.dcm").ok());
}

}  // namespace
}  // namespace mammo::cbis
