// A record's image as a backbone's input: decoded, scaled to [0, 1], resized to a square,
// grey replicated into three channels, normalised per channel. Shared by `embed` (frozen
// features) and fine tuning (images per batch), so that both feed a backbone the same input.
//
//   std::vector<float> planes(3 * size * size);
//   RETURN_IF_ERROR(PreprocessImage(record, size, info->mean, info->std, planes.data()));
#ifndef MAMMO_LIB_IMAGE_PREPROCESS_H_
#define MAMMO_LIB_IMAGE_PREPROCESS_H_

#include <array>

#include "absl/status/status.h"
#include "data_formats/record.pb.h"

namespace mammo {

// Writes 3 x size x size floats (RGB planes, row-major) to `planes`. Fails, naming the
// record, on an undecodable image or one with neither 1 nor 3 channels.
absl::Status PreprocessImage(const Record& record, int size, const std::array<float, 3>& mean,
                             const std::array<float, 3>& std, float* planes);

}  // namespace mammo

#endif  // MAMMO_LIB_IMAGE_PREPROCESS_H_
