#include "lib/models/compute_threads.h"

#include <dlfcn.h>
#include <torch/torch.h>

#include "lib/cli/cli.h"

namespace mammo::models {
namespace {

// Looked up at run time: the BLAS behind LibTorch is chosen by Debian's alternatives
// (OpenBLAS, BLIS, the reference BLAS), and only OpenBLAS has these functions.
template <typename Function>
Function* OpenBlasFunction(const char* name) {
  return reinterpret_cast<Function*>(dlsym(RTLD_DEFAULT, name));
}

}  // namespace

int SetComputeThreads(int requested) {
  const int threads = cli::ResolveThreads(requested);
  torch::set_num_threads(threads);
  if (auto* set = OpenBlasFunction<void(int)>("openblas_set_num_threads")) set(threads);
  return threads;
}

int BlasThreads() {
  auto* get = OpenBlasFunction<int()>("openblas_get_num_threads");
  return get == nullptr ? 0 : get();
}

}  // namespace mammo::models
