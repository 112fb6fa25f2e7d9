#include "lib/dicom/dicom.h"

#include <dcmtk/config/osconfig.h>
#include <dcmtk/dcmdata/dctk.h>

#include <algorithm>
#include <array>
#include <fstream>
#include <functional>
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
                      CodecCase{"jpeg2000_lossless", "1.2.840.10008.1.2.4.90", false, 0},
                      CodecCase{"deflated", "1.2.840.10008.1.2.1.99", false, 0},
                      CodecCase{"jpegls", "1.2.840.10008.1.2.4.80", false, 0},
                      CodecCase{"jpeg_baseline", "1.2.840.10008.1.2.4.50", true, 8}),
    [](const ::testing::TestParamInfo<CodecCase>& info) { return std::string(info.param.name); });

// DCMTK's JPEG decoder scans the first fragment's markers for the precision and hangs on a
// TEM marker (FF 01) found on the way (a libFuzzer find, tests/fuzz/corpus/dicom/tem_marker.dcm).
// Such data is refused, naming the marker's offset, before DCMTK decodes it.
TEST(ReadDicomPixelsTest, JpegTemMarkerThatHangsDcmtkIsDataLoss) {
  DicomSpec spec;
  spec.transfer_syntax = "1.2.840.10008.1.2.4.70";
  const std::string path = TempPath("tem.dcm");
  ASSERT_TRUE(WriteTestDicom(path, Ramp16(8, 8), spec).ok());
  std::string bytes;
  {
    std::ifstream in(path, std::ios::binary);
    bytes.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  }
  ASSERT_TRUE(ReadDicomPixels(path, kRead).ok());
  // The marker after SOI (FF D8) becomes FF 01.
  const size_t soi = bytes.find("\xff\xd8\xff");
  ASSERT_NE(soi, std::string::npos);
  bytes[soi + 3] = '\x01';
  std::ofstream(path, std::ios::binary | std::ios::trunc) << bytes;
  auto got = ReadDicomPixels(path, kRead);
  EXPECT_EQ(got.status().code(), absl::StatusCode::kDataLoss) << got.status();
  EXPECT_THAT(got.status().message(),
              HasSubstr("tem.dcm: JPEG data has a TEM marker (FF 01) at byte 2 of its first "
                        "fragment"));
}

// JPEG 2000 frames are gathered from their fragments (lib/dicom/encapsulated.h): every way a
// writer may fragment them gives the same pixels, for frame 1 and frame 3 of 3.
TEST(ReadDicomPixelsTest, Jpeg2000FragmentsAndFramesInEveryLayout) {
  const std::vector<cv::Mat> frames = {Ramp16(24, 20), Ramp16(24, 20) / 3, Ramp16(24, 20) * 5};
  struct Layout {
    const char* name;
    size_t fragment_bytes;
    bool offset_table;
  };
  for (const Layout& layout :
       {Layout{"one_fragment_with_table", 0, true}, Layout{"one_fragment_no_table", 0, false},
        Layout{"fragments_with_table", 100, true}, Layout{"fragments_no_table", 100, false}}) {
    SCOPED_TRACE(layout.name);
    DicomSpec spec;
    spec.transfer_syntax = "1.2.840.10008.1.2.4.90";
    spec.more_frames = {frames[1], frames[2]};
    spec.j2k_fragment_bytes = layout.fragment_bytes;
    spec.j2k_offset_table = layout.offset_table;
    const std::string path = TempPath(std::string(layout.name) + ".dcm");
    ASSERT_TRUE(WriteTestDicom(path, frames[0], spec).ok());
    for (int frame : {1, 3}) {
      auto got = ReadDicomPixels(path, {.max_pixels = 1'000'000, .frame = frame});
      ASSERT_TRUE(got.ok()) << got.status();
      EXPECT_TRUE(Same(got->pixels, frames[frame - 1])) << "frame " << frame;
      ASSERT_EQ(got->notes.size(), 1u);
      EXPECT_THAT(got->notes[0], HasSubstr("3 frames; frame " + std::to_string(frame) + " kept"));
    }
    auto beyond = ReadDicomPixels(path, {.max_pixels = 1'000'000, .frame = 4});
    EXPECT_EQ(beyond.status().code(), absl::StatusCode::kOutOfRange);
    EXPECT_THAT(beyond.status().message(), HasSubstr("--frame 4 asked, the file has 3 frames"));
  }
}

