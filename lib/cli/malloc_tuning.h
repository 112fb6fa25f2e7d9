// glibc malloc settings for tools whose buffers are large: full mammograms (a 7000x4000
// 16-bit image is 56 MB, plus its PNG bytes and masks) and network activations (hundreds of
// MB per batch). Call first thing in main(), before any thread starts:
//
//   int main(int argc, char** argv) {
//     mammo::cli::KeepLargeBuffersInHeap();
//     ...
#ifndef MAMMO_LIB_CLI_MALLOC_TUNING_H_
#define MAMMO_LIB_CLI_MALLOC_TUNING_H_

namespace mammo::cli {

// With glibc's defaults every large buffer is a fresh mmap whose pages fault in (and are
// cleared by the kernel) again, image after image and batch after batch; this keeps freed
// buffers in the heap for reuse (shared/spec/performance-notes.md: 40-80% faster forward
// passes; dcm2png's page faults fell from 250,000 to 90,000). It also serves every thread
// from the one main heap: a worker thread's own arena grows in 64 MB heaps that are unmapped
// when they empty, so its buffers would fault in anew each time. The workers allocate a few
// large blocks per image or batch, so sharing one lock costs nothing measurable.
void KeepLargeBuffersInHeap();

}  // namespace mammo::cli

#endif  // MAMMO_LIB_CLI_MALLOC_TUNING_H_
