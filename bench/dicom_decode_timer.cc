// Decodes DICOM files with lib/dicom (as dcm2png does, one thread) and prints the seconds it
// took in all: bench/dcm2png_bench.sh divides it by dcm2png's CPU time for the decode's share.
//
//   dicom_decode_timer FILE...     prints "decode_seconds S"
#include <cstdio>
#include <string>

#include "bench/bench_util.h"
#include "lib/dicom/dicom.h"

int main(int argc, char** argv) {
  double seconds = 0;
  for (int i = 1; i < argc; ++i) {
    bool ok = true;
    seconds += mammo::bench::Seconds([&] { ok = mammo::ReadDicomPixels(argv[i], {}).ok(); });
    if (!ok) {
      std::fprintf(stderr, "dicom_decode_timer: %s does not decode\n", argv[i]);
      return 2;
    }
  }
  std::printf("decode_seconds %.4f\n", seconds);
  return 0;
}
