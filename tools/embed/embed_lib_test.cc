#include "tools/embed/embed_lib.h"

#include <sys/stat.h>

#include <cmath>

#include <opencv2/core.hpp>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "lib/image/codec.h"
#include "lib/records/shard_reader.h"
#include "lib/records/shard_writer.h"

namespace mammo::embed {
namespace {

Record MakeRecord(const std::string& id, const cv::Mat& pixels, Label label, Split split) {
  Record record;
  record.set_id(id);
  record.set_patient_id("P_" + id);
  record.set_label(label);
  record.set_split(split);
  *record.mutable_image() = EncodeImage(pixels, Image::PNG).value();
  Provenance* step = record.add_provenance();
  step->set_stage("roicrop");
  return record;
}

cv::Mat Pattern(int rows, int cols, int type, double scale) {
  cv::Mat m(rows, cols, type);
  cv::randu(m, cv::Scalar::all(0), cv::Scalar::all(scale));
  return m;
}

class EmbedTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = absl::StrCat(::testing::TempDir(), "/",
                        ::testing::UnitTest::GetInstance()->current_test_info()->name());
    ::mkdir(dir_.c_str(), 0755);
    cv::theRNG().state = 42;
    const cv::Mat grey = Pattern(20, 24, CV_8UC1, 256);
    cv::Mat rgb_of_grey;
    cv::merge(std::vector<cv::Mat>{grey, grey, grey}, rgb_of_grey);
    records_ = {MakeRecord("grey8", grey, BENIGN, TRAIN),
                MakeRecord("grey16", Pattern(40, 40, CV_16UC1, 65536), MALIGNANT, VALID),
                MakeRecord("rgb_of_grey8", rgb_of_grey, MALIGNANT, TEST)};
    auto writer = ShardWriter::Open(dir_ + "/rois@2", StageInfo{"roicrop", "test", "0", {}});
    ASSERT_TRUE(writer.ok()) << writer.status();
    for (const Record& r : records_) ASSERT_TRUE((*writer)->Write(r).ok());
    ASSERT_TRUE((*writer)->Close().ok());
  }

  EmbedOptions Options(const std::string& output) {
    EmbedOptions options;
    options.model = "mobilenet_v2";
    options.weights = "none";
    options.inputs = {dir_ + "/rois@2"};
    options.output = dir_ + "/" + output;
    options.image_size = 32;
    options.batch = 2;
    options.threads = 1;
    return options;
  }

  std::vector<Record> ReadAll(const std::string& spec) {
    std::vector<Record> records;
    auto reader = ShardReader::Open({dir_ + "/" + spec});
    EXPECT_TRUE(reader.ok()) << reader.status();
    if (!reader.ok()) return records;
    Record r;
    while ((*reader)->Next(&r).value_or(false)) records.push_back(r);
    return records;
  }

  std::string dir_;
  std::vector<Record> records_;
};

TEST_F(EmbedTest, KeepsIdentityAndAddsFeaturesAndProvenance) {
  ASSERT_TRUE(Embed(Options("feats@1")).ok());
  const std::vector<Record> out = ReadAll("feats@1");
  ASSERT_EQ(out.size(), records_.size());
  for (size_t i = 0; i < out.size(); ++i) {
    SCOPED_TRACE(out[i].id());
    EXPECT_EQ(out[i].id(), records_[i].id());
    EXPECT_EQ(out[i].patient_id(), records_[i].patient_id());
    EXPECT_EQ(out[i].label(), records_[i].label());
    EXPECT_EQ(out[i].split(), records_[i].split());
    EXPECT_FALSE(out[i].has_image());
    ASSERT_EQ(out[i].features_size(), 1280);
    for (float f : out[i].features()) ASSERT_TRUE(std::isfinite(f));
    ASSERT_EQ(out[i].provenance_size(), 2);
    EXPECT_EQ(out[i].provenance(0).stage(), "roicrop");
    EXPECT_EQ(out[i].provenance(1).stage(), "embed");
    ASSERT_EQ(out[i].provenance(1).parent_ids_size(), 1);
    EXPECT_EQ(out[i].provenance(1).parent_ids(0), out[i].id());
  }
  // Features carry information: not all zero, and different images differ.
  auto vector = [](const Record& r) { return std::vector<float>(r.features().begin(), r.features().end()); };
  EXPECT_NE(vector(out[0]), std::vector<float>(1280, 0.0f));
  EXPECT_NE(vector(out[0]), vector(out[1]));
}

