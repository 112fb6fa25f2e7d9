// Conversion between mammo.Image (RAW or PNG bytes) and OpenCV matrices.
//
//   ASSIGN_OR_RETURN(cv::Mat pixels, DecodeImage(record.image()));   // CV_8U or CV_16U
//   ASSIGN_OR_RETURN(*record.mutable_image(), EncodeImage(pixels, Image::PNG));
//
// Three-channel images are RGB in records (PNG's order); OpenCV's BGR is converted here so
// that no caller has to think about it.
#ifndef MAMMO_LIB_IMAGE_CODEC_H_
#define MAMMO_LIB_IMAGE_CODEC_H_

#include <opencv2/core.hpp>
#include <string>

#include "absl/status/statusor.h"
#include "data_formats/record.pb.h"

namespace mammo {

// Decodes and checks that the pixels agree with the declared width, height, channels and
// bit depth. Fails with DataLoss naming what disagrees.
absl::StatusOr<cv::Mat> DecodeImage(const Image& image);

// Accepts CV_8U or CV_16U with 1 or 3 channels.
absl::StatusOr<Image> EncodeImage(const cv::Mat& pixels, Image::Encoding encoding);

// Decodes an image file's bytes (PNG, JPEG, TIFF, ...) as stored, without conversion.
absl::StatusOr<cv::Mat> DecodeImageFile(const std::string& bytes, const std::string& name);

// The image as PNG bytes (PNG data is returned as it is).
absl::StatusOr<std::string> ImageToPngBytes(const Image& image);

}  // namespace mammo

#endif  // MAMMO_LIB_IMAGE_CODEC_H_
