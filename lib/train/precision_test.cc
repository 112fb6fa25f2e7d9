#include "lib/train/precision.h"

#include <fstream>
#include <sstream>
#include <string>

#include "gtest/gtest.h"

namespace mammo::train {
namespace {

TEST(ParsePrecision, NamedPrecisions) {
  EXPECT_EQ(*ParsePrecision("fp32", true), Precision::kFloat32);
  EXPECT_EQ(*ParsePrecision("bf16", false), Precision::kBFloat16);  // emulated, but allowed
}

TEST(ParsePrecision, AutoPicksBfloat16OnlyWhereTheCpuHasIt) {
  EXPECT_EQ(*ParsePrecision("auto", true), Precision::kBFloat16);
  EXPECT_EQ(*ParsePrecision("auto", false), Precision::kFloat32);
}

TEST(ParsePrecision, RejectsOtherValuesNamingTheFlag) {
  for (const char* bad : {"fp16", "BF16", "", "float32"}) {
    const absl::StatusOr<Precision> parsed = ParsePrecision(bad, true);
    ASSERT_FALSE(parsed.ok()) << bad;
    EXPECT_NE(parsed.status().message().find("--precision"), std::string::npos);
  }
}

TEST(PrecisionFlag, OnCudaAutoIsFloat32AndBfloat16IsRefused) {
  EXPECT_EQ(*PrecisionFlag("auto", /*cuda=*/true), Precision::kFloat32);
  EXPECT_EQ(*PrecisionFlag("fp32", /*cuda=*/true), Precision::kFloat32);
  const absl::StatusOr<Precision> bf16 = PrecisionFlag("bf16", /*cuda=*/true);
  ASSERT_FALSE(bf16.ok());
  EXPECT_NE(bf16.status().message().find("--mixed_precision"), std::string::npos);
}

TEST(PrecisionName, RoundTrips) {
  for (Precision p : {Precision::kFloat32, Precision::kBFloat16}) {
    EXPECT_EQ(*ParsePrecision(PrecisionName(p), false), p);
  }
}

// The run-time check agrees with what the kernel reports for this machine's CPU.
TEST(CpuHasBfloat16, AgreesWithProcCpuinfo) {
  std::ifstream cpuinfo("/proc/cpuinfo");
  if (!cpuinfo) GTEST_SKIP() << "no /proc/cpuinfo";
  std::string flags;
  for (std::string line; std::getline(cpuinfo, line);) {
    if (line.rfind("flags", 0) == 0) {
      flags = " " + line.substr(line.find(':') + 1) + " ";
      break;
    }
  }
  if (flags.empty()) GTEST_SKIP() << "no flags line in /proc/cpuinfo";
  const bool listed = flags.find(" avx512_bf16 ") != std::string::npos ||
                      flags.find(" amx_bf16 ") != std::string::npos;
  EXPECT_EQ(CpuHasBfloat16(), listed) << flags;
}

}  // namespace
}  // namespace mammo::train
