#include "lib/train/precision.h"

#include <iostream>
#include <string>

#include "absl/strings/str_cat.h"
#include "lib/cli/cli.h"
#include "lib/status/status_macros.h"

namespace mammo::train {

bool CpuHasBfloat16() {
  return __builtin_cpu_supports("avx512bf16") || __builtin_cpu_supports("amx-bf16");
}

absl::Status CheckPrecisionDevice(Precision precision, bool cuda) {
  if (cuda && precision == Precision::kBFloat16) {
    return absl::InvalidArgumentError(
        "--precision bf16 is for the CPU; on CUDA use fp16 (the default there) or fp32");
  }
  if (!cuda && precision == Precision::kFloat16) {
    return absl::InvalidArgumentError(
        "--precision fp16 needs --device cuda; on the CPU use bf16 or auto");
  }
  return absl::OkStatus();
}

absl::StatusOr<Precision> ResolvePrecision(std::string_view value, bool cuda,
                                           bool cpu_has_bfloat16) {
  Precision precision;
  if (value.empty()) {
    precision = cuda ? Precision::kFloat16 : Precision::kFloat32;
  } else if (value == "auto") {
    precision = cuda               ? Precision::kFloat16
                : cpu_has_bfloat16 ? Precision::kBFloat16
                                   : Precision::kFloat32;
  } else if (value == "fp32" || value == "bf16" || value == "fp16") {
    precision = *PrecisionFromName(value);
  } else {
    return absl::InvalidArgumentError(absl::StrCat(
        "--precision must be fp32, bf16, fp16 or auto, not '", std::string(value), "'"));
  }
  RETURN_IF_ERROR(CheckPrecisionDevice(precision, cuda));
  return precision;
}

absl::StatusOr<Precision> PrecisionFlag(std::string_view value, bool cuda) {
  const bool has_bfloat16 = CpuHasBfloat16();
  ASSIGN_OR_RETURN(const Precision precision, ResolvePrecision(value, cuda, has_bfloat16));
  if (value == "auto") {
    std::cerr << cli::ToolName() << ": --precision auto: " << PrecisionName(precision)
              << (cuda           ? " (float16 autocast on CUDA)"
                  : has_bfloat16 ? " (this CPU has bfloat16 dot products)"
                                 : " (this CPU has no AVX512-BF16 or AMX-BF16)")
              << "\n";
  }
  return precision;
}

std::string_view PrecisionName(Precision precision) {
  switch (precision) {
    case Precision::kBFloat16:
      return "bf16";
    case Precision::kFloat16:
      return "fp16";
    case Precision::kFloat32:
      break;
  }
  return "fp32";
}

absl::StatusOr<Precision> PrecisionFromName(std::string_view name) {
  if (name.empty() || name == "fp32") return Precision::kFloat32;
  if (name == "bf16") return Precision::kBFloat16;
  if (name == "fp16") return Precision::kFloat16;
  return absl::InvalidArgumentError(
      absl::StrCat("unknown precision '", std::string(name), "' (fp32, bf16 or fp16)"));
}

Precision CpuPrecisionFor(Precision run) {
  return run == Precision::kFloat16 ? Precision::kFloat32 : run;
}

}  // namespace mammo::train
