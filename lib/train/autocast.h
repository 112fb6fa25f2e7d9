// Mixed precision on CUDA with LibTorch 1.13's autocast (ATen/autocast_mode.h), which has no
// C++ RAII guard of its own: inside a CudaAutocast scope with `on` true, CUDA convolutions and
// matrix products run in float16 and precision-sensitive ops (losses, reductions, softmax)
// in float32, as torch.autocast("cuda") does in Python. With `on` false it does nothing, so
// CPU code paths are unchanged.
//
//   {
//     CudaAutocast autocast(options.mixed_precision);
//     logits = model->forward(images);          // float16 activations
//   }
//   loss = bce(logits.to(torch::kFloat32), y);  // the loss in float32
//
// Not exercised here: this machine has no GPU and Debian's LibTorch no CUDA.
#ifndef MAMMO_LIB_TRAIN_AUTOCAST_H_
#define MAMMO_LIB_TRAIN_AUTOCAST_H_

#include <ATen/autocast_mode.h>

namespace mammo::train {

class CudaAutocast {
 public:
  explicit CudaAutocast(bool on) : on_(on) {
    if (!on_) return;
    previous_ = at::autocast::is_enabled();
    at::autocast::set_enabled(true);
    at::autocast::increment_nesting();
  }
  ~CudaAutocast() {
    if (!on_) return;
    // As torch.autocast's __exit__: the cache of float16 weight copies lives for the
    // outermost region only.
    if (at::autocast::decrement_nesting() == 0) at::autocast::clear_cache();
    at::autocast::set_enabled(previous_);
  }
  CudaAutocast(const CudaAutocast&) = delete;
  CudaAutocast& operator=(const CudaAutocast&) = delete;

 private:
  bool on_;
  bool previous_ = false;
};

}  // namespace mammo::train

#endif  // MAMMO_LIB_TRAIN_AUTOCAST_H_
