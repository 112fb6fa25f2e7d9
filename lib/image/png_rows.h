// The top rows of an 8-bit grey PNG, decoded without the rest: roicrop needs a full
// mammogram only down to its ROI's last row, and inflating the rows below would cost as much
// again on average.
//
//   ASSIGN_OR_RETURN(cv::Mat top, DecodeGreyPngRows(record.image().data(), 1200));
//   // top: 1200 x width, CV_8UC1; the same pixels as the first 1200 rows of cv::imdecode's
//
// Only 8-bit grey, non-interlaced PNGs (what dcm2png and roicrop write) take this path:
// Unimplemented for any other PNG, so that callers fall back to a full decode. Chunk CRCs
// are not checked: the record framing around the PNG already has a CRC32C of every byte.
#ifndef MAMMO_LIB_IMAGE_PNG_ROWS_H_
#define MAMMO_LIB_IMAGE_PNG_ROWS_H_

#include <opencv2/core.hpp>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace mammo {

// Width and height from the PNG's header; DataLoss when `bytes` does not start like a PNG.
absl::StatusOr<cv::Size> PngSize(absl::string_view bytes);

// Rows [0, rows) of the PNG in `bytes`, rows in [1, height]. DataLoss for a malformed or
// truncated PNG, InvalidArgument for `rows` out of range, Unimplemented as above.
absl::StatusOr<cv::Mat> DecodeGreyPngRows(absl::string_view bytes, int rows);

}  // namespace mammo

#endif  // MAMMO_LIB_IMAGE_PNG_ROWS_H_
