#include "lib/train/trainer.h"

#include <ATen/Parallel.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <functional>
#include <random>
#include <utility>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "lib/metrics/roc_auc.h"

namespace mammo::train {
namespace {

using ::testing::HasSubstr;

// Two Gaussian clusters in `dims` dimensions whose means differ by `separation` along every
// axis.
FeatureSet Clusters(int n, double separation, uint64_t seed, Split split, int dims = 16) {
  std::mt19937_64 rng(seed);
  std::normal_distribution<float> noise(0.0f, 1.0f);
  FeatureSet set;
  std::vector<float> x, y;
  for (int i = 0; i < n; ++i) {
    const bool malignant = i % 2 == 0;
    for (int d = 0; d < dims; ++d)
      x.push_back(noise(rng) + (malignant ? separation / 2 : -separation / 2));
    y.push_back(malignant ? 1.0f : 0.0f);
    set.ids.push_back(absl::StrCat("r", i));
    set.patient_ids.push_back(absl::StrCat("P", i));
    set.lesion_ids.push_back(absl::StrCat("L", i));
    set.splits.push_back(split);
  }
  set.features = torch::tensor(x).reshape({n, dims});
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

// --restore_best=false, Keras's default EarlyStopping: the head ends with the last epoch's
// weights (last.pt), not the best epoch's (best.pt), and run.json says so.
TEST(TrainerTest, WithoutRestoreBestTheLastEpochsWeightsRemain) {
  FeatureSet train = Clusters(200, 0.0, 3, TRAIN);
  const FeatureSet valid = Clusters(100, 0.0, 4, VALID);
  torch::manual_seed(0);
  Head head(SmallHead());
  TrainOptions options;
  options.run_dir = RunDir("keep-last");
  options.learning_rate = 3e-3;
  options.max_epochs = 200;
  options.patience = 5;
  options.restore_best = false;
  auto result = TrainHead(head, train, valid, options);
  ASSERT_TRUE(result.ok()) << result.status();
  ASSERT_EQ(static_cast<int>(result->history.size()), result->best_epoch + 5);  // best != last
  EXPECT_FALSE(result->restored_best);
  const auto predictions = [&](Head& h) {
    torch::NoGradGuard no_grad;
    h->eval();
    return h->forward(valid.features);
  };
  Head last(SmallHead()), best(SmallHead());
  ASSERT_TRUE(LoadHeadWeights(options.run_dir + "/last.pt", last).ok());
  ASSERT_TRUE(LoadHeadWeights(options.run_dir + "/best.pt", best).ok());
  EXPECT_TRUE(torch::equal(predictions(head), predictions(last)));
  EXPECT_FALSE(torch::allclose(predictions(head), predictions(best)));
  EXPECT_EQ(Evaluate(head, valid, torch::kCPU).first, result->history.back().valid_loss);
  const RunConfig config = TrainedRunConfig("x-TL", "tl_train", SmallHead(), options, *result);
  EXPECT_FALSE(config.restore_best);
  EXPECT_STREQ(FinalCheckpoint(config), "last.pt");
  options.restore_best = true;
  EXPECT_STREQ(FinalCheckpoint(TrainedRunConfig("x-TL", "tl_train", SmallHead(), options, *result)),
               "best.pt");
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

// Restores LibTorch's intra-op thread count when it goes out of scope, also when an ASSERT
// returns early, so that later tests run with the count they started with.
class NumThreadsGuard {
 public:
  NumThreadsGuard() : saved_(at::get_num_threads()) {}
  ~NumThreadsGuard() { at::set_num_threads(saved_); }
  NumThreadsGuard(const NumThreadsGuard&) = delete;
  NumThreadsGuard& operator=(const NumThreadsGuard&) = delete;

 private:
  const int saved_;
};

// Nanoseconds on the CPU of this process's threads (/proc/self/task/*/schedstat): those of the
// calling thread and those of all the others.
std::pair<int64_t, int64_t> CpuNanosSelfAndOthers() {
  const std::string self = std::to_string(static_cast<long>(syscall(SYS_gettid)));
  int64_t mine = 0, others = 0;
  for (const auto& entry : std::filesystem::directory_iterator("/proc/self/task")) {
    std::ifstream in(entry.path() / "schedstat");
    int64_t ns = 0;
    if (!(in >> ns)) continue;  // a thread that just ended
    (entry.path().filename() == self ? mine : others) += ns;
  }
  return {mine, others};
}

// The share of the CPU time of `op` spent on threads other than the calling one: about 1/2
// when LibTorch's kernels split the work between two threads, about 0 when they do not.
// (at::parallel_for called from this file would not tell: the project compiles without
// -fopenmp, so the header's parallel_for runs inline; LibTorch's own kernels use OpenMP.)
double ShareOnOtherThreads(const std::function<void()>& op) {
  const auto [mine0, others0] = CpuNanosSelfAndOthers();
  op();
  const auto [mine1, others1] = CpuNanosSelfAndOthers();
  const double total = static_cast<double>((mine1 - mine0) + (others1 - others0));
  return total > 0 ? static_cast<double>(others1 - others0) / total : 0.0;
}

std::string Bytes(const torch::Tensor& t) {
  const torch::Tensor c = t.contiguous();
  return std::string(static_cast<const char*>(c.data_ptr()), c.numel() * c.element_size());
}

TEST(TrainerTest, SameSeedSameWeightsWithOneOrTwoThreads) {
  // A head the size of the real ones (features of a few thousand values, a wide hidden layer):
  // its hidden weight (2048 x 2048) and the activations of a batch (32 x 2048, inputs and
  // hidden) are above LibTorch's grain size (at::internal::GRAIN_SIZE, 32768 elements; an
  // elementwise kernel splits only above it), so with two threads the elementwise work (ReLU,
  // gradient zeroing and accumulation) is really split; checked below.
  constexpr int kDims = 2048;
  const FeatureSet train = Clusters(256, 0.2, 7, TRAIN, kDims);
  const FeatureSet valid = Clusters(64, 0.2, 8, VALID, kDims);
  HeadOptions head_options;
  head_options.in_features = kDims;
  head_options.hidden = {kDims};
  head_options.dropout = 0.2;

  NumThreadsGuard restore_threads;
  std::vector<std::string> best, last;
  std::string initial;
  for (int threads : {1, 2}) {
    at::set_num_threads(threads);
    ASSERT_EQ(at::get_num_threads(), threads);
    if (threads == 2) {
      // A batch's activations (32 x 2048 = 2 grain sizes) are split between the threads by
      // an elementwise kernel the head runs (ReLU), and so is the hidden weight's gradient.
      const torch::Tensor activations = torch::randn({32, kDims});
      const torch::Tensor gradient = torch::randn({kDims, kDims});
      EXPECT_GT(ShareOnOtherThreads([&] {
                  for (int i = 0; i < 3000; ++i) torch::relu(activations);
                }),
                0.2);
      EXPECT_GT(ShareOnOtherThreads([&] {
                  torch::Tensor g = torch::zeros_like(gradient);
                  for (int i = 0; i < 20; ++i) g.add_(gradient);
                }),
                0.2);
    }
    torch::manual_seed(0);
    Head head(head_options);
    if (initial.empty()) initial = Bytes(FlatWeights(head));
    TrainOptions options;
    options.run_dir = RunDir(absl::StrCat("threads", threads));
    options.learning_rate = 1e-4;
    options.max_epochs = 3;
    auto result = TrainHead(head, train, valid, options);
    ASSERT_TRUE(result.ok()) << result.status();
    ASSERT_EQ(result->history.size(), 3u);
    best.push_back(Bytes(FlatWeights(head)));  // the best epoch's, restored by TrainHead
    ASSERT_TRUE(LoadHeadWeights(options.run_dir + "/last.pt", head).ok());
    last.push_back(Bytes(FlatWeights(head)));
  }
  EXPECT_NE(last[0], initial) << "training did not move the weights";
  // Byte for byte: EXPECT_EQ on the strings would print megabytes, hence the bools.
  EXPECT_TRUE(last[0] == last[1]) << "the last epoch's weights depend on the thread count";
  EXPECT_TRUE(best[0] == best[1]) << "the best epoch's weights depend on the thread count";
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