// Signed 12-bit pixels in JPEG 2000 take the same sign flip as uncompressed ones; a codestream
// that calls them unsigned 16-bit is read as the header says, with a note.
TEST(ReadDicomPixelsTest, Jpeg2000SignedAndPrecisionMismatch) {
  cv::Mat in(8, 9, CV_16U);
  for (int i = 0; i < 72; ++i) in.at<uint16_t>(i / 9, i % 9) = static_cast<uint16_t>(i * 53 % 4096);
  DicomSpec spec;
  spec.bits_stored = 12;
  spec.is_signed = true;
  ASSERT_TRUE(WriteTestDicom(TempPath("signed_plain.dcm"), in, spec).ok());
  spec.transfer_syntax = "1.2.840.10008.1.2.4.90";
  ASSERT_TRUE(WriteTestDicom(TempPath("signed_j2k.dcm"), in, spec).ok());
  auto plain = ReadDicomPixels(TempPath("signed_plain.dcm"), kRead);
  auto j2k = ReadDicomPixels(TempPath("signed_j2k.dcm"), kRead);
  ASSERT_TRUE(plain.ok() && j2k.ok()) << plain.status() << j2k.status();
  EXPECT_TRUE(Same(plain->pixels, j2k->pixels));
  EXPECT_TRUE(j2k->notes.empty());

  spec.j2k_bits = 16;
  spec.j2k_signed = false;
  ASSERT_TRUE(WriteTestDicom(TempPath("mismatch_j2k.dcm"), in, spec).ok());
  auto mismatch = ReadDicomPixels(TempPath("mismatch_j2k.dcm"), kRead);
  ASSERT_TRUE(mismatch.ok()) << mismatch.status();
  EXPECT_TRUE(Same(mismatch->pixels, plain->pixels));
  ASSERT_EQ(mismatch->notes.size(), 1u);
  EXPECT_THAT(mismatch->notes[0],
              HasSubstr("codestream says 16-bit unsigned, the header 12-bit signed"));
}

TEST(ReadDicomPixelsTest, UncompressedFramesAreSelected) {
  DicomSpec spec;
  spec.more_frames = {Ramp16(6, 5) + 7};
  ASSERT_TRUE(WriteTestDicom(TempPath("two_frames.dcm"), Ramp16(6, 5), spec).ok());
  auto second = ReadDicomPixels(TempPath("two_frames.dcm"), {.frame = 2});
  ASSERT_TRUE(second.ok()) << second.status();
  EXPECT_TRUE(Same(second->pixels, spec.more_frames[0]));
  EXPECT_THAT(second->notes.at(0), HasSubstr("2 frames; frame 2 kept, the others dropped"));
}

// A 2x2 colour image whose luma is computed by hand: round(0.299 R + 0.587 G + 0.114 B).
cv::Mat Colours() {
  cv::Mat rgb(2, 2, CV_8UC3);
  rgb.at<cv::Vec3b>(0, 0) = {255, 0, 0};      // 76.245 -> 76
  rgb.at<cv::Vec3b>(0, 1) = {0, 255, 0};      // 149.685 -> 150
  rgb.at<cv::Vec3b>(1, 0) = {0, 0, 255};      // 29.07 -> 29
  rgb.at<cv::Vec3b>(1, 1) = {100, 150, 200};  // 29.9 + 88.05 + 22.8 = 140.75 -> 141
  return rgb;
}
const cv::Mat kColourLuma = (cv::Mat_<uint8_t>(2, 2) << 76, 150, 29, 141);

TEST(ReadDicomPixelsTest, ColourIsRefusedUnlessLumaIsAsked) {
  for (const int planar : {0, 1}) {
    for (const char* syntax :
         {"1.2.840.10008.1.2.1", "1.2.840.10008.1.2.5", "1.2.840.10008.1.2.4.90"}) {
      if (planar == 1 && std::string(syntax) != "1.2.840.10008.1.2.1") continue;
      SCOPED_TRACE(std::string(syntax) + " planar " + std::to_string(planar));
      DicomSpec spec;
      spec.photometric = "RGB";
      spec.planar = planar;
      spec.transfer_syntax = syntax;
      const std::string path = TempPath("rgb.dcm");
      ASSERT_TRUE(WriteTestDicom(path, Colours(), spec).ok());
      auto refused = ReadDicomPixels(path, kRead);
      EXPECT_EQ(refused.status().code(), absl::StatusCode::kUnimplemented);
      EXPECT_THAT(refused.status().message(),
                  HasSubstr("colour image (photometric interpretation 'RGB'); mammograms are "
                            "grey: --colour luma converts it"));
      auto luma = ReadDicomPixels(path, {.colour = ColourMode::kLuma});
      ASSERT_TRUE(luma.ok()) << luma.status();
      EXPECT_TRUE(Same(luma->pixels, kColourLuma)) << luma->pixels;
    }
  }
}

