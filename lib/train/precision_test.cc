#include "lib/train/precision.h"

#include <fstream>
#include <sstream>
#include <string>

#include "gtest/gtest.h"

namespace mammo::train {
namespace {

constexpr bool kCpu = false;
constexpr bool kCuda = true;

TEST(ResolvePrecision, TheDefaultIsFloat32OnTheCpuAndFloat16OnCuda) {
  EXPECT_EQ(*ResolvePrecision("", kCpu, /*cpu_has_bfloat16=*/true), Precision::kFloat32);
  EXPECT_EQ(*ResolvePrecision("", kCuda, true), Precision::kFloat16);
}

TEST(ResolvePrecision, NamedPrecisions) {
  EXPECT_EQ(*ResolvePrecision("fp32", kCpu, true), Precision::kFloat32);
  EXPECT_EQ(*ResolvePrecision("fp32", kCuda, true), Precision::kFloat32);
  EXPECT_EQ(*ResolvePrecision("bf16", kCpu, false), Precision::kBFloat16);  // emulated, allowed
  EXPECT_EQ(*ResolvePrecision("fp16", kCuda, false), Precision::kFloat16);
}

TEST(ResolvePrecision, AutoPicksBfloat16OnlyWhereTheCpuHasItAndFloat16OnCuda) {
  EXPECT_EQ(*ResolvePrecision("auto", kCpu, true), Precision::kBFloat16);
  EXPECT_EQ(*ResolvePrecision("auto", kCpu, false), Precision::kFloat32);
  EXPECT_EQ(*ResolvePrecision("auto", kCuda, false), Precision::kFloat16);
}

TEST(ResolvePrecision, EachSixteenBitFormatOnlyOnItsDevice) {
  const absl::StatusOr<Precision> bf16 = ResolvePrecision("bf16", kCuda, true);
  ASSERT_FALSE(bf16.ok());
  EXPECT_NE(bf16.status().message().find("--precision bf16 is for the CPU"), std::string::npos);
  const absl::StatusOr<Precision> fp16 = ResolvePrecision("fp16", kCpu, true);
  ASSERT_FALSE(fp16.ok());
  EXPECT_NE(fp16.status().message().find("--precision fp16 needs --device cuda"),
            std::string::npos);
}

TEST(ResolvePrecision, RejectsOtherValuesNamingTheFlag) {
  for (const char* bad : {"BF16", "float32", "half", "fp64"}) {
    const absl::StatusOr<Precision> parsed = ResolvePrecision(bad, kCpu, true);
    ASSERT_FALSE(parsed.ok()) << bad;
    EXPECT_NE(parsed.status().message().find("--precision must be"), std::string::npos);
  }
}

TEST(PrecisionName, RoundTripsThroughPrecisionFromName) {
  for (Precision p : {Precision::kFloat32, Precision::kBFloat16, Precision::kFloat16}) {
    EXPECT_EQ(*PrecisionFromName(PrecisionName(p)), p);
  }
  EXPECT_EQ(*PrecisionFromName(""), Precision::kFloat32);  // runs from before it was recorded
  EXPECT_FALSE(PrecisionFromName("auto").ok());            // never written to a file
}

TEST(CpuPrecisionFor, AFloat16RunIsReplayedInFloat32OnTheCpu) {
  EXPECT_EQ(CpuPrecisionFor(Precision::kFloat16), Precision::kFloat32);
  EXPECT_EQ(CpuPrecisionFor(Precision::kBFloat16), Precision::kBFloat16);
  EXPECT_EQ(CpuPrecisionFor(Precision::kFloat32), Precision::kFloat32);
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
