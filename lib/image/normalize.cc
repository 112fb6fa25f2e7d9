#include "lib/image/normalize.h"

#include <algorithm>
#include <limits>
#include <vector>

#include "lib/image/clahe.h"

namespace mammo {
namespace {

template <typename T>
cv::Mat MinMax(const cv::Mat& pixels, std::optional<uint16_t> padding) {
  // A padding value outside T's range cannot occur in the image, so nothing is excluded.
  const bool use_padding = padding.has_value() && *padding <= std::numeric_limits<T>::max();
  const T pad = use_padding ? static_cast<T>(*padding) : 0;
  // Without padding (the usual case) the loop has no branch and vectorises.
  T lo = std::numeric_limits<T>::max();
  T hi = 0;
  for (int r = 0; r < pixels.rows; ++r) {
    const T* row = pixels.ptr<T>(r);
    if (use_padding) {
      for (int c = 0; c < pixels.cols; ++c) {
        if (row[c] == pad) continue;
        lo = std::min<T>(lo, row[c]);
        hi = std::max<T>(hi, row[c]);
      }
    } else {
      for (int c = 0; c < pixels.cols; ++c) {
        lo = std::min<T>(lo, row[c]);
        hi = std::max<T>(hi, row[c]);
      }
    }
  }
  // One table entry per possible value keeps the per-pixel work to a lookup.
  std::vector<uint8_t> table(static_cast<size_t>(std::numeric_limits<T>::max()) + 1, 0);
  if (hi > lo) {
    const uint64_t range = hi - lo;
    for (uint32_t v = lo; v <= hi; ++v) {
      table[v] = static_cast<uint8_t>((510 * static_cast<uint64_t>(v - lo) + range) / (2 * range));
    }
  }
  if (use_padding) table[pad] = 0;
  cv::Mat out(pixels.rows, pixels.cols, CV_8U);
  for (int r = 0; r < pixels.rows; ++r) {
    const T* row = pixels.ptr<T>(r);
    uint8_t* dst = out.ptr<uint8_t>(r);
    for (int c = 0; c < pixels.cols; ++c) dst[c] = table[row[c]];
  }
  return out;
}

}  // namespace

cv::Mat MinMaxTo8Bit(const cv::Mat& pixels, std::optional<uint16_t> padding) {
  CV_Assert(pixels.channels() == 1 && (pixels.depth() == CV_8U || pixels.depth() == CV_16U));
  return pixels.depth() == CV_8U ? MinMax<uint8_t>(pixels, padding)
                                 : MinMax<uint16_t>(pixels, padding);
}

cv::Mat ApplyClahe(const cv::Mat& grey, double clip_limit, int tiles) {
  return Clahe(grey, clip_limit, tiles);
}

}  // namespace mammo
