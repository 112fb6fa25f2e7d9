// Reading DICOM files with DCMTK: the few header fields that identify a file, and the
// stored pixel values of the first frame as an OpenCV matrix.
//
//   ASSIGN_OR_RETURN(DicomHeader header, ReadDicomHeader("1-1.dcm"));   // no pixel data read
//   ASSIGN_OR_RETURN(DicomPixels image, ReadDicomPixels("1-1.dcm", 100'000'000));
//
// Transfer syntaxes: uncompressed (implicit/explicit little endian, explicit big endian),
// RLE, JPEG (baseline, extended, lossless), JPEG-LS. Anything else (JPEG 2000, ...) fails
// with Unimplemented naming the transfer syntax, and so do float pixels (Float Pixel Data).
// Damaged files, files without pixel data and pixel data shorter than the header promises
// fail with DataLoss naming the file.
//
// Pixel values are returned as stored, with two documented changes so that "brighter is
// denser" and the values are unsigned:
//   * MONOCHROME1 is inverted: v -> (2^BitsStored - 1) - v.
//   * Signed pixels (PixelRepresentation 1) are offset by 2^(BitsStored-1) (the sign bit is
//     flipped), which maps [-2^(B-1), 2^(B-1)) onto [0, 2^B) in the same order; min-max
//     normalisation gives the same result as on the signed values.
// Bits outside BitsStored are cleared. The Pixel Padding Value, when present, goes through
// the same changes. The modality LUT (rescale slope and intercept) is not applied: min-max
// normalisation does not change under a rescale with a positive slope.
// Errors never include patient-identifying fields; only PatientID is ever read.
#ifndef MAMMO_LIB_DICOM_DICOM_H_
#define MAMMO_LIB_DICOM_DICOM_H_

#include <cstdint>
#include <opencv2/core.hpp>
#include <optional>
#include <string>

#include "absl/status/statusor.h"

namespace mammo {

// Registers DCMTK's RLE, JPEG and JPEG-LS decoders and quietens DCMTK's own logging (errors
// come back as statuses). Safe to call many times and from many threads; the Read functions
// call it.
void InitDicomDecoders();

struct DicomHeader {
  std::string patient_id;
  std::string study_uid;
  std::string series_uid;
  std::string series_description;
  int rows = 0;
  int columns = 0;
  int bits_allocated = 0;
};

// Reads the header up to the pixel data.
absl::StatusOr<DicomHeader> ReadDicomHeader(const std::string& path);

struct DicomPixels {
  cv::Mat pixels;  // CV_8U when BitsAllocated is 8, CV_16U when 16; one channel
  int bits_stored = 0;
  std::optional<uint16_t> padding;  // Pixel Padding Value, transformed like the pixels
};

// Decodes the first frame. Fails with ResourceExhausted when Rows x Columns exceeds
// `max_pixels`, before any pixel data is decompressed.
absl::StatusOr<DicomPixels> ReadDicomPixels(const std::string& path, uint64_t max_pixels);

// The first frame rendered to 8 bits through the file's first VOI window (Window Center and
// Width) or, when there is none, its first VOI LUT, by DCMTK (MONOCHROME1 handled).
// Returns nullopt when the file has neither.
absl::StatusOr<std::optional<cv::Mat>> ReadDicomVoi(const std::string& path, uint64_t max_pixels);

}  // namespace mammo

#endif  // MAMMO_LIB_DICOM_DICOM_H_
