#include "lib/image/png_write.h"

#include <opencv2/core.hpp>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>
#include <string>
#include <vector>

#include "gtest/gtest.h"

namespace mammo {
namespace {

cv::Mat Decode(const std::string& png) {
  return cv::imdecode(std::vector<unsigned char>(png.begin(), png.end()), cv::IMREAD_UNCHANGED);
}

// With both filters: the Average filter's sums of two bytes exceed 255 and its results wrap
// around, which the extreme values exercise.
void ExpectSamePixelsBack(const cv::Mat& image) {
  for (const PngFilter filter : {PngFilter::kSub, PngFilter::kAverage}) {
    SCOPED_TRACE(filter == PngFilter::kSub ? "Sub" : "Average");
    const absl::StatusOr<std::string> png = EncodeGreyPng(image, filter);
    ASSERT_TRUE(png.ok()) << png.status();
    const cv::Mat back = Decode(*png);
    ASSERT_EQ(back.type(), image.type());
    ASSERT_EQ(back.size(), image.size());
    EXPECT_EQ(cv::countNonZero(back != image), 0);
    EXPECT_EQ(*EncodeGreyPng(image, filter), *png) << "not deterministic";
  }
}

cv::Mat Noise(int rows, int cols, int seed) {
  cv::Mat image(rows, cols, CV_8UC1);
  cv::RNG(seed).fill(image, cv::RNG::UNIFORM, 0, 256);
  return image;
}

TEST(EncodeGreyPngTest, SizesAndContents) {
  for (const cv::Size size : {cv::Size(1, 1), cv::Size(1, 9), cv::Size(9, 1), cv::Size(3, 2),
                              cv::Size(127, 33), cv::Size(1000, 1), cv::Size(641, 480)}) {
    SCOPED_TRACE(testing::Message() << size.width << "x" << size.height);
    ExpectSamePixelsBack(cv::Mat(size, CV_8UC1, cv::Scalar(0)));
    ExpectSamePixelsBack(cv::Mat(size, CV_8UC1, cv::Scalar(255)));
    ExpectSamePixelsBack(Noise(size.height, size.width, size.area()));
  }
}

TEST(EncodeGreyPngTest, MaskGradientAndLargeImage) {
  cv::Mat mask(700, 501, CV_8UC1, cv::Scalar(0));
  cv::circle(mask, cv::Point(250, 300), 120, cv::Scalar(255), cv::FILLED);
  ExpectSamePixelsBack(mask);
  cv::Mat gradient(256, 257, CV_8UC1);
  for (int y = 0; y < gradient.rows; ++y) {
    for (int x = 0; x < gradient.cols; ++x)
      gradient.at<uint8_t>(y, x) = static_cast<uint8_t>(x + 3 * y);
  }
  ExpectSamePixelsBack(gradient);
  ExpectSamePixelsBack(Noise(1500, 1003, 5));  // many deflate blocks
}

TEST(EncodeGreyPngTest, SixteenBit) {
  for (const cv::Size size :
       {cv::Size(1, 1), cv::Size(3, 2), cv::Size(127, 33), cv::Size(640, 1)}) {
    SCOPED_TRACE(testing::Message() << size.width << "x" << size.height);
    ExpectSamePixelsBack(cv::Mat(size, CV_16UC1, cv::Scalar(0)));
    ExpectSamePixelsBack(cv::Mat(size, CV_16UC1, cv::Scalar(65535)));
    cv::Mat noise(size, CV_16UC1);
    cv::RNG(size.area()).fill(noise, cv::RNG::UNIFORM, 0, 65536);
    ExpectSamePixelsBack(noise);
  }
}

// A smooth textured image (like augment's ROIs) compresses better with Average than with Sub.
TEST(EncodeGreyPngTest, AverageFilterShrinksSmoothTexture) {
  cv::Mat texture = Noise(320, 320, 3);
  cv::GaussianBlur(texture, texture, cv::Size(0, 0), 4);
  const absl::StatusOr<std::string> sub = EncodeGreyPng(texture, PngFilter::kSub);
  const absl::StatusOr<std::string> average = EncodeGreyPng(texture, PngFilter::kAverage);
  ASSERT_TRUE(sub.ok() && average.ok());
  EXPECT_LT(average->size(), sub->size());
}

TEST(EncodeGreyPngTest, NonContinuousView) {
  const cv::Mat big = Noise(50, 80, 9);
  ExpectSamePixelsBack(big(cv::Rect(3, 5, 31, 20)));
}

TEST(EncodeGreyPngTest, RejectsOtherTypes) {
  EXPECT_EQ(EncodeGreyPng(cv::Mat()).status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(EncodeGreyPng(cv::Mat(4, 4, CV_16SC1)).status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(EncodeGreyPng(cv::Mat(4, 4, CV_8UC3)).status().code(),
            absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace mammo
