// Fuzzes the safetensors reader: the header checks, then every tensor it accepts converted to
// float32, which reads each tensor's bytes (out-of-bounds offsets would show here).
#include <cstddef>
#include <cstdint>

#include "lib/weights/safetensors.h"
#include "tests/fuzz/fuzz_file.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string path = mammo::fuzz::WriteFuzzFile("weights.safetensors", data, size);
  auto file = mammo::weights::SafetensorsFile::Open(path);
  if (!file.ok()) return 0;
  for (const std::string& name : (*file)->names()) (*file)->ToFloat32(name).IgnoreError();
  return 0;
}
