// Data-parallel gradients summed over the ranks while backward still runs, as PyTorch's DDP
// does: the trainable parameters are split into buckets of about kBucketBytes, in reverse order
// (the order backward produces their gradients), and a hook on each parameter copies its
// gradient into its bucket's flat buffer; a bucket whose gradients are all in starts its sum on
// the process group's threads while backward goes on through the earlier layers.
//
//   GradientSum sum(task.parameters, *communicator);  // once: hooks on the parameters
//   for (each step) {
//     loss.backward();                                // buckets start summing as they fill
//     RETURN_IF_ERROR(sum.Finish());                  // every p.grad(): the ranks' sum
//   }
//
// Every rank must start the same sums in the same order, so buckets start strictly in index
// order: a bucket that fills before an earlier one waits for it. A rank whose backward leaves
// some gradient out (no rows in this batch: no backward at all) sums zeros for it in Finish.
// The sums are those of one buffer summed at once, element for element.
#ifndef MAMMO_LIB_TRAIN_GRADIENT_SUM_H_
#define MAMMO_LIB_TRAIN_GRADIENT_SUM_H_

#include <torch/torch.h>

#include <cstdint>
#include <optional>
#include <vector>

#include "absl/status/status.h"
#include "lib/distributed/communicator.h"

namespace mammo::train {

class GradientSum {
 public:
  // DDP's default bucket size: a few sums per step, each large enough to move at full speed.
  static constexpr int64_t kBucketBytes = 25 << 20;

  GradientSum(const std::vector<torch::Tensor>& parameters, distributed::Communicator& communicator,
              int64_t bucket_bytes = kBucketBytes);
  // Removes the hooks.
  ~GradientSum();
  GradientSum(const GradientSum&) = delete;
  GradientSum& operator=(const GradientSum&) = delete;

  // After this rank's backward (or none): starts the buckets not started yet, waits for every
  // sum and sets each parameter's gradient to its slice of the sums, then readies the buckets
  // for the next backward. Unavailable when a rank died (Communicator's errors); Internal when
  // a parameter's gradient came twice in one backward (a parameter used twice in the graph).
  absl::Status Finish();

  int buckets() const { return static_cast<int>(buckets_.size()); }

 private:
  struct Bucket {
    torch::Tensor flat;  // the members' gradients, end to end
    size_t members = 0;  // parameters in it
    size_t arrived = 0;  // of them, this backward
    std::optional<distributed::Communicator::PendingSum> pending;
  };
  void OnGradient(size_t parameter, const torch::Tensor& gradient);
  // Starts bucket `next_to_start_` and the ones after it, while they are full.
  void StartFullBuckets();
  void Start(Bucket& bucket);

  std::vector<torch::Tensor> parameters_;
  distributed::Communicator& communicator_;
  std::vector<size_t> bucket_of_;  // per parameter
  std::vector<int64_t> offset_;    // per parameter: where it starts in its bucket's buffer
  std::vector<bool> arrived_;      // per parameter, this backward
  std::vector<unsigned> hooks_;    // per parameter
  std::vector<Bucket> buckets_;
  size_t next_to_start_ = 0;
  absl::Status error_;  // the first failure of this backward, reported by Finish
};

}  // namespace mammo::train

#endif  // MAMMO_LIB_TRAIN_GRADIENT_SUM_H_
