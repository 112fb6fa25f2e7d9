// LibTorch's RMSprop step as one pass over memory. torch::optim::RMSprop::step() makes five
// passes over every parameter-sized tensor (mul_, addcmul_, sqrt, add_, addcdiv_); for the
// Dense 4096 head on batches of 32 that was a fifth of each tl_train epoch. StepRmsprop reads
// the gradient, square average and parameter once and writes the last two once, with the
// same floating-point operations in the same order (addcmul_'s fused multiply-add included),
// so the numbers are LibTorch's to the bit (rmsprop_step_test).
//
//   torch::optim::RMSprop optimizer(parameters, torch::optim::RMSpropOptions(1e-5));
//   ...
//   loss.backward();
//   StepRmsprop(optimizer);   // instead of optimizer.step()
#ifndef MAMMO_LIB_TRAIN_RMSPROP_STEP_H_
#define MAMMO_LIB_TRAIN_RMSPROP_STEP_H_

#include <torch/torch.h>

#include <string>
#include <type_traits>
#include <utility>

namespace mammo::train {

// Updates the parameters and the optimizer's state exactly as optimizer.step() would. The
// fused pass covers the options that training uses (no momentum, not centered, no weight
// decay) for contiguous float32 CPU tensors on a processor with AVX2 and FMA; anything else
// goes through optimizer.step().
void StepRmsprop(torch::optim::RMSprop& optimizer);

// The key type of a LibTorch optimizer's state(): the parameter's TensorImpl address, printed
// as a string before LibTorch 2, the pointer itself since.
using OptimizerStateKeyType =
    typename std::decay_t<decltype(std::declval<torch::optim::Optimizer&>().state())>::key_type;

// The key of a parameter's entry in a LibTorch optimizer's state().
OptimizerStateKeyType OptimizerStateKey(const torch::Tensor& parameter);

}  // namespace mammo::train

#endif  // MAMMO_LIB_TRAIN_RMSPROP_STEP_H_
