// Fuzzes DICOM ingestion as dcm2png does it: the header (dataset mode's index), the pixels
// (with a small --max_pixels, so that a header claiming a huge image is refused, as in the
// tools, rather than allocated) and the VOI rendering.
#include <cstddef>
#include <cstdint>

#include "lib/dicom/dicom.h"
#include "tests/fuzz/fuzz_file.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  constexpr uint64_t kMaxPixels = 1 << 20;
  const std::string path = mammo::fuzz::WriteFuzzFile("image.dcm", data, size);
  mammo::ReadDicomHeader(path).IgnoreError();
  mammo::ReadDicomPixels(path, kMaxPixels).IgnoreError();
  mammo::ReadDicomVoi(path, kMaxPixels).IgnoreError();
  return 0;
}
