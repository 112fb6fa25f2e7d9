// Writing safetensors files, for tests, conversions and checkpoints.
//
//   std::vector<TensorToWrite> tensors = {
//       {"fc.weight", DType::kF32, {2, 3}, std::string(reinterpret_cast<const char*>(w), 24)},
//       {"fc.bias", DType::kF32, {2}, std::string(reinterpret_cast<const char*>(b), 8)},
//   };
//   RETURN_IF_ERROR(WriteSafetensors("head.safetensors", tensors, {{"format", "pt"}}));
//
// The header lists tensors in name order and is padded with spaces so that the buffer starts
// at a multiple of 8 bytes; the buffer holds the tensors in the same order. The file is
// written as PATH.tmp and renamed to PATH only once complete (see ByteWriter).
#ifndef MAMMO_LIB_WEIGHTS_SAFETENSORS_WRITER_H_
#define MAMMO_LIB_WEIGHTS_SAFETENSORS_WRITER_H_

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "lib/weights/dtype.h"

namespace mammo::weights {

struct TensorToWrite {
  std::string name;
  DType dtype;
  std::vector<int64_t> shape;
  std::string bytes;  // row-major, little-endian; exactly TensorByteSize(dtype, shape) long
};

// InvalidArgument for an empty, duplicate or reserved ("__metadata__") name, a negative
// dimension, bytes that do not match the shape, or names and metadata that are not UTF-8.
absl::Status WriteSafetensors(const std::string& path, const std::vector<TensorToWrite>& tensors,
                              const std::map<std::string, std::string>& metadata);

}  // namespace mammo::weights

#endif  // MAMMO_LIB_WEIGHTS_SAFETENSORS_WRITER_H_
