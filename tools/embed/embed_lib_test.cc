#include "tools/embed/embed_lib.h"

#include <sys/stat.h>

#include <algorithm>
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

// The value of parameter `name` in the record's last provenance entry (embed's), or "(none)".
std::string EmbedParameter(const Record& r, const std::string& name) {
  for (const Parameter& p : r.provenance(r.provenance_size() - 1).parameters()) {
    if (p.name() == name) return p.value();
  }
  return "(none)";
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

  // `count` grey side x side TRAIN records, labels alternating, into dir_/spec.
  void WriteSquareRecords(const std::string& spec, int count, int side) {
    auto writer = ShardWriter::Open(dir_ + "/" + spec, StageInfo{"roicrop", "test", "0", {}});
    ASSERT_TRUE(writer.ok()) << writer.status();
    for (int i = 0; i < count; ++i) {
      ASSERT_TRUE((*writer)
                      ->Write(MakeRecord(absl::StrCat("r", i), Pattern(side, side, CV_8UC1, 256),
                                         i % 2 ? BENIGN : MALIGNANT, TRAIN))
                      .ok());
    }
    ASSERT_TRUE((*writer)->Close().ok());
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

  // 35 records: with --batch 0 and 3 threads, two full chunks and a padded one of 3 run at
  // once; against one record per batch on one thread. At 96 pixels LibTorch's own intra-op
  // threads change the sums in the last bits: this failed before workers ran whole chunks on
  // one thread each.
  void ExpectThreadCountAndBatchDoNotChangeTheBytes(train::Precision precision) {
    WriteSquareRecords("many@1", 35, 40);
    EmbedOptions one = Options("one@1");
    one.inputs = {dir_ + "/many@1"};
    one.batch = 1;
    one.image_size = 96;
    one.precision = precision;
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
  auto vector = [](const Record& r) {
    return std::vector<float>(r.features().begin(), r.features().end());
  };
  EXPECT_NE(vector(out[0]), std::vector<float>(1280, 0.0f));
  EXPECT_NE(vector(out[0]), vector(out[1]));
}

// --image_size 0 takes the records' own side (the paper's ROIs are 320x320): the same bytes as
// naming it, recorded in the provenance; a first image that is not square is refused.
TEST_F(EmbedTest, ImageSizeZeroIsTheRecordsOwn) {
  WriteSquareRecords("square@1", 3, 48);
  EmbedOptions records_own = Options("own@1");
  records_own.inputs = {dir_ + "/square@1"};
  records_own.image_size = 0;
  EmbedOptions named = records_own;
  named.output = dir_ + "/named@1";
  named.image_size = 48;
  ASSERT_TRUE(Embed(records_own).ok());
  ASSERT_TRUE(Embed(named).ok());
  const std::vector<Record> a = ReadAll("own@1");
  const std::vector<Record> b = ReadAll("named@1");
  ASSERT_EQ(a.size(), 3u);
  ASSERT_EQ(b.size(), 3u);
  for (size_t i = 0; i < a.size(); ++i)
    EXPECT_EQ(a[i].SerializeAsString(), b[i].SerializeAsString());
  EXPECT_EQ(EmbedParameter(a[0], "image_size"), "48");

  EmbedOptions oblong = Options("oblong@1");  // the first record is 24x20
  oblong.image_size = 0;
  const absl::Status refused = Embed(oblong);
  EXPECT_EQ(refused.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(refused.message().find("record 'grey8' is 24x20, not square: give --image_size"),
            std::string::npos)
      << refused;
  EmbedOptions piped = Options("piped@1");
  piped.inputs = {"-"};
  piped.image_size = 0;
  EXPECT_NE(Embed(piped).message().find("--image_size is needed with stdin"), std::string::npos);
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
  ExpectThreadCountAndBatchDoNotChangeTheBytes(train::Precision::kFloat32);
}

TEST_F(EmbedTest, ThreadCountAndBatchDoNotChangeTheBytesInBfloat16) {
  ExpectThreadCountAndBatchDoNotChangeTheBytes(train::Precision::kBFloat16);
}

// bfloat16 keeps 8 bits of mantissa (float32: 24): each convolution's output is off by up to
// ~0.4%, and the errors add up through the network's depth. The tolerance, 3% of the largest
// feature, is what that allows through mobilenet_v2's 52 convolutions; the direction of each
// feature vector (cosine) must hardly move.
TEST_F(EmbedTest, Bfloat16FeaturesAreCloseToFloat32AndRecorded) {
  EmbedOptions fp32 = Options("fp32@1");
  fp32.image_size = 64;
  EmbedOptions bf16 = fp32;
  bf16.output = dir_ + "/bf16@1";
  bf16.precision = train::Precision::kBFloat16;
  ASSERT_TRUE(Embed(fp32).ok());
  ASSERT_TRUE(Embed(bf16).ok());
  const std::vector<Record> a = ReadAll("fp32@1");
  const std::vector<Record> b = ReadAll("bf16@1");
  ASSERT_EQ(a.size(), b.size());
  for (size_t i = 0; i < a.size(); ++i) {
    SCOPED_TRACE(a[i].id());
    EXPECT_EQ(EmbedParameter(a[i], "precision"), "(none)");  // float32 provenance as before
    EXPECT_EQ(EmbedParameter(b[i], "precision"), "bf16");
    ASSERT_EQ(a[i].features_size(), b[i].features_size());
    double largest = 0, worst = 0, dot = 0, norm_a = 0, norm_b = 0;
    for (int j = 0; j < a[i].features_size(); ++j) {
      const double x = a[i].features(j), y = b[i].features(j);
      largest = std::max(largest, std::abs(x));
      worst = std::max(worst, std::abs(x - y));
      dot += x * y;
      norm_a += x * x;
      norm_b += y * y;
    }
    EXPECT_GT(worst, 0) << "bf16 gave float32's exact features: was it applied?";
    EXPECT_LE(worst, 0.03 * largest);
    EXPECT_GE(dot / std::sqrt(norm_a * norm_b), 0.999);
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
