// Checks that the LibTorch target compiles, links and computes, and that its BLAS is
// OpenBLAS (Debian's LibTorch calls the system libblas.so.3; the reference BLAS makes the
// Dense 4096 head about 60x slower, so tools/setup.sh installs OpenBLAS).
#include <torch/torch.h>

#include <fstream>
#include <sstream>

#include "gtest/gtest.h"

namespace {

TEST(LibTorchTest, MatmulMatchesHandComputedValues) {
  const torch::Tensor a = torch::tensor({{1.0f, 2.0f}, {3.0f, 4.0f}});
  const torch::Tensor b = torch::tensor({{5.0f, 6.0f}, {7.0f, 8.0f}});
  const torch::Tensor c = torch::mm(a, b);
  EXPECT_FLOAT_EQ(c[0][0].item<float>(), 19.0f);  // 1*5 + 2*7
  EXPECT_FLOAT_EQ(c[0][1].item<float>(), 22.0f);
  EXPECT_FLOAT_EQ(c[1][0].item<float>(), 43.0f);
  EXPECT_FLOAT_EQ(c[1][1].item<float>(), 50.0f);
}

TEST(LibTorchTest, BlasIsOpenBlas) {
  // A product large enough to go to BLAS sgemm, then look at what the process mapped.
  const torch::Tensor x = torch::ones({64, 256});
  const torch::Tensor w = torch::ones({256, 128});
  EXPECT_FLOAT_EQ(torch::mm(x, w)[3][5].item<float>(), 256.0f);
  std::ifstream maps("/proc/self/maps");
  std::stringstream text;
  text << maps.rdbuf();
  EXPECT_NE(text.str().find("openblas"), std::string::npos)
      << "libblas.so.3 is not OpenBLAS: run tools/setup.sh (package libopenblas0-pthread)";
}

}  // namespace
