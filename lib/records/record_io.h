// Framing layer: TFRecord records over the bytes layer.
//
// Each record on disk is, little-endian:
//   uint64 length | uint32 masked_crc32c(length bytes) | data[length] | uint32 masked_crc32c(data)
// (data_formats/README.md states it byte by byte).
//
//   ASSIGN_OR_RETURN(auto out, ByteWriter::Create("a.rec"));
//   RecordWriter writer(out.get());
//   RETURN_IF_ERROR(writer.Write("payload"));
//   RETURN_IF_ERROR(out->Close());
//
//   ASSIGN_OR_RETURN(auto in, ByteReader::Open("a.rec"));
//   RecordReader reader(in.get());
//   std::string payload;
//   while (true) {
//     ASSIGN_OR_RETURN(bool got, reader.Read(&payload));
//     if (!got) break;                 // clean end of file
//     ...
//   }
//
// A truncated or corrupted record is an absl::DataLossError whose message names the file
// and the byte offset where the record starts, e.g.
//   "a.rec: byte offset 1052: data CRC mismatch (stored 0x1234abcd, computed 0x9f00e2d1)".
#ifndef MAMMO_LIB_RECORDS_RECORD_IO_H_
#define MAMMO_LIB_RECORDS_RECORD_IO_H_

#include <cstdint>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "lib/io/byte_io.h"

namespace mammo {

inline constexpr size_t kRecordHeaderBytes = 12;  // length + its CRC
inline constexpr size_t kRecordFooterBytes = 4;   // data CRC
// Larger lengths are refused even with a valid CRC: no record of this project comes close,
// and it bounds what a hostile file can make a reader allocate.
inline constexpr uint64_t kMaxRecordBytes = uint64_t{1} << 30;

class RecordWriter {
 public:
  explicit RecordWriter(ByteWriter* out) : out_(out) {}
  absl::Status Write(absl::string_view data);

 private:
  ByteWriter* out_;
};

class RecordReader {
 public:
  explicit RecordReader(ByteReader* in) : in_(in) {}
  // Reads the next record into *data. Returns false at a clean end of file.
  absl::StatusOr<bool> Read(std::string* data);
  // Byte offset where the record last returned by Read starts.
  uint64_t record_offset() const { return record_offset_; }

 private:
  ByteReader* in_;
  uint64_t record_offset_ = 0;
};

}  // namespace mammo

#endif  // MAMMO_LIB_RECORDS_RECORD_IO_H_
