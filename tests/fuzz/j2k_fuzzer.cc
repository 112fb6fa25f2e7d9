// Fuzzes the JPEG 2000 decoder on raw codestreams, as lib/dicom hands it a frame's
// fragments: a small --max_pixels, so that a codestream claiming a huge image is refused
// before OpenJPEG allocates it, and an expectation that the codestream's size may match.
#include <cstddef>
#include <cstdint>

#include "absl/strings/string_view.h"
#include "lib/dicom/j2k.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const absl::string_view codestream(reinterpret_cast<const char*>(data), size);
  for (const int samples : {1, 3}) {
    const mammo::J2kExpectation expect{
        .rows = 16, .columns = 16, .samples = samples, .bits_allocated = 16, .bits_stored = 12};
    mammo::DecodeJ2k(codestream, expect, /*max_pixels=*/1 << 16, "fuzz.j2k").IgnoreError();
  }
  return 0;
}
