#include "tools/score/leakage.h"

#include <cstdlib>
#include <fstream>
#include <memory>
#include <string>
#include <vector>

#include "data_formats/record.pb.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "lib/records/shard_writer.h"

namespace mammo::score {
namespace {

using ::testing::HasSubstr;

struct Case {
  const char* patient;
  const char* lesion;
  Split split;
};

std::string Dir() { return std::getenv("TEST_TMPDIR"); }

// Writes `cases` as a shard set of two shards and returns its spec.
std::string WriteShards(const std::string& name, const std::vector<Case>& cases) {
  const std::string spec = Dir() + "/" + name + "@2";
  auto writer = ShardWriter::Open(spec, StageInfo{"test", "leakage_test", "1", {}});
  EXPECT_TRUE(writer.ok()) << writer.status();
  int id = 0;
  for (const Case& c : cases) {
    Record record;
    record.set_id(name + std::to_string(id++));
    record.set_patient_id(c.patient);
    record.set_lesion_id(c.lesion);
    record.set_split(c.split);
    EXPECT_TRUE((*writer)->Write(record).ok());
  }
  EXPECT_TRUE((*writer)->Close().ok());
  return spec;
}

TEST(LeakageTest, DisjointSplitsReportNone) {
  const std::string train = WriteShards(
      "clean_train", {{"P1", "P1_L1", TRAIN}, {"P1", "P1_L1", TRAIN}, {"P2", "P2_L1", TRAIN}});
  const std::string valid = WriteShards("clean_valid", {{"P3", "P3_L1", VALID}});
  const std::string test =
      WriteShards("clean_test", {{"P4", "P4_L1", TEST}, {"P4", "P4_L2", TEST}});
  const absl::StatusOr<std::vector<CaseKey>> cases = ReadCaseKeys({train, valid, test});
  ASSERT_TRUE(cases.ok()) << cases.status();
  const LeakageReport report = FindLeakage(*cases);
  EXPECT_EQ(report.cases, 6);
  EXPECT_EQ(report.cases_per_split.at("train"), 3);
  EXPECT_EQ(report.patients, 4);
  EXPECT_EQ(report.lesions, 5);
  EXPECT_FALSE(report.leaks());
  EXPECT_EQ(LeakageWarning(report), "");
  EXPECT_THAT(FormatLeakage(report), HasSubstr("0 patients and 0 lesions appear in more"));
  EXPECT_EQ(LeakageToJson(report)["leaking_patient_count"], 0);
}

TEST(LeakageTest, OverlapsAreCountedExactly) {
  // P1 in train (2 cases) and test (1); P2 in train and valid, with lesion P2_L1 in both;
  // P3 only in test.
  const std::string train = WriteShards(
      "leaky_train", {{"P1", "P1_L1", TRAIN}, {"P1", "P1_L2", TRAIN}, {"P2", "P2_L1", TRAIN}});
  const std::string valid = WriteShards("leaky_valid", {{"P2", "P2_L1", VALID}});
  const std::string test =
      WriteShards("leaky_test", {{"P1", "P1_L3", TEST}, {"P3", "P3_L1", TEST}});
  const absl::StatusOr<std::vector<CaseKey>> cases = ReadCaseKeys({train, valid, test});
  ASSERT_TRUE(cases.ok()) << cases.status();
  const LeakageReport report = FindLeakage(*cases);
  ASSERT_EQ(report.leaking_patients.size(), 2u);
  EXPECT_EQ(report.leaking_patients[0].id, "P1");
  EXPECT_EQ(report.leaking_patients[0].cases_per_split,
            (std::map<std::string, int64_t>{{"train", 2}, {"test", 1}}));
  EXPECT_EQ(report.leaking_patients[1].id, "P2");
  ASSERT_EQ(report.leaking_lesions.size(), 1u);
  EXPECT_EQ(report.leaking_lesions[0].id, "P2_L1");

  const std::string warning = LeakageWarning(report);
  EXPECT_THAT(warning, HasSubstr("LEAKAGE: 2 of 3 patients and 1 of 5 lesions"));
  EXPECT_THAT(warning, HasSubstr("patient P1 (test 1, train 2)"));
  EXPECT_THAT(warning, HasSubstr("lesion P2_L1 (train 1, valid 1)"));
  const nlohmann::ordered_json json = LeakageToJson(report);
  EXPECT_EQ(json["leaks"], true);
  EXPECT_EQ(json["leaking_patient_count"], 2);
  EXPECT_EQ(json["leaking_lesion_count"], 1);
  EXPECT_EQ(json["leaking_patients"][0]["cases_per_split"]["train"], 2);
}

TEST(LeakageTest, NamedSplitsAndPredictionsCsvs) {
  // Records without a split are an error unless the input names one.
  const std::string unsplit = WriteShards("unsplit", {{"P9", "P9_L1", SPLIT_NONE}});
  const absl::Status status = ReadCaseKeys({unsplit}).status();
  EXPECT_EQ(status.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(status.message(), HasSubstr("has no split; name it as SPLIT="));

  const std::string csv = Dir() + "/predictions.csv";
  std::ofstream(csv) << "id,patient_id,lesion_id,split,label,probability\n"
                        "a,P9,P9_L2,valid,1,0.5\n"
                        "b,P8,P8_L1,valid,0,0.5\n";
  const absl::StatusOr<std::vector<CaseKey>> cases = ReadCaseKeys({"train=" + unsplit, csv});
  ASSERT_TRUE(cases.ok()) << cases.status();
  const LeakageReport report = FindLeakage(*cases);
  ASSERT_EQ(report.leaking_patients.size(), 1u);
  EXPECT_EQ(report.leaking_patients[0].id, "P9");
  EXPECT_EQ(report.leaking_patients[0].cases_per_split,
            (std::map<std::string, int64_t>{{"train", 1}, {"valid", 1}}));
  EXPECT_TRUE(report.leaking_lesions.empty());
}

}  // namespace
}  // namespace mammo::score
