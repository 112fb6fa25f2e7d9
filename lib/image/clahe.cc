#include "lib/image/clahe.h"

#include <immintrin.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <opencv2/core.hpp>
#include <vector>

namespace mammo {
namespace {

constexpr int kBins = 256;

// OpenCV's saturate_cast<uchar>(float): round to nearest, ties to even (the SSE conversion
// under the default rounding mode), then clamp.
uint8_t RoundToByte(float v) {
  return static_cast<uint8_t>(std::clamp(_mm_cvtss_si32(_mm_set_ss(v)), 0, 255));
}

// Where each column of the image falls between two tile centres.
struct Columns {
  std::vector<int> left, right;  // offsets of the two tiles' tables in a row of tables
  std::vector<float> weight_right, weight_left;
};

// One tile's lookup table from its histogram, as OpenCV computes it: clip at `clip_limit`,
// spread the clipped count evenly (the remainder one by one at a fixed stride), then the
// scaled cumulative sum.
void TileTable(int* hist, int clip_limit, float scale, uint8_t* table) {
  if (clip_limit > 0) {
    int clipped = 0;
    for (int i = 0; i < kBins; ++i) {
      if (hist[i] > clip_limit) {
        clipped += hist[i] - clip_limit;
        hist[i] = clip_limit;
      }
    }
    const int batch = clipped / kBins;
    int residual = clipped - batch * kBins;
    for (int i = 0; i < kBins; ++i) hist[i] += batch;
    if (residual != 0) {
      const int step = std::max(kBins / residual, 1);
      for (int i = 0; i < kBins && residual > 0; i += step, --residual) ++hist[i];
    }
  }
  int sum = 0;
  for (int i = 0; i < kBins; ++i) {
    sum += hist[i];
    table[i] = RoundToByte(static_cast<float>(sum) * scale);
  }
}

// The blend of one output row: (top_left * wl + top_right * wr) * wt + (bottom_left * wl +
// bottom_right * wr) * wb, in this order, as OpenCV's scalar loop does.
void BlendRow(const uint8_t* src, uint8_t* dst, int cols, const float* top, const float* bottom,
              const Columns& c, float weight_top, float weight_bottom, int from) {
  for (int x = from; x < cols; ++x) {
    const int v = src[x];
    const float res =
        (top[c.left[x] + v] * c.weight_left[x] + top[c.right[x] + v] * c.weight_right[x]) *
            weight_top +
        (bottom[c.left[x] + v] * c.weight_left[x] + bottom[c.right[x] + v] * c.weight_right[x]) *
            weight_bottom;
    dst[x] = RoundToByte(res);
  }
}

// Eight pixels at a time; IEEE single-precision products and sums give the same results in
// vector lanes as in scalar code. Only "avx2" is enabled, not "fma": a fused multiply-add
// would round differently.
__attribute__((target("avx2"))) void BlendRowAvx2(const uint8_t* src, uint8_t* dst, int cols,
                                                  const float* top, const float* bottom,
                                                  const Columns& c, float weight_top,
                                                  float weight_bottom) {
  const __m256 wt = _mm256_set1_ps(weight_top), wb = _mm256_set1_ps(weight_bottom);
  int x = 0;
  for (; x + 8 <= cols; x += 8) {
    const __m256i v =
        _mm256_cvtepu8_epi32(_mm_loadl_epi64(reinterpret_cast<const __m128i*>(src + x)));
    const __m256i left =
        _mm256_add_epi32(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(&c.left[x])), v);
    const __m256i right =
        _mm256_add_epi32(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(&c.right[x])), v);
    const __m256 wl = _mm256_loadu_ps(&c.weight_left[x]), wr = _mm256_loadu_ps(&c.weight_right[x]);
    const __m256 upper = _mm256_add_ps(_mm256_mul_ps(_mm256_i32gather_ps(top, left, 4), wl),
                                       _mm256_mul_ps(_mm256_i32gather_ps(top, right, 4), wr));
    const __m256 lower = _mm256_add_ps(_mm256_mul_ps(_mm256_i32gather_ps(bottom, left, 4), wl),
                                       _mm256_mul_ps(_mm256_i32gather_ps(bottom, right, 4), wr));
    const __m256i rounded =
        _mm256_cvtps_epi32(_mm256_add_ps(_mm256_mul_ps(upper, wt), _mm256_mul_ps(lower, wb)));
    // Saturating packs clamp to 0..255 like saturate_cast.
    const __m128i words =
        _mm_packs_epi32(_mm256_castsi256_si128(rounded), _mm256_extracti128_si256(rounded, 1));
    _mm_storel_epi64(reinterpret_cast<__m128i*>(dst + x), _mm_packus_epi16(words, words));
  }
  BlendRow(src, dst, cols, top, bottom, c, weight_top, weight_bottom, x);
}

}  // namespace

