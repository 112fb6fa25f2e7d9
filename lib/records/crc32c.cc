#include "lib/records/crc32c.h"

#include <nmmintrin.h>

#include <array>
#include <cstring>

namespace mammo::crc32c {
namespace {

constexpr uint32_t kReflectedPolynomial = 0x82f63b78u;

// kTables[k][b] is the CRC contribution of byte b followed by k zero bytes, so eight bytes
// can be folded in with eight independent lookups (slicing-by-8).
struct Tables {
  std::array<std::array<uint32_t, 256>, 8> t;
  Tables() {
    for (uint32_t b = 0; b < 256; ++b) {
      uint32_t crc = b;
      for (int bit = 0; bit < 8; ++bit) crc = (crc >> 1) ^ ((crc & 1) ? kReflectedPolynomial : 0);
      t[0][b] = crc;
    }
    for (uint32_t b = 0; b < 256; ++b) {
      for (int k = 1; k < 8; ++k) t[k][b] = (t[k - 1][b] >> 8) ^ t[0][t[k - 1][b] & 0xff];
    }
  }
};

const Tables& GetTables() {
  static const Tables* const tables = new Tables();
  return *tables;
}

inline uint64_t LoadLittleEndian64(const uint8_t* p) {
  uint64_t v;
  std::memcpy(&v, p, sizeof(v));  // x86-64 is little-endian, as the framing is.
  return v;
}

}  // namespace

uint32_t ExtendPortable(uint32_t crc, const void* data, size_t n) {
  const auto& t = GetTables().t;
  const auto* p = static_cast<const uint8_t*>(data);
  uint32_t c = ~crc;
  for (; n >= 8; n -= 8, p += 8) {
    const uint64_t v = LoadLittleEndian64(p) ^ c;
    c = t[7][v & 0xff] ^ t[6][(v >> 8) & 0xff] ^ t[5][(v >> 16) & 0xff] ^ t[4][(v >> 24) & 0xff] ^
        t[3][(v >> 32) & 0xff] ^ t[2][(v >> 40) & 0xff] ^ t[1][(v >> 48) & 0xff] ^ t[0][v >> 56];
  }
  for (; n > 0; --n, ++p) c = (c >> 8) ^ t[0][(c ^ *p) & 0xff];
  return ~c;
}

namespace {

// The hardware path runs three independent CRC chains over three adjacent blocks, because
// the crc32 instruction has a latency of 3 cycles but can start one per cycle. The chains
// are then combined: in the register domain (no pre/post inversion) a CRC is linear, so
//   crc(A || B || C) = shift(shift(crc(A)) ^ crc0(B)) ^ crc0(C)
// where crc0 starts from 0 and shift() advances a register over kBlockBytes zero bytes.
constexpr size_t kBlockBytes = 8192;

__attribute__((target("sse4.2"))) uint32_t ShiftByBlockSlow(uint32_t reg) {
  uint64_t c = reg;
  for (size_t i = 0; i < kBlockBytes / 8; ++i) c = _mm_crc32_u64(c, 0);
  return static_cast<uint32_t>(c);
}

// shift() as four byte-indexed tables (it is linear over GF(2)).
struct ShiftTables {
  std::array<std::array<uint32_t, 256>, 4> t;
  ShiftTables() {
    for (int byte = 0; byte < 4; ++byte) {
      uint32_t basis[8];
      for (int bit = 0; bit < 8; ++bit) basis[bit] = ShiftByBlockSlow(1u << (8 * byte + bit));
      for (uint32_t b = 0; b < 256; ++b) {
        uint32_t v = 0;
        for (int bit = 0; bit < 8; ++bit) {
          if (b & (1u << bit)) v ^= basis[bit];
        }
        t[byte][b] = v;
      }
    }
  }
  uint32_t Shift(uint32_t reg) const {
    return t[0][reg & 0xff] ^ t[1][(reg >> 8) & 0xff] ^ t[2][(reg >> 16) & 0xff] ^ t[3][reg >> 24];
  }
};

const ShiftTables& GetShiftTables() {
  static const ShiftTables* const tables = new ShiftTables();
  return *tables;
}

}  // namespace

__attribute__((target("sse4.2"))) uint32_t ExtendHardware(uint32_t crc, const void* data,
                                                          size_t n) {
  const auto* p = static_cast<const uint8_t*>(data);
  uint64_t c = ~crc;
  if (n >= 3 * kBlockBytes) {
    const ShiftTables& shift = GetShiftTables();
    for (; n >= 3 * kBlockBytes; n -= 3 * kBlockBytes, p += 3 * kBlockBytes) {
      uint64_t b = 0, d = 0;
      for (size_t i = 0; i < kBlockBytes; i += 8) {
        c = _mm_crc32_u64(c, LoadLittleEndian64(p + i));
        b = _mm_crc32_u64(b, LoadLittleEndian64(p + kBlockBytes + i));
        d = _mm_crc32_u64(d, LoadLittleEndian64(p + 2 * kBlockBytes + i));
      }
      c = shift.Shift(shift.Shift(static_cast<uint32_t>(c)) ^ static_cast<uint32_t>(b)) ^
          static_cast<uint32_t>(d);
    }
  }
  for (; n >= 8; n -= 8, p += 8) c = _mm_crc32_u64(c, LoadLittleEndian64(p));
  auto c32 = static_cast<uint32_t>(c);
  for (; n > 0; --n, ++p) c32 = _mm_crc32_u8(c32, *p);
  return ~c32;
}

bool HardwareAvailable() {
  static const bool available = __builtin_cpu_supports("sse4.2");
  return available;
}

uint32_t Extend(uint32_t crc, const void* data, size_t n) {
  return HardwareAvailable() ? ExtendHardware(crc, data, n) : ExtendPortable(crc, data, n);
}

}  // namespace mammo::crc32c
