// Reading safetensors files (the format of Hugging Face and timm weights) through mmap.
//
//   ASSIGN_OR_RETURN(std::unique_ptr<SafetensorsFile> file,
//                    SafetensorsFile::Open("resnet50.safetensors"));
//   for (const std::string& name : file->names()) {
//     const TensorView& t = *file->Find(name);      // dtype, shape, raw little-endian bytes
//   }
//   ASSIGN_OR_RETURN(std::vector<float> w, file->ToFloat32("conv1.weight"));
//   const std::map<std::string, std::string>& meta = file->metadata();   // e.g. {"format": "pt"}
//
// Layout: an 8-byte little-endian length N, N bytes of JSON (an object, maybe padded with
// spaces) describing each tensor's dtype, shape and [begin, end) offsets in the buffer that
// follows, plus an optional "__metadata__" string map. Open() validates the whole header
// before any tensor is exposed: offsets in range, sizes matching shapes, and the tensors
// tiling the buffer with no overlap, hole or trailing byte. A file that breaks any rule
// gives absl::DataLossError naming the file and the tensor or field, so every byte view
// handed out is known to lie inside the mapping.
//
// The views point into the mapping and live as long as the SafetensorsFile. The mapping is
// private and read-only; a file truncated by another process while mapped can still fault
// (SIGBUS), as with any mmap reader.
#ifndef MAMMO_LIB_WEIGHTS_SAFETENSORS_H_
#define MAMMO_LIB_WEIGHTS_SAFETENSORS_H_

#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "lib/weights/dtype.h"

namespace mammo::weights {

// Headers larger than this are refused before any allocation (real ones are a few MB).
inline constexpr uint64_t kMaxHeaderBytes = 100'000'000;
// The header key that holds the string map instead of a tensor.
inline constexpr absl::string_view kMetadataKey = "__metadata__";

struct TensorView {
  std::string name;
  DType dtype;
  std::vector<int64_t> shape;
  uint64_t num_elements;
  absl::string_view bytes;  // row-major, little-endian; num_elements * DTypeSize(dtype) long
};

class SafetensorsFile {
 public:
  static absl::StatusOr<std::unique_ptr<SafetensorsFile>> Open(const std::string& path);
  ~SafetensorsFile();
  SafetensorsFile(const SafetensorsFile&) = delete;
  SafetensorsFile& operator=(const SafetensorsFile&) = delete;

  // Tensor names in sorted order.
  const std::vector<std::string>& names() const { return names_; }
  // nullptr when there is no tensor of that name.
  const TensorView* Find(absl::string_view name) const;
  const std::map<std::string, std::string>& metadata() const { return metadata_; }
  // The path given to Open, used in every error message.
  const std::string& path() const { return path_; }

  // The tensor's values widened or narrowed to float32 (F64 rounds to nearest); NotFound for
  // an unknown name, InvalidArgument for a non-floating-point dtype.
  absl::StatusOr<std::vector<float>> ToFloat32(absl::string_view name) const;

 private:
  SafetensorsFile(std::string path, const char* data, size_t size);
  absl::Status ParseHeader();

  std::string path_;
  const char* data_;  // the whole mapped file
  size_t size_;
  std::map<std::string, TensorView, std::less<>> tensors_;
  std::vector<std::string> names_;
  std::map<std::string, std::string> metadata_;
};

}  // namespace mammo::weights

#endif  // MAMMO_LIB_WEIGHTS_SAFETENSORS_H_
