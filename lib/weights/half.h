// Exact widening of 16-bit floats to float32: IEEE half (F16) and bfloat16 (BF16).
//
//   float one = HalfToFloat(0x3C00);        // 1.0f
//   float tiny = HalfToFloat(0x0001);       // 2^-24, the smallest subnormal half
//   float also_one = BFloat16ToFloat(0x3F80);
//
// Every half and bfloat16 value is exactly representable as a float, so these conversions
// lose nothing: signed zeros, subnormals, infinities and NaN payloads are carried over.
#ifndef MAMMO_LIB_WEIGHTS_HALF_H_
#define MAMMO_LIB_WEIGHTS_HALF_H_

#include <cstdint>

namespace mammo::weights {

float HalfToFloat(uint16_t bits);
float BFloat16ToFloat(uint16_t bits);

}  // namespace mammo::weights

#endif  // MAMMO_LIB_WEIGHTS_HALF_H_
