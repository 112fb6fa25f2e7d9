// std::vector for large, short-lived arrays of plain numbers: blocks of 2 MiB or more come
// straight from mmap with transparent huge pages requested, and resize() leaves new elements
// uninitialised.
//
// Why: sorting a million scores touches about 30 MiB of fresh arrays. From malloc, glibc
// returns them to the kernel on free and they come back on the next call as 4 KiB pages,
// one page fault each (about 10 ms per 24 MiB here); as 2 MiB pages the kernel zeroes them
// in a twelfth of that. Where the kernel gives no huge pages the arrays still work, at the
// 4 KiB cost.
#ifndef MAMMO_LIB_METRICS_BIG_VECTOR_H_
#define MAMMO_LIB_METRICS_BIG_VECTOR_H_

#include <cstddef>
#include <new>
#include <utility>
#include <vector>

namespace mammo::metrics {

namespace big_vector_internal {
void* Allocate(size_t bytes);
void Free(void* p, size_t bytes);
}  // namespace big_vector_internal

template <typename T>
class BigVectorAllocator {
 public:
  using value_type = T;

  BigVectorAllocator() = default;
  template <typename U>
  BigVectorAllocator(const BigVectorAllocator<U>&) {}  // NOLINT: allocators convert implicitly

  T* allocate(size_t n) {
    if (n > static_cast<size_t>(-1) / sizeof(T)) throw std::bad_array_new_length();
    return static_cast<T*>(big_vector_internal::Allocate(n * sizeof(T)));
  }
  void deallocate(T* p, size_t n) { big_vector_internal::Free(p, n * sizeof(T)); }

  // Default-initialises (leaves numbers unset) where std::allocator would value-initialise.
  template <typename U, typename... Args>
  void construct(U* p, Args&&... args) {
    if constexpr (sizeof...(Args) == 0) {
      ::new (static_cast<void*>(p)) U;
    } else {
      ::new (static_cast<void*>(p)) U(std::forward<Args>(args)...);
    }
  }

  friend bool operator==(const BigVectorAllocator&, const BigVectorAllocator&) { return true; }
  friend bool operator!=(const BigVectorAllocator&, const BigVectorAllocator&) { return false; }
};

template <typename T>
using BigVector = std::vector<T, BigVectorAllocator<T>>;

}  // namespace mammo::metrics

#endif  // MAMMO_LIB_METRICS_BIG_VECTOR_H_
