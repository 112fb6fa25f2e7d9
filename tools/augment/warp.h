// A bicubic affine warp for 8-bit grey images, faster than cv::warpAffine's INTER_CUBIC
// (whose 8-bit bicubic path is scalar): interior pixels go eight at a time with AVX2 when the
// CPU has it, pixels near the edges one at a time with replicated borders.
//
// Both paths do the same float operations in the same order (no fused multiply-add), so the
// bytes do not depend on the CPU or the thread count. Kernel: Keys' cubic with a = -0.75,
// as OpenCV's, with exact (not 1/32-quantised) fractions.
#ifndef MAMMO_TOOLS_AUGMENT_WARP_H_
#define MAMMO_TOOLS_AUGMENT_WARP_H_

#include <opencv2/core.hpp>

namespace mammo::augment {

// dst(x, y) = src(m * (x, y, 1)), OpenCV's convention (pixel centres at integers): m maps
// output pixels to input pixels, like cv::warpAffine with WARP_INVERSE_MAP. src: CV_8UC1.
cv::Mat WarpBicubic(const cv::Mat& src, const cv::Matx23d& m, cv::Size size);

// The scalar path only (for tests: it must give the same bytes as the vector path).
cv::Mat WarpBicubicScalar(const cv::Mat& src, const cv::Matx23d& m, cv::Size size);

}  // namespace mammo::augment

#endif  // MAMMO_TOOLS_AUGMENT_WARP_H_
