// One thread count for everything that computes under LibTorch: its own intra-op threads and
// the BLAS it calls for matrix products. Debian's LibTorch calls the system BLAS (OpenBLAS),
// whose thread pool ignores torch::set_num_threads and uses every core; with --threads 1 it
// then still ran two threads that spun in sched_yield between products, which made a
// tl_train epoch 1.5x slower on a machine with other work.
//
//   const int threads = SetComputeThreads(options.threads);   // 0: all cores
#ifndef MAMMO_LIB_MODELS_COMPUTE_THREADS_H_
#define MAMMO_LIB_MODELS_COMPUTE_THREADS_H_

namespace mammo::models {

// Sets LibTorch's thread count and, when the loaded BLAS is OpenBLAS, OpenBLAS's; returns
// the count (`requested`, or the number of cores for 0).
int SetComputeThreads(int requested);

// OpenBLAS's thread count, or 0 when the loaded BLAS is not OpenBLAS.
int BlasThreads();

}  // namespace mammo::models

#endif  // MAMMO_LIB_MODELS_COMPUTE_THREADS_H_