// Rewrites a written file's photometric interpretation and pixel data (and adds elements) to
// make layouts that WriteTestDicom does not: YBR_FULL_422 and palette colour.
void Rewrite(const std::string& path, const char* photometric, const std::string& pixel_bytes,
             const std::function<void(DcmDataset*)>& more = nullptr) {
  DcmFileFormat file;
  ASSERT_TRUE(file.loadFile(path.c_str()).good());
  DcmDataset* ds = file.getDataset();
  ds->putAndInsertString(DCM_PhotometricInterpretation, photometric);
  ds->putAndInsertUint8Array(DCM_PixelData, reinterpret_cast<const Uint8*>(pixel_bytes.data()),
                             pixel_bytes.size());
  if (more) more(ds);
  ASSERT_TRUE(file.saveFile(path.c_str(), EXS_LittleEndianExplicit).good());
}

TEST(ReadDicomPixelsTest, YbrGivesItsYChannel) {
  // YBR_FULL by pixel: Y Cb Cr; the luma is Y whatever Cb and Cr hold.
  cv::Mat ybr(1, 2, CV_8UC3);
  ybr.at<cv::Vec3b>(0, 0) = {10, 200, 30};
  ybr.at<cv::Vec3b>(0, 1) = {250, 0, 128};
  DicomSpec spec;
  spec.photometric = "YBR_FULL";
  ASSERT_TRUE(WriteTestDicom(TempPath("ybr.dcm"), ybr, spec).ok());
  auto full = ReadDicomPixels(TempPath("ybr.dcm"), {.colour = ColourMode::kLuma});
  ASSERT_TRUE(full.ok()) << full.status();
  EXPECT_TRUE(Same(full->pixels, (cv::Mat_<uint8_t>(1, 2) << 10, 250)));

  // YBR_FULL_422: Y1 Y2 Cb Cr for each pair of pixels of a row.
  spec.photometric = "RGB";
  ASSERT_TRUE(
      WriteTestDicom(TempPath("ybr422.dcm"), cv::Mat(2, 4, CV_8UC3, cv::Scalar(0)), spec).ok());
  const std::string stream = {1, 2, 99, 98, 3, 4, 97, 96, 5, 6, 95, 94, 7, 8, 93, 92};
  Rewrite(TempPath("ybr422.dcm"), "YBR_FULL_422", stream);
  auto subsampled = ReadDicomPixels(TempPath("ybr422.dcm"), {.colour = ColourMode::kLuma});
  ASSERT_TRUE(subsampled.ok()) << subsampled.status();
  EXPECT_TRUE(Same(subsampled->pixels, (cv::Mat_<uint8_t>(2, 4) << 1, 2, 3, 4, 5, 6, 7, 8)))
      << subsampled->pixels;
}

TEST(ReadDicomPixelsTest, PaletteIndicesBecomeTheLumaOfTheirColours) {
  // Indices 10..12 map to red, green and (100, 150, 200) in 16-bit tables (x 257); index 9
  // is below the first mapped one and takes the first entry.
  DicomSpec spec;
  const cv::Mat indices = (cv::Mat_<uint8_t>(1, 4) << 10, 11, 12, 9);
  ASSERT_TRUE(WriteTestDicom(TempPath("palette.dcm"), indices, spec).ok());
  const std::string bytes(reinterpret_cast<const char*>(indices.data), 4);
  Rewrite(TempPath("palette.dcm"), "PALETTE COLOR", bytes, [](DcmDataset* ds) {
    const Uint16 descriptor[] = {3, 10, 16};
    const std::array<std::array<Uint16, 3>, 3> tables = {
        {{255, 0, 100}, {0, 255, 150}, {0, 0, 200}}};
    const DcmTagKey descriptors[] = {DCM_RedPaletteColorLookupTableDescriptor,
                                     DCM_GreenPaletteColorLookupTableDescriptor,
                                     DCM_BluePaletteColorLookupTableDescriptor};
    const DcmTagKey data[] = {DCM_RedPaletteColorLookupTableData,
                              DCM_GreenPaletteColorLookupTableData,
                              DCM_BluePaletteColorLookupTableData};
    for (int c = 0; c < 3; ++c) {
      ds->putAndInsertUint16Array(descriptors[c], descriptor, 3);
      std::array<Uint16, 3> wide;
      for (int i = 0; i < 3; ++i) wide[i] = static_cast<Uint16>(tables[c][i] * 257);
      ds->putAndInsertUint16Array(data[c], wide.data(), 3);
    }
  });
  auto got = ReadDicomPixels(TempPath("palette.dcm"), {.colour = ColourMode::kLuma});
  ASSERT_TRUE(got.ok()) << got.status();
  ASSERT_EQ(got->pixels.type(), CV_16U);
  EXPECT_EQ(got->bits_stored, 16);
  // round(0.299 * 65535) = 19595, round(0.587 * 65535) = 38469, and (100, 150, 200) x 257:
  // round(0.299 * 25700 + 0.587 * 38550 + 0.114 * 51400) = 36172.75 -> 36173.
  EXPECT_TRUE(Same(got->pixels, (cv::Mat_<uint16_t>(1, 4) << 19595, 38469, 36173, 19595)))
      << got->pixels;
}

