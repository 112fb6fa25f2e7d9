// Dynamic loss scaling for float16 training, as torch.cuda.amp.GradScaler does it with its
// defaults: float16 gradients of a small loss underflow to zero, so the loss is multiplied by
// a large scale before backward and the gradients divided by it after. A step whose gradients
// overflow (inf or NaN) is skipped and the scale halves; after 2000 good steps in a row it
// doubles. Weights and optimizer state stay float32.
//
//   LossScaler scaler;  // scale 2^16; LossScaler(scale, good_steps) when resuming
//   loss = ...;         // float32
//   scaler.Backward(loss);
//   // (data-parallel training sums the scaled gradients over the ranks here)
//   if (scaler.Unscale(parameters)) StepRmsprop(optimizer);
//   // checkpoint scaler.scale() and scaler.good_steps() with the weights
#ifndef MAMMO_LIB_TRAIN_LOSS_SCALER_H_
#define MAMMO_LIB_TRAIN_LOSS_SCALER_H_

#include <torch/torch.h>

#include <vector>

namespace mammo::train {

class LossScaler {
 public:
  static constexpr double kInitialScale = 65536.0;  // GradScaler's init_scale
  static constexpr int kGrowthInterval = 2000;      // GradScaler's growth_interval

  LossScaler() = default;
  // A scaler restored from a checkpoint, so that a resumed run scales as the uninterrupted one.
  LossScaler(double scale, int good_steps) : scale_(scale), good_steps_(good_steps) {}

  // Runs (loss * scale).backward().
  void Backward(const torch::Tensor& loss) const;
  // Divides every defined gradient of `parameters` by the scale, and returns whether all of
  // them are finite: true means take the optimizer step. Updates the scale as described above.
  bool Unscale(const std::vector<torch::Tensor>& parameters);

  double scale() const { return scale_; }
  int good_steps() const { return good_steps_; }  // finite steps since the scale last changed

 private:
  double scale_ = kInitialScale;
  int good_steps_ = 0;
};

}  // namespace mammo::train

#endif  // MAMMO_LIB_TRAIN_LOSS_SCALER_H_
