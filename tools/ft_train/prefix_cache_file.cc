#include "tools/ft_train/prefix_cache_file.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <utility>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "lib/status/status_macros.h"

namespace mammo::ft_train {
namespace {

constexpr char kMagic[] = "mammo prefix cache 1\n";

struct DtypeName {
  torch::ScalarType dtype;
  const char* name;
};
constexpr DtypeName kDtypes[] = {
    {torch::kFloat32, "float32"}, {torch::kBFloat16, "bfloat16"}, {torch::kFloat16, "float16"}};

const char* NameOf(torch::ScalarType dtype) {
  for (const DtypeName& d : kDtypes) {
    if (d.dtype == dtype) return d.name;
  }
  return nullptr;
}

std::string KeyText(const std::string& key) {
  return absl::StrCat(kMagic, key, key.empty() || key.back() == '\n' ? "" : "\n");
}

std::string ShapeLines(const std::vector<int64_t>& shape, torch::ScalarType dtype) {
  return absl::StrCat("shape=", absl::StrJoin(shape, ","), "\ndtype=", NameOf(dtype), "\n");
}

// The first line where `file` and `wanted` differ, for the message.
std::string FirstDifference(const std::string& file, const std::string& wanted) {
  const std::vector<std::string> a = absl::StrSplit(file, '\n');
  const std::vector<std::string> b = absl::StrSplit(wanted, '\n');
  for (size_t i = 0; i < a.size() && i < b.size(); ++i) {
    if (a[i] != b[i]) return absl::StrCat("its ", a[i], ", this run's ", b[i]);
  }
  return "its header is shorter";
}

absl::Status SystemError(const std::string& what, const std::string& path) {
  return absl::UnavailableError(absl::StrCat(path, ": ", what, ": ", std::strerror(errno)));
}

}  // namespace

absl::StatusOr<PrefixCacheLookup> OpenPrefixCacheFile(const std::string& path,
                                                      const std::string& key) {
  PrefixCacheLookup found;
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    if (errno == ENOENT) {
      found.why_not = "absent";
      return found;
    }
    return SystemError("cannot open", path);
  }
  struct stat info {};
  std::string header(kPrefixCacheHeaderBytes, '\0');
  const bool read_ok = ::fstat(fd, &info) == 0 && ::pread(fd, header.data(), header.size(), 0) ==
                                                      static_cast<ssize_t>(header.size());
  if (!read_ok) {
    ::close(fd);
    found.why_not = "shorter than its header";
    return found;
  }
  header.resize(std::strlen(header.c_str()));
  const std::string wanted = KeyText(key);
  if (header.compare(0, wanted.size(), wanted) != 0) {
    ::close(fd);
    found.why_not = absl::StrCat("built for other inputs (", FirstDifference(header, wanted), ")");
    return found;
  }
  // The shape and dtype lines right after the key (else the key was a prefix of the file's).
  if (header.compare(wanted.size(), 6, "shape=") != 0) {
    ::close(fd);
    found.why_not = absl::StrCat(
        "built for other inputs (its ",
        header.substr(wanted.size(), header.find('\n', wanted.size()) - wanted.size()), ")");
    return found;
  }
  std::vector<int64_t> shape;
  torch::ScalarType dtype = torch::kFloat32;
  bool dtype_known = false;
  for (absl::string_view line : absl::StrSplit(header.substr(wanted.size()), '\n')) {
    if (absl::ConsumePrefix(&line, "shape=")) {
      for (absl::string_view n : absl::StrSplit(line, ',')) {
        int64_t value = 0;
        if (absl::SimpleAtoi(n, &value) && value >= 0) shape.push_back(value);
      }
    } else if (absl::ConsumePrefix(&line, "dtype=")) {
      for (const DtypeName& d : kDtypes) {
        if (line == d.name) {
          dtype = d.dtype;
          dtype_known = true;
        }
      }
    }
  }
  int64_t elements = shape.empty() ? 0 : 1;
  for (int64_t n : shape) elements *= n;
  const uint64_t expected =
      kPrefixCacheHeaderBytes + static_cast<uint64_t>(elements) * torch::elementSize(dtype);
  if (shape.size() < 2 || !dtype_known || static_cast<uint64_t>(info.st_size) != expected) {
    ::close(fd);
    found.why_not =
        absl::StrCat("incomplete (", info.st_size, " bytes, its header asks for ", expected, ")");
    return found;
  }
  void* base = ::mmap(nullptr, expected, PROT_READ, MAP_SHARED, fd, 0);
  ::close(fd);
  if (base == MAP_FAILED) return SystemError("cannot map", path);
  char* rows = static_cast<char*>(base) + kPrefixCacheHeaderBytes;
  found.rows = torch::from_blob(
      rows, shape, [base, expected](void*) { ::munmap(base, expected); },
      torch::TensorOptions().dtype(dtype));
  return found;
}

absl::StatusOr<std::unique_ptr<PrefixCacheWriter>> PrefixCacheWriter::Create(
    const std::string& path, const std::string& key, std::vector<int64_t> shape,
    torch::ScalarType dtype) {
  if (NameOf(dtype) == nullptr || shape.size() < 2) {
    return absl::InvalidArgumentError(
        absl::StrCat(path, ": a prefix cache holds float32, bfloat16 or float16 rows [N, ...]"));
  }
  std::string header = absl::StrCat(KeyText(key), ShapeLines(shape, dtype));
  if (header.size() >= kPrefixCacheHeaderBytes) {
    return absl::InvalidArgumentError(absl::StrCat(path, ": the cache's key does not fit in its ",
                                                   kPrefixCacheHeaderBytes, "-byte header"));
  }
  header.resize(kPrefixCacheHeaderBytes, '\0');
  ASSIGN_OR_RETURN(std::unique_ptr<ByteWriter> out, ByteWriter::Create(path));
  RETURN_IF_ERROR(out->Write(header));
  return std::unique_ptr<PrefixCacheWriter>(
      new PrefixCacheWriter(std::move(out), std::move(shape), dtype));
}

PrefixCacheWriter::PrefixCacheWriter(std::unique_ptr<ByteWriter> out, std::vector<int64_t> shape,
                                     torch::ScalarType dtype)
    : out_(std::move(out)), shape_(std::move(shape)), dtype_(dtype) {}

absl::Status PrefixCacheWriter::Append(const torch::Tensor& rows) {
  const std::vector<int64_t> row_shape(shape_.begin() + 1, shape_.end());
  const std::vector<int64_t> got = rows.sizes().vec();
  if (got.size() != shape_.size() ||
      std::vector<int64_t>(got.begin() + 1, got.end()) != row_shape ||
      rows_written_ + got[0] > shape_[0]) {
    return absl::InvalidArgumentError(
        absl::StrCat(out_->name(), ": rows of shape [", absl::StrJoin(got, ","),
                     "] do not continue a cache of shape [", absl::StrJoin(shape_, ","),
                     "] at row ", rows_written_));
  }
  const torch::Tensor data = rows.to(torch::kCPU, dtype_).contiguous();
  RETURN_IF_ERROR(out_->Write(absl::string_view(static_cast<const char*>(data.data_ptr()),
                                                data.numel() * data.element_size())));
  rows_written_ += got[0];
  return absl::OkStatus();
}

absl::Status PrefixCacheWriter::Close() {
  if (rows_written_ != shape_[0]) {
    return absl::FailedPreconditionError(absl::StrCat(
        out_->name(), ": ", rows_written_, " rows written of ", shape_[0], "; not closed"));
  }
  return out_->Close();
}

}  // namespace mammo::ft_train
