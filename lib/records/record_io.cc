#include "lib/records/record_io.h"

#include <algorithm>
#include <cstring>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "lib/records/crc32c.h"

namespace mammo {
namespace {

void EncodeFixed64(char* dst, uint64_t v) {
  for (int i = 0; i < 8; ++i) dst[i] = static_cast<char>((v >> (8 * i)) & 0xff);
}

void EncodeFixed32(char* dst, uint32_t v) {
  for (int i = 0; i < 4; ++i) dst[i] = static_cast<char>((v >> (8 * i)) & 0xff);
}

uint64_t DecodeFixed64(const char* src) {
  uint64_t v = 0;
  for (int i = 7; i >= 0; --i) v = (v << 8) | static_cast<uint8_t>(src[i]);
  return v;
}

uint32_t DecodeFixed32(const char* src) {
  uint32_t v = 0;
  for (int i = 3; i >= 0; --i) v = (v << 8) | static_cast<uint8_t>(src[i]);
  return v;
}

// Records larger than this are read in steps, so that a length field claiming more bytes
// than a pipe delivers costs only the bytes that really arrive.
constexpr size_t kReadStepBytes = 64 << 20;

}  // namespace

absl::Status RecordWriter::Write(absl::string_view data) {
  char header[kRecordHeaderBytes];
  EncodeFixed64(header, data.size());
  EncodeFixed32(header + 8, crc32c::Mask(crc32c::Value(header, 8)));
  char footer[kRecordFooterBytes];
  EncodeFixed32(footer, crc32c::Mask(crc32c::Value(data.data(), data.size())));
  if (absl::Status s = out_->Write(absl::string_view(header, sizeof(header))); !s.ok()) return s;
  if (absl::Status s = out_->Write(data); !s.ok()) return s;
  return out_->Write(absl::string_view(footer, sizeof(footer)));
}

absl::StatusOr<bool> RecordReader::Read(std::string* data) {
  record_offset_ = in_->offset();
  const auto data_loss = [&](const std::string& what) {
    return absl::DataLossError(
        absl::StrCat(in_->name(), ": byte offset ", record_offset_, ": ", what));
  };

  char header[kRecordHeaderBytes];
  absl::StatusOr<size_t> got = in_->Read(header, sizeof(header));
  if (!got.ok()) return got.status();
  if (*got == 0) return false;
  if (*got < sizeof(header)) {
    return data_loss(absl::StrCat("truncated record header (", *got, " of ", sizeof(header),
                                  " bytes before end of file)"));
  }
  const uint32_t stored_length_crc = crc32c::Unmask(DecodeFixed32(header + 8));
  const uint32_t length_crc = crc32c::Value(header, 8);
  if (stored_length_crc != length_crc) {
    return data_loss(absl::StrFormat("length CRC mismatch (stored 0x%08x, computed 0x%08x)",
                                     stored_length_crc, length_crc));
  }
  const uint64_t length = DecodeFixed64(header);
  if (length > kMaxRecordBytes) {
    return data_loss(absl::StrCat("record length ", length, " exceeds the limit of ",
                                  kMaxRecordBytes, " bytes"));
  }
  const uint64_t needed = length + kRecordFooterBytes;
  if (in_->size().has_value() && in_->offset() + needed > *in_->size()) {
    return data_loss(absl::StrCat("truncated record (length ", length, ", but only ",
                                  *in_->size() - in_->offset(), " bytes left in the file)"));
  }

  // Grown in steps; resizing to the previous record's size (the common case) costs nothing.
  if (length == 0) data->clear();
  size_t filled = 0;
  while (filled < length) {
    const size_t step = std::min<uint64_t>(length - filled, kReadStepBytes);
    data->resize(filled + step);
    got = in_->Read(data->data() + filled, step);
    if (!got.ok()) return got.status();
    if (*got < step) {
      return data_loss(absl::StrCat("truncated record (length ", length, ", end of file after ",
                                    filled + *got, " data bytes)"));
    }
    filled += step;
  }
  char footer[kRecordFooterBytes];
  got = in_->Read(footer, sizeof(footer));
  if (!got.ok()) return got.status();
  if (*got < sizeof(footer)) return data_loss("truncated record (data CRC missing)");
  const uint32_t stored_data_crc = crc32c::Unmask(DecodeFixed32(footer));
  const uint32_t data_crc = crc32c::Value(data->data(), data->size());
  if (stored_data_crc != data_crc) {
    return data_loss(absl::StrFormat("data CRC mismatch (stored 0x%08x, computed 0x%08x)",
                                     stored_data_crc, data_crc));
  }
  return true;
}

}  // namespace mammo