cv::Mat Clahe(const cv::Mat& grey, double clip_limit, int tiles, bool allow_avx2) {
  CV_Assert(grey.type() == CV_8UC1 && tiles >= 1);
  // Tiles come from the image padded (mirrored, OpenCV's BORDER_REFLECT_101) to a multiple of
  // the grid when it is not one in both directions, as OpenCV does; the blend reads the image.
  cv::Mat for_tables = grey;
  if (grey.cols % tiles != 0 || grey.rows % tiles != 0) {
    cv::copyMakeBorder(grey, for_tables, 0, tiles - grey.rows % tiles, 0, tiles - grey.cols % tiles,
                       cv::BORDER_REFLECT_101);
  }
  const int tile_w = for_tables.cols / tiles, tile_h = for_tables.rows / tiles;
  const int tile_area = tile_w * tile_h;
  const float scale = static_cast<float>(kBins - 1) / tile_area;
  const int clip =
      clip_limit > 0.0 ? std::max(static_cast<int>(clip_limit * tile_area / kBins), 1) : 0;

  // Tables as floats: the blend converts every entry anyway, and AVX2 gathers 32-bit values.
  std::vector<float> tables(static_cast<size_t>(tiles) * tiles * kBins);
  for (int ty = 0; ty < tiles; ++ty) {
    for (int tx = 0; tx < tiles; ++tx) {
      // Four partial histograms, so that equal neighbours do not wait on each other.
      int partial[4][kBins] = {};
      for (int y = ty * tile_h; y < (ty + 1) * tile_h; ++y) {
        const uint8_t* row = for_tables.ptr<uint8_t>(y) + tx * tile_w;
        int x = 0;
        for (; x + 4 <= tile_w; x += 4) {
          ++partial[0][row[x]];
          ++partial[1][row[x + 1]];
          ++partial[2][row[x + 2]];
          ++partial[3][row[x + 3]];
        }
        for (; x < tile_w; ++x) ++partial[0][row[x]];
      }
      int hist[kBins];
      for (int i = 0; i < kBins; ++i)
        hist[i] = partial[0][i] + partial[1][i] + partial[2][i] + partial[3][i];
      uint8_t table[kBins];
      TileTable(hist, clip, scale, table);
      std::copy(table, table + kBins, &tables[(static_cast<size_t>(ty) * tiles + tx) * kBins]);
    }
  }

  // Weights exactly as OpenCV computes them: position * (1 / tile size) - 0.5 in floats.
  Columns columns;
  columns.left.resize(grey.cols);
  columns.right.resize(grey.cols);
  columns.weight_right.resize(grey.cols);
  columns.weight_left.resize(grey.cols);
  const float inv_w = 1.0f / tile_w;
  for (int x = 0; x < grey.cols; ++x) {
    const float at = static_cast<float>(x) * inv_w - 0.5f;
    const int left = static_cast<int>(std::floor(at));
    columns.weight_right[x] = at - static_cast<float>(left);
    columns.weight_left[x] = 1.0f - columns.weight_right[x];
    columns.left[x] = std::max(left, 0) * kBins;
    columns.right[x] = std::min(left + 1, tiles - 1) * kBins;
  }
  const bool avx2 = allow_avx2 && __builtin_cpu_supports("avx2");
  cv::Mat out(grey.size(), CV_8UC1);
  const float inv_h = 1.0f / tile_h;
  for (int y = 0; y < grey.rows; ++y) {
    const float at = static_cast<float>(y) * inv_h - 0.5f;
    const int up = static_cast<int>(std::floor(at));
    const float weight_bottom = at - static_cast<float>(up), weight_top = 1.0f - weight_bottom;
    const float* top = &tables[static_cast<size_t>(std::max(up, 0)) * tiles * kBins];
    const float* bottom = &tables[static_cast<size_t>(std::min(up + 1, tiles - 1)) * tiles * kBins];
    if (avx2) {
      BlendRowAvx2(grey.ptr<uint8_t>(y), out.ptr<uint8_t>(y), grey.cols, top, bottom, columns,
                   weight_top, weight_bottom);
    } else {
      BlendRow(grey.ptr<uint8_t>(y), out.ptr<uint8_t>(y), grey.cols, top, bottom, columns,
               weight_top, weight_bottom, 0);
    }
  }
  return out;
}

}  // namespace mammo
