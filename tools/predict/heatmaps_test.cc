// predict --heatmaps end to end, on a tl_train run (frozen backbone named in run.json + head)
// and an ft_train run (the whole model in its checkpoint), both mobilenet_v2 with random
// weights: the files, their size and determinism, --heatmaps_top's choice, and bad input.
// Where the maps look is lib/train:grad_cam_test's business.
#include "tools/predict/heatmaps.h"

#include <sys/stat.h>

#include <filesystem>
#include <set>
#include <string>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "lib/image/codec.h"
#include "lib/metrics/worst_errors.h"
#include "lib/records/shard_writer.h"
#include "lib/testing/files.h"
#include "lib/testing/lesion_rois.h"
#include "lib/train/checkpoint.h"
#include "lib/train/finetune.h"
#include "lib/train/head.h"
#include "lib/train/run_config.h"
#include "tools/predict/predict_lib.h"

namespace mammo::predict {
namespace {

using ::testing::HasSubstr;

constexpr int kRoiSide = 40;  // the ROIs' own size; the model sees 64 x 64

// Eight ROI image records, alternating labels; `ids` replaces the first ids when given.
std::string WriteRois(const std::string& name, const std::vector<std::string>& ids = {}) {
  const std::string spec = testing::TempPath(name + "@1");
  auto writer = ShardWriter::Open(spec, StageInfo{"roicrop", "test", "0", {}}).value();
  for (int i = 0; i < 8; ++i) {
    const std::string id = i < static_cast<int>(ids.size()) ? ids[i] : absl::StrCat("roi/", i);
    EXPECT_TRUE(
        writer->Write(testing::LesionRoi(id, kRoiSide, i % 4, i % 2 ? BENIGN : MALIGNANT, i)).ok());
  }
  EXPECT_TRUE(writer->Close().ok());
  return spec;
}

train::RunConfig ImageRunConfig(const std::string& stage) {
  train::RunConfig config;
  config.run_name = "test-" + stage;
  config.stage = stage;
  config.model = "mobilenet_v2";
  config.weights = "none";
  config.image_size = 64;
  config.mean = "0.5,0.5,0.5";
  config.std = "0.25,0.25,0.25";
  config.head.in_features = 1280;
  config.head.hidden = {8};
  return config;
}

// tl_train's folder for a head on the frozen backbone run.json names.
std::string WriteTlRun(const std::string& name) {
  const std::string dir = testing::TempPath(name);
  mkdir(dir.c_str(), 0755);
  const train::RunConfig config = ImageRunConfig("tl_train");
  torch::manual_seed(3);
  train::Head head(config.head);
  EXPECT_TRUE(train::SaveCheckpoint(dir + "/best.pt", *head, nullptr, nullptr).ok());
  EXPECT_TRUE(train::WriteRunConfig(dir + "/run.json", config).ok());
  return dir;
}

// ft_train's folder: the whole model in its checkpoint. By default mobilenet_v2; the demo's
// shape with `layer`: inception_v3 in Keras's variant, the head on mixed5, mixed4 on trained.
std::string WriteFtRun(const std::string& name, const std::string& layer = "") {
  const std::string dir = testing::TempPath(name);
  mkdir(dir.c_str(), 0755);
  train::RunConfig config = ImageRunConfig("ft_train");
  config.variant = layer.empty() ? "timm" : "keras";
  train::FineTuneSpec spec;
  if (!layer.empty()) {
    config.model = "inception_v3";
    config.image_size = 96;
    config.layer = layer;
    config.gamma = train::GammaOfLayer(config.model, "mixed4").value();
    spec.layer = layer;
    spec.gamma = config.gamma;
    spec.variant = models::Variant::kKeras;
  }
  spec.model = config.model;
  spec.weights = "none";
  spec.head = config.head;
  torch::manual_seed(4);
  train::FineTuneModel model = train::FineTuneModel::Create(spec).value();
  config.head = model->spec().head;  // in_features from the model
  EXPECT_TRUE(train::SaveCheckpoint(dir + "/best.pt", *model, nullptr, nullptr).ok());
  EXPECT_TRUE(train::WriteRunConfig(dir + "/run.json", config).ok());
  return dir;
}

std::set<std::string> FilesIn(const std::string& dir) {
  std::set<std::string> names;
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    names.insert(entry.path().filename().string());
  }
  return names;
}

// The CSV's rows as (id, label, probability).
struct CsvRow {
  std::string id;
  int label = 0;
  double probability = 0;
};
std::vector<CsvRow> ReadCsv(const std::string& path) {
  std::vector<CsvRow> rows;
  const std::vector<std::string> lines =
      absl::StrSplit(testing::ReadWholeFile(path), '\n', absl::SkipEmpty());
  for (size_t i = 1; i < lines.size(); ++i) {
    const std::vector<std::string> f = absl::StrSplit(lines[i], ',');
    CsvRow row;
    row.id = f[0];
    row.label = f[4] == "1" ? 1 : 0;
    EXPECT_TRUE(absl::SimpleAtod(f[5], &row.probability)) << lines[i];
    rows.push_back(row);
  }
  return rows;
}

Options HeatmapOptions(const std::string& run, const std::string& inputs, const std::string& name) {
  Options options;
  options.run_dir = run;
  options.inputs = {inputs};
  options.output = testing::TempPath(name + ".csv");
  options.heatmaps_dir = testing::TempPath(name + "_heatmaps");
  return options;
}

TEST(HeatmapsTest, EveryRecordOfTlAndFtRunsAtTheRoisSizeSameBytesTwice) {
  const std::string rois = WriteRois("rois");
  for (const std::string& run :
       {WriteTlRun("tl_run"), WriteFtRun("ft_run"), WriteFtRun("ft_inception_run", "mixed5")}) {
    SCOPED_TRACE(run);
    const Options options = HeatmapOptions(run, rois, "all" + run.substr(run.size() - 6));
    ASSERT_TRUE(predict::Run(options).ok()) << predict::Run(options);
    std::set<std::string> expected;
    for (int i = 0; i < 8; ++i) expected.insert(absl::StrCat("roi_", i, ".png"));
    ASSERT_EQ(FilesIn(options.heatmaps_dir), expected);
    const std::string first = testing::ReadWholeFile(options.heatmaps_dir + "/roi_3.png");
    const cv::Mat pixels = DecodeImageFile(first, "roi_3.png").value();
    EXPECT_EQ(pixels.rows, kRoiSide);
    EXPECT_EQ(pixels.cols, kRoiSide);
    EXPECT_EQ(pixels.channels(), 3);
    Options again = options;
    again.heatmaps_dir += "_again";
    ASSERT_TRUE(predict::Run(again).ok());
    EXPECT_EQ(testing::ReadWholeFile(again.heatmaps_dir + "/roi_3.png"), first);
  }
}

TEST(HeatmapsTest, TopKDrawsTheWorstFalsePositivesAndNegatives) {
  const std::string rois = WriteRois("rois_top");
  Options options = HeatmapOptions(WriteTlRun("tl_run_top"), rois, "top");
  options.heatmaps_top = 1;
  ASSERT_TRUE(predict::Run(options).ok());
  const std::vector<CsvRow> rows = ReadCsv(options.output);
  std::vector<int> labels;
  std::vector<double> probabilities;
  for (const CsvRow& row : rows) {
    labels.push_back(row.label);
    probabilities.push_back(row.probability);
  }
  const metrics::WorstErrors worst = metrics::FindWorstErrors(labels, probabilities, 0.5, 1);
  std::set<std::string> expected;
  for (size_t i : worst.false_positives) expected.insert(rows[i].id + ".png");
  for (size_t i : worst.false_negatives) expected.insert(rows[i].id + ".png");
  std::set<std::string> safe;
  for (std::string name : expected) safe.insert(name.replace(name.find('/'), 1, "_"));
  EXPECT_EQ(FilesIn(options.heatmaps_dir), safe);
  EXPECT_FALSE(safe.empty()) << "a random head should make some error on 8 ROIs";
}

TEST(HeatmapsTest, BadInputIsOneLineNamingTheFlagOrRecord) {
  const std::string rois = WriteRois("rois_bad");
  const std::string tl = WriteTlRun("tl_run_bad");
  const auto refused = [](const Options& options) {
    const absl::Status status = predict::Run(options);
    EXPECT_FALSE(status.ok());
    EXPECT_EQ(status.message().find('\n'), std::string::npos) << status;
    return std::string(status.message());
  };
  Options layer = HeatmapOptions(tl, rois, "bad_layer");
  layer.heatmap_layer = "block5_pool";
  EXPECT_THAT(refused(layer),
              HasSubstr("--heatmap_layer block5_pool: not a layer of mobilenet_v2"));
  EXPECT_FALSE(testing::PathExists(layer.output)) << "refused before predicting";

  // A folder under a regular file cannot be created, even by root.
  testing::WriteWholeFile(testing::TempPath("a_file"), "x");
  Options unwritable = HeatmapOptions(tl, rois, "unwritable");
  unwritable.heatmaps_dir = testing::TempPath("a_file/heatmaps");
  EXPECT_THAT(refused(unwritable),
              HasSubstr("--heatmaps " + unwritable.heatmaps_dir + ": cannot create the folder"));

  Options top_alone = HeatmapOptions(tl, rois, "top_alone");
  top_alone.heatmaps_dir.clear();
  top_alone.heatmaps_top = 3;
  EXPECT_THAT(refused(top_alone), HasSubstr("need --heatmaps DIR"));

  Options negative = HeatmapOptions(tl, rois, "negative");
  negative.heatmaps_top = -1;
  EXPECT_THAT(refused(negative), HasSubstr("--heatmaps_top must be at least 0"));

  // Ids that give one file name.
  Options clash = HeatmapOptions(tl, WriteRois("rois_clash", {"a/b", "a_b"}), "clash");
  EXPECT_THAT(refused(clash), HasSubstr("records 'a/b' and 'a_b' would both be drawn as"));
}

TEST(HeatmapsTest, RefusesFeatureInputsOfATlRun) {
  const std::string features = testing::TempPath("feats@1");
  auto writer = ShardWriter::Open(features, StageInfo{"embed", "test", "0", {}}).value();
  Record record;
  record.set_id("f0");
  record.set_label(MALIGNANT);
  for (int d = 0; d < 1280; ++d) record.add_features(0.01f * d);
  ASSERT_TRUE(writer->Write(record).ok());
  ASSERT_TRUE(writer->Close().ok());
  const absl::Status status =
      predict::Run(HeatmapOptions(WriteTlRun("tl_run_feats"), features, "feats"));
  EXPECT_EQ(status.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(status.message(), HasSubstr("--heatmaps needs ROI image records"));
}

TEST(HeatmapsTest, OverlayIsTheGreyRoiBlendedWithJet) {
  const cv::Mat roi(2, 3, CV_16UC1, cv::Scalar(257 * 100));
  torch::Tensor map = torch::zeros({2, 3});
  map[1][2] = 1;
  const std::string png = HeatmapPng(roi, map).value();
  const cv::Mat pixels = DecodeImageFile(png, "overlay.png").value();  // OpenCV's BGR
  // JET: 0 is dark blue, 1 dark red (128 of 255); half of that plus half of grey 100.
  EXPECT_EQ(pixels.at<cv::Vec3b>(0, 0), cv::Vec3b(114, 50, 50));
  EXPECT_EQ(pixels.at<cv::Vec3b>(1, 2), cv::Vec3b(50, 50, 114));
  EXPECT_FALSE(HeatmapPng(roi, torch::zeros({3, 3})).ok());
}

}  // namespace
}  // namespace mammo::predict
