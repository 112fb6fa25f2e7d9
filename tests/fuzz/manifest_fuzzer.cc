// Fuzzes the manifest reader (JSON to mammo.ShardManifest, with its size and version checks);
// what it accepts must print back to JSON.
#include <cstddef>
#include <cstdint>

#include "lib/records/manifest.h"
#include "tests/fuzz/fuzz_file.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string path = mammo::fuzz::WriteFuzzFile("set.manifest.json", data, size);
  absl::StatusOr<mammo::ShardManifest> manifest = mammo::ReadManifest(path);
  if (manifest.ok()) mammo::ManifestToJson(*manifest);
  return 0;
}
