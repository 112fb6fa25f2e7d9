#include "tools/augment/png.h"

#include <libdeflate.h>

#include <cstdint>
#include <memory>
#include <vector>

#include "absl/status/status.h"

namespace mammo::augment {
namespace {

constexpr int kDeflateLevel = 1;

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
  PutBigEndian32(libdeflate_crc32(0, out->data() + start, out->size() - start), out);
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
  // One compressor per thread: allocating one costs more than compressing a 320x320 image.
  thread_local std::unique_ptr<libdeflate_compressor, void (*)(libdeflate_compressor*)> deflater(
      libdeflate_alloc_compressor(kDeflateLevel), libdeflate_free_compressor);
  if (deflater == nullptr) return absl::ResourceExhaustedError("EncodeGreyPng: out of memory");
  std::string idat(libdeflate_zlib_compress_bound(deflater.get(), filtered.size()), '\0');
  const size_t size = libdeflate_zlib_compress(deflater.get(), filtered.data(), filtered.size(),
                                               idat.data(), idat.size());
  if (size == 0) return absl::InternalError("EncodeGreyPng: deflate failed");
  idat.resize(size);

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
