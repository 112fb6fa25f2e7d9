#include "lib/image/codec.h"

#include <cstring>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>
#include <vector>

#include "absl/strings/str_cat.h"

namespace mammo {
namespace {

// OpenCV keeps colour as BGR; records keep RGB.
cv::Mat SwapRedBlue(const cv::Mat& pixels) {
  if (pixels.channels() != 3) return pixels;
  cv::Mat swapped;
  cv::cvtColor(pixels, swapped, cv::COLOR_BGR2RGB);
  return swapped;
}

absl::Status CheckSupported(const cv::Mat& pixels, const std::string& what) {
  if (pixels.empty()) return absl::InvalidArgumentError(absl::StrCat(what, ": empty image"));
  if (pixels.depth() != CV_8U && pixels.depth() != CV_16U) {
    return absl::InvalidArgumentError(
        absl::StrCat(what, ": only 8-bit and 16-bit unsigned pixels are supported"));
  }
  if (pixels.channels() != 1 && pixels.channels() != 3) {
    return absl::InvalidArgumentError(
        absl::StrCat(what, ": only 1 or 3 channels are supported, got ", pixels.channels()));
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<cv::Mat> DecodeImage(const Image& image) {
  const int depth = image.bit_depth() == 16 ? CV_16U : CV_8U;
  if ((image.bit_depth() != 8 && image.bit_depth() != 16) ||
      (image.channels() != 1 && image.channels() != 3) || image.width() == 0 ||
      image.height() == 0 || image.width() > 1 << 16 || image.height() > 1 << 16) {
    return absl::DataLossError(absl::StrCat("image header not supported: ", image.width(), "x",
                                            image.height(), ", ", image.channels(), " channels, ",
                                            image.bit_depth(), " bits"));
  }
  const int type = CV_MAKETYPE(depth, static_cast<int>(image.channels()));
  cv::Mat pixels;
  if (image.encoding() == Image::RAW) {
    const size_t expected = static_cast<size_t>(image.width()) * image.height() * image.channels() *
                            (image.bit_depth() / 8);
    if (image.data().size() != expected) {
      return absl::DataLossError(
          absl::StrCat("raw image holds ", image.data().size(), " bytes, ", expected, " expected"));
    }
    pixels.create(static_cast<int>(image.height()), static_cast<int>(image.width()), type);
    std::memcpy(pixels.data, image.data().data(), expected);  // x86-64: little-endian
  } else if (image.encoding() == Image::PNG) {
    const std::vector<uchar> bytes(image.data().begin(), image.data().end());
    pixels = cv::imdecode(bytes, cv::IMREAD_UNCHANGED);
    if (pixels.empty()) return absl::DataLossError("PNG image data does not decode");
  } else {
    return absl::DataLossError("image has no encoding");
  }
  if (pixels.cols != static_cast<int>(image.width()) ||
      pixels.rows != static_cast<int>(image.height()) || pixels.type() != type) {
    return absl::DataLossError(absl::StrCat(
        "image data is ", pixels.cols, "x", pixels.rows, " with ", pixels.channels(),
        " channels of ", pixels.elemSize1() * 8, " bits; the record says ", image.width(), "x",
        image.height(), " with ", image.channels(), " of ", image.bit_depth()));
  }
  return image.encoding() == Image::PNG ? SwapRedBlue(pixels) : pixels;
}

absl::StatusOr<Image> EncodeImage(const cv::Mat& pixels, Image::Encoding encoding) {
  if (absl::Status s = CheckSupported(pixels, "EncodeImage"); !s.ok()) return s;
  Image image;
  image.set_width(pixels.cols);
  image.set_height(pixels.rows);
  image.set_channels(pixels.channels());
  image.set_bit_depth(pixels.depth() == CV_16U ? 16 : 8);
  image.set_encoding(encoding);
  if (encoding == Image::RAW) {
    const cv::Mat contiguous = pixels.isContinuous() ? pixels : pixels.clone();
    image.set_data(reinterpret_cast<const char*>(contiguous.data),
                   contiguous.total() * contiguous.elemSize());
    return image;
  }
  if (encoding != Image::PNG) return absl::InvalidArgumentError("EncodeImage: unknown encoding");
  std::vector<uchar> bytes;
  // Compression level 1: PNG encoding dominates image-stage time at higher levels, and
  // files are only about 10% larger.
  if (!cv::imencode(".png", SwapRedBlue(pixels), bytes, {cv::IMWRITE_PNG_COMPRESSION, 1})) {
    return absl::InternalError("EncodeImage: PNG encoding failed");
  }
  image.set_data(reinterpret_cast<const char*>(bytes.data()), bytes.size());
  return image;
}

absl::StatusOr<cv::Mat> DecodeImageFile(const std::string& bytes, const std::string& name) {
  const std::vector<uchar> data(bytes.begin(), bytes.end());
  cv::Mat pixels = cv::imdecode(data, cv::IMREAD_UNCHANGED);
  if (pixels.empty()) {
    return absl::DataLossError(absl::StrCat(name, ": not a readable image (PNG, JPEG, TIFF...)"));
  }
  if (pixels.channels() == 4) cv::cvtColor(pixels, pixels, cv::COLOR_BGRA2BGR);
  if (absl::Status s = CheckSupported(pixels, name); !s.ok()) {
    return absl::DataLossError(s.message());
  }
  return SwapRedBlue(pixels);
}

absl::StatusOr<std::string> ImageToPngBytes(const Image& image) {
  if (image.encoding() == Image::PNG) return image.data();
  absl::StatusOr<cv::Mat> pixels = DecodeImage(image);
  if (!pixels.ok()) return pixels.status();
  absl::StatusOr<Image> png = EncodeImage(*pixels, Image::PNG);
  if (!png.ok()) return png.status();
  return png->data();
}

}  // namespace mammo
