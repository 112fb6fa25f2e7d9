#include "lib/models/compute_threads.h"

#include <torch/torch.h>

#include "gtest/gtest.h"

namespace mammo::models {
namespace {

TEST(SetComputeThreads, SetsLibTorchAndOpenBlas) {
  // A matrix product first, so that the BLAS library is loaded and its pool started.
  torch::mm(torch::ones({64, 64}), torch::ones({64, 64}));
  for (const int threads : {1, 2, 1}) {
    EXPECT_EQ(SetComputeThreads(threads), threads);
    EXPECT_EQ(torch::get_num_threads(), threads);
    // tools/setup.sh installs OpenBLAS as the system BLAS, so it must be the one found.
    EXPECT_EQ(BlasThreads(), threads);
  }
  EXPECT_GE(SetComputeThreads(0), 1);
}

}  // namespace
}  // namespace mammo::models
