// Test helper: writes small DICOM files with known pixels, optionally compressed with
// DCMTK's own encoders, so that tests need no binary fixtures.
#ifndef MAMMO_LIB_DICOM_DICOM_TESTING_H_
#define MAMMO_LIB_DICOM_DICOM_TESTING_H_

#include <cstdint>
#include <opencv2/core.hpp>
#include <optional>
#include <string>

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
};

// `pixels` is CV_8U or CV_16U, one channel. Compressed transfer syntaxes supported:
// RLE, JPEG baseline (8-bit), JPEG lossless SV1, JPEG-LS lossless.
absl::Status WriteTestDicom(const std::string& path, const cv::Mat& pixels, const DicomSpec& spec);

}  // namespace mammo::testing

#endif  // MAMMO_LIB_DICOM_DICOM_TESTING_H_
