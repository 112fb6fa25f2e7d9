#include "lib/train/batch_dropout.h"

#include <vector>

namespace mammo::train {
namespace {

struct Part {
  int64_t global_rows = 0;  // 0: no part, plain dropout
  int64_t first_row = 0;
};
thread_local Part current_part;

}  // namespace

GlobalBatchPart::GlobalBatchPart(int64_t global_rows, int64_t first_row) {
  current_part = {global_rows, first_row};
}

GlobalBatchPart::~GlobalBatchPart() { current_part = {}; }

torch::Tensor BatchDropout(const torch::Tensor& x, double p, bool training) {
  if (current_part.global_rows == 0 || !training || p == 0) return torch::dropout(x, p, training);
  // torch::dropout multiplies its input by a mask it draws for the input's shape; the mask
  // drawn here is the same for the whole batch's shape (dropout of ones is the mask itself).
  std::vector<int64_t> shape = x.sizes().vec();
  shape[0] = current_part.global_rows;
  const torch::Tensor mask = torch::dropout(torch::ones(shape, x.options()), p, true);
  return x * mask.narrow(0, current_part.first_row, x.size(0));
}

}  // namespace mammo::train
