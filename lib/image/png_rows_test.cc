#include "lib/image/png_rows.h"

#include <zlib.h>

#include <opencv2/core.hpp>
#include <opencv2/imgcodecs.hpp>
#include <string>
#include <vector>

#include "gtest/gtest.h"

namespace mammo {
namespace {

// Gradients, flat areas and noise, so that libpng's adaptive filtering picks every filter.
cv::Mat TestImage(int rows, int cols) {
  cv::Mat image(rows, cols, CV_8UC1);
  cv::RNG rng(7);
  for (int y = 0; y < rows; ++y) {
    for (int x = 0; x < cols; ++x) {
      const int region = (y / 16 + x / 16) % 4;
      int v = 0;
      if (region == 0) v = (x * 3 + y) & 255;
      if (region == 1) v = 128;
      if (region == 2) v = rng.uniform(0, 256);
      if (region == 3) v = (x * y) & 255;
      image.at<unsigned char>(y, x) = static_cast<unsigned char>(v);
    }
  }
  return image;
}

std::string Encode(const cv::Mat& image, std::vector<int> params = {}) {
  std::vector<unsigned char> bytes;
  EXPECT_TRUE(cv::imencode(".png", image, bytes, params));
  return std::string(bytes.begin(), bytes.end());
}

bool SamePixels(const cv::Mat& a, const cv::Mat& b) {
  return a.size() == b.size() && a.type() == b.type() && cv::countNonZero(a != b) == 0;
}

TEST(DecodeGreyPngRowsTest, TopRowsEqualOpenCvsFullDecode) {
  const cv::Mat image = TestImage(97, 131);
  // Default settings (adaptive filters), then each fixed filter strategy OpenCV offers.
  for (const std::vector<int>& params :
       {std::vector<int>{},
        {cv::IMWRITE_PNG_STRATEGY, cv::IMWRITE_PNG_STRATEGY_FILTERED},
        {cv::IMWRITE_PNG_COMPRESSION, 0},
        {cv::IMWRITE_PNG_COMPRESSION, 9}}) {
    const std::string png = Encode(image, params);
    const cv::Mat full =
        cv::imdecode(std::vector<unsigned char>(png.begin(), png.end()), cv::IMREAD_UNCHANGED);
    for (int rows : {1, 2, 50, 96, 97}) {
      SCOPED_TRACE(rows);
      const absl::StatusOr<cv::Mat> top = DecodeGreyPngRows(png, rows);
      ASSERT_TRUE(top.ok()) << top.status();
      EXPECT_TRUE(SamePixels(*top, full.rowRange(0, rows)));
    }
  }
}

TEST(DecodeGreyPngRowsTest, EachFilterByHand) {
  // A 2x3 image stored with filter f on row 1; row 0 unfiltered. The stored bytes follow
  // the PNG specification's definitions, computed here by hand.
  const unsigned char top[3] = {10, 200, 30};
  const unsigned char want[3] = {12, 180, 250};
  // Filtered row 1 for each filter type: want[x] - predictor(x), modulo 256.
  const std::vector<std::vector<unsigned char>> stored = {
      {12, 180, 250},                                                                     // None
      {12, static_cast<unsigned char>(180 - 12), static_cast<unsigned char>(250 - 180)},  // Sub
      {2, static_cast<unsigned char>(180 - 200), 220},                                    // Up
      // Average: floor((left + up) / 2): 5, (12 + 200) / 2 = 106, (180 + 30) / 2 = 105.
      {7, 74, 145},
      // Paeth: x=0: a=0,b=10,c=0 -> p=10 -> b=10; x=1: a=12,b=200,c=10 -> p=202 -> b=200;
      // x=2: a=180,b=30,c=200 -> p=10 -> pa=170,pb=20,pc=190 -> b=30.
      {2, static_cast<unsigned char>(180 - 200), 220},
  };
  for (int filter = 0; filter < 5; ++filter) {
    SCOPED_TRACE(filter);
    std::vector<unsigned char> raw = {0, top[0], top[1], top[2],
                                      static_cast<unsigned char>(filter)};
    raw.insert(raw.end(), stored[filter].begin(), stored[filter].end());
    std::vector<unsigned char> deflated(compressBound(raw.size()));
    uLongf deflated_size = deflated.size();
    ASSERT_EQ(compress(deflated.data(), &deflated_size, raw.data(), raw.size()), Z_OK);
    auto chunk = [](const std::string& type, const std::string& body) {
      std::string c;
      for (int shift : {24, 16, 8, 0}) c.push_back(static_cast<char>(body.size() >> shift));
      c += type + body;
      c += std::string(4, '\0');  // CRC, not checked
      return c;
    };
    std::string png("\x89PNG\r\n\x1a\n", 8);
    png += chunk("IHDR", std::string("\0\0\0\x03\0\0\0\x02\x08\0\0\0\0", 13));
    png += chunk("IDAT", std::string(deflated.begin(), deflated.begin() + deflated_size));
    png += chunk("IEND", "");
    const absl::StatusOr<cv::Mat> pixels = DecodeGreyPngRows(png, 2);
    ASSERT_TRUE(pixels.ok()) << pixels.status();
    for (int x = 0; x < 3; ++x) {
      EXPECT_EQ(pixels->at<unsigned char>(0, x), top[x]);
      EXPECT_EQ(pixels->at<unsigned char>(1, x), want[x]) << "x=" << x;
    }
  }
}

TEST(DecodeGreyPngRowsTest, OtherPngsAreLeftToTheFullDecoder) {
  cv::Mat colour(8, 8, CV_8UC3, cv::Scalar(1, 2, 3));
  EXPECT_EQ(DecodeGreyPngRows(Encode(colour), 4).status().code(), absl::StatusCode::kUnimplemented);
  cv::Mat deep(8, 8, CV_16UC1, cv::Scalar(1000));
  EXPECT_EQ(DecodeGreyPngRows(Encode(deep), 4).status().code(), absl::StatusCode::kUnimplemented);
}

TEST(DecodeGreyPngRowsTest, BadInputIsAnErrorNeverACrash) {
  const cv::Mat image = TestImage(40, 40);
  const std::string png = Encode(image);
  EXPECT_EQ(DecodeGreyPngRows("not a png", 1).status().code(), absl::StatusCode::kDataLoss);
  EXPECT_EQ(PngSize("not a png").status().code(), absl::StatusCode::kDataLoss);
  EXPECT_EQ(PngSize(png).value_or(cv::Size()), cv::Size(40, 40));
  EXPECT_EQ(DecodeGreyPngRows(png, 0).status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(DecodeGreyPngRows(png, 41).status().code(), absl::StatusCode::kInvalidArgument);
  // Every truncation: an error, or the right pixels when only the end (the last chunk's
  // CRC, IEND) is missing.
  int decoded = 0;
  for (size_t keep = 0; keep < png.size(); ++keep) {
    const absl::StatusOr<cv::Mat> top = DecodeGreyPngRows(png.substr(0, keep), 40);
    if (top.ok()) {
      ++decoded;
      EXPECT_TRUE(SamePixels(*top, image)) << keep;
    } else {
      EXPECT_EQ(top.status().code(), absl::StatusCode::kDataLoss) << keep;
    }
  }
  EXPECT_LE(decoded, 16);
  // Flipped bytes in the image data: an error or pixels, never a crash.
  for (size_t at = 41; at < png.size(); at += 13) {
    std::string bad = png;
    bad[at] = static_cast<char>(bad[at] ^ 0x5a);
    (void)DecodeGreyPngRows(bad, 40);
  }
}

}  // namespace
}  // namespace mammo
