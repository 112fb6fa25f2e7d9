// Reading DICOM files with DCMTK: the few header fields that identify a file, and the
// stored pixel values of one frame as an OpenCV matrix.
//
//   ASSIGN_OR_RETURN(DicomHeader header, ReadDicomHeader("1-1.dcm"));   // no pixel data read
//   ASSIGN_OR_RETURN(DicomPixels image, ReadDicomPixels("1-1.dcm", {.max_pixels = 100'000'000}));
//   for (const std::string& note : image.notes) std::cerr << note << "\n";  // frames dropped...
//
// Transfer syntaxes: uncompressed (implicit/explicit little endian, explicit big endian,
// deflated explicit little endian), RLE, JPEG (baseline, extended, lossless), JPEG-LS,
// JPEG 2000 and High-Throughput JPEG 2000 (lossless and lossy, decoded by OpenJPEG: j2k.h,
// encapsulated.h). Anything else (MPEG, JPEG XL, ...) fails with Unimplemented naming the
// transfer syntax, and so do float pixels (Float Pixel Data) and BitsAllocated
// other than 8 or 16. Damaged files, files without pixel data and pixel data shorter than
// the header promises fail with DataLoss naming the file, as does JPEG data on which DCMTK's
// decoder would hang (CheckJpegPrecisionScan in encapsulated.h).
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
//
// Colour (RGB, YBR_FULL, YBR_FULL_422, YBR_RCT/YBR_ICT in JPEG 2000, PALETTE COLOR) is
// refused unless `colour` is kLuma, which gives the luminance of ITU-R BT.601, the Y of
// YBR_FULL: Y = round(0.299 R + 0.587 G + 0.114 B), in the samples' depth. YBR files give
// their Y channel as it is, JPEG-compressed ones too; a palette maps each index through the
// three tables first, in the tables' depth.
// Multi-frame files give frame `frame` (1-based, as DICOM numbers them) and a note that the
// other frames were dropped.
//
// Errors never include patient-identifying fields; only PatientID is ever read.
#ifndef MAMMO_LIB_DICOM_DICOM_H_
#define MAMMO_LIB_DICOM_DICOM_H_

#include <cstdint>
#include <opencv2/core.hpp>
#include <optional>
#include <string>
#include <vector>

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

enum class ColourMode { kRefuse, kLuma };

struct DicomReadOptions {
  // Images with more pixels (Rows x Columns, and a JPEG 2000 codestream's own size) fail with
  // ResourceExhausted before any pixel data is decompressed.
  uint64_t max_pixels = 100'000'000;
  int frame = 1;  // 1-based; OutOfRange when the file has fewer frames
  ColourMode colour = ColourMode::kRefuse;
};

struct DicomPixels {
  cv::Mat pixels;  // CV_8U when BitsAllocated is 8, CV_16U when 16; one channel
  int bits_stored = 0;
  std::optional<uint16_t> padding;  // Pixel Padding Value, transformed like the pixels
  std::vector<std::string> notes;   // warnings worth a line: frames dropped, header mismatches
};

absl::StatusOr<DicomPixels> ReadDicomPixels(const std::string& path,
                                            const DicomReadOptions& options);

// The frame rendered to 8 bits through the file's first VOI window (Window Center and
// Width) or, when there is none, its first VOI LUT, by DCMTK (MONOCHROME1 handled).
// Returns nullopt when the file has neither, or is colour. JPEG 2000 files, which DCMTK
// cannot decode here, fail with Unimplemented.
absl::StatusOr<std::optional<cv::Mat>> ReadDicomVoi(const std::string& path,
                                                    const DicomReadOptions& options);

}  // namespace mammo

#endif  // MAMMO_LIB_DICOM_DICOM_H_
