#include "tools/augment/png.h"

#include <zlib.h>

#include <cstdint>
#include <vector>

#include "absl/status/status.h"

namespace mammo::augment {
namespace {

void PutBigEndian32(uint32_t v, std::string* out) {
  const char bytes[4] = {static_cast<char>(v >> 24), static_cast<char>(v >> 16),
                         static_cast<char>(v >> 8), static_cast<char>(v)};
  out->append(bytes, 4);
}

// length, type, data, CRC-32 of type and data.
void PutChunk(const char* type, const std::string& data, std::string* out) {
  PutBigEndian32(static_cast<uint32_t>(data.size()), out);
  const size_t start = out->size();
  out->append(type, 4);
  out->append(data);
  const uLong crc = crc32(0L, reinterpret_cast<const Bytef*>(out->data() + start),
                          static_cast<uInt>(out->size() - start));
  PutBigEndian32(static_cast<uint32_t>(crc), out);
}

}  // namespace

absl::StatusOr<std::string> EncodeGreyPng(const cv::Mat& pixels) {
  if (pixels.type() != CV_8UC1 || pixels.empty()) {
    return absl::InternalError("EncodeGreyPng: want a non-empty 8-bit grey image");
  }
  const int w = pixels.cols, h = pixels.rows;
  // Filtered scanlines: type byte 3 (Average), then x - floor((left + up) / 2), bytes wrapping.
  std::vector<uint8_t> filtered(static_cast<size_t>(h) * (w + 1));
  std::vector<uint8_t> zero(w, 0);
  for (int y = 0; y < h; ++y) {
    const uint8_t* row = pixels.ptr<uint8_t>(y);
    const uint8_t* up = y > 0 ? pixels.ptr<uint8_t>(y - 1) : zero.data();
    uint8_t* out = &filtered[static_cast<size_t>(y) * (w + 1)];
    out[0] = 3;
    out[1] = static_cast<uint8_t>(row[0] - (up[0] >> 1));
    for (int x = 1; x < w; ++x) {
      out[x + 1] = static_cast<uint8_t>(row[x] - ((row[x - 1] + up[x]) >> 1));
    }
  }
  z_stream z{};
  if (deflateInit2(&z, 1, Z_DEFLATED, 15, 8, Z_HUFFMAN_ONLY) != Z_OK) {
    return absl::InternalError("EncodeGreyPng: deflateInit2 failed");
  }
  std::string idat(deflateBound(&z, filtered.size()), '\0');
  z.next_in = filtered.data();
  z.avail_in = static_cast<uInt>(filtered.size());
  z.next_out = reinterpret_cast<Bytef*>(idat.data());
  z.avail_out = static_cast<uInt>(idat.size());
  const int result = deflate(&z, Z_FINISH);
  idat.resize(z.total_out);
  deflateEnd(&z);
  if (result != Z_STREAM_END) return absl::InternalError("EncodeGreyPng: deflate failed");

  std::string header;
  PutBigEndian32(static_cast<uint32_t>(w), &header);
  PutBigEndian32(static_cast<uint32_t>(h), &header);
  header += std::string("\x08\x00\x00\x00\x00", 5);  // 8 bits, grey, deflate, filters, no interlace
  std::string png("\x89PNG\r\n\x1a\n", 8);
  PutChunk("IHDR", header, &png);
  PutChunk("IDAT", idat, &png);
  PutChunk("IEND", "", &png);
  return png;
}

}  // namespace mammo::augment
