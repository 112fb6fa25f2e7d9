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

absl::StatusOr<Precision> ParsePrecision(std::string_view value, bool cpu_has_bfloat16) {
  if (value == "fp32") return Precision::kFloat32;
  if (value == "bf16") return Precision::kBFloat16;
  if (value == "auto") return cpu_has_bfloat16 ? Precision::kBFloat16 : Precision::kFloat32;
  return absl::InvalidArgumentError(
      absl::StrCat("--precision must be fp32, bf16 or auto, not '", std::string(value), "'"));
}

absl::Status CheckPrecisionDevice(Precision precision, bool cuda) {
  if (cuda && precision == Precision::kBFloat16) {
    return absl::InvalidArgumentError(
        "--precision bf16 is for the CPU; on CUDA, --mixed_precision runs float16");
  }
  return absl::OkStatus();
}

absl::StatusOr<Precision> PrecisionFlag(std::string_view value, bool cuda) {
  if (cuda) {
    // "auto" means fp32 there; an explicit bf16 is refused.
    absl::StatusOr<Precision> precision = ParsePrecision(value, /*cpu_has_bfloat16=*/false);
    if (precision.ok()) RETURN_IF_ERROR(CheckPrecisionDevice(*precision, cuda));
    return precision;
  }
  const bool has_bfloat16 = CpuHasBfloat16();
  absl::StatusOr<Precision> precision = ParsePrecision(value, has_bfloat16);
  if (precision.ok() && value == "auto") {
    std::cerr << cli::ToolName() << ": --precision auto: " << PrecisionName(*precision)
              << (has_bfloat16 ? " (this CPU has bfloat16 dot products)"
                               : " (this CPU has no AVX512-BF16 or AMX-BF16)")
              << "\n";
  }
  return precision;
}

std::string_view PrecisionName(Precision precision) {
  return precision == Precision::kBFloat16 ? "bf16" : "fp32";
}

}  // namespace mammo::train
