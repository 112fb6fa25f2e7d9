#include "lib/train/loss_scaler.h"

namespace mammo::train {

void LossScaler::Backward(const torch::Tensor& loss) const { (loss * scale_).backward(); }

bool LossScaler::Unscale(const std::vector<torch::Tensor>& parameters) {
  bool finite = true;
  for (const torch::Tensor& p : parameters) {
    if (!p.grad().defined()) continue;
    p.grad().div_(scale_);
    finite = finite && p.grad().isfinite().all().item<bool>();
  }
  if (!finite) {
    scale_ /= 2;
    good_steps_ = 0;
    return false;
  }
  if (++good_steps_ == kGrowthInterval) {
    scale_ *= 2;
    good_steps_ = 0;
  }
  return true;
}

}  // namespace mammo::train
