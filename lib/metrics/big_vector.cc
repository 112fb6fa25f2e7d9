#include "lib/metrics/big_vector.h"

#include <sys/mman.h>

#include <cstdint>

namespace mammo::metrics::big_vector_internal {
namespace {

constexpr size_t kHugePage = size_t{2} << 20;

size_t RoundUp(size_t bytes) { return (bytes + kHugePage - 1) / kHugePage * kHugePage; }

}  // namespace

void* Allocate(size_t bytes) {
  if (bytes < kHugePage) return ::operator new(bytes);
  const size_t size = RoundUp(bytes);
  if (size < bytes || size + kHugePage < size) throw std::bad_alloc();
  // Map one huge page more than needed and unmap around a huge-page-aligned block.
  void* mapped =
      ::mmap(nullptr, size + kHugePage, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (mapped == MAP_FAILED) throw std::bad_alloc();
  const uintptr_t start = reinterpret_cast<uintptr_t>(mapped);
  const uintptr_t aligned = (start + kHugePage - 1) / kHugePage * kHugePage;
  if (aligned > start) ::munmap(mapped, aligned - start);
  const uintptr_t tail = aligned + size;
  const uintptr_t mapped_end = start + size + kHugePage;
  if (mapped_end > tail) ::munmap(reinterpret_cast<void*>(tail), mapped_end - tail);
  void* block = reinterpret_cast<void*>(aligned);
  ::madvise(block, size, MADV_HUGEPAGE);  // a hint: without huge pages the block still works
  return block;
}

void Free(void* p, size_t bytes) {
  if (p == nullptr) return;
  if (bytes < kHugePage) {
    ::operator delete(p);
    return;
  }
  ::munmap(p, RoundUp(bytes));
}

}  // namespace mammo::metrics::big_vector_internal
