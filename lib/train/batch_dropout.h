// Dropout for data-parallel training: each rank forwards only its part of every global batch,
// yet its dropout masks must be the rows of the masks one process would draw for the whole
// batch, or 1 and N ranks would not train the same weights. Under a GlobalBatchPart every rank
// draws the mask of the whole batch (the ranks' generators are seeded alike) and keeps its
// rows; outside one this is torch::dropout, bit for bit.
//
//   {
//     GlobalBatchPart part(/*global_rows=*/32, /*first_row=*/16);   // rank 1 of 2
//     logits = head->forward(features_of_rows_16_to_31);            // HeadImpl uses BatchDropout
//   }
#ifndef MAMMO_LIB_TRAIN_BATCH_DROPOUT_H_
#define MAMMO_LIB_TRAIN_BATCH_DROPOUT_H_

#include <torch/torch.h>

#include <cstdint>

namespace mammo::train {

// While alive, BatchDropout on this thread treats its input's rows as rows [first_row,
// first_row + n) of a batch of `global_rows`. Not nestable.
class GlobalBatchPart {
 public:
  GlobalBatchPart(int64_t global_rows, int64_t first_row);
  ~GlobalBatchPart();
  GlobalBatchPart(const GlobalBatchPart&) = delete;
  GlobalBatchPart& operator=(const GlobalBatchPart&) = delete;
};

// torch::dropout(x, p, training), with the mask drawn as described above under a
// GlobalBatchPart. x is [rows, ...].
torch::Tensor BatchDropout(const torch::Tensor& x, double p, bool training);

}  // namespace mammo::train

#endif  // MAMMO_LIB_TRAIN_BATCH_DROPOUT_H_
