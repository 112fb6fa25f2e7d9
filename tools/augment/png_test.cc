#include "tools/augment/png.h"

#include <vector>

#include <opencv2/imgcodecs.hpp>

#include "gtest/gtest.h"

namespace mammo::augment {
namespace {

// Decoded by libpng (through OpenCV) to the same pixels, for odd sizes and extreme values
// (the Average filter's wrap-around).
TEST(EncodeGreyPng, RoundTripsThroughLibpng) {
  cv::RNG rng(9);
  for (const cv::Size size : {cv::Size(1, 1), cv::Size(7, 3), cv::Size(320, 320), cv::Size(33, 200)}) {
    cv::Mat image(size, CV_8U);
    rng.fill(image, cv::RNG::UNIFORM, 0, 256);
    image.at<uint8_t>(0, 0) = 255;
    auto png = EncodeGreyPng(image);
    ASSERT_TRUE(png.ok()) << png.status();
    const std::vector<uchar> bytes(png->begin(), png->end());
    const cv::Mat decoded = cv::imdecode(bytes, cv::IMREAD_UNCHANGED);
    ASSERT_EQ(decoded.type(), CV_8UC1) << size;
    ASSERT_EQ(decoded.size(), size);
    EXPECT_EQ(cv::norm(decoded, image, cv::NORM_INF), 0) << size;
  }
}

// Flat and periodic images: deflate's back-references, which random pixels never produce.
TEST(EncodeGreyPng, RepetitiveImagesRoundTripAndShrink) {
  cv::Mat flat(320, 320, CV_8U, cv::Scalar(255));
  cv::Mat stripes(320, 321, CV_8U);
  for (int y = 0; y < stripes.rows; ++y) {
    for (int x = 0; x < stripes.cols; ++x) {
      stripes.at<uint8_t>(y, x) = static_cast<uint8_t>((x * 7 + y / 5) % 251);
    }
  }
  for (const cv::Mat& image : {flat, stripes}) {
    auto png = EncodeGreyPng(image);
    ASSERT_TRUE(png.ok()) << png.status();
    EXPECT_LT(png->size(), image.total() / 10);
    const std::vector<uchar> bytes(png->begin(), png->end());
    const cv::Mat decoded = cv::imdecode(bytes, cv::IMREAD_UNCHANGED);
    ASSERT_EQ(decoded.size(), image.size());
    EXPECT_EQ(cv::norm(decoded, image, cv::NORM_INF), 0);
  }
}

TEST(EncodeGreyPng, RefusesOtherTypes) {
  EXPECT_FALSE(EncodeGreyPng(cv::Mat(4, 4, CV_16U)).ok());
  EXPECT_FALSE(EncodeGreyPng(cv::Mat(4, 4, CV_8UC3)).ok());
}

}  // namespace
}  // namespace mammo::augment
