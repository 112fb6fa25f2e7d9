// glibc malloc settings for tools that run LibTorch networks on the CPU. Call first thing in
// main(), before any thread starts:
//
//   int main(int argc, char** argv) {
//     mammo::cli::TuneMallocForTensors();
//     ...
#ifndef MAMMO_LIB_CLI_TENSOR_MALLOC_H_
#define MAMMO_LIB_CLI_TENSOR_MALLOC_H_

namespace mammo::cli {

// Keeps freed activation buffers (tens to hundreds of MB per batch) in the heap instead of
// unmapping and re-faulting them on every batch (shared/spec/performance-notes.md: 40-80%
// faster forward passes), and serves every thread from the one main heap: a worker thread's
// own arena holds at most 64 MB, so batches run on worker threads
// (lib/models/parallel_batches.h) would map and fault their activations afresh each time.
void TuneMallocForTensors();

}  // namespace mammo::cli

#endif  // MAMMO_LIB_CLI_TENSOR_MALLOC_H_
