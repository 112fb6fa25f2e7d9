// Sorting doubles by their value in O(n): an order-preserving map to unsigned integers and an
// LSD radix sort of (key, tag) pairs.
#ifndef MAMMO_LIB_METRICS_RADIX_SORT_H_
#define MAMMO_LIB_METRICS_RADIX_SORT_H_

#include <cstdint>
#include <cstring>

#include "lib/metrics/big_vector.h"

namespace mammo::metrics {

// An unsigned integer in the order of `value`: for finite or infinite a and b, a < b exactly
// when OrderedKey(a) < OrderedKey(b), and a == b exactly when the keys are equal (so -0.0 and
// 0.0 share a key). NaN has keys of its own, above +inf or below -inf: reject it first.
inline uint64_t OrderedKey(double value) {
  const double canonical = value + 0.0;  // -0.0 + 0.0 is +0.0; every other value is unchanged
  uint64_t bits;
  std::memcpy(&bits, &canonical, sizeof bits);
  // Non-negative: set the sign bit, so they sort above every negative. Negative: flip every
  // bit, so a larger magnitude gives a smaller key.
  const uint64_t mask = (uint64_t{0} - (bits >> 63)) | (uint64_t{1} << 63);
  return bits ^ mask;
}

// The value whose OrderedKey is `key` (+0.0 for the key of -0.0 and 0.0).
inline double ValueOfOrderedKey(uint64_t key) {
  // The sign bit set: a non-negative value, stored with that bit added; clear: every bit was
  // flipped.
  const uint64_t bits = (key >> 63) != 0 ? key ^ (uint64_t{1} << 63) : ~key;
  double value;
  std::memcpy(&value, &bits, sizeof value);
  return value;
}

// The most threads RadixSortByKey uses.
inline constexpr int kMaxSortThreads = 4;

// Sorts `keys` ascending and stably (equal keys keep their order), moving tags[i] along with
// keys[i]; both vectors must have the same length. An LSD radix sort over 8-bit digits that
// skips the digits in which all keys agree: O(n) time, n extra pairs of memory. Small inputs
// go to std::stable_sort. Up to `threads` threads (at most kMaxSortThreads, one per 65,536
// pairs) share every pass; the result is the one stable order whatever the count.
void RadixSortByKey(BigVector<uint64_t>* keys, BigVector<uint32_t>* tags, int threads = 1);

}  // namespace mammo::metrics

#endif  // MAMMO_LIB_METRICS_RADIX_SORT_H_
