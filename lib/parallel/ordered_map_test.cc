#include "lib/parallel/ordered_map.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <optional>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "gtest/gtest.h"

namespace mammo {
namespace {

void SleepMicros(int us) { std::this_thread::sleep_for(std::chrono::microseconds(us)); }

// Random per-item delays, fixed per seed, so that items finish out of order.
std::vector<int> Delays(size_t n, uint32_t seed) {
  std::mt19937 rng(seed);
  std::uniform_int_distribution<int> us(0, 300);
  std::vector<int> delays(n);
  for (int& d : delays) d = us(rng);
  return delays;
}

TEST(OrderedMapTest, OrderPreservedWithRandomDelaysForAnyThreadCount) {
  const size_t n = 200;
  const std::vector<int> delays = Delays(n, 7);
  for (int threads = 1; threads <= 4; ++threads) {
    for (size_t window : {size_t{1}, size_t{3}, size_t{0}}) {
      std::vector<uint64_t> out;
      const absl::Status status = OrderedMapIndices<uint64_t>(
          {threads, window}, n,
          [&](size_t i) -> absl::StatusOr<uint64_t> {
            SleepMicros(delays[i]);
            return i * i + 1;
          },
          [&](size_t i, uint64_t v) {
            EXPECT_EQ(i, out.size());
            out.push_back(v);
            return absl::OkStatus();
          });
      ASSERT_TRUE(status.ok()) << status;
      ASSERT_EQ(out.size(), n) << threads << " threads";
      for (size_t i = 0; i < n; ++i)
        EXPECT_EQ(out[i], i * i + 1) << threads << " threads, item " << i;
    }
  }
}

TEST(OrderedMapTest, ZeroItems) {
  for (int threads = 1; threads <= 4; ++threads) {
    int work_calls = 0;
    int consume_calls = 0;
    const absl::Status status = OrderedMapIndices<int>(
        {threads, 0}, 0,
        [&](size_t) -> absl::StatusOr<int> {
          ++work_calls;
          return 0;
        },
        [&](size_t, int) {
          ++consume_calls;
          return absl::OkStatus();
        });
    EXPECT_TRUE(status.ok());
    EXPECT_EQ(work_calls, 0);
    EXPECT_EQ(consume_calls, 0);
  }
}

TEST(OrderedMapTest, NeverMoreThanTheWindowInFlight) {
  const size_t n = 300;
  const std::vector<int> delays = Delays(n, 11);
  for (int threads = 2; threads <= 4; ++threads) {
    for (size_t window : {size_t{1}, size_t{2}, size_t{5}}) {
      std::atomic<size_t> in_flight{0};  // produced, not yet consumed
      std::atomic<size_t> most{0};
      std::atomic<int> running{0};
      std::atomic<int> most_running{0};
      size_t produced = 0;
      const absl::Status status = OrderedMap<size_t, size_t>(
          {threads, window},
          [&]() -> absl::StatusOr<std::optional<size_t>> {
            if (produced == n) return std::optional<size_t>();
            const size_t now = ++in_flight;
            most = std::max(most.load(), now);
            return std::optional<size_t>(produced++);
          },
          [&](size_t i) -> absl::StatusOr<size_t> {
            const int r = ++running;
            int seen = most_running.load();
            while (r > seen && !most_running.compare_exchange_weak(seen, r)) {
            }
            SleepMicros(delays[i]);
            --running;
            return i;
          },
          [&](size_t) {
            --in_flight;
            return absl::OkStatus();
          });
      ASSERT_TRUE(status.ok()) << status;
      EXPECT_LE(most.load(), window) << threads << " threads";
      EXPECT_LE(most_running.load(), std::min<int>(threads, static_cast<int>(window)));
      EXPECT_EQ(in_flight.load(), 0u);
    }
  }
}

// Item 0 is slow and holds the consumer; item 1 fails at once. Without the stop, the free
// workers would go on to start the rest of the window (64 items); with it, only the items
// already running when item 1 failed (at most one per other worker) ever start.
TEST(OrderedMapTest, AWorkErrorStopsNewItems) {
  for (int threads = 1; threads <= 4; ++threads) {
    std::atomic<int> started{0};
    std::atomic<int> running_at_return{0};
    std::atomic<int> running{0};
    std::vector<size_t> consumed;
    const absl::Status status = OrderedMapIndices<size_t>(
        {threads, 64}, 1000,
        [&](size_t i) -> absl::StatusOr<size_t> {
          ++started;
          ++running;
          if (i == 0) SleepMicros(100000);
          if (i >= 2) SleepMicros(2000);
          --running;
          if (i == 1) return absl::DataLossError("item 1 is bad");
          return i;
        },
        [&](size_t i, size_t) {
          consumed.push_back(i);
          return absl::OkStatus();
        });
    running_at_return = running.load();
    EXPECT_EQ(status, absl::DataLossError("item 1 is bad")) << threads << " threads";
    EXPECT_LE(started.load(), std::max(2, threads)) << threads << " threads";
    EXPECT_EQ(consumed, std::vector<size_t>({0})) << threads << " threads";
    EXPECT_EQ(running_at_return.load(), 0) << "workers not joined";
  }
}

// Several items fail, in a timing that varies; the error returned is always the first failing
// item's in input order, and everything before it was consumed.
TEST(OrderedMapTest, TheFirstFailingItemInInputOrderWins) {
  const size_t n = 100;
  const std::vector<int> delays = Delays(n, 3);
  for (int threads = 1; threads <= 4; ++threads) {
    std::vector<size_t> consumed;
    const absl::Status status = OrderedMapIndices<size_t>(
        {threads, 8}, n,
        [&](size_t i) -> absl::StatusOr<size_t> {
          // Item 40 is slow; the later failures finish before it.
          SleepMicros(i == 40 ? 20000 : delays[i]);
          if (i == 40 || i == 43 || i == 47) return absl::InternalError(std::to_string(i));
          return i;
        },
        [&](size_t i, size_t) {
          consumed.push_back(i);
          return absl::OkStatus();
        });
    EXPECT_EQ(status, absl::InternalError("40")) << threads << " threads";
    ASSERT_EQ(consumed.size(), 40u);
    for (size_t i = 0; i < consumed.size(); ++i) EXPECT_EQ(consumed[i], i);
  }
}

TEST(OrderedMapTest, AConsumerErrorStopsEverything) {
  for (int threads = 1; threads <= 4; ++threads) {
    const size_t window = 6;
    std::atomic<int> started{0};
    std::atomic<int> finished{0};
    std::atomic<size_t> highest_started{0};
    int consume_calls = 0;
    const absl::Status status = OrderedMapIndices<size_t>(
        {threads, window}, 1000,
        [&](size_t i) -> absl::StatusOr<size_t> {
          ++started;
          size_t seen = highest_started.load();
          while (i > seen && !highest_started.compare_exchange_weak(seen, i)) {
          }
          SleepMicros(200);
          ++finished;
          return i;
        },
        [&](size_t i, size_t) {
          ++consume_calls;
          if (i == 5) return absl::ResourceExhaustedError("disk full");
          return absl::OkStatus();
        });
    EXPECT_EQ(status, absl::ResourceExhaustedError("disk full"));
    EXPECT_EQ(consume_calls, 6) << "consumed after the error";
    EXPECT_EQ(started.load(), finished.load()) << "workers not joined";
    // Nothing is produced once the consumer has failed: the last item ever started is within
    // the window that was in flight when item 5 was consumed.
    EXPECT_LT(highest_started.load(), 5 + window) << threads << " threads";
  }
}

TEST(OrderedMapTest, AProducerErrorComesAfterTheItemsBeforeIt) {
  for (int threads = 1; threads <= 4; ++threads) {
    size_t produced = 0;
    std::vector<size_t> consumed;
    const absl::Status status = OrderedMap<size_t, size_t>(
        {threads, 4},
        [&]() -> absl::StatusOr<std::optional<size_t>> {
          if (produced == 10) return absl::DataLossError("truncated input");
          return std::optional<size_t>(produced++);
        },
        [&](size_t i) -> absl::StatusOr<size_t> {
          SleepMicros(static_cast<int>(10 - i) * 100);
          return i;
        },
        [&](size_t v) {
          consumed.push_back(v);
          return absl::OkStatus();
        });
    EXPECT_EQ(status, absl::DataLossError("truncated input"));
    EXPECT_EQ(consumed, std::vector<size_t>({0, 1, 2, 3, 4, 5, 6, 7, 8, 9}));
  }
}

// A work error before a producer error in input order wins.
TEST(OrderedMapTest, AnEarlierWorkErrorBeatsALaterProducerError) {
  for (int threads = 1; threads <= 4; ++threads) {
    size_t produced = 0;
    const absl::Status status = OrderedMap<size_t, size_t>(
        {threads, 4},
        [&]() -> absl::StatusOr<std::optional<size_t>> {
          if (produced == 3) return absl::DataLossError("truncated input");
          return std::optional<size_t>(produced++);
        },
        [&](size_t i) -> absl::StatusOr<size_t> {
          SleepMicros(1000);
          if (i == 1) return absl::InternalError("item 1");
          return i;
        },
        [&](size_t) { return absl::OkStatus(); });
    EXPECT_EQ(status, absl::InternalError("item 1"));
  }
}

// Move-only items and results pass through without copies.
TEST(OrderedMapTest, MoveOnlyTypes) {
  size_t produced = 0;
  std::string joined;
  const absl::Status status = OrderedMap<std::unique_ptr<int>, std::unique_ptr<std::string>>(
      {3, 2},
      [&]() -> absl::StatusOr<std::optional<std::unique_ptr<int>>> {
        if (produced == 5) return std::optional<std::unique_ptr<int>>();
        return std::optional<std::unique_ptr<int>>(
            std::make_unique<int>(static_cast<int>(produced++)));
      },
      [](std::unique_ptr<int> x) -> absl::StatusOr<std::unique_ptr<std::string>> {
        return std::make_unique<std::string>(std::to_string(*x));
      },
      [&](std::unique_ptr<std::string> s) {
        joined += *s;
        return absl::OkStatus();
      });
  ASSERT_TRUE(status.ok());
  EXPECT_EQ(joined, "01234");
}

}  // namespace
}  // namespace mammo
