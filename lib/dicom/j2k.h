// JPEG 2000 codestreams in memory, with OpenJPEG (Debian's libopenjp2): decoding one grey or
// colour frame to an OpenCV matrix, and lossless encoding for synth and tests. DCMTK in
// Debian 12 has no JPEG 2000 codec, so lib/dicom gathers a frame's fragments itself
// (encapsulated.h) and decodes them here.
//
//   J2kExpectation expect{.rows = 3000, .columns = 4000, .samples = 1, .bits_stored = 16};
//   ASSIGN_OR_RETURN(J2kImage image, DecodeJ2k(codestream, expect, max_pixels, "1-1.dcm"));
//   // image.pixels: CV_16UC1, the stored values, right-aligned; image.notes: header mismatches
//
//   ASSIGN_OR_RETURN(std::string codestream, EncodeJ2kLossless(pixels, /*bits_stored=*/12));
//
// The DICOM header's BitsStored and PixelRepresentation rule: when the codestream's precision
// or signedness differs (some encoders write signed data as unsigned), the decoded bits are
// read as the header says, and a note says so. Dimensions or component counts that differ
// are refused: the header could not describe the image. The codestream's own size (its SIZ
// marker) is checked against `max_pixels` and the header before OpenJPEG reads even the main
// header, which allocates a table per tile: a header that lies about Rows and Columns, or a
// codestream claiming a huge tiled image, cannot make the decoder allocate more.
// Decoding runs on the calling thread only (OpenJPEG's own thread pool is not used): callers
// already decode several images in parallel, as with DCMTK's codecs. Strict mode is on, so a
// codestream cut short is an error rather than an image with missing tiles.
#ifndef MAMMO_LIB_DICOM_J2K_H_
#define MAMMO_LIB_DICOM_J2K_H_

#include <cstdint>
#include <opencv2/core.hpp>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace mammo {

// What the DICOM header says the frame is.
struct J2kExpectation {
  int rows = 0;
  int columns = 0;
  int samples = 1;          // SamplesPerPixel: 1 (grey) or 3 (colour)
  int bits_allocated = 16;  // 8 or 16: the depth of the result
  int bits_stored = 16;
  bool is_signed = false;
};

struct J2kImage {
  // CV_8U or CV_16U (by bits_allocated), `samples` interleaved channels. Each value is the
  // stored sample's bit pattern in bits_stored bits (two's complement when signed), as the
  // uncompressed transfer syntaxes would hold it.
  cv::Mat pixels;
  std::vector<std::string> notes;  // header and codestream disagreements that were resolved
};

// Decodes a raw codestream (what DICOM's JPEG 2000 syntaxes hold) or, leniently, a JP2 file.
// Errors name `path`: DataLoss for damaged or truncated data and size mismatches,
// ResourceExhausted above `max_pixels`, Unimplemented for subsampled components.
absl::StatusOr<J2kImage> DecodeJ2k(absl::string_view codestream, const J2kExpectation& expect,
                                   uint64_t max_pixels, const std::string& path);

// A reversible (5/3 wavelet, lossless) codestream of `pixels` (CV_8U or CV_16U, one or three
// channels; three are coded without a colour transform). `bits_stored` (1..16) is the
// precision written; `is_signed` makes the values' bit patterns two's complement numbers of
// that precision. Used by synth and tests.
absl::StatusOr<std::string> EncodeJ2kLossless(const cv::Mat& pixels, int bits_stored,
                                              bool is_signed = false);

}  // namespace mammo

#endif  // MAMMO_LIB_DICOM_J2K_H_
