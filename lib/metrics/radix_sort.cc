#include "lib/metrics/radix_sort.h"

#include <algorithm>
#include <array>
#include <cstddef>
#include <utility>

namespace mammo::metrics {
namespace {

constexpr int kDigitBits = 8;
constexpr int kBuckets = 1 << kDigitBits;
constexpr int kDigits = 64 / kDigitBits;
// Below this many pairs the radix sort's fixed cost (a pass over kBuckets counters per digit)
// outweighs its gain.
constexpr size_t kSmall = 256;

inline size_t Digit(uint64_t key, int digit) {
  return static_cast<size_t>(key >> (digit * kDigitBits)) & (kBuckets - 1);
}

void StableSortSmall(std::vector<uint64_t>* keys, std::vector<uint32_t>* tags) {
  std::vector<std::pair<uint64_t, uint32_t>> pairs(keys->size());
  for (size_t i = 0; i < pairs.size(); ++i) pairs[i] = {(*keys)[i], (*tags)[i]};
  std::stable_sort(pairs.begin(), pairs.end(),
                   [](const auto& a, const auto& b) { return a.first < b.first; });
  for (size_t i = 0; i < pairs.size(); ++i) {
    (*keys)[i] = pairs[i].first;
    (*tags)[i] = pairs[i].second;
  }
}

}  // namespace

void RadixSortByKey(std::vector<uint64_t>* keys, std::vector<uint32_t>* tags) {
  const size_t n = keys->size();
  if (n < kSmall) {
    StableSortSmall(keys, tags);
    return;
  }
  // One pass counts every digit of every key.
  std::vector<std::array<size_t, kBuckets>> counts(kDigits);
  for (const uint64_t key : *keys) {
    for (int d = 0; d < kDigits; ++d) ++counts[d][Digit(key, d)];
  }
  std::vector<uint64_t> key_buffer;
  std::vector<uint32_t> tag_buffer;
  for (int d = 0; d < kDigits; ++d) {
    // A digit that every key shares leaves the order as it is.
    if (counts[d][Digit((*keys)[0], d)] == n) continue;
    if (key_buffer.empty()) {
      key_buffer.resize(n);
      tag_buffer.resize(n);
    }
    std::array<size_t, kBuckets> next;
    size_t sum = 0;
    for (int b = 0; b < kBuckets; ++b) {
      next[b] = sum;
      sum += counts[d][b];
    }
    const uint64_t* key_in = keys->data();
    const uint32_t* tag_in = tags->data();
    uint64_t* key_out = key_buffer.data();
    uint32_t* tag_out = tag_buffer.data();
    for (size_t i = 0; i < n; ++i) {
      const size_t to = next[Digit(key_in[i], d)]++;
      key_out[to] = key_in[i];
      tag_out[to] = tag_in[i];
    }
    keys->swap(key_buffer);
    tags->swap(tag_buffer);
  }
}

}  // namespace mammo::metrics
