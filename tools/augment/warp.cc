#include "tools/augment/warp.h"

#include <immintrin.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>

namespace mammo::augment {
namespace {

constexpr float kA = -0.75f;

// The four weights for fraction t, written out so that the vector path can repeat the
// same operations.
inline void Weights(float t, float w[4]) {
  const float t1 = t + 1.0f, u = 1.0f - t;
  w[0] = ((kA * t1 - 5.0f * kA) * t1 + 8.0f * kA) * t1 - 4.0f * kA;
  w[1] = ((kA + 2.0f) * t - (kA + 3.0f)) * t * t + 1.0f;
  w[2] = ((kA + 2.0f) * u - (kA + 3.0f)) * u * u + 1.0f;
  w[3] = 1.0f - w[0] - w[1] - w[2];
}

inline uint8_t ToByte(float v) {
  const float r = std::floor(v + 0.5f);
  return static_cast<uint8_t>(std::min(255.0f, std::max(0.0f, r)));
}

// Row y's source coordinates are base + x * step, in float, the same in both paths.
struct RowMap {
  float bx, by, sx, sy;
};
inline RowMap Row(const cv::Matx23d& m, int y) {
  return {static_cast<float>(m(0, 1) * y + m(0, 2)), static_cast<float>(m(1, 1) * y + m(1, 2)),
          static_cast<float>(m(0, 0)), static_cast<float>(m(1, 0))};
}

inline uint8_t Pixel(const cv::Mat& src, const RowMap& r, int x) {
  const float fxs = r.bx + static_cast<float>(x) * r.sx;
  const float fys = r.by + static_cast<float>(x) * r.sy;
  const float fx0 = std::floor(fxs), fy0 = std::floor(fys);
  float wx[4], wy[4];
  Weights(fxs - fx0, wx);
  Weights(fys - fy0, wy);
  // Far outside, the clamped neighbourhood is one edge pixel anyway; clamping the float
  // first keeps the int conversion defined.
  const int ix = static_cast<int>(std::max(-4.0f, std::min(fx0, src.cols + 4.0f)));
  const int iy = static_cast<int>(std::max(-4.0f, std::min(fy0, src.rows + 4.0f)));
  float acc = 0.0f;
  for (int r = 0; r < 4; ++r) {
    const uint8_t* row = src.ptr<uint8_t>(std::clamp(iy - 1 + r, 0, src.rows - 1));
    float p[4];
    for (int c = 0; c < 4; ++c) p[c] = row[std::clamp(ix - 1 + c, 0, src.cols - 1)];
    const float s = ((p[0] * wx[0] + p[1] * wx[1]) + p[2] * wx[2]) + p[3] * wx[3];
    acc = r == 0 ? wy[0] * s : acc + wy[r] * s;
  }
  return ToByte(acc);
}

__attribute__((target("avx2"), always_inline)) inline void Weights8(__m256 t, __m256 w[4]) {
  const __m256 a = _mm256_set1_ps(kA), one = _mm256_set1_ps(1.0f);
  const __m256 five_a = _mm256_set1_ps(5.0f * kA), eight_a = _mm256_set1_ps(8.0f * kA);
  const __m256 four_a = _mm256_set1_ps(4.0f * kA);
  const __m256 a2 = _mm256_set1_ps(kA + 2.0f), a3 = _mm256_set1_ps(kA + 3.0f);
  const __m256 t1 = _mm256_add_ps(t, one), u = _mm256_sub_ps(one, t);
  w[0] = _mm256_sub_ps(
      _mm256_mul_ps(
          _mm256_add_ps(_mm256_mul_ps(_mm256_sub_ps(_mm256_mul_ps(a, t1), five_a), t1), eight_a),
          t1),
      four_a);
  w[1] = _mm256_add_ps(_mm256_mul_ps(_mm256_mul_ps(_mm256_sub_ps(_mm256_mul_ps(a2, t), a3), t), t),
                       one);
  w[2] = _mm256_add_ps(_mm256_mul_ps(_mm256_mul_ps(_mm256_sub_ps(_mm256_mul_ps(a2, u), a3), u), u),
                       one);
  w[3] = _mm256_sub_ps(_mm256_sub_ps(_mm256_sub_ps(one, w[0]), w[1]), w[2]);
}

// Eight pixels x..x+7 of one row, all with their 4x4 neighbourhood inside the image
// (checked by the caller). Returns false, writing nothing, when some are not.
__attribute__((target("avx2"))) bool Eight(const cv::Mat& src, const RowMap& r, int x,
                                           uint8_t* out) {
  const __m256 xs =
      _mm256_add_ps(_mm256_set1_ps(static_cast<float>(x)), _mm256_setr_ps(0, 1, 2, 3, 4, 5, 6, 7));
  const __m256 fxs = _mm256_add_ps(_mm256_set1_ps(r.bx), _mm256_mul_ps(xs, _mm256_set1_ps(r.sx)));
  const __m256 fys = _mm256_add_ps(_mm256_set1_ps(r.by), _mm256_mul_ps(xs, _mm256_set1_ps(r.sy)));
  const __m256 fx0 = _mm256_floor_ps(fxs), fy0 = _mm256_floor_ps(fys);
  // Inside: 1 <= x0 <= cols - 3 and 1 <= y0 <= rows - 3 (compared in float: no overflow).
  const __m256 lo = _mm256_set1_ps(1.0f);
  const __m256 inside =
      _mm256_and_ps(_mm256_and_ps(_mm256_cmp_ps(fx0, lo, _CMP_GE_OQ),
                                  _mm256_cmp_ps(fx0, _mm256_set1_ps(src.cols - 3.0f), _CMP_LE_OQ)),
                    _mm256_and_ps(_mm256_cmp_ps(fy0, lo, _CMP_GE_OQ),
                                  _mm256_cmp_ps(fy0, _mm256_set1_ps(src.rows - 3.0f), _CMP_LE_OQ)));
  if (_mm256_movemask_ps(inside) != 0xff) return false;
  __m256 wx[4], wy[4];
  Weights8(_mm256_sub_ps(fxs, fx0), wx);
  Weights8(_mm256_sub_ps(fys, fy0), wy);
  const __m256i ix = _mm256_cvttps_epi32(fx0), iy = _mm256_cvttps_epi32(fy0);
  const __m256i stride = _mm256_set1_epi32(static_cast<int>(src.step[0]));
  // Byte offset of (ix - 1, iy - 1): each lane's four neighbours in a row are one 4-byte load.
  const __m256i offset =
      _mm256_add_epi32(_mm256_mullo_epi32(_mm256_sub_epi32(iy, _mm256_set1_epi32(1)), stride),
                       _mm256_sub_epi32(ix, _mm256_set1_epi32(1)));
  alignas(32) int32_t offsets[8];
  _mm256_store_si256(reinterpret_cast<__m256i*>(offsets), offset);
  const __m256i byte = _mm256_set1_epi32(0xff);
  __m256 acc = _mm256_setzero_ps();
  const size_t step = src.step[0];
  for (int k = 0; k < 4; ++k) {
    // Eight 4-byte loads: on AMD's cores they beat vpgatherdd, which is microcoded there.
    const uint8_t* base = src.data + k * step;
    int32_t lanes[8];
    for (int i = 0; i < 8; ++i) std::memcpy(&lanes[i], base + offsets[i], 4);
    const __m256i v = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(lanes));
    const __m256 p0 = _mm256_cvtepi32_ps(_mm256_and_si256(v, byte));
    const __m256 p1 = _mm256_cvtepi32_ps(_mm256_and_si256(_mm256_srli_epi32(v, 8), byte));
    const __m256 p2 = _mm256_cvtepi32_ps(_mm256_and_si256(_mm256_srli_epi32(v, 16), byte));
    const __m256 p3 = _mm256_cvtepi32_ps(_mm256_srli_epi32(v, 24));
    const __m256 s = _mm256_add_ps(
        _mm256_add_ps(_mm256_add_ps(_mm256_mul_ps(p0, wx[0]), _mm256_mul_ps(p1, wx[1])),
                      _mm256_mul_ps(p2, wx[2])),
        _mm256_mul_ps(p3, wx[3]));
    acc = k == 0 ? _mm256_mul_ps(wy[0], s) : _mm256_add_ps(acc, _mm256_mul_ps(wy[k], s));
  }
  const __m256 rounded = _mm256_floor_ps(_mm256_add_ps(acc, _mm256_set1_ps(0.5f)));
  const __m256 clamped =
      _mm256_min_ps(_mm256_set1_ps(255.0f), _mm256_max_ps(_mm256_setzero_ps(), rounded));
  alignas(32) int32_t values[8];
  _mm256_store_si256(reinterpret_cast<__m256i*>(values), _mm256_cvttps_epi32(clamped));
  for (int i = 0; i < 8; ++i) out[i] = static_cast<uint8_t>(values[i]);
  return true;
}

cv::Mat Warp(const cv::Mat& src, const cv::Matx23d& m, cv::Size size, bool vector) {
  CV_Assert(src.type() == CV_8UC1);
  cv::Mat dst(size, CV_8UC1);
  for (int y = 0; y < size.height; ++y) {
    const RowMap r = Row(m, y);
    uint8_t* out = dst.ptr<uint8_t>(y);
    int x = 0;
    if (vector) {
      for (; x + 8 <= size.width; x += 8) {
        if (!Eight(src, r, x, out + x)) {
          for (int i = x; i < x + 8; ++i) out[i] = Pixel(src, r, i);
        }
      }
    }
    for (; x < size.width; ++x) out[x] = Pixel(src, r, x);
  }
  return dst;
}

}  // namespace

cv::Mat WarpBicubic(const cv::Mat& src, const cv::Matx23d& m, cv::Size size) {
  static const bool avx2 = __builtin_cpu_supports("avx2");
  return Warp(src, m, size, avx2);
}

cv::Mat WarpBicubicScalar(const cv::Mat& src, const cv::Matx23d& m, cv::Size size) {
  return Warp(src, m, size, false);
}

}  // namespace mammo::augment
