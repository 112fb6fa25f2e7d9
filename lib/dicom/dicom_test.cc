#include "lib/dicom/dicom.h"

#include <algorithm>
#include <fstream>
#include <iterator>
#include <opencv2/core.hpp>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "lib/dicom/dicom_testing.h"
#include "lib/testing/files.h"

namespace mammo {
namespace {

using testing::DicomSpec;
using ::testing::HasSubstr;
using testing::WriteTestDicom;

const DicomReadOptions kRead{.max_pixels = 1'000'000};

using testing::TempPath;

bool Same(const cv::Mat& a, const cv::Mat& b) {
  return a.size() == b.size() && a.type() == b.type() && cv::countNonZero(a != b) == 0;
}

cv::Mat Ramp16(int rows, int cols) {
  cv::Mat m(rows, cols, CV_16U);
  for (int i = 0; i < rows * cols; ++i)
    m.at<uint16_t>(i / cols, i % cols) = static_cast<uint16_t>(i * 997 % 65536);
  return m;
}

TEST(ReadDicomHeaderTest, ReadsIdentifyingFields) {
  const std::string path = TempPath("header.dcm");
  DicomSpec spec;
  spec.patient_id = "Mass-Training_P_00001_LEFT_CC";
  spec.series_description = "ROI mask images";
  ASSERT_TRUE(WriteTestDicom(path, cv::Mat(5, 7, CV_8U, cv::Scalar(255)), spec).ok());
  auto header = ReadDicomHeader(path);
  ASSERT_TRUE(header.ok()) << header.status();
  EXPECT_EQ(header->patient_id, spec.patient_id);
  EXPECT_EQ(header->study_uid, spec.study_uid);
  EXPECT_EQ(header->series_uid, spec.series_uid);
  EXPECT_EQ(header->series_description, "ROI mask images");
  EXPECT_EQ(header->rows, 5);
  EXPECT_EQ(header->columns, 7);
  EXPECT_EQ(header->bits_allocated, 8);
}

TEST(ReadDicomPixelsTest, UncompressedSixteenAndEightBitExact) {
  const cv::Mat m16 = Ramp16(6, 5);
  ASSERT_TRUE(WriteTestDicom(TempPath("u16.dcm"), m16, {}).ok());
  auto got = ReadDicomPixels(TempPath("u16.dcm"), kRead);
  ASSERT_TRUE(got.ok()) << got.status();
  EXPECT_TRUE(Same(got->pixels, m16));
  EXPECT_EQ(got->bits_stored, 16);
  EXPECT_FALSE(got->padding.has_value());

  const cv::Mat m8 = (cv::Mat_<uint8_t>(2, 3) << 0, 255, 0, 255, 255, 0);
  DicomSpec implicit_le;
  implicit_le.transfer_syntax = "1.2.840.10008.1.2";
  ASSERT_TRUE(WriteTestDicom(TempPath("u8.dcm"), m8, implicit_le).ok());
  got = ReadDicomPixels(TempPath("u8.dcm"), kRead);
  ASSERT_TRUE(got.ok()) << got.status();
  EXPECT_TRUE(Same(got->pixels, m8));
}

// Values above DCMTK's 4 KB load limit stay on disk until ReadDicomPixels reads them into
// its result: every uncompressed byte order, 8 and 16 bits.
TEST(ReadDicomPixelsTest, LargePixelDataInEveryUncompressedSyntax) {
  const cv::Mat m16 = Ramp16(90, 70);
  cv::Mat m8(90, 70, CV_8U);
  for (int i = 0; i < static_cast<int>(m8.total()); ++i)
    m8.ptr<uint8_t>()[i] = static_cast<uint8_t>(i * 7);
  for (const char* syntax : {"1.2.840.10008.1.2", "1.2.840.10008.1.2.1", "1.2.840.10008.1.2.2"}) {
    SCOPED_TRACE(syntax);
    DicomSpec spec;
    spec.transfer_syntax = syntax;
    for (const cv::Mat& m : {m16, m8}) {
      ASSERT_TRUE(WriteTestDicom(TempPath("large.dcm"), m, spec).ok());
      auto got = ReadDicomPixels(TempPath("large.dcm"), kRead);
      ASSERT_TRUE(got.ok()) << got.status();
      EXPECT_TRUE(Same(got->pixels, m));
    }
  }
}

TEST(ReadDicomPixelsTest, Monochrome1IsInvertedOverBitsStored) {
  DicomSpec spec;
  spec.photometric = "MONOCHROME1";
  spec.bits_stored = 12;
  spec.padding = 4095;
  const cv::Mat in = (cv::Mat_<uint16_t>(1, 3) << 0, 1000, 4095);
  ASSERT_TRUE(WriteTestDicom(TempPath("mono1.dcm"), in, spec).ok());
  auto got = ReadDicomPixels(TempPath("mono1.dcm"), kRead);
  ASSERT_TRUE(got.ok()) << got.status();
  EXPECT_TRUE(Same(got->pixels, (cv::Mat_<uint16_t>(1, 3) << 4095, 3095, 0)));
  EXPECT_EQ(got->bits_stored, 12);
  ASSERT_TRUE(got->padding.has_value());
  EXPECT_EQ(*got->padding, 0);
}

TEST(ReadDicomPixelsTest, SignedPixelsAreOffsetInOrder) {
  DicomSpec spec;
  spec.is_signed = true;
  spec.padding = static_cast<uint16_t>(-2000);
  // -2000, -1, 0, 300 as stored 16-bit patterns -> +32768.
  const cv::Mat in = (cv::Mat_<uint16_t>(1, 4) << static_cast<uint16_t>(-2000), 0xFFFF, 0, 300);
  ASSERT_TRUE(WriteTestDicom(TempPath("signed.dcm"), in, spec).ok());
  auto got = ReadDicomPixels(TempPath("signed.dcm"), kRead);
  ASSERT_TRUE(got.ok()) << got.status();
  EXPECT_TRUE(Same(got->pixels, (cv::Mat_<uint16_t>(1, 4) << 30768, 32767, 32768, 33068)));
  EXPECT_EQ(*got->padding, 30768);
}

struct CodecCase {
  const char* name;
  const char* uid;
  bool eight_bit;
  int tolerance;
};

class CompressedTest : public ::testing::TestWithParam<CodecCase> {};

TEST_P(CompressedTest, DecodesToTheOriginalPixels) {
  const CodecCase& c = GetParam();
  cv::Mat in;
  if (c.eight_bit) {
    // A smooth gradient over 0..255: JPEG baseline is lossy and smooth content keeps its
    // error small; the full range matters because DCMTK's lossy encoder stretches 8-bit
    // images to their min-max range before encoding.
    in.create(32, 48, CV_8U);
    for (int r = 0; r < in.rows; ++r)
      for (int x = 0; x < in.cols; ++x)
        in.at<uint8_t>(r, x) = static_cast<uint8_t>(std::min(255, 4 * (r + x)));
  } else {
    in = Ramp16(17, 23);
  }
  DicomSpec spec;
  spec.transfer_syntax = c.uid;
  const std::string path = TempPath(std::string(c.name) + ".dcm");
  absl::Status written = WriteTestDicom(path, in, spec);
  ASSERT_TRUE(written.ok()) << written;
  auto got = ReadDicomPixels(path, kRead);
  ASSERT_TRUE(got.ok()) << got.status();
  ASSERT_EQ(got->pixels.type(), in.type());
  ASSERT_EQ(got->pixels.size(), in.size());
  cv::Mat diff;
  cv::absdiff(got->pixels, in, diff);
  double worst = 0;
  cv::minMaxLoc(diff, nullptr, &worst);
  EXPECT_LE(worst, c.tolerance);
}

INSTANTIATE_TEST_SUITE_P(
    Codecs, CompressedTest,
    ::testing::Values(CodecCase{"rle", "1.2.840.10008.1.2.5", false, 0},
                      CodecCase{"jpeg_lossless", "1.2.840.10008.1.2.4.70", false, 0},
                      CodecCase{"jpegls", "1.2.840.10008.1.2.4.80", false, 0},
                      CodecCase{"jpeg_baseline", "1.2.840.10008.1.2.4.50", true, 8}),
    [](const ::testing::TestParamInfo<CodecCase>& info) { return std::string(info.param.name); });

TEST(ReadDicomPixelsTest, RefusesUnsupportedSyntaxesNamingThem) {
  DicomSpec spec;
  spec.fake_transfer_syntax = "1.2.840.10008.1.2.4.100";  // MPEG2
  ASSERT_TRUE(WriteTestDicom(TempPath("mpeg.dcm"), Ramp16(4, 4), spec).ok());
  auto got = ReadDicomPixels(TempPath("mpeg.dcm"), kRead);
  ASSERT_FALSE(got.ok());
  EXPECT_EQ(got.status().code(), absl::StatusCode::kUnimplemented);
  EXPECT_THAT(got.status().message(), HasSubstr("MPEG2"));
  EXPECT_THAT(got.status().message(), HasSubstr("1.2.840.10008.1.2.4.100"));

  // HTJ2K: a UID that Debian's DCMTK does not know; the message still names it.
  spec.fake_transfer_syntax = "1.2.840.10008.1.2.4.201";
  ASSERT_TRUE(WriteTestDicom(TempPath("htj2k.dcm"), Ramp16(4, 4), spec).ok());
  got = ReadDicomPixels(TempPath("htj2k.dcm"), kRead);
  ASSERT_FALSE(got.ok());
  EXPECT_EQ(got.status().code(), absl::StatusCode::kUnimplemented) << got.status();
  EXPECT_THAT(got.status().message(), HasSubstr("1.2.840.10008.1.2.4.201"));
}

TEST(ReadDicomPixelsTest, NoPixelDataTruncatedAndGarbageAreDataLoss) {
  DicomSpec spec;
  spec.omit_pixel_data = true;
  ASSERT_TRUE(WriteTestDicom(TempPath("nopixels.dcm"), Ramp16(4, 4), spec).ok());
  auto got = ReadDicomPixels(TempPath("nopixels.dcm"), kRead);
  EXPECT_EQ(got.status().code(), absl::StatusCode::kDataLoss);
  EXPECT_THAT(got.status().message(), HasSubstr("nopixels.dcm: no pixel data"));

  const std::string whole = TempPath("whole.dcm");
  ASSERT_TRUE(WriteTestDicom(whole, Ramp16(64, 64), {}).ok());
  std::ifstream in(whole, std::ios::binary);
  std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  const std::string cut = TempPath("truncated.dcm");
  std::ofstream(cut, std::ios::binary) << bytes.substr(0, bytes.size() - 3000);
  got = ReadDicomPixels(cut, kRead);
  EXPECT_EQ(got.status().code(), absl::StatusCode::kDataLoss) << got.status();
  EXPECT_THAT(got.status().message(), HasSubstr("truncated.dcm"));

  const std::string garbage = TempPath("garbage.dcm");
  std::ofstream(garbage, std::ios::binary) << std::string(5000, '\x07');
  got = ReadDicomPixels(garbage, kRead);
  EXPECT_EQ(got.status().code(), absl::StatusCode::kDataLoss) << got.status();
  EXPECT_EQ(ReadDicomHeader(garbage).status().code(), absl::StatusCode::kDataLoss);

  EXPECT_EQ(ReadDicomPixels(TempPath("absent.dcm"), kRead).status().code(),
            absl::StatusCode::kNotFound);
}

TEST(ReadDicomPixelsTest, RefusesImagesAboveMaxPixels) {
  ASSERT_TRUE(WriteTestDicom(TempPath("big.dcm"), Ramp16(20, 10), {}).ok());
  auto got = ReadDicomPixels(TempPath("big.dcm"), {.max_pixels = 199});
  EXPECT_EQ(got.status().code(), absl::StatusCode::kResourceExhausted);
  EXPECT_THAT(got.status().message(), HasSubstr("--max_pixels=199"));
  EXPECT_TRUE(ReadDicomPixels(TempPath("big.dcm"), {.max_pixels = 200}).ok());
}

TEST(ReadDicomVoiTest, AppliesTheWindowOrSaysThereIsNone) {
  DicomSpec spec;
  spec.window = std::make_pair(1000.0, 1000.0);
  const cv::Mat in = (cv::Mat_<uint16_t>(1, 3) << 0, 1000, 4000);
  ASSERT_TRUE(WriteTestDicom(TempPath("voi.dcm"), in, spec).ok());
  auto got = ReadDicomVoi(TempPath("voi.dcm"), kRead);
  ASSERT_TRUE(got.ok()) << got.status();
  ASSERT_TRUE(got->has_value());
  // Below the window 0, in the middle about half, above 255.
  EXPECT_EQ((**got).at<uint8_t>(0, 0), 0);
  EXPECT_NEAR((**got).at<uint8_t>(0, 1), 128, 1);
  EXPECT_EQ((**got).at<uint8_t>(0, 2), 255);

  ASSERT_TRUE(WriteTestDicom(TempPath("novoi.dcm"), in, {}).ok());
  got = ReadDicomVoi(TempPath("novoi.dcm"), kRead);
  ASSERT_TRUE(got.ok()) << got.status();
  EXPECT_FALSE(got->has_value());
}

}  // namespace
}  // namespace mammo
