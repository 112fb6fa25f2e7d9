# Sourced by the benchmarks that time convolutions: prints the CPU's name, its vector flags
# and the peak GFLOP/s estimated from them, the line issue 20 asks beside every such table.
#
#   source bench/cpu_peak.sh
#   print_cpu_peak      # "CPU: AMD EPYC, 2 cores; avx512f yes, ...; peak estimate fp32 268 ..."
#
# The estimate: cores x clock x FLOP per cycle, taking two FMA pipes of the widest vector
# (AVX-512: 2 x 16 float32 lanes x 2 FLOP; AVX2: 2 x 8 x 2) and bfloat16 dot products at twice
# the float32 rate. An estimate from the flags: the pipes' width is not in /proc/cpuinfo, and
# the clock is the one /proc/cpuinfo reports, so a CPU that boosts above it can exceed it.
print_cpu_peak() {
  local flags mhz lanes=8 bf16=no
  flags=$(grep -m1 '^flags' /proc/cpuinfo)
  mhz=$(grep -m1 'cpu MHz' /proc/cpuinfo | cut -d: -f2 | xargs)
  [[ $flags == *" avx512f "* ]] && lanes=16
  [[ $flags == *" avx512_bf16 "* || $flags == *" amx_bf16 "* ]] && bf16=yes
  local fp32_peak
  fp32_peak=$(echo "$(nproc) * $mhz / 1000 * 2 * $lanes * 2" | bc -l)
  printf 'CPU: %s, %d cores; avx512f %s, avx512_bf16 or amx_bf16 %s; %s MHz; peak estimate fp32 %.0f GFLOP/s, bf16 %s\n' \
    "$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)" "$(nproc)" \
    "$([[ $lanes == 16 ]] && echo yes || echo no)" "$bf16" "$mhz" "$fp32_peak" \
    "$([[ $bf16 == yes ]] && printf '%.0f GFLOP/s' "$(echo "2 * $fp32_peak" | bc -l)" || echo 'emulated')"
}
