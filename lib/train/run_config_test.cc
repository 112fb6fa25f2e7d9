#include "lib/train/run_config.h"

#include <filesystem>
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "lib/testing/files.h"
#include "lib/train/run_folder.h"

namespace mammo::train {
namespace {

using ::testing::HasSubstr;

RunConfig FineTuneConfig() {
  RunConfig config;
  config.run_name = "vgg16-10-FT";
  config.stage = "ft_train";
  config.features_source = "images";
  config.head = {.in_features = 512, .hidden = {4096, 16}, .dropout = 0.25, .standardize = true};
  config.learning_rate = 1e-5;
  config.batch_size = 32;
  config.seed = 18446744073709551615ull;  // the largest seed survives JSON
  config.epochs_run = 12;
  config.best_epoch = 7;
  config.stopped_early = true;
  config.model = "vgg16";
  config.gamma = 10;
  config.image_size = 224;
  config.layer = "block5_pool";
  config.variant = "keras";
  config.weights = "w/vgg16.safetensors";
  config.mean = "0.485,0.456,0.406";
  config.std = "0.229,0.224,0.225";
  config.precision = "bf16";
  config.frozen_bn = "batch_stats";
  config.restore_best = false;
  // Not in alphabetical order: the order written is the order read.
  config.preprocessing = {{"roicrop.size", "320"}, {"dcm2png.clahe", "true"}};
  return config;
}

TEST(RunConfigTest, ReadsBackEveryFieldWritten) {
  const std::string dir = testing::TempPath("run");
  std::filesystem::create_directories(dir);
  const RunConfig written = FineTuneConfig();
  ASSERT_TRUE(WriteRunConfig(RunFile(dir, kRunConfigFile), written).ok());
  const absl::StatusOr<RunConfig> read = ReadRunConfig(RunFile(dir, kRunConfigFile));
  ASSERT_TRUE(read.ok()) << read.status();
  EXPECT_EQ(read->run_name, written.run_name);
  EXPECT_EQ(read->stage, written.stage);
  EXPECT_EQ(read->features_source, written.features_source);
  EXPECT_EQ(read->head.in_features, 512);
  EXPECT_EQ(read->head.hidden, (std::vector<int64_t>{4096, 16}));
  EXPECT_EQ(read->head.dropout, 0.25);
  EXPECT_TRUE(read->head.standardize);
  EXPECT_EQ(read->learning_rate, 1e-5);
  EXPECT_EQ(read->batch_size, 32);
  EXPECT_EQ(read->seed, written.seed);
  EXPECT_EQ(read->epochs_run, 12);
  EXPECT_EQ(read->best_epoch, 7);
  EXPECT_TRUE(read->stopped_early);
  EXPECT_EQ(read->model, "vgg16");
  EXPECT_EQ(read->gamma, 10);
  EXPECT_EQ(read->image_size, 224);
  EXPECT_EQ(read->layer, "block5_pool");
  EXPECT_EQ(read->variant, "keras");
  EXPECT_EQ(read->weights, written.weights);
  EXPECT_EQ(read->mean, written.mean);
  EXPECT_EQ(read->std, written.std);
  EXPECT_EQ(read->precision, "bf16");
  EXPECT_EQ(read->frozen_bn, "batch_stats");
  EXPECT_FALSE(read->restore_best);
  EXPECT_EQ(read->preprocessing, written.preprocessing);
}

TEST(RunConfigTest, ARunJsonWithoutRestoreBestReadsAsTrue) {
  const std::string path = testing::TempPath("old_restore.json");
  ASSERT_TRUE(WriteRunConfig(path, FineTuneConfig()).ok());
  std::string text = testing::ReadWholeFile(path);
  const std::string field = "  \"restore_best\": false,\n";
  ASSERT_NE(text.find(field), std::string::npos) << text;
  text.erase(text.find(field), field.size());
  testing::WriteWholeFile(path, text);
  const absl::StatusOr<RunConfig> read = ReadRunConfig(path);
  ASSERT_TRUE(read.ok()) << read.status();
  EXPECT_TRUE(read->restore_best);
  EXPECT_STREQ(FinalCheckpoint(*read), "best.pt");
}

TEST(RunConfigTest, ARunJsonWithoutFrozenBnReadsAsInference) {
  const std::string path = testing::TempPath("old_ft_run.json");
  ASSERT_TRUE(WriteRunConfig(path, FineTuneConfig()).ok());
  std::string text = testing::ReadWholeFile(path);
  const std::string field = "  \"frozen_bn\": \"batch_stats\",\n";
  ASSERT_NE(text.find(field), std::string::npos) << text;
  text.erase(text.find(field), field.size());
  testing::WriteWholeFile(path, text);
  const absl::StatusOr<RunConfig> read = ReadRunConfig(path);
  ASSERT_TRUE(read.ok()) << read.status();
  EXPECT_EQ(read->frozen_bn, "inference");
}

TEST(RunConfigTest, AnUnknownFrozenBnIsDataLoss) {
  const std::string path = testing::TempPath("bad_frozen_bn.json");
  RunConfig config = FineTuneConfig();
  config.frozen_bn = "training";
  ASSERT_TRUE(WriteRunConfig(path, config).ok());
  const absl::StatusOr<RunConfig> read = ReadRunConfig(path);
  EXPECT_TRUE(absl::IsDataLoss(read.status())) << read.status();
  EXPECT_THAT(read.status().message(), HasSubstr("frozen_bn must be inference or batch_stats"));
}

TEST(RunConfigTest, AHeadOnFeaturesWritesNoBackboneFields) {
  RunConfig config;
  config.run_name = "vgg16-TL";
  config.stage = "tl_train";
  config.features_source = "embed: vgg16";
  config.head.in_features = 512;
  const std::string path = testing::TempPath("tl_run.json");
  ASSERT_TRUE(WriteRunConfig(path, config).ok());
  const std::string text = testing::ReadWholeFile(path);
  EXPECT_THAT(text, ::testing::Not(HasSubstr("\"model\"")));
  EXPECT_THAT(text, ::testing::Not(HasSubstr("\"precision\"")));
  const absl::StatusOr<RunConfig> read = ReadRunConfig(path);
  ASSERT_TRUE(read.ok()) << read.status();
  EXPECT_EQ(read->model, "");
  EXPECT_EQ(read->gamma, 0);
  EXPECT_EQ(read->head.hidden, (std::vector<int64_t>{4096}));
}

TEST(RunConfigTest, AMissingFileAsksWhetherItIsARunFolder) {
  const absl::StatusOr<RunConfig> read = ReadRunConfig(testing::TempPath("nowhere/run.json"));
  EXPECT_TRUE(absl::IsNotFound(read.status()));
  EXPECT_THAT(read.status().message(),
              HasSubstr("nowhere/run.json: missing (is this a run folder?)"));
}

TEST(RunConfigTest, BrokenFilesAreDataLossNamingTheFile) {
  const std::string dir = testing::TempPath("broken");
  std::filesystem::create_directories(dir);
  const std::string not_json = dir + "/not_json.json";
  testing::WriteWholeFile(not_json, "{\"run_name\": ");
  const std::string no_stage = dir + "/no_stage.json";
  testing::WriteWholeFile(no_stage, "{\"run_name\": \"x\"}");
  RunConfig zero_width = FineTuneConfig();
  zero_width.head.in_features = 0;
  const std::string zero_path = dir + "/zero.json";
  ASSERT_TRUE(WriteRunConfig(zero_path, zero_width).ok());
  for (const std::string& path : {not_json, no_stage, zero_path}) {
    const absl::StatusOr<RunConfig> read = ReadRunConfig(path);
    EXPECT_TRUE(absl::IsDataLoss(read.status())) << path << ": " << read.status();
    EXPECT_THAT(read.status().message(), HasSubstr(path + ": ")) << path;
  }
  EXPECT_THAT(ReadRunConfig(no_stage).status().message(), HasSubstr("stage"));
  EXPECT_THAT(ReadRunConfig(zero_path).status().message(),
              HasSubstr("head.in_features must be positive"));
}

}  // namespace
}  // namespace mammo::train
