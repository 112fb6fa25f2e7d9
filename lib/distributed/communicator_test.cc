// The ranks other than 0 are this test binary again, started with COMMUNICATOR_TEST_ROLE set
// (lib/distributed/local_ranks.h).
#include "lib/distributed/communicator.h"

#include <chrono>
#include <cstdlib>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "lib/distributed/local_ranks.h"

namespace mammo::distributed {
namespace {

using ::testing::HasSubstr;

constexpr char kRoleVariable[] = "COMMUNICATOR_TEST_ROLE";

// What every rank does in the "collectives" role; rank 0 is the test itself. Returns a
// description of the first wrong value, or "" when all are right.
std::string RunCollectives(Communicator& c) {
  const int r = c.rank();
  const int n = c.size();
  torch::Tensor sum = torch::tensor({1.0f + r, 10.0f * (r + 1)});
  if (!c.AllReduceSum(sum, "a test tensor").ok()) return "sum failed";
  const float want = n * (n + 1) / 2.0f;
  if (sum[0].item<float>() != want || sum[1].item<float>() != 10 * want) return "wrong sum";
  // Sums started together and waited for in the other order.
  torch::Tensor first = torch::full({3}, 1.0f + r);
  torch::Tensor second = torch::full({1000}, 2.0f * r);
  absl::StatusOr<Communicator::PendingSum> first_sum = c.StartAllReduceSum(first, "a");
  absl::StatusOr<Communicator::PendingSum> second_sum = c.StartAllReduceSum(second, "b");
  if (!first_sum.ok() || !second_sum.ok() || !second_sum->Wait().ok() || !first_sum->Wait().ok()) {
    return "started sums failed";
  }
  if (first[2].item<float>() != want || second[999].item<float>() != n * (n - 1)) {
    return "wrong started sum";
  }
  torch::Tensor counts = torch::tensor({static_cast<int64_t>(r), int64_t{5}});
  if (!c.AllReduceSum(counts, "counts").ok()) return "int64 sum failed";
  if (counts[0].item<int64_t>() != n * (n - 1) / 2 || counts[1].item<int64_t>() != 5 * n) {
    return "wrong int64 sum";
  }
  torch::Tensor max = torch::tensor({static_cast<double>(r), -static_cast<double>(r)});
  if (!c.AllReduceMax(max, "a test tensor").ok()) return "max failed";
  if (max[0].item<double>() != n - 1 || max[1].item<double>() != 0) return "wrong max";
  torch::Tensor sent = r == 1 ? torch::tensor({7.0f, 8.0f}) : torch::zeros({2});
  if (!c.Broadcast(sent, 1, "a test tensor").ok()) return "broadcast failed";
  if (sent[0].item<float>() != 7 || sent[1].item<float>() != 8) return "wrong broadcast";
  if (!c.Barrier("the end").ok()) return "barrier failed";
  if (!c.CheckSame({{"--seed", 42}}).ok()) return "CheckSame refused equal values";
  const absl::Status differs = c.CheckSame({{"--seed", 42}, {"--batch_size", r == 1 ? 16 : 32}});
  if (differs.message() != absl::StrCat(c.world().ToString(),
                                        ": --batch_size differs between the ranks (",
                                        r == 1 ? 16 : 32,
                                        " here, 16 to 32 over all): every rank must get the same "
                                        "flags and inputs")) {
    return absl::StrCat("CheckSame: ", differs.message());
  }
  return "";
}

int RunRole(const std::string& role) {
  absl::StatusOr<World> world = WorldFromEnvironment();
  if (!world.ok()) return 10;
  absl::StatusOr<std::unique_ptr<Communicator>> c =
      Communicator::Connect(*world, {.timeout = std::chrono::seconds(20)});
  if (!c.ok()) return 11;
  if (role == "die") {
    // One collective first: Connect returning here does not mean rank 0's Connect is done, and
    // dying before it is would fail rank 0's Connect rather than the call the test is about.
    torch::Tensor meeting = torch::ones({1});
    if (!(*c)->AllReduceSum(meeting, "the meeting").ok()) return 13;
    std::_Exit(0);  // then gone without a word
  }
  const std::string error = RunCollectives(**c);
  if (!error.empty()) std::fprintf(stderr, "rank %d: %s\n", world->rank, error.c_str());
  return error.empty() ? 0 : 12;
}

TEST(CommunicatorTest, ThreeRanksAgreeOnSumsMaximaAndBroadcasts) {
  const int port = FreePort();
  const pid_t one = StartRank(kRoleVariable, "collectives", 1, 3, port);
  const pid_t two = StartRank(kRoleVariable, "collectives", 2, 3, port);
  absl::StatusOr<std::unique_ptr<Communicator>> c =
      Communicator::Connect(LocalWorld(0, 3, port), {.timeout = std::chrono::seconds(20)});
  ASSERT_TRUE(c.ok()) << c.status();
  EXPECT_EQ(RunCollectives(**c), "");
  EXPECT_EQ(ExitCode(one), 0);
  EXPECT_EQ(ExitCode(two), 0);
}

TEST(CommunicatorTest, ARankThatDiesFailsTheOthersCallInBoundedTime) {
  const int port = FreePort();
  const pid_t peer = StartRank(kRoleVariable, "die", 1, 2, port);
  absl::StatusOr<std::unique_ptr<Communicator>> c =
      Communicator::Connect(LocalWorld(0, 2, port), {.timeout = std::chrono::seconds(10)});
  ASSERT_TRUE(c.ok()) << c.status();
  torch::Tensor meeting = torch::ones({1});
  ASSERT_TRUE((*c)->AllReduceSum(meeting, "the meeting").ok());
  EXPECT_EQ(ExitCode(peer), 0);
  const auto start = std::chrono::steady_clock::now();
  torch::Tensor gradients = torch::ones({1000});
  const absl::Status status = (*c)->AllReduceSum(gradients, "the gradients");
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  EXPECT_EQ(status.code(), absl::StatusCode::kUnavailable);
  EXPECT_THAT(std::string(status.message()), HasSubstr("rank 0 of 2"));
  EXPECT_THAT(std::string(status.message()), HasSubstr("summing the gradients over the ranks"));
  EXPECT_LT(seconds, 12);
}

TEST(CommunicatorTest, ARankThatNeverComesFailsConnectAfterTheTimeout) {
  const auto start = std::chrono::steady_clock::now();
  absl::StatusOr<std::unique_ptr<Communicator>> c =
      Communicator::Connect(LocalWorld(0, 2, FreePort()), {.timeout = std::chrono::seconds(2)});
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  EXPECT_EQ(c.status().code(), absl::StatusCode::kUnavailable);
  EXPECT_THAT(std::string(c.status().message()), HasSubstr("could not meet the other 1 ranks"));
  EXPECT_LT(seconds, 10);
}

TEST(CommunicatorTest, ParseBackend) {
  EXPECT_EQ(ParseBackend("gloo").value(), Backend::kGloo);
  EXPECT_EQ(ParseBackend("nccl").value(), Backend::kNccl);
  EXPECT_THAT(std::string(ParseBackend("mpi").status().message()),
              HasSubstr("--dist_backend 'mpi'"));
}

}  // namespace
}  // namespace mammo::distributed

int main(int argc, char** argv) {
  if (const char* role = std::getenv(mammo::distributed::kRoleVariable)) {
    return mammo::distributed::RunRole(role);
  }
  testing::InitGoogleTest(&argc, argv);
  return RUN_ALL_TESTS();
}
