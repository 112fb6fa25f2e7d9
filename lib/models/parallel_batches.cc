#include "lib/models/parallel_batches.h"

#include <ATen/Parallel.h>

#include "lib/models/compute_threads.h"
#include "lib/parallel/ordered_map.h"

namespace mammo::models {

std::vector<absl::StatusOr<torch::Tensor>> RunBatchesInParallel(
    size_t count, int threads, const std::function<absl::StatusOr<torch::Tensor>(size_t)>& run) {
  std::vector<absl::StatusOr<torch::Tensor>> results(count, absl::UnknownError("not run"));
  const int previous_threads = at::get_num_threads();
  SetComputeThreads(1);
  // Every batch may be in flight at once: the results are all kept anyway.
  const absl::Status first_error = OrderedMapIndices<torch::Tensor>(
      {.threads = threads, .window = count}, count,
      [&](size_t i) {
        // A new thread's OpenMP team size is the machine's, not the 1 set above.
        at::init_num_threads();
        return run(i);
      },
      [&](size_t i, torch::Tensor result) {
        results[i] = std::move(result);
        return absl::OkStatus();
      });
  // The batches after a failed one were not run; the first one not ok is the failure.
  if (!first_error.ok()) {
    for (absl::StatusOr<torch::Tensor>& result : results) {
      if (!result.ok()) {
        result = first_error;
        break;
      }
    }
  }
  SetComputeThreads(previous_threads);
  return results;
}

}  // namespace mammo::models
