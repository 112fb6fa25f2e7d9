// The arithmetic a frozen backbone runs in on the CPU: float32 (the default, byte-reproducible
// across machines with the same LibTorch) or bfloat16 under autocast (lib/train/autocast.h),
// about twice as fast where the CPU multiplies bfloat16 natively (AVX512-BF16 or AMX) and
// within about 1% of float32's features.
//
//   ASSIGN_OR_RETURN(Precision precision, PrecisionFlag(absl::GetFlag(FLAGS_precision)));
//   // "auto" gives kBFloat16 on a CPU with AVX512-BF16 or AMX-BF16, kFloat32 elsewhere,
//   // and says which on stderr.
#ifndef MAMMO_LIB_TRAIN_PRECISION_H_
#define MAMMO_LIB_TRAIN_PRECISION_H_

#include <string_view>

#include "absl/status/statusor.h"

namespace mammo::train {

enum class Precision { kFloat32, kBFloat16 };

// Whether this CPU has bfloat16 dot products (avx512_bf16 or amx_bf16), checked at run time.
bool CpuHasBfloat16();

// "fp32", "bf16" or "auto" (bf16 when cpu_has_bfloat16, else fp32). bf16 is accepted on any
// CPU (LibTorch emulates it, slowly); InvalidArgument names --precision otherwise.
absl::StatusOr<Precision> ParsePrecision(std::string_view value,
                                         bool cpu_has_bfloat16 = CpuHasBfloat16());

// A tool's --precision: ParsePrecision on this CPU, and for "auto" it also says on stderr which
// precision it chose and why. With `cuda` (the model runs on the GPU, where --mixed_precision
// chooses float16) "auto" and "fp32" give kFloat32 and "bf16" is refused.
absl::StatusOr<Precision> PrecisionFlag(std::string_view value, bool cuda = false);

// InvalidArgument for bf16 on CUDA (where --mixed_precision runs float16), OK otherwise.
absl::Status CheckPrecisionDevice(Precision precision, bool cuda);

// "fp32" or "bf16", as written in provenance and run.json.
std::string_view PrecisionName(Precision precision);

}  // namespace mammo::train

#endif  // MAMMO_LIB_TRAIN_PRECISION_H_
