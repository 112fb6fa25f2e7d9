// An ordered parallel map: items from a producer are transformed by worker threads and handed
// to a consumer in input order, with a bounded number of items in flight.
//
//   int i = 0;
//   RETURN_IF_ERROR(OrderedMap<int, std::string>(
//       {.threads = 4, .window = 16},
//       [&]() -> absl::StatusOr<std::optional<int>> {          // caller's thread, in order
//         if (i == 100) return std::nullopt;                   // nullopt: no more items
//         return i++;
//       },
//       [](int x) -> absl::StatusOr<std::string> { return Render(x); },   // worker threads
//       [&](std::string s) { return out->Write(s); }));        // caller's thread, in order
//
//   // The same over the indices 0..n-1:
//   RETURN_IF_ERROR(OrderedMapIndices<Record>({.threads = t}, n,
//       [&](size_t i) { return MakeRecord(i); },
//       [&](size_t i, Record r) { return writer->Write(r); }));
//
// The producer and the consumer run on the calling thread; `work` runs on `threads` worker
// threads (inline on the calling thread when threads <= 1). At most `window` items are in
// flight: produced and not yet consumed, so at most `window` items or results are held at
// once. The consumer sees the results in input order, so what it writes does not depend on
// the thread count or on timing.
//
// Errors behave as in a sequential loop. When `work` fails for item k, no item after k is
// started; the items before k still run and are consumed, and the call returns the error of
// the first failing item in input order (k's, or an earlier one's), whatever the timing. A
// producer error is returned after the items produced before it are consumed; a consumer
// error is returned at once. In every case the workers are joined before the call returns,
// nothing is consumed after the error, and every consumed result was whole.
#ifndef MAMMO_LIB_PARALLEL_ORDERED_MAP_H_
#define MAMMO_LIB_PARALLEL_ORDERED_MAP_H_

#include <algorithm>
#include <condition_variable>
#include <cstddef>
#include <deque>
#include <limits>
#include <memory>
#include <mutex>
#include <optional>
#include <thread>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace mammo {

struct OrderedMapOptions {
  int threads = 1;    // worker threads; <= 1 runs everything on the calling thread
  size_t window = 0;  // items in flight at most; 0 means 4 * threads
};

// Next: absl::StatusOr<std::optional<Item>>()      called in order until nullopt or an error
// Work: absl::StatusOr<Result>(Item)               called on worker threads
// Consume: absl::Status(Result)                    called in input order
template <typename Item, typename Result, typename Next, typename Work, typename Consume>
absl::Status OrderedMap(const OrderedMapOptions& options, Next next, Work work, Consume consume) {
  const int threads = std::max(1, options.threads);
  if (options.threads <= 1) {
    while (true) {
      absl::StatusOr<std::optional<Item>> item = next();
      if (!item.ok()) return item.status();
      if (!item->has_value()) return absl::OkStatus();
      absl::StatusOr<Result> result = work(std::move(**item));
      if (!result.ok()) return result.status();
      absl::Status consumed = consume(std::move(*result));
      if (!consumed.ok()) return consumed;
    }
  }
  const size_t window = options.window > 0 ? options.window : 4 * static_cast<size_t>(threads);

  struct Slot {
    std::optional<Item> item;
    std::optional<absl::StatusOr<Result>> result;  // set when done
  };
  std::mutex mu;
  std::condition_variable work_ready;       // a slot to start, or stopping
  std::condition_variable front_done;       // a slot finished
  std::deque<std::unique_ptr<Slot>> slots;  // in flight, oldest first; slots[0] is item `front`
  size_t front = 0;                         // index of slots[0]
  size_t started = 0;                       // items handed to workers: indices < started
  size_t limit = std::numeric_limits<size_t>::max();  // no item with index >= limit starts
  bool stopping = false;

  auto worker = [&] {
    std::unique_lock<std::mutex> lock(mu);
    while (true) {
      work_ready.wait(
          lock, [&] { return stopping || (started < front + slots.size() && started < limit); });
      if (stopping) return;
      const size_t index = started++;
      // Slots are heap-allocated and removed only once done, so `slot` stays valid.
      Slot* slot = slots[index - front].get();
      Item item = std::move(*slot->item);
      slot->item.reset();
      lock.unlock();
      absl::StatusOr<Result> result = work(std::move(item));
      lock.lock();
      if (!result.ok()) limit = std::min(limit, index + 1);
      slot->result.emplace(std::move(result));
      front_done.notify_all();
    }
  };
  std::vector<std::thread> pool;
  pool.reserve(threads);
  for (int t = 0; t < threads; ++t) pool.emplace_back(worker);

  absl::Status status;
  absl::Status producer_status;
  bool more = true;
  std::unique_lock<std::mutex> lock(mu);
  while (true) {
    while (more && front + slots.size() < limit && slots.size() < window) {
      lock.unlock();
      absl::StatusOr<std::optional<Item>> item = next();
      lock.lock();
      if (!item.ok()) {
        producer_status = item.status();
        more = false;
      } else if (!item->has_value()) {
        more = false;
      } else {
        auto slot = std::make_unique<Slot>();
        slot->item.emplace(std::move(**item));
        slots.push_back(std::move(slot));
        work_ready.notify_one();
      }
    }
    if (slots.empty()) {
      status = producer_status;
      break;
    }
    front_done.wait(lock, [&] { return slots.front()->result.has_value(); });
    std::unique_ptr<Slot> slot = std::move(slots.front());
    slots.pop_front();
    ++front;
    if (!slot->result->ok()) {
      status = slot->result->status();
      break;
    }
    lock.unlock();
    status = consume(std::move(**slot->result));
    slot.reset();
    lock.lock();
    if (!status.ok()) break;
  }
  stopping = true;
  lock.unlock();
  work_ready.notify_all();
  for (std::thread& t : pool) t.join();
  return status;
}

// OrderedMap over the indices 0..n-1. Work: absl::StatusOr<Result>(size_t);
// Consume: absl::Status(size_t, Result).
template <typename Result, typename Work, typename Consume>
absl::Status OrderedMapIndices(const OrderedMapOptions& options, size_t n, Work work,
                               Consume consume) {
  size_t produced = 0;
  size_t consumed = 0;
  return OrderedMap<size_t, Result>(
      options,
      [&]() -> absl::StatusOr<std::optional<size_t>> {
        if (produced == n) return std::optional<size_t>();
        return std::optional<size_t>(produced++);
      },
      [&](size_t i) -> absl::StatusOr<Result> { return work(i); },
      [&](Result result) -> absl::Status { return consume(consumed++, std::move(result)); });
}

}  // namespace mammo

#endif  // MAMMO_LIB_PARALLEL_ORDERED_MAP_H_
