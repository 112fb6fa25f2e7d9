#include "tools/tl_train/tl_train_lib.h"

#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "lib/records/shard_writer.h"
#include "lib/train/run_config.h"

namespace mammo::tl_train {
namespace {

using ::testing::HasSubstr;

std::string Temp(const std::string& name) { return absl::StrCat(::testing::TempDir(), "/", name); }

// Feature records in 4 dimensions, linearly separable with a wide margin: malignant rows
// have feature 0 at +2, benign at -2 (the others are small noise-free offsets).
std::string WriteFeatures(const std::string& name, int train, int valid) {
  const std::string spec = Temp(name + "@1");
  auto writer = ShardWriter::Open(spec, StageInfo{"embed", "test", "0", {}}).value();
  for (int i = 0; i < train + valid; ++i) {
    Record record;
    record.set_id(absl::StrCat("f", i));
    record.set_patient_id(absl::StrCat("P", i));
    record.set_lesion_id(absl::StrCat("L", i));
    const bool malignant = i % 2 == 0;
    record.set_label(malignant ? MALIGNANT : BENIGN);
    record.set_split(i < train ? TRAIN : VALID);
    record.add_features(malignant ? 2.0f : -2.0f);
    record.add_features(0.1f * (i % 5));
    record.add_features(-0.1f * (i % 3));
    record.add_features(1.0f);
    EXPECT_TRUE(writer->Write(record).ok());
  }
  EXPECT_TRUE(writer->Close().ok());
  return spec;
}

Options Small(const std::vector<std::string>& inputs, const std::string& run) {
  Options options;
  options.run.inputs = inputs;
  options.run.output = Temp(run);
  options.head.hidden = {8};
  options.head.dropout = 0.0;
  options.run.training.learning_rate = 1e-2;
  options.run.training.batch_size = 8;
  options.run.training.max_epochs = 20;
  options.run.training.patience = 100;
  options.run.training.seed = 3;
  options.run.threads = 1;
  return options;
}

TEST(TlTrainLibTest, LearnsASeparableFeatureSetAndWritesRunJson) {
  const absl::Status status = tl_train::Run(Small({WriteFeatures("sep", 32, 16)}, "run_sep"));
  ASSERT_TRUE(status.ok()) << status;
  const absl::StatusOr<train::RunConfig> config = train::ReadRunConfig(Temp("run_sep/run.json"));
  ASSERT_TRUE(config.ok()) << config.status();
  EXPECT_EQ(config->stage, "tl_train");
  EXPECT_EQ(config->run_name, "features-TL");  // no embed provenance names a backbone
  EXPECT_EQ(config->head.in_features, 4);
  EXPECT_EQ(config->head.hidden, (std::vector<int64_t>{8}));
  EXPECT_EQ(config->learning_rate, 1e-2);
  EXPECT_EQ(config->batch_size, 8);
  EXPECT_EQ(config->seed, 3u);
  EXPECT_EQ(config->epochs_run, 20);
  EXPECT_FALSE(config->stopped_early);
  EXPECT_GE(config->best_epoch, 1);
  EXPECT_LE(config->best_epoch, 20);
  EXPECT_TRUE(config->model.empty());

  // The best epoch's validation accuracy, from the head written as best.pt.
  const absl::StatusOr<train::FeatureSet> all = train::LoadFeatureSet({Temp("sep@1")});
  ASSERT_TRUE(all.ok()) << all.status();
  train::Head head(config->head);
  ASSERT_TRUE(train::LoadHeadWeights(Temp("run_sep/best.pt"), head).ok());
  EXPECT_EQ(train::Evaluate(head, all->Select(VALID), torch::kCPU).second, 1.0);
}

TEST(TlTrainLibTest, FeatureRecordsRefuseBackboneFlags) {
  const std::string features = WriteFeatures("flags", 8, 4);
  Options options = Small({features}, "run_flags");
  options.model = "vgg16";
  const absl::Status status = tl_train::Run(options);
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(status.message(), HasSubstr("--model, --weights"));
  EXPECT_THAT(status.message(), HasSubstr("these records hold features"));
}

TEST(TlTrainLibTest, MissingValidSplitIsNamed) {
  const absl::Status status =
      tl_train::Run(Small({WriteFeatures("novalid", 16, 0)}, "run_novalid"));
  EXPECT_FALSE(status.ok());
  EXPECT_THAT(status.message(), HasSubstr("validation set is empty"));
}

}  // namespace
}  // namespace mammo::tl_train
