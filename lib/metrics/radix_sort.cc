#include "lib/metrics/radix_sort.h"

#include <algorithm>
#include <condition_variable>
#include <cstddef>
#include <mutex>
#include <thread>
#include <utility>

namespace mammo::metrics {
namespace {

constexpr int kDigitBits = 8;
constexpr int kBuckets = 1 << kDigitBits;
constexpr int kDigits = (64 + kDigitBits - 1) / kDigitBits;
// Below this many pairs std::stable_sort is faster: the radix sort's fixed cost (8 passes,
// each over kBuckets counters) outweighs its gain. Measured here on 1,000 and 4,000 random
// probabilities: std::sort of pairs 40-50 ns a pair, the radix sort 70-85; at 16,000 the
// radix sort 64 and std::sort 190 (one thread, machine busy).
constexpr size_t kSmall = 4096;
// Each thread takes at least this many pairs: fewer do not pay for starting one.
constexpr size_t kPairsPerThread = size_t{1} << 16;

inline size_t Digit(uint64_t key, int digit) {
  return static_cast<size_t>(key >> (digit * kDigitBits)) & (kBuckets - 1);
}

void StableSortSmall(BigVector<uint64_t>* keys, BigVector<uint32_t>* tags) {
  std::vector<std::pair<uint64_t, uint32_t>> pairs(keys->size());
  for (size_t i = 0; i < pairs.size(); ++i) pairs[i] = {(*keys)[i], (*tags)[i]};
  std::stable_sort(pairs.begin(), pairs.end(),
                   [](const auto& a, const auto& b) { return a.first < b.first; });
  for (size_t i = 0; i < pairs.size(); ++i) {
    (*keys)[i] = pairs[i].first;
    (*tags)[i] = pairs[i].second;
  }
}

// Lets `count` threads wait for each other, again and again.
class Barrier {
 public:
  explicit Barrier(int count) : count_(count) {}
  void Wait() {
    std::unique_lock<std::mutex> lock(mutex_);
    const unsigned generation = generation_;
    if (++waiting_ == count_) {
      waiting_ = 0;
      ++generation_;
      all_here_.notify_all();
      return;
    }
    all_here_.wait(lock, [&] { return generation_ != generation; });
  }

 private:
  const int count_;
  int waiting_ = 0;
  unsigned generation_ = 0;
  std::mutex mutex_;
  std::condition_variable all_here_;
};

// The sort shared by its threads. Thread t owns the t-th of `threads` equal chunks of the
// pairs in every pass: it counts the digit in its chunk, and after everyone has counted it
// writes its chunk's pairs to the places that the counts of all chunks give them: bucket by
// bucket, chunk 0's first, so the result is the stable order for any number of threads.
class ParallelRadixSort {
 public:
  ParallelRadixSort(BigVector<uint64_t>* keys, BigVector<uint32_t>* tags, int threads)
      : n_(keys->size()),
        threads_(threads),
        keys_{keys->data(), nullptr},
        tags_{tags->data(), nullptr},
        counts_(static_cast<size_t>(threads) * kDigits * kBuckets),
        barrier_(threads) {}

  // Sorts; returns whether the result is in the buffers (an odd number of passes ran).
  bool Run(BigVector<uint64_t>* key_buffer, BigVector<uint32_t>* tag_buffer) {
    key_buffer->resize(n_);
    tag_buffer->resize(n_);
    keys_[1] = key_buffer->data();
    tags_[1] = tag_buffer->data();
    std::vector<std::thread> workers;
    for (int t = 1; t < threads_; ++t) workers.emplace_back([this, t] { Work(t); });
    const int passes = Work(0);
    for (std::thread& worker : workers) worker.join();
    return passes % 2 == 1;
  }

 private:
  size_t* Counts(int thread, int digit) {
    return &counts_[(static_cast<size_t>(thread) * kDigits + digit) * kBuckets];
  }
  size_t ChunkBegin(int thread) const { return n_ * thread / threads_; }

  // Thread t's part of the sort; returns the number of passes.
  int Work(int t) {
    const size_t begin = ChunkBegin(t);
    const size_t end = ChunkBegin(t + 1);
    // Every digit of the chunk, counted at once: the counts of the first pass, and which
    // digits all keys share (those passes would leave the order as it is).
    for (size_t i = begin; i < end; ++i) {
      for (int d = 0; d < kDigits; ++d) ++Counts(t, d)[Digit(keys_[0][i], d)];
    }
    barrier_.Wait();
    // Decided by every thread alike, before any pass moves a pair or recounts.
    int digits[kDigits];
    int passes = 0;
    for (int d = 0; d < kDigits; ++d) {
      size_t same = 0;  // how many keys share the first key's digit d
      for (int u = 0; u < threads_; ++u) same += Counts(u, d)[Digit(keys_[0][0], d)];
      if (same != n_) digits[passes++] = d;
    }
    for (int pass = 0; pass < passes; ++pass) {
      const int d = digits[pass];
      const uint64_t* key_in = keys_[pass % 2];
      const uint32_t* tag_in = tags_[pass % 2];
      uint64_t* key_out = keys_[1 - pass % 2];
      uint32_t* tag_out = tags_[1 - pass % 2];
      if (pass > 0) {  // the pairs have moved since the first count
        size_t* counts = Counts(t, d);
        std::fill(counts, counts + kBuckets, 0);
        for (size_t i = begin; i < end; ++i) ++counts[Digit(key_in[i], d)];
        barrier_.Wait();
      }
      // Where this chunk's pairs of each bucket go: after all pairs of smaller buckets and
      // after the earlier chunks' pairs of the same bucket.
      size_t next[kBuckets];
      size_t sum = 0;
      for (int b = 0; b < kBuckets; ++b) {
        for (int u = 0; u < threads_; ++u) {
          if (u == t) next[b] = sum;
          sum += Counts(u, d)[b];
        }
      }
      for (size_t i = begin; i < end; ++i) {
        const size_t to = next[Digit(key_in[i], d)]++;
        key_out[to] = key_in[i];
        tag_out[to] = tag_in[i];
      }
      barrier_.Wait();
    }
    return passes;
  }

  const size_t n_;
  const int threads_;
  // [0] the caller's vectors, [1] the buffers; passes alternate between them.
  uint64_t* keys_[2];
  uint32_t* tags_[2];
  std::vector<size_t> counts_;  // [thread][digit][bucket]
  Barrier barrier_;
};

}  // namespace

void RadixSortByKey(BigVector<uint64_t>* keys, BigVector<uint32_t>* tags, int threads) {
  const size_t n = keys->size();
  if (n < kSmall) {
    StableSortSmall(keys, tags);
    return;
  }
  threads = static_cast<int>(
      std::clamp<size_t>(std::min<size_t>(threads, n / kPairsPerThread), 1, kMaxSortThreads));
  BigVector<uint64_t> key_buffer;
  BigVector<uint32_t> tag_buffer;
  if (ParallelRadixSort(keys, tags, threads).Run(&key_buffer, &tag_buffer)) {
    keys->swap(key_buffer);
    tags->swap(tag_buffer);
  }
}

}  // namespace mammo::metrics
