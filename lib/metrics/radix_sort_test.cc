#include "lib/metrics/radix_sort.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <numeric>
#include <random>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace mammo::metrics {
namespace {

using ::testing::ElementsAreArray;

// The indices of `values` in ascending order of value, ties in index order: by RadixSortByKey
// over OrderedKey, and by std::stable_sort comparing the doubles themselves.
BigVector<uint32_t> RadixOrder(const std::vector<double>& values) {
  BigVector<uint64_t> keys(values.size());
  BigVector<uint32_t> tags(values.size());
  for (size_t i = 0; i < values.size(); ++i) {
    keys[i] = OrderedKey(values[i]);
    tags[i] = static_cast<uint32_t>(i);
  }
  RadixSortByKey(&keys, &tags);
  return tags;
}

std::vector<uint32_t> StableSortOrder(const std::vector<double>& values) {
  std::vector<uint32_t> order(values.size());
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(),
                   [&](uint32_t a, uint32_t b) { return values[a] < values[b]; });
  return order;
}

// Both orders, on `values` as given and repeated until there are more than the small-input
// cut-off, so that both the radix passes and the small-input path are checked.
void ExpectSameOrder(const std::vector<double>& values) {
  EXPECT_THAT(RadixOrder(values), ElementsAreArray(StableSortOrder(values)));
  std::vector<double> many;
  while (many.size() < 10000) many.insert(many.end(), values.begin(), values.end());
  EXPECT_THAT(RadixOrder(many), ElementsAreArray(StableSortOrder(many)));
}

constexpr double kInf = std::numeric_limits<double>::infinity();
constexpr double kMax = std::numeric_limits<double>::max();
constexpr double kMinNormal = std::numeric_limits<double>::min();
constexpr double kMinSubnormal = std::numeric_limits<double>::denorm_min();

TEST(OrderedKeyTest, FollowsTheOrderOfDoubles) {
  const std::vector<double> ascending = {-kInf,
                                         -kMax,
                                         -1e300,
                                         -2.5,
                                         -1.0,
                                         -kMinNormal,
                                         -kMinNormal / 2,
                                         -kMinSubnormal * 2,
                                         -kMinSubnormal,
                                         0.0,
                                         kMinSubnormal,
                                         kMinSubnormal * 2,
                                         kMinNormal / 2,
                                         kMinNormal,
                                         1e-300,
                                         0.001,
                                         0.5,
                                         1.0,
                                         std::nextafter(1.0, 2.0),
                                         2.5,
                                         1e300,
                                         kMax,
                                         kInf};
  for (size_t i = 0; i + 1 < ascending.size(); ++i) {
    EXPECT_LT(OrderedKey(ascending[i]), OrderedKey(ascending[i + 1]))
        << ascending[i] << " < " << ascending[i + 1];
  }
}

TEST(OrderedKeyTest, BothZerosShareAKey) {
  EXPECT_EQ(OrderedKey(-0.0), OrderedKey(0.0));
  EXPECT_LT(OrderedKey(-kMinSubnormal), OrderedKey(-0.0));
  EXPECT_LT(OrderedKey(-0.0), OrderedKey(kMinSubnormal));
}

TEST(RadixSortByKeyTest, EmptyAndOne) {
  BigVector<uint64_t> keys;
  BigVector<uint32_t> tags;
  RadixSortByKey(&keys, &tags);
  EXPECT_TRUE(keys.empty());
  keys = {7};
  tags = {3};
  RadixSortByKey(&keys, &tags);
  EXPECT_THAT(keys, ElementsAreArray({uint64_t{7}}));
  EXPECT_THAT(tags, ElementsAreArray({uint32_t{3}}));
}

TEST(RadixSortByKeyTest, TiesKeepTheirOrder) {
  ExpectSameOrder({0.5, 0.3, 0.5, 0.1, 0.3, 0.5, 0.5, 0.1});
  ExpectSameOrder(std::vector<double>(10, 0.25));  // all equal: every digit is skipped
}

TEST(RadixSortByKeyTest, NegativeValuesAndBothZeros) {
  ExpectSameOrder({-0.0, 0.0, -1.5, 2.0, -0.0, -2.0, 1.5, 0.0, -1.5, -0.0});
}

