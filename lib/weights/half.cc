#include "lib/weights/half.h"

#include <cmath>
#include <cstring>

namespace mammo::weights {
namespace {

float FromBits(uint32_t bits) {
  float value;
  std::memcpy(&value, &bits, sizeof(value));
  return value;
}

}  // namespace

float HalfToFloat(uint16_t bits) {
  const uint32_t sign = static_cast<uint32_t>(bits & 0x8000u) << 16;
  const uint32_t exponent = (bits >> 10) & 0x1Fu;
  const uint32_t mantissa = bits & 0x3FFu;
  if (exponent == 0x1F) {
    // Infinity or NaN: float's exponent is all ones too; the payload moves to the top bits.
    return FromBits(sign | 0x7F800000u | (mantissa << 13));
  }
  if (exponent == 0) {
    // Zero or subnormal: mantissa * 2^-24. A float has the range to hold this as a normal
    // number, and ldexp of an integer below 2^10 is exact.
    const float magnitude = std::ldexp(static_cast<float>(mantissa), -24);
    return sign ? -magnitude : magnitude;
  }
  // Normal: rebias the exponent from 15 to 127 and widen the mantissa from 10 to 23 bits.
  return FromBits(sign | ((exponent + 127 - 15) << 23) | (mantissa << 13));
}

float BFloat16ToFloat(uint16_t bits) {
  // bfloat16 is the upper half of a float32.
  return FromBits(static_cast<uint32_t>(bits) << 16);
}

}  // namespace mammo::weights
