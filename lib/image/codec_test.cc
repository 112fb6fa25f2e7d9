#include "lib/image/codec.h"

#include <opencv2/imgcodecs.hpp>

#include "gtest/gtest.h"

namespace mammo {
namespace {

cv::Mat Gradient16() {
  cv::Mat m(5, 7, CV_16UC1);
  for (int y = 0; y < m.rows; ++y)
    for (int x = 0; x < m.cols; ++x)
      m.at<uint16_t>(y, x) = static_cast<uint16_t>(1000 * y + 37 * x + 60000 * (x == 6));
  return m;
}

TEST(CodecTest, RawAndPngRoundTrip16BitGrey) {
  const cv::Mat m = Gradient16();
  for (auto encoding : {Image::RAW, Image::PNG}) {
    auto image = EncodeImage(m, encoding);
    ASSERT_TRUE(image.ok()) << image.status();
    EXPECT_EQ(image->width(), 7u);
    EXPECT_EQ(image->height(), 5u);
    EXPECT_EQ(image->bit_depth(), 16u);
    auto back = DecodeImage(*image);
    ASSERT_TRUE(back.ok()) << back.status();
    EXPECT_EQ(cv::norm(*back, m, cv::NORM_INF), 0.0);
  }
}

TEST(CodecTest, RawLayoutIsRowMajorLittleEndian) {
  const cv::Mat m = Gradient16();
  auto image = EncodeImage(m, Image::RAW);
  ASSERT_TRUE(image.ok());
  const std::string& d = image->data();
  // Pixel (y=1, x=2) = 1074 = 0x0432 at byte offset 2 * (1 * 7 + 2).
  EXPECT_EQ(static_cast<uint8_t>(d[18]), 0x32);
  EXPECT_EQ(static_cast<uint8_t>(d[19]), 0x04);
}

TEST(CodecTest, ColourIsStoredRgbInPng) {
  cv::Mat bgr(2, 2, CV_8UC3, cv::Scalar(255, 0, 0));  // pure blue in OpenCV's order
  auto image = EncodeImage(bgr, Image::PNG);
  ASSERT_TRUE(image.ok());
  // Our convention: the Mat given is RGB, so this is pure red; a PNG reader agrees.
  std::vector<uchar> bytes(image->data().begin(), image->data().end());
  cv::Mat read = cv::imdecode(bytes, cv::IMREAD_UNCHANGED);  // BGR
  EXPECT_EQ(read.at<cv::Vec3b>(0, 0), cv::Vec3b(0, 0, 255));
}

TEST(CodecTest, MismatchedHeaderIsDataLoss) {
  auto image = EncodeImage(Gradient16(), Image::PNG);
  ASSERT_TRUE(image.ok());
  image->set_width(8);
  EXPECT_TRUE(absl::IsDataLoss(DecodeImage(*image).status()));
  image = EncodeImage(Gradient16(), Image::RAW);
  image->mutable_data()->pop_back();
  EXPECT_TRUE(absl::IsDataLoss(DecodeImage(*image).status()));
  Image garbage = *image;
  garbage.set_encoding(Image::PNG);
  EXPECT_TRUE(absl::IsDataLoss(DecodeImage(garbage).status()));
}

}  // namespace
}  // namespace mammo
