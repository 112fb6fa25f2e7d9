// Element types of safetensors tensors: their file names ("F32", "BF16", ...) and sizes.
//
//   std::optional<DType> dtype = ParseDType("F16");            // DType::kF16
//   size_t bytes = DTypeSize(DType::kF16);                      // 2
//   std::optional<uint64_t> n = TensorByteSize(DType::kF32, {64, 3, 3, 3});   // 6912
//
// Only fixed-size, byte-aligned types are listed; the 8-bit float formats and complex
// types that newer writers may emit are refused by name rather than guessed at.
#ifndef MAMMO_LIB_WEIGHTS_DTYPE_H_
#define MAMMO_LIB_WEIGHTS_DTYPE_H_

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"

namespace mammo::weights {

enum class DType { kBool, kU8, kI8, kI16, kU16, kI32, kU32, kI64, kU64, kF16, kBF16, kF32, kF64 };

inline constexpr DType kAllDTypes[] = {
    DType::kBool, DType::kU8,  DType::kI8,  DType::kI16,  DType::kU16, DType::kI32, DType::kU32,
    DType::kI64,  DType::kU64, DType::kF16, DType::kBF16, DType::kF32, DType::kF64,
};

// The name used in the safetensors header, e.g. "BF16".
absl::string_view DTypeName(DType dtype);
// The inverse of DTypeName; nullopt for any other string (names are case-sensitive).
std::optional<DType> ParseDType(absl::string_view name);
// Bytes per element.
size_t DTypeSize(DType dtype);
// F16, BF16, F32 and F64: the types that convert to float32.
bool IsFloatingPoint(DType dtype);
// "BOOL, U8, ..., F64": for error messages.
const std::string& SupportedDTypeNames();

// Bytes taken by a tensor of this type and shape (1 element for a scalar, shape {});
// nullopt when a dimension is negative or the size does not fit in 63 bits.
std::optional<uint64_t> TensorByteSize(DType dtype, const std::vector<int64_t>& shape);

}  // namespace mammo::weights

#endif  // MAMMO_LIB_WEIGHTS_DTYPE_H_
