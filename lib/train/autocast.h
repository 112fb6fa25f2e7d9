// Mixed precision on CUDA with LibTorch's autocast (ATen/autocast_mode.h), which has no C++
// RAII guard of its own: inside a CudaAutocast scope with `on` true, CUDA convolutions and
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
// Debian's LibTorch (1.13) has no CUDA: the CUDA path is checked on a GPU machine against
// PyTorch 2.x (tools/gpu/cuda_check.sh), whose autocast API names the device type.
#ifndef MAMMO_LIB_TRAIN_AUTOCAST_H_
#define MAMMO_LIB_TRAIN_AUTOCAST_H_

#include <ATen/autocast_mode.h>
#include <torch/version.h>

namespace mammo::train {

class CudaAutocast {
 public:
  explicit CudaAutocast(bool on) : on_(on) {
    if (!on_) return;
    previous_ = IsEnabled();
    SetEnabled(true);
    at::autocast::increment_nesting();
  }
  ~CudaAutocast() {
    if (!on_) return;
    // As torch.autocast's __exit__: the cache of float16 weight copies lives for the
    // outermost region only.
    if (at::autocast::decrement_nesting() == 0) at::autocast::clear_cache();
    SetEnabled(previous_);
  }
  CudaAutocast(const CudaAutocast&) = delete;
  CudaAutocast& operator=(const CudaAutocast&) = delete;

 private:
  // LibTorch 2.4 deprecated the CUDA-only calls in favour of ones that take the device type.
#if TORCH_VERSION_MAJOR > 2 || (TORCH_VERSION_MAJOR == 2 && TORCH_VERSION_MINOR >= 4)
  static bool IsEnabled() { return at::autocast::is_autocast_enabled(at::kCUDA); }
  static void SetEnabled(bool on) { at::autocast::set_autocast_enabled(at::kCUDA, on); }
#else
  static bool IsEnabled() { return at::autocast::is_enabled(); }
  static void SetEnabled(bool on) { at::autocast::set_enabled(on); }
#endif

  bool on_;
  bool previous_ = false;
};

}  // namespace mammo::train

#endif  // MAMMO_LIB_TRAIN_AUTOCAST_H_
