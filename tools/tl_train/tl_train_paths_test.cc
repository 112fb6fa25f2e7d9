// tl_train's two inputs agree: embed + tl_train on the feature records, and tl_train on the
// image records with the frozen backbone run every epoch, give the same history and the same
// head weights; predict gives the same probabilities for both runs, on images or features.
//
// Tolerance: none. Both paths preprocess through lib/train/frozen_backbone with one thread
// count, and the CPU kernels compute each image's features independently of the other
// images in its batch (embed's batches of 32 in input order, the image path's shuffled
// training batches of 8), so the features, and everything after them, are equal bit for bit.
// A LibTorch whose kernels mixed images of a batch (or a different thread count: see
// README, embed) would break this, and this test would say so.
#include <algorithm>
#include <fstream>
#include <opencv2/core.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "lib/image/codec.h"
#include "lib/records/shard_writer.h"
#include "lib/train/head.h"
#include "lib/train/run_config.h"
#include "lib/train/trainer.h"
#include "tools/embed/embed_lib.h"
#include "tools/predict/predict_lib.h"
#include "tools/tl_train/tl_train_lib.h"

namespace mammo::tl_train {
namespace {

using ::testing::HasSubstr;

std::string Temp(const std::string& name) { return absl::StrCat(::testing::TempDir(), "/", name); }

// 40 TRAIN, 16 VALID and 8 TEST grey ROIs, textures brighter when malignant.
std::string WriteRois(const std::string& name) {
  const std::string spec = Temp(name + "@2");
  auto writer = ShardWriter::Open(spec, StageInfo{"roicrop", "test", "0", {}}).value();
  for (int i = 0; i < 64; ++i) {
    Record record;
    record.set_id(absl::StrCat("roi", i));
    record.set_patient_id(absl::StrCat("P", i / 2));
    record.set_lesion_id(absl::StrCat("L", i));
    record.set_label(i % 2 == 0 ? MALIGNANT : BENIGN);
    record.set_split(i < 40 ? TRAIN : i < 56 ? VALID : TEST);
    cv::Mat pixels(48, 40, CV_8UC1);
    cv::RNG rng(static_cast<uint64_t>(i + 1));
    rng.fill(pixels, cv::RNG::UNIFORM, 0, i % 2 == 0 ? 255 : 160);
    *record.mutable_image() = EncodeImage(pixels, Image::PNG).value();
    EXPECT_TRUE(writer->Write(record).ok());
  }
  EXPECT_TRUE(writer->Close().ok());
  return spec;
}

Options TrainOptions(const std::vector<std::string>& inputs, const std::string& run) {
  Options options;
  options.run.inputs = inputs;
  options.run.output = Temp(run);
  options.head.hidden = {16};
  options.head.dropout = 0.2;
  options.head.standardize = true;  // random weights give tiny features
  options.run.training.learning_rate = 1e-3;
  options.run.training.batch_size = 8;
  options.run.training.max_epochs = 6;
  options.run.training.patience = 50;
  options.run.training.seed = 7;
  options.run.threads = 2;
  return options;
}

std::string Slurp(const std::string& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

// history.csv without its last column (seconds, which differ).
std::vector<std::string> HistoryWithoutSeconds(const std::string& run) {
  std::vector<std::string> lines;
  for (absl::string_view line :
       absl::StrSplit(Slurp(run + "/history.csv"), '\n', absl::SkipEmpty())) {
    lines.emplace_back(line.substr(0, line.rfind(',')));
  }
  return lines;
}

std::vector<torch::Tensor> HeadState(const std::string& run, const std::string& checkpoint) {
  const train::RunConfig config = train::ReadRunConfig(run + "/run.json").value();
  train::Head head(config.head);
  EXPECT_TRUE(train::LoadHeadWeights(run + "/" + checkpoint, head).ok());
  std::vector<torch::Tensor> state;
  for (const auto& p : head->named_parameters()) state.push_back(p.value().detach().clone());
  for (const auto& b : head->named_buffers()) state.push_back(b.value().clone());
  return state;
}

TEST(TlTrainPathsTest, FeaturesAndImagesGiveTheSameRun) {
  const std::string rois = WriteRois("rois");

  embed::EmbedOptions embed;
  embed.model = "mobilenet_v2";
  embed.weights = "none";
  embed.inputs = {rois};
  embed.output = Temp("feats@2");
  embed.image_size = 64;
  embed.threads = 2;
  ASSERT_TRUE(embed::Embed(embed).ok());

  const absl::Status on_features = tl_train::Run(TrainOptions({Temp("feats@2")}, "run_features"));
  ASSERT_TRUE(on_features.ok()) << on_features;
  Options images = TrainOptions({rois}, "run_images");
  images.model = "mobilenet_v2";
  images.weights = "none";
  images.image_size = 64;
  const absl::Status on_images = tl_train::Run(images);
  ASSERT_TRUE(on_images.ok()) << on_images;

  const std::vector<std::string> history = HistoryWithoutSeconds(Temp("run_features"));
  ASSERT_EQ(history.size(), 7u);  // header and 6 epochs
  EXPECT_EQ(history, HistoryWithoutSeconds(Temp("run_images")));
  for (const char* checkpoint : {"best.pt", "last.pt"}) {
    const auto a = HeadState(Temp("run_features"), checkpoint);
    const auto b = HeadState(Temp("run_images"), checkpoint);
    ASSERT_EQ(a.size(), b.size());
    for (size_t i = 0; i < a.size(); ++i) {
      EXPECT_TRUE(torch::equal(a[i], b[i])) << checkpoint << " tensor " << i << ": max difference "
                                            << (a[i] - b[i]).abs().max().item<double>();
    }
  }
  // The head learnt something, so the equality above is not that of two untouched heads.
  EXPECT_NE(history[1], history[6]);

  // Both run.json name the backbone, so predict runs either on images; on the same inputs
  // both runs give the same probabilities, and images give what features give.
  const train::RunConfig config = train::ReadRunConfig(Temp("run_images/run.json")).value();
  EXPECT_EQ(config.run_name, "mobilenet-v2-TL");
  EXPECT_EQ(config.model, "mobilenet_v2");
  EXPECT_EQ(config.weights, "none");
  EXPECT_EQ(config.image_size, 64);
  std::vector<std::string> csvs;
  for (const auto& [run, input] :
       std::vector<std::pair<std::string, std::string>>{{"run_features", "feats@2"},
                                                        {"run_images", "feats@2"},
                                                        {"run_features", "rois@2"},
                                                        {"run_images", "rois@2"}}) {
    predict::Options p;
    p.run_dir = Temp(run);
    p.inputs = {Temp(input)};
    p.output = Temp(absl::StrCat(run, "_", input.substr(0, 5), ".csv"));
    const absl::Status status = predict::Run(p);
    ASSERT_TRUE(status.ok()) << run << " on " << input << ": " << status;
    csvs.push_back(Slurp(p.output));
  }
  EXPECT_EQ(std::count(csvs[0].begin(), csvs[0].end(), '\n'), 65);
  for (size_t i = 1; i < csvs.size(); ++i) EXPECT_EQ(csvs[0], csvs[i]) << "predictions " << i;
}

TEST(TlTrainPathsTest, ImagesNeedTheBackbone) {
  const absl::Status status =
      tl_train::Run(TrainOptions({WriteRois("rois_no_model")}, "run_no_model"));
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(status.message()), HasSubstr("--model and --weights"));
}

TEST(TlTrainPathsTest, FeaturesRefuseBackboneFlags) {
  const std::string rois = WriteRois("rois_flags");
  embed::EmbedOptions embed;
  embed.model = "mobilenet_v2";
  embed.weights = "none";
  embed.inputs = {rois};
  embed.output = Temp("feats_flags@1");
  embed.image_size = 32;
  embed.threads = 1;
  ASSERT_TRUE(embed::Embed(embed).ok());
  Options options = TrainOptions({Temp("feats_flags@1")}, "run_flags");
  options.model = "vgg16";
  const absl::Status status = tl_train::Run(options);
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(status.message()), HasSubstr("for image records"));

  // Features then images in one input: a mix, refused naming the record.
  Options mixed = TrainOptions({Temp("feats_flags@1"), rois}, "run_mixed");
  const absl::Status mix = tl_train::Run(mixed);
  EXPECT_EQ(mix.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(std::string(mix.message()), HasSubstr("not a mix"));
  // Images then features.
  Options mixed2 = TrainOptions({rois, Temp("feats_flags@1")}, "run_mixed2");
  mixed2.model = "mobilenet_v2";
  mixed2.weights = "none";
  mixed2.image_size = 32;
  const absl::Status mix2 = tl_train::Run(mixed2);
  EXPECT_EQ(mix2.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(std::string(mix2.message()), HasSubstr("not a mix"));
}

}  // namespace
}  // namespace mammo::tl_train
