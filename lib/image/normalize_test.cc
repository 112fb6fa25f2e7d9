#include "lib/image/normalize.h"

#include <opencv2/imgproc.hpp>

#include "gtest/gtest.h"

namespace mammo {
namespace {

TEST(MinMaxTo8BitTest, SixteenBitValuesByHand) {
  // min 100, max 1100, range 1000: 600 -> 127.5 -> 128 (half up), 350 -> 63.75 -> 64,
  // 101 -> 0.255 -> 0, 1099 -> 254.745 -> 255.
  cv::Mat in = (cv::Mat_<uint16_t>(2, 3) << 100, 600, 1100, 350, 101, 1099);
  cv::Mat out = MinMaxTo8Bit(in, std::nullopt);
  cv::Mat want = (cv::Mat_<uint8_t>(2, 3) << 0, 128, 255, 64, 0, 255);
  EXPECT_EQ(cv::countNonZero(out != want), 0) << out;
}

TEST(MinMaxTo8BitTest, PaddingIsExcludedAndBecomesZero) {
  // Padding 65535 would be the maximum; without it min 10, max 20.
  cv::Mat in = (cv::Mat_<uint16_t>(1, 4) << 65535, 10, 15, 20);
  cv::Mat out = MinMaxTo8Bit(in, uint16_t{65535});
  cv::Mat want = (cv::Mat_<uint8_t>(1, 4) << 0, 0, 128, 255);  // 15 -> 127.5 -> 128
  EXPECT_EQ(cv::countNonZero(out != want), 0) << out;
}

TEST(MinMaxTo8BitTest, EightBitAndConstantImages) {
  cv::Mat in = (cv::Mat_<uint8_t>(1, 3) << 2, 3, 4);
  cv::Mat want = (cv::Mat_<uint8_t>(1, 3) << 0, 128, 255);
  EXPECT_EQ(cv::countNonZero(MinMaxTo8Bit(in, std::nullopt) != want), 0);
  cv::Mat flat(3, 3, CV_16U, cv::Scalar(7));
  EXPECT_EQ(cv::countNonZero(MinMaxTo8Bit(flat, std::nullopt)), 0);
}

TEST(ApplyClaheTest, MatchesOpenCvDirectly) {
  cv::Mat in(64, 64, CV_8U);
  cv::randu(in, 0, 256);
  cv::Mat want;
  cv::createCLAHE(2.0, cv::Size(8, 8))->apply(in, want);
  EXPECT_EQ(cv::countNonZero(ApplyClahe(in, 2.0, 8) != want), 0);
}

}  // namespace
}  // namespace mammo
