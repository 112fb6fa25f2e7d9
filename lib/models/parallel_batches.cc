#include "lib/models/parallel_batches.h"

#include <ATen/Parallel.h>

#include <atomic>
#include <thread>

#include "lib/models/compute_threads.h"

namespace mammo::models {

std::vector<absl::StatusOr<torch::Tensor>> RunBatchesInParallel(
    size_t count, int threads, const std::function<absl::StatusOr<torch::Tensor>(size_t)>& run) {
  std::vector<absl::StatusOr<torch::Tensor>> results(count, absl::UnknownError("not run"));
  const int previous_threads = at::get_num_threads();
  SetComputeThreads(1);
  std::atomic<size_t> next{0};
  const auto work = [&] {
    for (size_t i = next++; i < count; i = next++) results[i] = run(i);
  };
  std::vector<std::thread> helpers;
  for (size_t t = 1; t < std::min<size_t>(count, threads < 1 ? 1 : threads); ++t) {
    helpers.emplace_back([&work] {
      at::init_num_threads();  // a new thread's OpenMP team size is the machine's, not 1
      work();
    });
  }
  work();
  for (std::thread& helper : helpers) helper.join();
  SetComputeThreads(previous_threads);
  return results;
}

}  // namespace mammo::models
