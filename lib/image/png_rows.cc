#include "lib/image/png_rows.h"

#include <zlib.h>

#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"

namespace mammo {
namespace {

constexpr unsigned char kSignature[8] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};

uint32_t BigEndian32(const unsigned char* p) {
  return (uint32_t{p[0]} << 24) | (uint32_t{p[1]} << 16) | (uint32_t{p[2]} << 8) | p[3];
}

// The PNG filters (PNG specification, section 9) undone in place on one row of grey bytes
// (one byte per pixel), given the row above (zeros for the first row).
absl::Status Unfilter(int filter, unsigned char* row, const unsigned char* above, int width) {
  switch (filter) {
    case 0:  // None
      return absl::OkStatus();
    case 1:  // Sub
      for (int x = 1; x < width; ++x) row[x] = static_cast<unsigned char>(row[x] + row[x - 1]);
      return absl::OkStatus();
    case 2:  // Up
      for (int x = 0; x < width; ++x) row[x] = static_cast<unsigned char>(row[x] + above[x]);
      return absl::OkStatus();
    case 3:  // Average
      row[0] = static_cast<unsigned char>(row[0] + (above[0] >> 1));
      for (int x = 1; x < width; ++x) {
        row[x] = static_cast<unsigned char>(row[x] + ((row[x - 1] + above[x]) >> 1));
      }
      return absl::OkStatus();
    case 4:  // Paeth
      for (int x = 0; x < width; ++x) {
        const int a = x > 0 ? row[x - 1] : 0, b = above[x], c = x > 0 ? above[x - 1] : 0;
        const int p = a + b - c;
        const int pa = std::abs(p - a), pb = std::abs(p - b), pc = std::abs(p - c);
        const int predictor = (pa <= pb && pa <= pc) ? a : (pb <= pc ? b : c);
        row[x] = static_cast<unsigned char>(row[x] + predictor);
      }
      return absl::OkStatus();
    default:
      return absl::DataLossError(absl::StrCat("PNG row filter ", filter, " does not exist"));
  }
}

// The IHDR chunk's fields, after checking the signature and the chunk's place and length.
absl::StatusOr<const unsigned char*> HeaderFields(absl::string_view bytes) {
  const auto* data = reinterpret_cast<const unsigned char*>(bytes.data());
  // Signature, then IHDR: length 13, "IHDR", 13 bytes of fields, CRC.
  if (bytes.size() < 8 + 8 + 13 + 4 || std::memcmp(data, kSignature, 8) != 0 ||
      BigEndian32(data + 8) != 13 || std::memcmp(data + 12, "IHDR", 4) != 0) {
    return absl::DataLossError("not a PNG (no signature and IHDR chunk)");
  }
  return data + 16;
}

}  // namespace

absl::StatusOr<cv::Size> PngSize(absl::string_view bytes) {
  absl::StatusOr<const unsigned char*> ihdr = HeaderFields(bytes);
  if (!ihdr.ok()) return ihdr.status();
  const uint32_t width = BigEndian32(*ihdr), height = BigEndian32(*ihdr + 4);
  if (width > (1u << 20) || height > (1u << 20)) {
    return absl::DataLossError(absl::StrCat("PNG of ", width, "x", height, " pixels"));
  }
  return cv::Size(static_cast<int>(width), static_cast<int>(height));
}

absl::StatusOr<cv::Mat> DecodeGreyPngRows(absl::string_view bytes, int rows) {
  const auto* data = reinterpret_cast<const unsigned char*>(bytes.data());
  const size_t size = bytes.size();
  absl::StatusOr<const unsigned char*> fields = HeaderFields(bytes);
  if (!fields.ok()) return fields.status();
  const unsigned char* ihdr = *fields;
  const uint32_t width = BigEndian32(ihdr), height = BigEndian32(ihdr + 4);
  const int bit_depth = ihdr[8], colour_type = ihdr[9], interlace = ihdr[12];
  if (bit_depth != 8 || colour_type != 0 || interlace != 0) {
    return absl::UnimplementedError(absl::StrCat("PNG of bit depth ", bit_depth, ", colour type ",
                                                 colour_type, ", interlace ", interlace));
  }
  if (width == 0 || height == 0 || width > (1u << 20) || height > (1u << 20)) {
    return absl::DataLossError(absl::StrCat("PNG of ", width, "x", height, " pixels"));
  }
  if (rows < 1 || static_cast<uint32_t>(rows) > height) {
    return absl::InvalidArgumentError(absl::StrCat(rows, " rows asked of a PNG of ", height));
  }

  // Each stored row is a filter byte followed by the row's pixels.
  const size_t stride = size_t{width} + 1;
  std::vector<unsigned char> filtered(stride * static_cast<size_t>(rows));
  z_stream z{};
  if (inflateInit(&z) != Z_OK) return absl::InternalError("inflateInit failed");
  z.next_out = filtered.data();
  z.avail_out = static_cast<uInt>(filtered.size());
  size_t at = 8 + 8 + 13 + 4;
  int result = Z_OK;
  while (z.avail_out > 0 && result != Z_STREAM_END) {
    if (at + 8 > size) break;  // no more chunks: truncated
    const uint32_t length = BigEndian32(data + at);
    const unsigned char* type = data + at + 4;
    if (length > size - at - 12) break;  // the chunk runs past the end: truncated
    if (std::memcmp(type, "IEND", 4) == 0) break;
    if (std::memcmp(type, "IDAT", 4) == 0) {
      z.next_in = const_cast<unsigned char*>(data + at + 8);
      z.avail_in = length;
      while (z.avail_in > 0 && z.avail_out > 0) {
        result = inflate(&z, Z_NO_FLUSH);
        if (result == Z_STREAM_END) break;
        if (result != Z_OK) {
          inflateEnd(&z);
          return absl::DataLossError(
              absl::StrCat("PNG image data does not inflate (zlib ", result, ")"));
        }
      }
    }
    at += size_t{length} + 12;
  }
  inflateEnd(&z);
  if (z.avail_out > 0) {
    return absl::DataLossError(
        absl::StrCat("PNG truncated: ", z.total_out / stride, " of ", rows, " rows present"));
  }

  cv::Mat pixels(rows, static_cast<int>(width), CV_8UC1);
  const std::vector<unsigned char> zeros(width, 0);
  for (int y = 0; y < rows; ++y) {
    unsigned char* row = pixels.ptr<unsigned char>(y);
    std::memcpy(row, filtered.data() + stride * y + 1, width);
    const unsigned char* above = y > 0 ? pixels.ptr<unsigned char>(y - 1) : zeros.data();
    if (absl::Status s = Unfilter(filtered[stride * y], row, above, static_cast<int>(width));
        !s.ok()) {
      return s;
    }
  }
  return pixels;
}

}  // namespace mammo
