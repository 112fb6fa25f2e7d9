// The frozen prefix's outputs of one image set in a file on disk, for ft_train's prefix cache
// when they do not fit in memory: a 4 KiB text header, then the rows [N, ...] of one dtype,
// row-major and little-endian, read back by memory mapping.
//
//   const std::string key = "model=vgg16\ngamma=10\n...";  // everything the outputs depend on
//   ASSIGN_OR_RETURN(PrefixCacheLookup found, OpenPrefixCacheFile(path, key));
//   if (!found.rows.defined()) {  // absent, of another key, or incomplete: found.why_not says
//     ASSIGN_OR_RETURN(std::unique_ptr<PrefixCacheWriter> w,
//                      PrefixCacheWriter::Create(path, key, {n, 256, 40, 40}, torch::kFloat32));
//     for (...) RETURN_IF_ERROR(w->Append(chunk));   // [k, 256, 40, 40], in row order
//     RETURN_IF_ERROR(w->Close());                   // PATH.tmp renamed to PATH when whole
//     ASSIGN_OR_RETURN(found, OpenPrefixCacheFile(path, key));
//   }
//   torch::Tensor batch = found.rows.index_select(0, indices);  // read from disk as needed
//
// A file is used only when its header holds exactly `key` and the shape and dtype, and its
// size is the header's plus the rows': a file being written is PATH.tmp (lib/io's ByteWriter),
// so a run killed while writing leaves nothing that a later run would read. The rows tensor
// owns the mapping; it stays valid after the file is replaced or removed.
#ifndef MAMMO_TOOLS_FT_TRAIN_PREFIX_CACHE_FILE_H_
#define MAMMO_TOOLS_FT_TRAIN_PREFIX_CACHE_FILE_H_

#include <torch/torch.h>

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "lib/io/byte_io.h"

namespace mammo::ft_train {

// The header's size; the rows start there (aligned for any dtype).
inline constexpr size_t kPrefixCacheHeaderBytes = 4096;

struct PrefixCacheLookup {
  torch::Tensor rows;   // [N, ...] on the CPU, memory-mapped read-only; undefined: not usable
  std::string why_not;  // when undefined: "absent", "built for other inputs (LINE)", ...
};

// The file at `path` when its header is `key`'s and it is whole; an error only when an
// existing file cannot be read (naming it).
absl::StatusOr<PrefixCacheLookup> OpenPrefixCacheFile(const std::string& path,
                                                      const std::string& key);

class PrefixCacheWriter {
 public:
  // `shape` [N, ...] of `dtype` (float32, bfloat16 or float16). InvalidArgument when the key
  // and shape do not fit in the header.
  static absl::StatusOr<std::unique_ptr<PrefixCacheWriter>> Create(const std::string& path,
                                                                   const std::string& key,
                                                                   std::vector<int64_t> shape,
                                                                   torch::ScalarType dtype);
  // The next rows, [k, ...] as the shape's rows, converted to the file's dtype.
  absl::Status Append(const torch::Tensor& rows);
  // FailedPrecondition unless exactly N rows were appended; then renames PATH.tmp to PATH.
  absl::Status Close();

 private:
  PrefixCacheWriter(std::unique_ptr<ByteWriter> out, std::vector<int64_t> shape,
                    torch::ScalarType dtype);
  std::unique_ptr<ByteWriter> out_;
  std::vector<int64_t> shape_;
  torch::ScalarType dtype_;
  int64_t rows_written_ = 0;
};

}  // namespace mammo::ft_train

#endif  // MAMMO_TOOLS_FT_TRAIN_PREFIX_CACHE_FILE_H_
