// Test helper: writes small DICOM files with known pixels, optionally compressed with
// DCMTK's own encoders, so that tests need no binary fixtures.
#ifndef MAMMO_LIB_DICOM_DICOM_TESTING_H_
#define MAMMO_LIB_DICOM_DICOM_TESTING_H_

#include <cstdint>
#include <opencv2/core.hpp>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"

namespace mammo::testing {

struct DicomSpec {
  std::string patient_id = "P_TEST";
  std::string study_uid = "1.2.3.4";
  std::string series_uid = "1.2.3.4.5";
  std::string series_description = "full mammogram images";
  std::string photometric = "MONOCHROME2";
  int bits_stored = 0;              // 0: the pixel type's full depth
  bool is_signed = false;           // pixels are then the two's complement bit patterns
  std::optional<uint16_t> padding;  // Pixel Padding Value
  std::optional<std::pair<double, double>> window;      // (center, width)
  std::string transfer_syntax = "1.2.840.10008.1.2.1";  // explicit little endian
  // Written into the meta header after encoding, without re-encoding: fakes an unsupported
  // transfer syntax.
  std::string fake_transfer_syntax;
  bool omit_pixel_data = false;
  // More frames after `pixels` (same size and type): a multi-frame file.
  std::vector<cv::Mat> more_frames;
  int planar = 0;  // colour: 0 by pixel, 1 by plane (uncompressed syntaxes only)
  // JPEG 2000 only: fragment size (0: one fragment per frame), the Basic Offset Table, and
  // the precision and signedness the codestream claims (0: as the header's).
  size_t j2k_fragment_bytes = 0;
  bool j2k_offset_table = true;
  int j2k_bits = 0;
  std::optional<bool> j2k_signed;
};

// `pixels` is CV_8U or CV_16U with one channel, or three for colour (spec.photometric RGB or
// YBR_FULL; samples in that order). Transfer syntaxes supported besides the uncompressed
// ones: deflated explicit little endian, RLE, JPEG baseline (8-bit), JPEG lossless SV1,
// JPEG-LS lossless, and JPEG 2000 lossless (1.2.840.10008.1.2.4.90, by OpenJPEG).
absl::Status WriteTestDicom(const std::string& path, const cv::Mat& pixels, const DicomSpec& spec);

}  // namespace mammo::testing

#endif  // MAMMO_LIB_DICOM_DICOM_TESTING_H_
