#include "lib/dicom/j2k.h"

#include <fstream>
#include <iterator>
#include <opencv2/core.hpp>
#include <opencv2/imgcodecs.hpp>
#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace mammo {
namespace {

using ::testing::HasSubstr;

cv::Mat Noise16(int rows, int cols, int bits) {
  cv::Mat m(rows, cols, CV_16U);
  cv::randu(m, 0, 1 << bits);
  return m;
}

J2kExpectation Expect(const cv::Mat& m, int bits) {
  return {.rows = m.rows,
          .columns = m.cols,
          .samples = m.channels(),
          .bits_allocated = m.depth() == CV_8U ? 8 : 16,
          .bits_stored = bits};
}

bool Same(const cv::Mat& a, const cv::Mat& b) {
  return a.size() == b.size() && a.type() == b.type() &&
         cv::countNonZero(a.reshape(1) != b.reshape(1)) == 0;
}

TEST(J2kTest, LosslessRoundTripGreyAndColour) {
  const cv::Mat grey = Noise16(33, 17, 12);
  absl::StatusOr<std::string> codestream = EncodeJ2kLossless(grey, 12);
  ASSERT_TRUE(codestream.ok()) << codestream.status();
  absl::StatusOr<J2kImage> got = DecodeJ2k(*codestream, Expect(grey, 12), 1 << 20, "grey.j2k");
  ASSERT_TRUE(got.ok()) << got.status();
  EXPECT_TRUE(Same(got->pixels, grey));
  EXPECT_TRUE(got->notes.empty());

  cv::Mat colour(5, 6, CV_8UC3);
  cv::randu(colour, 0, 256);
  codestream = EncodeJ2kLossless(colour, 8);
  ASSERT_TRUE(codestream.ok()) << codestream.status();
  got = DecodeJ2k(*codestream, Expect(colour, 8), 1 << 20, "colour.j2k");
  ASSERT_TRUE(got.ok()) << got.status();
  EXPECT_TRUE(Same(got->pixels, colour));
}

TEST(J2kTest, CodestreamSizeIsCheckedBeforeDecoding) {
  const cv::Mat big = Noise16(64, 50, 16);
  const std::string codestream = *EncodeJ2kLossless(big, 16);
  // The header would pass (it claims 10x10); the codestream's own 50x64 does not.
  J2kExpectation expect = Expect(big, 16);
  expect.rows = expect.columns = 10;
  absl::StatusOr<J2kImage> got = DecodeJ2k(codestream, expect, 1000, "big.dcm");
  EXPECT_EQ(got.status().code(), absl::StatusCode::kResourceExhausted);
  EXPECT_THAT(got.status().message(),
              HasSubstr("big.dcm: JPEG 2000 codestream is 50x64 pixels, more than "
                        "--max_pixels=1000"));
  got = DecodeJ2k(codestream, expect, 1 << 20, "big.dcm");
  EXPECT_EQ(got.status().code(), absl::StatusCode::kDataLoss);
  EXPECT_THAT(got.status().message(), HasSubstr("is 50x64, the header says 10x10"));
  expect = Expect(big, 16);
  expect.samples = 3;
  got = DecodeJ2k(codestream, expect, 1 << 20, "big.dcm");
  EXPECT_THAT(got.status().message(), HasSubstr("has 1 components, the header says 3"));
}

// The main header of a codestream claiming a 60000x60000 grey image in 256x256 tiles, and
// nothing after it. OpenJPEG's header reading would allocate its table of 55,225 tiles
// (about 375 MB) before failing on the missing rest; the SIZ marker's size is refused first.
std::string HugeTiledMainHeader() {
  auto u16 = [](uint32_t v) { return std::string{char(v >> 8), char(v & 0xff)}; };
  auto u32 = [&](uint32_t v) { return u16(v >> 16) + u16(v & 0xffff); };
  return u16(0xff4f) + u16(0xff51) + u16(41) + u16(0) + u32(60000) + u32(60000) + u32(0) + u32(0) +
         u32(256) + u32(256) + u32(0) + u32(0) + u16(1) + "\x0f\x01\x01";
}

TEST(J2kTest, ClaimedSizeIsRefusedBeforeOpenJpegReadsTheHeader) {
  const std::string codestream = HugeTiledMainHeader();
  const J2kExpectation expect{.rows = 16, .columns = 16, .bits_stored = 16};
  absl::StatusOr<J2kImage> got = DecodeJ2k(codestream, expect, 1 << 20, "tiled.dcm");
  EXPECT_EQ(got.status().code(), absl::StatusCode::kResourceExhausted);
  EXPECT_THAT(got.status().message(),
              HasSubstr("tiled.dcm: JPEG 2000 codestream is 60000x60000 pixels"));
  // The same codestream in a JP2 file, after its signature and file type boxes, in a 'jp2c'
  // box that runs to the end of the file (length 0).
  const std::string jp2 = std::string("\0\0\0\x0cjP  \r\n\x87\n", 12) +
                          std::string(
                              "\0\0\0\x14"
                              "ftypjp2 \0\0\0\0jp2 ",
                              20) +
                          std::string("\0\0\0\0jp2c", 8) + codestream;
  got = DecodeJ2k(jp2, expect, 1 << 20, "tiled.jp2");
  EXPECT_EQ(got.status().code(), absl::StatusCode::kResourceExhausted);
  EXPECT_THAT(got.status().message(), HasSubstr("is 60000x60000 pixels"));
  // Within --max_pixels, a size other than the header's is refused as before.
  got = DecodeJ2k(codestream, expect, uint64_t{1} << 32, "tiled.dcm");
  EXPECT_EQ(got.status().code(), absl::StatusCode::kDataLoss);
  EXPECT_THAT(got.status().message(), HasSubstr("is 60000x60000, the header says 16x16"));
  // OpenJPEG would skip an unknown marker before SIZ and allocate the tile table after all.
  got = DecodeJ2k(codestream.substr(0, 2) + "\xff\x89" + codestream.substr(2), expect, 1 << 20,
                  "unknown.dcm");
  EXPECT_EQ(got.status().code(), absl::StatusCode::kDataLoss);
  EXPECT_THAT(got.status().message(),
              HasSubstr("unknown.dcm: JPEG 2000 data does not decode (header: the codestream "
                        "does not start with the SOC and SIZ markers)"));
}

TEST(J2kTest, DamageIsDataLossNamingThePath) {
  const cv::Mat grey = Noise16(40, 40, 16);
  const std::string codestream = *EncodeJ2kLossless(grey, 16);
  for (const std::string& damaged :
       {codestream.substr(0, codestream.size() / 2), codestream.substr(0, 20), std::string(),
        std::string(300, '\x42')}) {
    absl::StatusOr<J2kImage> got = DecodeJ2k(damaged, Expect(grey, 16), 1 << 20, "cut.dcm");
    EXPECT_EQ(got.status().code(), absl::StatusCode::kDataLoss) << damaged.size();
    EXPECT_THAT(got.status().message(), HasSubstr("cut.dcm: JPEG 2000 data does not decode"));
  }
}

// A High-Throughput JPEG 2000 codestream written by another encoder: testdata/grey12_htj2k.j2c
// is `ojph_compress -reversible true -num_decomps 3` (Debian's openjph-tools 0.9) of
// testdata/grey12.pgm, 16x16 random 12-bit values.
TEST(J2kTest, DecodesHighThroughputCodestreamsOfOtherEncoders) {
  const cv::Mat expected = cv::imread("lib/dicom/testdata/grey12.pgm", cv::IMREAD_UNCHANGED);
  ASSERT_EQ(expected.type(), CV_16U);
  std::ifstream in("lib/dicom/testdata/grey12_htj2k.j2c", std::ios::binary);
  const std::string codestream((std::istreambuf_iterator<char>(in)),
                               std::istreambuf_iterator<char>());
  ASSERT_FALSE(codestream.empty());
  absl::StatusOr<J2kImage> got = DecodeJ2k(codestream, Expect(expected, 12), 1 << 20, "ht.j2c");
  ASSERT_TRUE(got.ok()) << got.status();
  EXPECT_TRUE(Same(got->pixels, expected));
}

TEST(J2kTest, SignedValuesComeBackAsTheirBitPatterns) {
  // 0x0FFF is -1 in 12-bit two's complement, 0x0800 the most negative value.
  const cv::Mat in = (cv::Mat_<uint16_t>(1, 4) << 0x0FFF, 0x0800, 0x07FF, 0);
  const std::string codestream = *EncodeJ2kLossless(in, 12, /*is_signed=*/true);
  J2kExpectation expect = Expect(in, 12);
  expect.is_signed = true;
  absl::StatusOr<J2kImage> got = DecodeJ2k(codestream, expect, 100, "signed.j2k");
  ASSERT_TRUE(got.ok()) << got.status();
  EXPECT_TRUE(Same(got->pixels, in)) << got->pixels;
}

}  // namespace
}  // namespace mammo
