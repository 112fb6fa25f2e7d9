// Mixed precision with LibTorch's autocast (ATen/autocast_mode.h), which has no C++ RAII guard
// of its own. Inside an Autocast scope with `on` true, convolutions and matrix products run in
// a 16-bit type and precision-sensitive ops (losses, reductions, softmax) in float32, as
// torch.autocast does in Python: float16 on CUDA (--precision fp16), bfloat16 on the CPU
// (--precision bf16, fast where the CPU has AVX512-BF16 or AMX). With `on` false it does
// nothing, so float32 code paths are unchanged. The state is per thread: open the scope on the
// thread that runs the model (inside a RunBatchesInParallel worker, for example).
//
//   {
//     Autocast autocast(device.type(), precision != Precision::kFloat32);
//     logits = model->forward(images);          // 16-bit activations
//   }
//   loss = bce(logits.to(torch::kFloat32), y);  // the loss in float32
//
// Debian's LibTorch (1.13) has no CUDA: the CUDA path is checked on a GPU machine against
// PyTorch 2.x (tools/gpu/cuda_check.sh), whose autocast API names the device type.
#ifndef MAMMO_LIB_TRAIN_AUTOCAST_H_
#define MAMMO_LIB_TRAIN_AUTOCAST_H_

#include <ATen/autocast_mode.h>
#include <c10/core/DeviceType.h>
#include <torch/version.h>

namespace mammo::train {

class Autocast {
 public:
  Autocast(c10::DeviceType device, bool on) : cpu_(device == c10::DeviceType::CPU), on_(on) {
    if (!on_) return;
    previous_ = IsEnabled();
    SetEnabled(true);
    at::autocast::increment_nesting();
  }
  ~Autocast() {
    if (!on_) return;
    // As torch.autocast's __exit__: the cache of 16-bit weight copies lives for the outermost
    // region only.
    if (at::autocast::decrement_nesting() == 0) at::autocast::clear_cache();
    SetEnabled(previous_);
  }
  Autocast(const Autocast&) = delete;
  Autocast& operator=(const Autocast&) = delete;

 private:
  // LibTorch 2.4 deprecated the per-device calls in favour of ones that take the device type.
#if TORCH_VERSION_MAJOR > 2 || (TORCH_VERSION_MAJOR == 2 && TORCH_VERSION_MINOR >= 4)
  bool IsEnabled() const { return at::autocast::is_autocast_enabled(cpu_ ? at::kCPU : at::kCUDA); }
  void SetEnabled(bool on) const {
    if (cpu_) at::autocast::set_autocast_dtype(at::kCPU, at::kBFloat16);
    at::autocast::set_autocast_enabled(cpu_ ? at::kCPU : at::kCUDA, on);
  }
#else
  bool IsEnabled() const {
    return cpu_ ? at::autocast::is_cpu_enabled() : at::autocast::is_enabled();
  }
  void SetEnabled(bool on) const {
    if (!cpu_) return at::autocast::set_enabled(on);
    at::autocast::set_autocast_cpu_dtype(at::kBFloat16);
    at::autocast::set_cpu_enabled(on);
  }
#endif

  bool cpu_;
  bool on_;
  bool previous_ = false;
};

}  // namespace mammo::train

#endif  // MAMMO_LIB_TRAIN_AUTOCAST_H_
