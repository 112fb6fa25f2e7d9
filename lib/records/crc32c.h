// CRC32C (Castagnoli, polynomial 0x1EDC6F41) as TFRecord framing uses it, with the
// TFRecord/LevelDB mask that keeps a CRC of data containing CRCs from being trivial.
//
//   uint32_t crc = mammo::crc32c::Value(data, size);
//   crc = mammo::crc32c::Extend(crc, more, more_size);   // == Value(data + more)
//   uint32_t stored = mammo::crc32c::Mask(crc);
//
// Extend uses the SSE4.2 crc32 instruction when the CPU has it and a portable
// slicing-by-8 table otherwise; both are exposed so tests and benchmarks can compare them.
#ifndef MAMMO_LIB_RECORDS_CRC32C_H_
#define MAMMO_LIB_RECORDS_CRC32C_H_

#include <cstddef>
#include <cstdint>

namespace mammo::crc32c {

// Returns the CRC32C of the concatenation of the data whose CRC is `crc` and data[0, n).
uint32_t Extend(uint32_t crc, const void* data, size_t n);
uint32_t ExtendPortable(uint32_t crc, const void* data, size_t n);
// Requires HardwareAvailable().
uint32_t ExtendHardware(uint32_t crc, const void* data, size_t n);
bool HardwareAvailable();

inline uint32_t Value(const void* data, size_t n) { return Extend(0, data, n); }

constexpr uint32_t kMaskDelta = 0xa282ead8u;

// Rotate right by 15 bits and add a constant.
inline uint32_t Mask(uint32_t crc) { return ((crc >> 15) | (crc << 17)) + kMaskDelta; }

inline uint32_t Unmask(uint32_t masked) {
  const uint32_t rotated = masked - kMaskDelta;
  return (rotated >> 17) | (rotated << 15);
}

}  // namespace mammo::crc32c

#endif  // MAMMO_LIB_RECORDS_CRC32C_H_
