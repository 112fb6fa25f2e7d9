#include "lib/train/rmsprop_step.h"

#include <immintrin.h>

#include <cmath>
#include <cstdint>
#include <memory>
#include <sstream>

namespace mammo::train {
namespace {

struct Coefficients {
  float alpha, one_minus_alpha, eps, negative_lr;
};

// square_avg = fma((1 - alpha) * grad, grad, square_avg * alpha)   (mul_, then addcmul_)
// parameter += (-lr * grad) / (sqrt(square_avg) + eps)               (sqrt, add_, addcdiv_)
// The scalars are float, as ATen casts them for float tensors.
__attribute__((target("avx2,fma"))) void FusedStep(const Coefficients& c, const float* grad,
                                                   float* square_avg, float* parameter, int64_t n) {
  const __m256 alpha = _mm256_set1_ps(c.alpha);
  const __m256 one_minus_alpha = _mm256_set1_ps(c.one_minus_alpha);
  const __m256 eps = _mm256_set1_ps(c.eps);
  const __m256 negative_lr = _mm256_set1_ps(c.negative_lr);
  int64_t i = 0;
  for (; i + 8 <= n; i += 8) {
    const __m256 g = _mm256_loadu_ps(grad + i);
    const __m256 decayed = _mm256_mul_ps(_mm256_loadu_ps(square_avg + i), alpha);
    const __m256 s = _mm256_fmadd_ps(_mm256_mul_ps(one_minus_alpha, g), g, decayed);
    _mm256_storeu_ps(square_avg + i, s);
    const __m256 avg = _mm256_add_ps(_mm256_sqrt_ps(s), eps);
    const __m256 update = _mm256_div_ps(_mm256_mul_ps(negative_lr, g), avg);
    _mm256_storeu_ps(parameter + i, _mm256_add_ps(_mm256_loadu_ps(parameter + i), update));
  }
  for (; i < n; ++i) {
    const float g = grad[i];
    const float s = std::fma(c.one_minus_alpha * g, g, square_avg[i] * c.alpha);
    square_avg[i] = s;
    parameter[i] += (c.negative_lr * g) / (std::sqrt(s) + c.eps);
  }
}

bool IsDenseCpuFloat(const torch::Tensor& t) {
  return t.is_cpu() && !t.is_sparse() && t.scalar_type() == torch::kFloat32 && t.is_contiguous();
}

bool Fusable(torch::optim::RMSprop& optimizer, const torch::optim::RMSpropOptions& options,
             const torch::Tensor& p) {
  if (options.momentum() != 0 || options.centered() || options.weight_decay() != 0 ||
      !IsDenseCpuFloat(p) || !IsDenseCpuFloat(p.grad()) || p.grad().numel() != p.numel()) {
    return false;
  }
  const auto found = optimizer.state().find(OptimizerStateKey(p));
  if (found == optimizer.state().end()) return true;
  const torch::Tensor& square_avg =
      static_cast<const torch::optim::RMSpropParamState&>(*found->second).square_avg();
  return IsDenseCpuFloat(square_avg) && square_avg.numel() == p.numel();
}

// A template, so that only the branch of this LibTorch's key type is compiled.
template <typename Key>
Key StateKeyOf(c10::TensorImpl* impl) {
  if constexpr (std::is_same_v<Key, std::string>) {
    std::ostringstream key;  // as LibTorch 1.x's c10::guts::to_string(impl)
    key << impl;
    return key.str();
  } else {
    return impl;
  }
}

}  // namespace

OptimizerStateKeyType OptimizerStateKey(const torch::Tensor& parameter) {
  return StateKeyOf<OptimizerStateKeyType>(parameter.unsafeGetTensorImpl());
}

void StepRmsprop(torch::optim::RMSprop& optimizer) {
  static const bool cpu_has_fma = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
  bool fusable = cpu_has_fma;
  for (const torch::optim::OptimizerParamGroup& group : optimizer.param_groups()) {
    const auto& options = static_cast<const torch::optim::RMSpropOptions&>(group.options());
    for (const torch::Tensor& p : group.params()) {
      fusable = fusable && (!p.grad().defined() || Fusable(optimizer, options, p));
    }
  }
  if (!fusable) {
    optimizer.step();
    return;
  }
  torch::NoGradGuard no_grad;
  for (torch::optim::OptimizerParamGroup& group : optimizer.param_groups()) {
    const auto& options = static_cast<const torch::optim::RMSpropOptions&>(group.options());
    const Coefficients c{static_cast<float>(options.alpha()),
                         static_cast<float>(1 - options.alpha()), static_cast<float>(options.eps()),
                         static_cast<float>(-options.lr())};
    for (torch::Tensor& p : group.params()) {
      if (!p.grad().defined()) continue;
      auto& slot = optimizer.state()[OptimizerStateKey(p)];
      if (slot == nullptr) {  // first step, as LibTorch starts it
        auto state = std::make_unique<torch::optim::RMSpropParamState>();
        state->step(0);
        state->square_avg(torch::zeros_like(p, torch::MemoryFormat::Preserve));
        slot = std::move(state);
      }
      auto& state = static_cast<torch::optim::RMSpropParamState&>(*slot);
      state.step(state.step() + 1);
      FusedStep(c, p.grad().data_ptr<float>(), state.square_avg().data_ptr<float>(),
                p.data_ptr<float>(), p.numel());
      p.unsafeGetTensorImpl()->bump_version();  // as an in-place operation would
    }
  }
}

}  // namespace mammo::train