TEST(ReadDicomPixelsTest, RefusesUnsupportedSyntaxesNamingThem) {
  DicomSpec spec;
  spec.fake_transfer_syntax = "1.2.840.10008.1.2.4.100";  // MPEG2
  ASSERT_TRUE(WriteTestDicom(TempPath("mpeg.dcm"), Ramp16(4, 4), spec).ok());
  auto got = ReadDicomPixels(TempPath("mpeg.dcm"), kRead);
  ASSERT_FALSE(got.ok());
  EXPECT_EQ(got.status().code(), absl::StatusCode::kUnimplemented);
  EXPECT_THAT(got.status().message(), HasSubstr("MPEG2"));
  EXPECT_THAT(got.status().message(), HasSubstr("1.2.840.10008.1.2.4.100"));

  // JPEG XL: a UID that Debian's DCMTK does not know; the message still names it.
  spec.fake_transfer_syntax = "1.2.840.10008.1.2.4.110";
  ASSERT_TRUE(WriteTestDicom(TempPath("jpegxl.dcm"), Ramp16(4, 4), spec).ok());
  got = ReadDicomPixels(TempPath("jpegxl.dcm"), kRead);
  ASSERT_FALSE(got.ok());
  EXPECT_EQ(got.status().code(), absl::StatusCode::kUnimplemented) << got.status();
  EXPECT_THAT(got.status().message(), HasSubstr("1.2.840.10008.1.2.4.110"));
}

// HTJ2K's UIDs are unknown to DCMTK 3.6.7, which reads the file as explicit little endian
// with encapsulated pixel data; its frames still reach OpenJPEG (j2k_test decodes a real
// HTJ2K codestream).
TEST(ReadDicomPixelsTest, HighThroughputJpeg2000UidsAreDecoded) {
  for (const char* uid :
       {"1.2.840.10008.1.2.4.201", "1.2.840.10008.1.2.4.202", "1.2.840.10008.1.2.4.203"}) {
    DicomSpec spec;
    spec.transfer_syntax = "1.2.840.10008.1.2.4.90";
    spec.fake_transfer_syntax = uid;
    ASSERT_TRUE(WriteTestDicom(TempPath("htj2k.dcm"), Ramp16(9, 7), spec).ok());
    auto got = ReadDicomPixels(TempPath("htj2k.dcm"), kRead);
    ASSERT_TRUE(got.ok()) << uid << ": " << got.status();
    EXPECT_TRUE(Same(got->pixels, Ramp16(9, 7))) << uid;
  }
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

// DCMTK sizes its buffers from SamplesPerPixel and BitsAllocated: a header with absurd ones
// (dicom_fuzzer: 8755 samples of 4096 bits made DCMTK allocate 2.8 GB) is refused before
// DCMTK renders anything, as ReadDicomPixels refuses it.
TEST(ReadDicomVoiTest, RefusesAbsurdSampleLayoutsBeforeDcmtkAllocates) {
  DicomSpec spec;
  spec.transfer_syntax = "1.2.840.10008.1.2.4.70";
  spec.window = std::make_pair(1000.0, 1000.0);
  const std::string path = TempPath("bits4096.dcm");
  ASSERT_TRUE(WriteTestDicom(path, Ramp16(20, 22), spec).ok());
  {
    DcmFileFormat file;
    ASSERT_TRUE(file.loadFile(path.c_str()).good());
    DcmDataset* dataset = file.getDataset();
    dataset->putAndInsertUint16(DCM_BitsAllocated, 4096);
    ASSERT_TRUE(file.saveFile(path.c_str(), dataset->getOriginalXfer()).good());
  }
  auto got = ReadDicomVoi(path, kRead);
  EXPECT_EQ(got.status().code(), absl::StatusCode::kUnimplemented) << got.status();
  EXPECT_THAT(got.status().message(), HasSubstr("bits4096.dcm: BitsAllocated 4096"));
}

}  // namespace
}  // namespace mammo
