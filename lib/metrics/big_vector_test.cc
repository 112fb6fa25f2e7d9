#include "lib/metrics/big_vector.h"

#include <cstdint>
#include <numeric>
#include <utility>

#include "gtest/gtest.h"

namespace mammo::metrics {
namespace {

TEST(BigVectorTest, SmallAndHugeBlocksHoldTheirValues) {
  // 16 KiB from operator new; 24 MiB + 8 bytes (not a whole number of huge pages) from mmap.
  for (const size_t n : {size_t{2048}, (size_t{24} << 20) / 8 + 1}) {
    BigVector<uint64_t> v(n);
    std::iota(v.begin(), v.end(), uint64_t{7});
    EXPECT_EQ(v.front(), 7u);
    EXPECT_EQ(v.back(), n + 6);
    EXPECT_EQ(reinterpret_cast<uintptr_t>(v.data()) % alignof(uint64_t), 0u);
  }
}

TEST(BigVectorTest, ExplicitValuesAreKeptAndGrowthCopies) {
  BigVector<double> v(1000, 0.5);
  EXPECT_EQ(v[999], 0.5);
  v.resize(600000);  // moves to an mmap block
  EXPECT_EQ(v[0], 0.5);
  EXPECT_EQ(v[999], 0.5);
  v[599999] = 2.0;
  v.push_back(3.0);
  EXPECT_EQ(v[599999], 2.0);
  EXPECT_EQ(v.back(), 3.0);
  BigVector<double> w;
  w.swap(v);
  EXPECT_EQ(w.size(), 600001u);
  EXPECT_TRUE(v.empty());
  v = std::move(w);
  EXPECT_EQ(v.back(), 3.0);
}

TEST(BigVectorTest, HugeBlocksAreHugePageAligned) {
  BigVector<uint32_t> v(size_t{3} << 20);
  EXPECT_EQ(reinterpret_cast<uintptr_t>(v.data()) % (size_t{2} << 20), 0u);
}

}  // namespace
}  // namespace mammo::metrics
