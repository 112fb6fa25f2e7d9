// The paper's preprocessing of a mammogram: min-max normalisation to 8 bits, then CLAHE. The
// CLAHE parameters (clip 2.0, 8 x 8 tiles) are the project's choice, not the paper's: the
// paper gives none (see ApplyClahe). Leaving the Pixel Padding Value out of the min-max is
// ours too; the paper does not say.
//
//   cv::Mat grey = MinMaxTo8Bit(pixels, padding);   // CV_8U or CV_16U in, CV_8U out
//   cv::Mat enhanced = ApplyClahe(grey, 2.0, 8);
#ifndef MAMMO_LIB_IMAGE_NORMALIZE_H_
#define MAMMO_LIB_IMAGE_NORMALIZE_H_

#include <cstdint>
#include <opencv2/core.hpp>
#include <optional>

namespace mammo {

// Maps one-channel CV_8U or CV_16U pixels onto 0..255 with the image's own minimum and
// maximum: out = round(255 * (v - min) / (max - min)), halves rounded up, computed in exact
// integer arithmetic as (510 * (v - min) + (max - min)) / (2 * (max - min)).
// Pixels equal to `padding` (the DICOM Pixel Padding Value (0028,0120), as lib/dicom reads and
// transforms it) are left out of min and max and become 0, so that a padding value far from
// the breast's (0 or 65535 in some files) does not squeeze the breast's range. A constant
// image (or one that is all padding) becomes all 0.
cv::Mat MinMaxTo8Bit(const cv::Mat& pixels, std::optional<uint16_t> padding);

// Contrast-limited adaptive histogram equalisation of a CV_8U image, with exactly OpenCV's
// cv::CLAHE result (computed by lib/image/clahe.h, faster):
// `clip_limit` is OpenCV's clip limit (a multiple of the mean histogram bin height) and the
// image is cut into `tiles` x `tiles` tiles. The paper names CLAHE but gives no parameters;
// dcm2png's defaults, 2.0 and 8, are the project's choice: 8 x 8 is OpenCV's default tile
// grid, and 2.0 the clip value commonly used for mammography CLAHE, which lifts the dense
// tissue's contrast without amplifying the background's noise.
cv::Mat ApplyClahe(const cv::Mat& grey, double clip_limit, int tiles);

}  // namespace mammo

#endif  // MAMMO_LIB_IMAGE_NORMALIZE_H_
