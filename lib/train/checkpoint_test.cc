#include "lib/train/checkpoint.h"

#include <gtest/gtest.h>

#include <filesystem>

#include "lib/testing/files.h"

namespace mammo::train {
namespace {

torch::nn::Linear SmallModel(int seed) {
  torch::manual_seed(seed);
  return torch::nn::Linear(4, 2);
}

// Two RMSprop steps, so that the optimizer has state to save.
void Train(torch::nn::Linear& model, torch::optim::RMSprop& optimizer) {
  for (int step = 0; step < 2; ++step) {
    optimizer.zero_grad();
    model->forward(torch::ones({3, 4})).pow(2).sum().backward();
    optimizer.step();
  }
}

TEST(CheckpointTest, RoundTripsWeightsOptimizerAndLoopState) {
  torch::nn::Linear model = SmallModel(1);
  torch::optim::RMSprop optimizer(model->parameters(), torch::optim::RMSpropOptions(0.01));
  Train(model, optimizer);
  LoopState state;
  state.epochs_done = 7;
  state.best_epoch = 5;
  state.best_value = 0.3125;
  state.epochs_without_improvement = 2;
  state.finished = true;
  state.loss_scale = 8192;
  state.good_steps = 1234;
  const std::string path = testing::TempPath("last.pt");
  ASSERT_TRUE(SaveCheckpoint(path, *model, &optimizer, &state).ok());

  torch::nn::Linear restored = SmallModel(2);
  torch::optim::RMSprop restored_optimizer(restored->parameters(),
                                           torch::optim::RMSpropOptions(0.01));
  LoopState restored_state;
  ASSERT_TRUE(LoadCheckpoint(path, *restored, &restored_optimizer, &restored_state).ok());
  EXPECT_TRUE(torch::equal(restored->weight, model->weight));
  EXPECT_TRUE(torch::equal(restored->bias, model->bias));
  EXPECT_EQ(restored_state.epochs_done, 7);
  EXPECT_EQ(restored_state.best_epoch, 5);
  EXPECT_EQ(restored_state.best_value, 0.3125);
  EXPECT_EQ(restored_state.epochs_without_improvement, 2);
  EXPECT_TRUE(restored_state.finished);
  EXPECT_EQ(restored_state.loss_scale, 8192);
  EXPECT_EQ(restored_state.good_steps, 1234);

  // The optimizer state came back too: one more step from each gives the same weights.
  Train(model, optimizer);
  Train(restored, restored_optimizer);
  EXPECT_TRUE(torch::equal(restored->weight, model->weight));
}

TEST(CheckpointTest, SameTrainingSameBytes) {
  // LibTorch names the archive's entries after the file, so both runs write "last.pt".
  std::string bytes[2];
  for (int run = 0; run < 2; ++run) {
    torch::nn::Linear model = SmallModel(3);
    torch::optim::RMSprop optimizer(model->parameters(), torch::optim::RMSpropOptions(0.01));
    Train(model, optimizer);
    LoopState state;
    const std::string dir = testing::TempPath("run" + std::to_string(run));
    std::filesystem::create_directories(dir);
    const std::string path = dir + "/last.pt";
    ASSERT_TRUE(SaveCheckpoint(path, *model, &optimizer, &state).ok());
    bytes[run] = testing::ReadWholeFile(path);
  }
  EXPECT_FALSE(bytes[0].empty());
  EXPECT_TRUE(bytes[0] == bytes[1]);  // not EXPECT_EQ: it would print kilobytes of zip
}

TEST(CheckpointTest, NotACheckpointIsDataLossNamingTheFile) {
  const std::string path = testing::TempPath("garbage.pt");
  testing::WriteWholeFile(path, "not a zip archive");
  torch::nn::Linear model = SmallModel(4);
  const absl::Status status = LoadCheckpoint(path, *model, nullptr, nullptr);
  EXPECT_EQ(status.code(), absl::StatusCode::kDataLoss);
  EXPECT_NE(status.message().find(path), std::string::npos) << status;
}

TEST(CheckpointTest, ALayoutMismatchIsDataLoss) {
  torch::nn::Linear model = SmallModel(5);
  const std::string path = testing::TempPath("linear.pt");
  ASSERT_TRUE(SaveCheckpoint(path, *model, nullptr, nullptr).ok());
  torch::nn::Linear other(torch::nn::LinearOptions(4, 3));
  EXPECT_EQ(LoadCheckpoint(path, *other, nullptr, nullptr).code(), absl::StatusCode::kDataLoss);
}

TEST(CheckpointTest, AnUnwritableFolderIsUnavailableNamingTheFile) {
  torch::nn::Linear model = SmallModel(6);
  const std::string path = testing::TempPath("missing/folder/best.pt");
  const absl::Status status = SaveCheckpoint(path, *model, nullptr, nullptr);
  EXPECT_EQ(status.code(), absl::StatusCode::kUnavailable);
  EXPECT_NE(status.message().find("missing/folder/best.pt"), std::string::npos) << status;
}

}  // namespace
}  // namespace mammo::train