TEST_F(EmbedTest, GreyIsReplicatedToThreeChannels) {
  ASSERT_TRUE(Embed(Options("feats@1")).ok());
  const std::vector<Record> out = ReadAll("feats@1");
  ASSERT_EQ(out.size(), 3u);
  // Record 0 is grey, record 2 the same pixels stored as RGB; batched apart, so allow for
  // a different summation order.
  for (int j = 0; j < out[0].features_size(); ++j) {
    ASSERT_NEAR(out[0].features(j), out[2].features(j), 1e-4f * (1 + std::abs(out[0].features(j))));
  }
}

TEST_F(EmbedTest, SameOptionsGiveSameBytes) {
  ASSERT_TRUE(Embed(Options("a@1")).ok());
  ASSERT_TRUE(Embed(Options("b@1")).ok());
  const std::vector<Record> a = ReadAll("a@1");
  const std::vector<Record> b = ReadAll("b@1");
  ASSERT_EQ(a.size(), b.size());
  for (size_t i = 0; i < a.size(); ++i) {
    EXPECT_EQ(a[i].SerializeAsString(), b[i].SerializeAsString()) << a[i].id();
  }
}

TEST_F(EmbedTest, ThreadCountAndBatchDoNotChangeTheBytes) {
  // 35 records: with --batch 0 and 3 threads, two full chunks and a padded one of 3 run at
  // once; against one record per batch on one thread. At 96 pixels LibTorch's own intra-op
  // threads change the sums in the last bits: this failed before workers ran whole chunks on
  // one thread each.
  auto writer = ShardWriter::Open(dir_ + "/many@1", StageInfo{"roicrop", "test", "0", {}});
  ASSERT_TRUE(writer.ok()) << writer.status();
  for (int i = 0; i < 35; ++i) {
    ASSERT_TRUE((*writer)
                    ->Write(MakeRecord(absl::StrCat("r", i), Pattern(40, 40, CV_8UC1, 256),
                                       i % 2 ? BENIGN : MALIGNANT, TRAIN))
                    .ok());
  }
  ASSERT_TRUE((*writer)->Close().ok());
  EmbedOptions one = Options("one@1");
  one.inputs = {dir_ + "/many@1"};
  one.batch = 1;
  one.image_size = 96;
  EmbedOptions three = one;
  three.output = dir_ + "/three@1";
  three.batch = 0;
  three.threads = 3;
  ASSERT_TRUE(Embed(one).ok());
  ASSERT_TRUE(Embed(three).ok());
  const std::vector<Record> a = ReadAll("one@1");
  const std::vector<Record> b = ReadAll("three@1");
  ASSERT_EQ(a.size(), 35u);
  ASSERT_EQ(b.size(), 35u);
  for (size_t i = 0; i < a.size(); ++i) {
    EXPECT_EQ(a[i].SerializeAsString(), b[i].SerializeAsString()) << a[i].id();
  }
}

TEST_F(EmbedTest, BadOptionsAreRefused) {
  EmbedOptions options = Options("x@1");
  options.model = "alexnet";
  EXPECT_EQ(Embed(options).code(), absl::StatusCode::kInvalidArgument);
  options = Options("x@1");
  options.batch = -1;
  EXPECT_EQ(Embed(options).code(), absl::StatusCode::kInvalidArgument);
  options = Options("x@1");
  options.weights = dir_ + "/no_such.safetensors";
  const absl::Status missing = Embed(options);
  EXPECT_FALSE(missing.ok());
  EXPECT_NE(missing.message().find("no_such.safetensors"), std::string::npos) << missing;
}

}  // namespace
}  // namespace mammo::embed
