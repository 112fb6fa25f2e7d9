// GradientSum with three real ranks on localhost (lib/distributed/local_ranks.h): each rank
// backpropagates its rows' share of a batch's mean loss, and after Finish every rank holds the
// gradient one process computes on the whole batch. Buckets of 16 bytes split the model into
// several sums, started as backward reaches them; a rank without rows backpropagates nothing.
#include "lib/train/gradient_sum.h"

#include <torch/torch.h>

#include <chrono>
#include <cstdlib>
#include <string>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "lib/distributed/local_ranks.h"
#include "lib/records/task.h"

namespace mammo::train {
namespace {

constexpr char kRoleVariable[] = "GRADIENT_SUM_TEST_ROLE";
constexpr int kRanks = 3;
constexpr int64_t kBucketBytes = 16;

torch::nn::Sequential Model() {
  torch::manual_seed(7);
  return torch::nn::Sequential(torch::nn::Linear(6, 5), torch::nn::Tanh(), torch::nn::Linear(5, 4),
                               torch::nn::Tanh(), torch::nn::Linear(4, 1));
}

// Loss of rows [first, last) of an n-row batch: their share of the batch's mean loss.
torch::Tensor Loss(torch::nn::Sequential& model, int64_t n, int64_t first, int64_t last) {
  torch::manual_seed(11);
  const torch::Tensor x = torch::randn({n, 6});
  const torch::Tensor y = torch::randint(0, 2, {n}).to(torch::kFloat32);
  const torch::Tensor logits = model->forward(x.slice(0, first, last)).reshape(-1);
  return torch::binary_cross_entropy_with_logits(logits, y.slice(0, first, last), {}, {},
                                                 at::Reduction::Sum) /
         static_cast<double>(n);
}

// The gradients one process gets on the whole batch of n rows.
std::vector<torch::Tensor> WholeBatchGradients(int64_t n) {
  torch::nn::Sequential model = Model();
  Loss(model, n, 0, n).backward();
  std::vector<torch::Tensor> gradients;
  for (const torch::Tensor& p : model->parameters()) gradients.push_back(p.grad().clone());
  return gradients;
}

// Two steps on every rank: 8 rows (3, 3 and 2 per rank), then 2 rows (rank 2 has none).
// Returns what went wrong, or "".
std::string RunSteps(distributed::Communicator& c) {
  torch::nn::Sequential model = Model();
  std::vector<torch::Tensor> parameters = model->parameters();
  GradientSum sum(parameters, c, kBucketBytes);
  if (sum.buckets() < 3) return absl::StrCat(sum.buckets(), " buckets, want several");
  for (const int64_t n : {8, 2}) {
    for (torch::Tensor& p : parameters) p.mutable_grad().reset();
    const auto [first, last] = Task{c.rank(), c.size()}.Slice(n);
    if (last > first) Loss(model, n, first, last).backward();
    const absl::Status finished = sum.Finish();
    if (!finished.ok()) return std::string(finished.message());
    const std::vector<torch::Tensor> want = WholeBatchGradients(n);
    for (size_t k = 0; k < parameters.size(); ++k) {
      if (!torch::allclose(parameters[k].grad(), want[k], 1e-5, 1e-7)) {
        return absl::StrCat("step of ", n, " rows: parameter ", k, "'s gradient is not the sum");
      }
    }
  }
  return "";
}

int RunRole() {
  absl::StatusOr<distributed::World> world = distributed::WorldFromEnvironment();
  if (!world.ok()) return 10;
  auto c = distributed::Communicator::Connect(*world, {.timeout = std::chrono::seconds(20)});
  if (!c.ok()) return 11;
  const std::string error = RunSteps(**c);
  if (!error.empty()) std::fprintf(stderr, "rank %d: %s\n", world->rank, error.c_str());
  return error.empty() ? 0 : 12;
}

TEST(GradientSumTest, EveryRankEndsWithTheWholeBatchsGradient) {
  const int port = distributed::FreePort();
  std::vector<pid_t> peers;
  for (int rank = 1; rank < kRanks; ++rank) {
    peers.push_back(distributed::StartRank(kRoleVariable, "steps", rank, kRanks, port));
  }
  auto c = distributed::Communicator::Connect(distributed::LocalWorld(0, kRanks, port),
                                              {.timeout = std::chrono::seconds(20)});
  ASSERT_TRUE(c.ok()) << c.status();
  EXPECT_EQ(RunSteps(**c), "");
  for (const pid_t peer : peers) EXPECT_EQ(distributed::ExitCode(peer), 0);
}

}  // namespace
}  // namespace mammo::train

int main(int argc, char** argv) {
  if (std::getenv(mammo::train::kRoleVariable) != nullptr) return mammo::train::RunRole();
  testing::InitGoogleTest(&argc, argv);
  return RUN_ALL_TESTS();
}
