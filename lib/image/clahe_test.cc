#include "lib/image/clahe.h"

#include <opencv2/core.hpp>
#include <opencv2/imgproc.hpp>

#include "gtest/gtest.h"

namespace mammo {
namespace {

cv::Mat OpenCvClahe(const cv::Mat& grey, double clip_limit, int tiles) {
  cv::Mat out;
  cv::createCLAHE(clip_limit, cv::Size(tiles, tiles))->apply(grey, out);
  return out;
}

void ExpectSameAsOpenCv(const cv::Mat& grey, double clip_limit, int tiles) {
  SCOPED_TRACE(testing::Message() << grey.cols << "x" << grey.rows << ", clip " << clip_limit
                                  << ", " << tiles << " tiles");
  const cv::Mat want = OpenCvClahe(grey, clip_limit, tiles);
  for (const bool avx2 : {true, false}) {
    const cv::Mat got = Clahe(grey, clip_limit, tiles, avx2);
    ASSERT_EQ(got.size(), want.size());
    EXPECT_EQ(cv::countNonZero(got != want), 0) << (avx2 ? "AVX2 path" : "portable path");
  }
}

TEST(ClaheTest, SameBytesAsOpenCvOnRandomImages) {
  cv::RNG rng(11);
  for (int k = 0; k < 120; ++k) {
    const int tiles = rng.uniform(1, 17);
    const int rows = rng.uniform(tiles, 260), cols = rng.uniform(tiles, 260);
    cv::Mat grey(rows, cols, CV_8UC1);
    // Full-range noise, a narrow band (strong clipping) and a smooth gradient with noise.
    if (k % 3 == 0) rng.fill(grey, cv::RNG::UNIFORM, 0, 256);
    if (k % 3 == 1) rng.fill(grey, cv::RNG::UNIFORM, 100, 112);
    if (k % 3 == 2) {
      for (int y = 0; y < rows; ++y) {
        for (int x = 0; x < cols; ++x)
          grey.at<uint8_t>(y, x) = cv::saturate_cast<uint8_t>(x + y / 2 + rng.uniform(-3, 4));
      }
    }
    ExpectSameAsOpenCv(grey, rng.uniform(0.0, 6.0), tiles);
  }
}

TEST(ClaheTest, DefaultSettingsFlatImagesAndNoClipping) {
  cv::Mat mammogram(1203, 757, CV_8UC1);  // neither side a multiple of 8
  cv::RNG(3).fill(mammogram, cv::RNG::NORMAL, 90, 30);
  cv::ellipse(mammogram, cv::Point(200, 600), cv::Size(300, 500), 0, 0, 360, cv::Scalar(200),
              cv::FILLED);
  ExpectSameAsOpenCv(mammogram, 2.0, 8);
  ExpectSameAsOpenCv(mammogram(cv::Rect(0, 0, 752, 1200)), 2.0, 8);  // a multiple of 8, a view
  ExpectSameAsOpenCv(cv::Mat(64, 64, CV_8UC1, cv::Scalar(0)), 2.0, 8);
  ExpectSameAsOpenCv(cv::Mat(64, 64, CV_8UC1, cv::Scalar(255)), 2.0, 8);
  ExpectSameAsOpenCv(mammogram, 0.0, 8);
  ExpectSameAsOpenCv(mammogram, 40.0, 4);
}

}  // namespace
}  // namespace mammo
