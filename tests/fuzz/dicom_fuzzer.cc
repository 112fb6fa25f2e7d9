// Fuzzes DICOM ingestion as dcm2png does it: the header (dataset mode's index), the pixels
// (with a small --max_pixels, so that a header claiming a huge image is refused, as in the
// tools, rather than allocated) and the VOI rendering.
#include <cstddef>
#include <cstdint>

#include "lib/dicom/dicom.h"
#include "tests/fuzz/fuzz_file.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string path = mammo::fuzz::WriteFuzzFile("image.dcm", data, size);
  // Colour on, so that the colour paths are fuzzed too; frame 2 reaches multi-frame offsets.
  const mammo::DicomReadOptions options{.max_pixels = 1 << 20, .colour = mammo::ColourMode::kLuma};
  mammo::ReadDicomHeader(path).IgnoreError();
  mammo::ReadDicomPixels(path, options).IgnoreError();
  mammo::ReadDicomPixels(path, {.max_pixels = 1 << 20, .frame = 2}).IgnoreError();
  mammo::ReadDicomVoi(path, options).IgnoreError();
  return 0;
}
