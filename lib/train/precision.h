// The arithmetic a model runs in: float32, or 16-bit under autocast (lib/train/autocast.h):
// bfloat16 on a CPU (about twice as fast where it multiplies bfloat16 natively, AVX512-BF16
// or AMX; features within a few percent of float32's) and float16 on CUDA (with a dynamic
// loss scale where gradients flow, lib/train/loss_scaler.h). One flag, --precision, chooses
// it in every tool:
//
//   ASSIGN_OR_RETURN(Precision precision, PrecisionFlag(absl::GetFlag(FLAGS_precision), cuda));
//   // "" (the default): fp32 on the CPU (byte-reproducible), fp16 on CUDA;
//   // "auto": bf16 on a CPU that has it, else fp32; fp16 on CUDA; says which on stderr.
//   config.precision = PrecisionName(precision);  // "fp32", "bf16" or "fp16"
#ifndef MAMMO_LIB_TRAIN_PRECISION_H_
#define MAMMO_LIB_TRAIN_PRECISION_H_

#include <string_view>

#include "absl/status/statusor.h"

namespace mammo::train {

enum class Precision { kFloat32, kBFloat16, kFloat16 };

// Whether this CPU has bfloat16 dot products (avx512_bf16 or amx_bf16), checked at run time.
bool CpuHasBfloat16();

// --precision's value for a model on CUDA (`cuda`) or the CPU, as described above. bf16 is
// accepted on any CPU (LibTorch emulates it, slowly) and refused on CUDA; fp16 is refused on
// the CPU. InvalidArgument naming --precision otherwise.
absl::StatusOr<Precision> ResolvePrecision(std::string_view value, bool cuda,
                                           bool cpu_has_bfloat16);

// ResolvePrecision on this machine's CPU; for "auto" it also says on stderr what it chose.
absl::StatusOr<Precision> PrecisionFlag(std::string_view value, bool cuda);

// InvalidArgument for bf16 on CUDA or fp16 on the CPU, OK otherwise.
absl::Status CheckPrecisionDevice(Precision precision, bool cuda);

// "fp32", "bf16" or "fp16", as written in provenance and run.json.
std::string_view PrecisionName(Precision precision);

// The precision a PrecisionName names; empty is fp32 (files written before it was recorded).
// InvalidArgument for anything else.
absl::StatusOr<Precision> PrecisionFromName(std::string_view name);

// How the CPU runs a model that `run` recorded: as recorded, except that float16 (a run
// trained on CUDA) becomes float32, LibTorch having no float16 autocast on the CPU.
Precision CpuPrecisionFor(Precision run);

}  // namespace mammo::train

#endif  // MAMMO_LIB_TRAIN_PRECISION_H_
