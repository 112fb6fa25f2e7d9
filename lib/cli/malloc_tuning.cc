#include "lib/cli/malloc_tuning.h"

#include <malloc.h>

#include <climits>

namespace mammo::cli {

void KeepLargeBuffersInHeap() {
  mallopt(M_MMAP_THRESHOLD, INT_MAX);
  mallopt(M_TRIM_THRESHOLD, INT_MAX);
  mallopt(M_ARENA_MAX, 1);
}

}  // namespace mammo::cli