TEST(RadixSortByKeyTest, LargeSmallAndSubnormalMagnitudes) {
  ExpectSameOrder({kMax,
                   -kMax,
                   kInf,
                   -kInf,
                   1e300,
                   -1e300,
                   1e-300,
                   -1e-300,
                   kMinNormal,
                   -kMinNormal,
                   kMinSubnormal,
                   -kMinSubnormal,
                   kMinSubnormal * 3,
                   kMinNormal / 3,
                   -kMinNormal / 3,
                   0.0,
                   -0.0,
                   1.0,
                   -1.0,
                   kMinSubnormal});
}

TEST(RadixSortByKeyTest, RandomDoublesWithTies) {
  std::mt19937_64 rng(9);
  std::uniform_int_distribution<int> grid(-50, 50);
  std::uniform_real_distribution<double> exponent(-320, 300);
  std::uniform_int_distribution<uint64_t> any_bits;
  for (const size_t n : {size_t{100}, size_t{4095}, size_t{4096}, size_t{20000}}) {
    std::vector<double> values;
    for (size_t i = 0; i < n; ++i) {
      switch (i % 4) {
        case 0:  // a coarse grid: many ties, both signs, both zeros
          values.push_back(grid(rng) == 0 ? -0.0 : grid(rng) / 10.0);
          break;
        case 1:  // magnitudes from subnormal to huge
          values.push_back((i % 8 == 1 ? -1 : 1) * std::pow(10.0, exponent(rng)));
          break;
        case 2: {  // any finite bit pattern: every digit of the key varies
          uint64_t bits = any_bits(rng);
          double v;
          std::memcpy(&v, &bits, sizeof v);
          values.push_back(std::isfinite(v) ? v : 0.0);
          break;
        }
        default:  // probabilities
          values.push_back(
              std::round(std::ldexp(static_cast<double>(any_bits(rng) >> 11), -53) * 1000) / 1000);
      }
    }
    EXPECT_THAT(RadixOrder(values), ElementsAreArray(StableSortOrder(values))) << n;
  }
}

TEST(RadixSortByKeyTest, RandomKeysCarryTheirTags) {
  std::mt19937_64 rng(10);
  BigVector<uint64_t> keys(5000);
  for (uint64_t& key : keys) key = rng() >> (rng() % 64);  // ties among the small keys
  BigVector<uint32_t> tags(keys.size());
  std::iota(tags.begin(), tags.end(), 0);
  const BigVector<uint64_t> original = keys;
  std::vector<uint32_t> expected(tags.begin(), tags.end());
  std::stable_sort(expected.begin(), expected.end(),
                   [&](uint32_t a, uint32_t b) { return original[a] < original[b]; });
  RadixSortByKey(&keys, &tags);
  EXPECT_THAT(tags, ElementsAreArray(expected));
  for (size_t i = 0; i < keys.size(); ++i) EXPECT_EQ(keys[i], original[tags[i]]) << i;
}

TEST(RadixSortByKeyTest, AnyThreadCountGivesTheStableOrder) {
  std::mt19937_64 rng(11);
  std::vector<uint64_t> original(300001);  // chunks of unequal size for 2, 3 and 4 threads
  for (size_t i = 0; i < original.size(); ++i) {
    const uint64_t r = rng();
    // A few heavy ties, small keys that leave the upper digits alike, and any bits.
    original[i] = i % 3 == 0 ? r % 7 : i % 3 == 1 ? r >> 40 : r;
  }
  std::vector<uint32_t> expected(original.size());
  std::iota(expected.begin(), expected.end(), 0);
  std::stable_sort(expected.begin(), expected.end(),
                   [&](uint32_t a, uint32_t b) { return original[a] < original[b]; });
  for (int threads = 1; threads <= kMaxSortThreads + 1; ++threads) {
    BigVector<uint64_t> keys(original.begin(), original.end());
    BigVector<uint32_t> tags(keys.size());
    std::iota(tags.begin(), tags.end(), 0);
    RadixSortByKey(&keys, &tags, threads);
    EXPECT_THAT(tags, ElementsAreArray(expected)) << threads << " threads";
    for (size_t i = 0; i < keys.size(); ++i) ASSERT_EQ(keys[i], original[tags[i]]) << i;
  }
}

TEST(RadixSortByKeyTest, AllKeysEqualOnManyThreads) {
  BigVector<uint64_t> keys(200000, 42);
  BigVector<uint32_t> tags(keys.size());
  std::iota(tags.begin(), tags.end(), 0);
  const BigVector<uint32_t> expected = tags;
  RadixSortByKey(&keys, &tags, 3);
  EXPECT_EQ(tags, expected);
}

}  // namespace
}  // namespace mammo::metrics
