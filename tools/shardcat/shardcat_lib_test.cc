#include "tools/shardcat/shardcat_lib.h"

#include <sys/stat.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <opencv2/imgcodecs.hpp>
#include <sstream>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "lib/image/codec.h"
#include "lib/records/shard_reader.h"
#include "lib/records/shard_writer.h"

namespace mammo::shardcat {
namespace {

using ::testing::HasSubstr;

// sha256sum tools/shardcat/testdata/grey16.png
constexpr char kGrey16Sha256[] = "22b969dc3116bebbe7fcf430e49bbefd9ccf82a9f1d940c15d660da96cb61ec1";

std::string TestData(const std::string& name) { return "tools/shardcat/testdata/" + name; }

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

class ShardcatTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = absl::StrCat(::testing::TempDir(), "/",
                        ::testing::UnitTest::GetInstance()->current_test_info()->name());
    ::mkdir(dir_.c_str(), 0755);
  }

  std::string PackTestImages() {
    PackOptions options;
    options.label = MALIGNANT;
    options.patient_id = "P_00042";
    options.split = TRAIN;
    options.output = dir_ + "/packed@2";
    const absl::Status status = Pack({TestData("grey16.png"), TestData("colour.jpg")}, options);
    EXPECT_TRUE(status.ok()) << status;
    return options.output;
  }

  std::vector<Record> ReadAll(const std::string& spec) {
    std::vector<Record> records;
    auto reader = ShardReader::Open({spec});
    EXPECT_TRUE(reader.ok()) << reader.status();
    Record r;
    if (!reader.ok()) return records;
    while ((*reader)->Next(&r).value_or(false)) records.push_back(r);
    return records;
  }

  std::string dir_;
};

TEST_F(ShardcatTest, PackKeepsPngBytesAndConvertsJpeg) {
  const std::vector<Record> records = ReadAll(PackTestImages());
  ASSERT_EQ(records.size(), 2u);
  EXPECT_EQ(records[0].id(), "grey16");
  EXPECT_EQ(records[0].patient_id(), "P_00042");
  EXPECT_EQ(records[0].label(), MALIGNANT);
  EXPECT_EQ(records[0].split(), TRAIN);
  EXPECT_EQ(records[0].image().data(), ReadFile(TestData("grey16.png")));
  EXPECT_EQ(records[0].image().bit_depth(), 16u);
  EXPECT_EQ(records[0].image().width(), 12u);
  EXPECT_EQ(records[0].image().height(), 9u);
  // Pixel (y=1, x=0) was written as 12 * 601 = 7212 by the generator script.
  auto grey = DecodeImage(records[0].image());
  ASSERT_TRUE(grey.ok());
  EXPECT_EQ(grey->at<uint16_t>(1, 0), 7212);

  EXPECT_EQ(records[1].id(), "colour");
  EXPECT_EQ(records[1].image().encoding(), Image::PNG);
  EXPECT_EQ(records[1].image().channels(), 3u);
  auto colour = DecodeImage(records[1].image());
  ASSERT_TRUE(colour.ok());
  // Left half red, right half blue, in RGB order (JPEG loses a little).
  const cv::Vec3b left = colour->at<cv::Vec3b>(8, 2), right = colour->at<cv::Vec3b>(8, 17);
  EXPECT_GT(left[0], 150);
  EXPECT_LT(left[2], 60);
  EXPECT_GT(right[2], 150);
  EXPECT_LT(right[0], 60);
  EXPECT_EQ(records[1].provenance(0).parameters(0).value(), "colour.jpg");
}

TEST_F(ShardcatTest, PackRefusesDuplicateIdsAndNonImages) {
  PackOptions options;
  options.label = BENIGN;
  options.output = dir_ + "/dup";
  EXPECT_TRUE(
      absl::IsInvalidArgument(Pack({TestData("grey16.png"), TestData("grey16.png")}, options)));
  const std::string not_image = dir_ + "/notes.png";
  std::ofstream(not_image) << "hello";
  const absl::Status status = Pack({not_image}, options);
  EXPECT_TRUE(absl::IsDataLoss(status)) << status;
  EXPECT_THAT(std::string(status.message()), HasSubstr(not_image));
}

