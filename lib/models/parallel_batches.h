// Whole batches in parallel, each on a thread whose LibTorch operations run single-threaded.
// A batch's result then depends only on the batch, never on the thread count: LibTorch's own
// intra-op threads would split a convolution's sums differently for each count and change
// the last bits.
//
//   std::vector<absl::StatusOr<torch::Tensor>> pooled = RunBatchesInParallel(
//       batches.size(), threads, [&](size_t i) -> absl::StatusOr<torch::Tensor> {
//         torch::InferenceMode inference;  // guards are per thread: set them inside
//         return net->Features(batches[i]);
//       });
#ifndef MAMMO_LIB_MODELS_PARALLEL_BATCHES_H_
#define MAMMO_LIB_MODELS_PARALLEL_BATCHES_H_

#include <torch/torch.h>

#include <functional>
#include <vector>

#include "absl/status/statusor.h"

namespace mammo::models {

// Runs run(0) ... run(count - 1) on `threads` worker threads (lib/parallel/ordered_map.h; on
// the caller's thread when threads <= 1) and returns the results by index. LibTorch's and
// OpenBLAS's thread counts are 1 while they run (SetComputeThreads) and are set back to
// LibTorch's previous count afterwards. `run` is called from other threads: thread-local state
// such as NoGradGuard or InferenceMode must be set inside it. When run(k) fails, the batches
// after k are not started: the first result that is not ok is the failure.
std::vector<absl::StatusOr<torch::Tensor>> RunBatchesInParallel(
    size_t count, int threads, const std::function<absl::StatusOr<torch::Tensor>(size_t)>& run);

}  // namespace mammo::models

#endif  // MAMMO_LIB_MODELS_PARALLEL_BATCHES_H_
