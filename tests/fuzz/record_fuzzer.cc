// Fuzzes the record reader: a shard file (TFRecord framing, CRCs, mammo.Record payloads)
// read through ShardReader as the tools read a plain shard file.
#include <cstddef>
#include <cstdint>

#include "data_formats/record.pb.h"
#include "lib/records/shard_reader.h"
#include "tests/fuzz/fuzz_file.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string path = mammo::fuzz::WriteFuzzFile("shard.rec", data, size);
  auto reader = mammo::ShardReader::Open({path});
  if (!reader.ok()) return 0;
  mammo::Record record;
  while (true) {
    absl::StatusOr<bool> got = (*reader)->Next(&record);
    if (!got.ok() || !*got) break;
  }
  return 0;
}
