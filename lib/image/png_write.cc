#include "lib/image/png_write.h"

#include <libdeflate.h>

#include <cstdint>
#include <limits>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "lib/image/rle_deflate.h"

namespace mammo {
namespace {

constexpr char kSignature[8] = {'\x89', 'P', 'N', 'G', '\r', '\n', '\x1a', '\n'};
constexpr uint8_t kSubFilter = 1;
constexpr uint8_t kAverageFilter = 3;

void AppendBigEndian32(uint32_t value, std::string* out) {
  const char bytes[4] = {static_cast<char>(value >> 24), static_cast<char>(value >> 16),
                         static_cast<char>(value >> 8), static_cast<char>(value)};
  out->append(bytes, 4);
}

// Closes the chunk that starts at `start` (its length field) in `out`: fills in the length
// and appends the CRC of type and data.
void EndChunk(size_t start, std::string* out) {
  const size_t length = out->size() - start - 8;
  for (int b = 0; b < 4; ++b) (*out)[start + b] = static_cast<char>(length >> (24 - 8 * b));
  AppendBigEndian32(libdeflate_crc32(0, out->data() + start + 4, length + 4), out);
}

size_t BeginChunk(const char type[4], std::string* out) {
  const size_t start = out->size();
  out->append(4, '\0');  // the length, filled in by EndChunk
  out->append(type, 4);
  return start;
}

}  // namespace

absl::StatusOr<std::string> EncodeGreyPng(const cv::Mat& grey, PngFilter filter) {
  if (grey.empty() || (grey.type() != CV_8UC1 && grey.type() != CV_16UC1)) {
    return absl::InvalidArgumentError(
        absl::StrCat("EncodeGreyPng: needs a non-empty 8- or 16-bit grey image, got ", grey.cols,
                     "x", grey.rows, " of type ", grey.type()));
  }
  const bool sixteen = grey.type() == CV_16UC1;
  const size_t bytes_per_pixel = sixteen ? 2 : 1;
  const size_t row_bytes = static_cast<size_t>(grey.cols) * bytes_per_pixel;
  const size_t stride = row_bytes + 1;  // the filter byte, then the row
  std::string filtered(stride * static_cast<size_t>(grey.rows), '\0');
  // The rows as PNG stores them (16-bit samples big-endian): this one and the one above.
  std::vector<uint8_t> swapped(sixteen ? 2 * row_bytes : 0);
  const std::vector<uint8_t> zeros(row_bytes, 0);
  const uint8_t* up = zeros.data();
  for (int y = 0; y < grey.rows; ++y) {
    const uint8_t* row = grey.ptr<uint8_t>(y);
    if (sixteen) {
      uint8_t* big_endian = &swapped[(y % 2) * row_bytes];
      const uint16_t* samples = grey.ptr<uint16_t>(y);
      for (int x = 0; x < grey.cols; ++x) {
        big_endian[2 * x] = static_cast<uint8_t>(samples[x] >> 8);
        big_endian[2 * x + 1] = static_cast<uint8_t>(samples[x]);
      }
      row = big_endian;
    }
    auto* out = reinterpret_cast<uint8_t*>(&filtered[stride * static_cast<size_t>(y)]);
    const size_t n = bytes_per_pixel;  // left of byte x is byte x - n (zero for the first pixel)
    if (filter == PngFilter::kSub) {
      out[0] = kSubFilter;
      for (size_t x = 0; x < n; ++x) out[x + 1] = row[x];
      for (size_t x = n; x < row_bytes; ++x) out[x + 1] = static_cast<uint8_t>(row[x] - row[x - n]);
    } else {
      out[0] = kAverageFilter;
      for (size_t x = 0; x < n; ++x) out[x + 1] = static_cast<uint8_t>(row[x] - (up[x] >> 1));
      for (size_t x = n; x < row_bytes; ++x) {
        out[x + 1] = static_cast<uint8_t>(row[x] - ((row[x - n] + up[x]) >> 1));
      }
    }
    up = row;
  }

  std::string png(kSignature, sizeof(kSignature));
  size_t chunk = BeginChunk("IHDR", &png);
  AppendBigEndian32(static_cast<uint32_t>(grey.cols), &png);
  AppendBigEndian32(static_cast<uint32_t>(grey.rows), &png);
  // Bit depth, then greyscale, deflate, adaptive filtering (per-row filter bytes), no interlace.
  const char fields[5] = {static_cast<char>(sixteen ? 16 : 8), 0, 0, 0, 0};
  png.append(fields, 5);
  EndChunk(chunk, &png);
  chunk = BeginChunk("IDAT", &png);
  AppendRleZlib(filtered, &png);
  if (png.size() - chunk - 8 > static_cast<size_t>(std::numeric_limits<int32_t>::max())) {
    return absl::InvalidArgumentError(
        absl::StrCat("EncodeGreyPng: ", grey.cols, "x", grey.rows,
                     " image compresses to more than a PNG chunk holds (2 GiB)"));
  }
  EndChunk(chunk, &png);
  EndChunk(BeginChunk("IEND", &png), &png);
  return png;
}

}  // namespace mammo