TEST_F(ShardcatTest, JsonHasEveryFieldAndSummarisesBytes) {
  const std::vector<Record> records = ReadAll(PackTestImages());
  Record r = records[0];
  r.add_features(0.5f);
  r.add_features(-2.0f);
  auto j = nlohmann::json::parse(RecordToJson(r, /*full_features=*/false));
  EXPECT_EQ(j["id"], "grey16");
  EXPECT_EQ(j["label"], "MALIGNANT");
  EXPECT_EQ(j["split"], "TRAIN");
  EXPECT_EQ(j["image"]["data_size"], ReadFile(TestData("grey16.png")).size());
  EXPECT_EQ(j["image"]["data_sha256"], kGrey16Sha256);
  EXPECT_FALSE(j["image"].contains("data"));
  EXPECT_EQ(j["num_features"], 2);
  EXPECT_TRUE(j.contains("lesion_id"));  // empty fields are printed too
  EXPECT_TRUE(j.contains("attributes"));
  j = nlohmann::json::parse(RecordToJson(r, /*full_features=*/true));
  EXPECT_EQ(j["features"], (std::vector<float>{0.5f, -2.0f}));
}

TEST_F(ShardcatTest, StatsCountsPerLabelSplitAndPatient) {
  auto stats = Stats({PackTestImages()});
  ASSERT_TRUE(stats.ok());
  auto j = nlohmann::json::parse(*stats);
  EXPECT_EQ(j["records"], 2);
  EXPECT_EQ(j["labels"]["MALIGNANT"], 2);
  EXPECT_EQ(j["splits"]["TRAIN"], 2);
  EXPECT_EQ(j["records_per_patient"]["P_00042"], 2);
}

TEST_F(ShardcatTest, VerifyReportsDamagePerInput) {
  const std::string spec = PackTestImages();
  std::ostringstream report;
  EXPECT_TRUE(Verify({spec}, report).ok());
  EXPECT_THAT(report.str(), HasSubstr("OK " + spec + ": 2 records"));

  const std::string shard = dir_ + "/packed-00001-of-00002.rec";
  std::string bytes = ReadFile(shard);
  bytes[40] ^= 0x10;
  std::ofstream(shard, std::ios::binary) << bytes;
  std::ostringstream damaged;
  const absl::Status status = Verify({dir_ + "/packed-00000-of-00002.rec", shard}, damaged);
  EXPECT_TRUE(absl::IsDataLoss(status)) << status;
  EXPECT_THAT(damaged.str(), HasSubstr("OK " + dir_ + "/packed-00000-of-00002.rec: 1 records"));
  EXPECT_THAT(damaged.str(), HasSubstr("DAMAGED " + shard + ": " + shard + ": byte offset 0"));
}

TEST_F(ShardcatTest, VerifyFindsDuplicateIds) {
  auto writer = ShardWriter::Open(dir_ + "/dups", StageInfo{"t", "t", "1", {}});
  ASSERT_TRUE(writer.ok());
  Record r;
  r.set_id("same");
  ASSERT_TRUE((*writer)->Write(r).ok());
  ASSERT_TRUE((*writer)->Write(r).ok());
  ASSERT_TRUE((*writer)->Close().ok());
  std::ostringstream report;
  const absl::Status status = Verify({dir_ + "/dups"}, report);
  EXPECT_TRUE(absl::IsDataLoss(status));
  EXPECT_THAT(std::string(status.message()), HasSubstr("duplicate record id 'same'"));
}

TEST_F(ShardcatTest, ExtractWritesDecodablePngs) {
  auto count = Extract({PackTestImages()}, dir_ + "/extracted");
  ASSERT_TRUE(count.ok()) << count.status();
  EXPECT_EQ(*count, 2u);
  EXPECT_EQ(ReadFile(dir_ + "/extracted/grey16.png"), ReadFile(TestData("grey16.png")));
  cv::Mat colour = cv::imread(dir_ + "/extracted/colour.png", cv::IMREAD_UNCHANGED);
  ASSERT_FALSE(colour.empty());
  EXPECT_EQ(colour.cols, 20);
  EXPECT_GT(colour.at<cv::Vec3b>(8, 2)[2], 150);  // red, in OpenCV's BGR
}

TEST(ParseTest, LabelsAndSplits) {
  EXPECT_EQ(*ParseLabel("Malignant"), MALIGNANT);
  EXPECT_EQ(*ParseLabel("benign"), BENIGN);
  EXPECT_TRUE(absl::IsInvalidArgument(ParseLabel("BENIGN_WITHOUT").status()));
  EXPECT_EQ(*ParseSplit("valid"), VALID);
  EXPECT_TRUE(absl::IsInvalidArgument(ParseSplit("dev").status()));
}

}  // namespace
}  // namespace mammo::shardcat
