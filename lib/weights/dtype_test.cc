#include "lib/weights/dtype.h"

#include <cstdint>
#include <limits>

#include "gtest/gtest.h"

namespace mammo::weights {
namespace {

TEST(DType, NamesRoundTrip) {
  for (DType dtype : kAllDTypes) EXPECT_EQ(ParseDType(DTypeName(dtype)), dtype);
  EXPECT_EQ(ParseDType("f32"), std::nullopt);  // names are case-sensitive
  EXPECT_EQ(ParseDType("F8_E4M3"), std::nullopt);
  EXPECT_EQ(ParseDType(""), std::nullopt);
}

TEST(DType, Sizes) {
  EXPECT_EQ(DTypeSize(DType::kBool), 1u);
  EXPECT_EQ(DTypeSize(DType::kBF16), 2u);
  EXPECT_EQ(DTypeSize(DType::kF32), 4u);
  EXPECT_EQ(DTypeSize(DType::kI64), 8u);
  EXPECT_TRUE(IsFloatingPoint(DType::kBF16));
  EXPECT_FALSE(IsFloatingPoint(DType::kI32));
}

TEST(TensorByteSize, CountsScalarsEmptyAndOrdinaryShapes) {
  EXPECT_EQ(TensorByteSize(DType::kF32, {}), 4u);
  EXPECT_EQ(TensorByteSize(DType::kF32, {64, 3, 3, 3}), 6912u);
  EXPECT_EQ(TensorByteSize(DType::kF16, {5, 0, 7}), 0u);
}

TEST(TensorByteSize, RefusesNegativeAndOverflowingShapes) {
  const int64_t big = std::numeric_limits<int64_t>::max();
  EXPECT_EQ(TensorByteSize(DType::kF32, {-1}), std::nullopt);
  EXPECT_EQ(TensorByteSize(DType::kU8, {big}), big);
  EXPECT_EQ(TensorByteSize(DType::kF32, {big}), std::nullopt);  // bytes past 2^63
  EXPECT_EQ(TensorByteSize(DType::kU8, {1 << 30, 1 << 30, 1 << 30}), std::nullopt);
  EXPECT_EQ(TensorByteSize(DType::kU8, {int64_t{1} << 62, 4}), std::nullopt);  // wraps to 0
}

}  // namespace
}  // namespace mammo::weights
