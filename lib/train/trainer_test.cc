#include "lib/train/trainer.h"

#include <sys/stat.h>

#include <random>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "lib/metrics/roc_auc.h"

namespace mammo::train {
namespace {

using ::testing::HasSubstr;

// Two Gaussian clusters in 16 dimensions whose means differ by `separation` along every axis.
FeatureSet Clusters(int n, double separation, uint64_t seed, Split split) {
  std::mt19937_64 rng(seed);
  std::normal_distribution<float> noise(0.0f, 1.0f);
  FeatureSet set;
  std::vector<float> x, y;
  for (int i = 0; i < n; ++i) {
    const bool malignant = i % 2 == 0;
    for (int d = 0; d < 16; ++d) x.push_back(noise(rng) + (malignant ? separation / 2 : -separation / 2));
    y.push_back(malignant ? 1.0f : 0.0f);
    set.ids.push_back(absl::StrCat("r", i));
    set.patient_ids.push_back(absl::StrCat("P", i));
    set.lesion_ids.push_back(absl::StrCat("L", i));
    set.splits.push_back(split);
  }
  set.features = torch::tensor(x).reshape({n, 16});
  set.labels = torch::tensor(y);
  return set;
}

HeadOptions SmallHead() {
  HeadOptions options;
  options.in_features = 16;
  options.hidden = {32};
  options.dropout = 0.2;
  return options;
}

std::string RunDir(const std::string& name) {
  return absl::StrCat(::testing::TempDir(), "/", name);
}

torch::Tensor FlatWeights(Head& head) {
  std::vector<torch::Tensor> parts;
  for (const auto& p : head->parameters()) parts.push_back(p.detach().flatten());
  return torch::cat(parts);
}

TEST(TrainerTest, LearnsASeparableProblem) {
  const FeatureSet train = Clusters(400, 1.0, 1, TRAIN);
  const FeatureSet valid = Clusters(200, 1.0, 2, VALID);
  torch::manual_seed(0);
  Head head(SmallHead());
  TrainOptions options;
  options.run_dir = RunDir("separable");
  options.learning_rate = 1e-3;
  options.max_epochs = 30;
  options.patience = 30;
  auto result = TrainHead(head, train, valid, options);
  ASSERT_TRUE(result.ok()) << result.status();
  ASSERT_EQ(result->history.size(), 30u);
  EXPECT_LT(result->history.back().train_loss, result->history.front().train_loss);

  torch::NoGradGuard no_grad;
  head->eval();
  const torch::Tensor p = torch::sigmoid(head->forward(valid.features)).to(torch::kFloat64);
  std::vector<int> labels;
  for (int i = 0; i < valid.size(); ++i) labels.push_back(valid.labels[i].item<float>() > 0.5f);
  const std::vector<double> scores(p.data_ptr<double>(), p.data_ptr<double>() + p.numel());
  auto auc = metrics::RocAuc(labels, scores);
  ASSERT_TRUE(auc.ok());
  EXPECT_GT(*auc, 0.9);
}

TEST(TrainerTest, StandardizationRescuesTinyFeatures) {
  // Features 1e-8 in size, as a backbone with random weights gives: the head cannot move its
  // logits with them, unless the inputs are standardised with the training statistics.
  FeatureSet train = Clusters(400, 1.0, 14, TRAIN);
  FeatureSet valid = Clusters(200, 1.0, 15, VALID);
  train.features = train.features * 1e-8 + 3e-8;
  valid.features = valid.features * 1e-8 + 3e-8;
  double accuracy[2];
  for (bool standardize : {false, true}) {
    torch::manual_seed(0);
    HeadOptions head_options = SmallHead();
    head_options.standardize = standardize;
    Head head(head_options);
    TrainOptions options;
    options.run_dir = RunDir(absl::StrCat("tiny", standardize));
    options.learning_rate = 1e-3;
    options.max_epochs = 10;
    ASSERT_TRUE(TrainHead(head, train, valid, options).ok());
    accuracy[standardize] = Evaluate(head, valid, torch::kCPU).second;
    if (standardize) {
      // The statistics travel with the weights.
      Head reloaded(head_options);
      ASSERT_TRUE(LoadHeadWeights(options.run_dir + "/best.pt", reloaded).ok());
      EXPECT_EQ(Evaluate(reloaded, valid, torch::kCPU).second, accuracy[1]);
    }
  }
  EXPECT_LT(accuracy[0], 0.6);
  EXPECT_GT(accuracy[1], 0.85);
}

TEST(TrainerTest, EarlyStoppingRestoresTheBestEpoch) {
  // Labels unrelated to the features and a large step: validation loss soon rises.
  FeatureSet train = Clusters(200, 0.0, 3, TRAIN);
  const FeatureSet valid = Clusters(100, 0.0, 4, VALID);
  torch::manual_seed(0);
  Head head(SmallHead());
  TrainOptions options;
  options.run_dir = RunDir("early");
  options.learning_rate = 3e-3;
  options.max_epochs = 200;
  options.patience = 5;
  auto result = TrainHead(head, train, valid, options);
  ASSERT_TRUE(result.ok()) << result.status();
  EXPECT_TRUE(result->stopped_early);
  ASSERT_EQ(static_cast<int>(result->history.size()), result->best_epoch + 5);
  double best = 1e9;
  for (const EpochRecord& r : result->history) best = std::min(best, r.valid_loss);
  EXPECT_EQ(result->history[result->best_epoch - 1].valid_loss, best);
  // The head holds the best epoch's weights: its validation loss is the best one.
  EXPECT_NEAR(Evaluate(head, valid, torch::kCPU).first, best, 1e-6);
}

TEST(TrainerTest, ResumedRunEndsWithTheSameWeights) {
  const FeatureSet train = Clusters(100, 1.0, 5, TRAIN);
  const FeatureSet valid = Clusters(50, 1.0, 6, VALID);
  TrainOptions options;
  options.learning_rate = 1e-3;
  options.patience = 100;
  options.max_epochs = 8;

  torch::manual_seed(0);
  Head uninterrupted(SmallHead());
  options.run_dir = RunDir("uninterrupted");
  ASSERT_TRUE(TrainHead(uninterrupted, train, valid, options).ok());
  ASSERT_TRUE(LoadHeadWeights(options.run_dir + "/last.pt", uninterrupted).ok());

  torch::manual_seed(0);
  Head first_half(SmallHead());
  options.run_dir = RunDir("interrupted");
  options.max_epochs = 4;  // as if killed after epoch 4
  ASSERT_TRUE(TrainHead(first_half, train, valid, options).ok());
  Head resumed(SmallHead());  // a new process: fresh weights, replaced by the checkpoint
  options.max_epochs = 8;
  options.resume = true;
  auto result = TrainHead(resumed, train, valid, options);
  ASSERT_TRUE(result.ok()) << result.status();
  EXPECT_EQ(result->history.size(), 8u);
  ASSERT_TRUE(LoadHeadWeights(options.run_dir + "/last.pt", resumed).ok());
  EXPECT_TRUE(torch::equal(FlatWeights(resumed), FlatWeights(uninterrupted)));
}

TEST(TrainerTest, SameSeedSameWeightsWithOneOrTwoThreads) {
  const FeatureSet train = Clusters(256, 1.0, 7, TRAIN);
  const FeatureSet valid = Clusters(64, 1.0, 8, VALID);
  std::vector<torch::Tensor> weights;
  for (int threads : {1, 2}) {
    torch::set_num_threads(threads);
    torch::manual_seed(0);
    HeadOptions head_options = SmallHead();
    head_options.hidden = {256};
    Head head(head_options);
    TrainOptions options;
    options.run_dir = RunDir(absl::StrCat("threads", threads));
    options.max_epochs = 3;
    ASSERT_TRUE(TrainHead(head, train, valid, options).ok());
    weights.push_back(FlatWeights(head));
  }
  EXPECT_TRUE(torch::equal(weights[0], weights[1]));
}

TEST(TrainerTest, BadInputsGiveClearErrors) {
  const FeatureSet valid = Clusters(20, 1.0, 9, VALID);
  Head head(SmallHead());
  TrainOptions options;
  options.run_dir = RunDir("bad");

  FeatureSet one_class = Clusters(20, 1.0, 10, TRAIN);
  one_class.labels.fill_(1.0f);
  auto status = TrainHead(head, one_class, valid, options).status();
  EXPECT_TRUE(absl::IsFailedPrecondition(status));
  EXPECT_THAT(std::string(status.message()), HasSubstr("one class only"));

  FeatureSet empty = Clusters(0, 1.0, 11, TRAIN);
  empty.features = torch::empty({0, 16});
  empty.labels = torch::empty({0});
  EXPECT_THAT(std::string(TrainHead(head, empty, valid, options).status().message()),
              HasSubstr("training set is empty"));

  HeadOptions wide = SmallHead();
  wide.in_features = 32;
  Head wrong_width(wide);
  status = TrainHead(wrong_width, Clusters(20, 1.0, 12, TRAIN), valid, options).status();
  EXPECT_THAT(std::string(status.message()), HasSubstr("has 16 features, the head expects 32"));

  FeatureSet nan = Clusters(20, 1.0, 13, TRAIN);
  nan.features[3][2] = std::nanf("");
  status = TrainHead(head, nan, valid, options).status();
  EXPECT_TRUE(absl::IsFailedPrecondition(status)) << status;
  EXPECT_THAT(std::string(status.message()), HasSubstr("training loss became nan at epoch 1"));
}

}  // namespace
}  // namespace mammo::train
