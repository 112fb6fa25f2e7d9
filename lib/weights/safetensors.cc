#include "lib/weights/safetensors.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <limits>
#include <optional>
#include <set>
#include <tuple>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "lib/status/status_macros.h"
#include "lib/weights/half.h"
#include "nlohmann/json.hpp"

namespace mammo::weights {
namespace {

using Json = nlohmann::json;

static_assert(std::numeric_limits<float>::is_iec559 && std::numeric_limits<double>::is_iec559,
              "F16/BF16/F32/F64 conversions assume IEEE 754 floats");

// The header length prefix.
constexpr size_t kLengthBytes = 8;

uint64_t LoadLittleEndian(const char* p, size_t n) {
  uint64_t value = 0;
  for (size_t i = 0; i < n; ++i) {
    value |= static_cast<uint64_t>(static_cast<uint8_t>(p[i])) << (8 * i);
  }
  return value;
}

absl::Status OsError(const std::string& path, const std::string& what, int error) {
  const std::string message = absl::StrCat(path, ": ", what, ": ", std::strerror(error));
  return error == ENOENT ? absl::NotFoundError(message) : absl::UnavailableError(message);
}

// A JSON integer as int64, or nullopt for floats, non-numbers and values past int64.
std::optional<int64_t> AsInt64(const Json& value) {
  if (value.is_number_integer() && !value.is_number_unsigned()) return value.get<int64_t>();
  if (value.is_number_unsigned() &&
      value.get<uint64_t>() <= static_cast<uint64_t>(std::numeric_limits<int64_t>::max())) {
    return static_cast<int64_t>(value.get<uint64_t>());
  }
  return std::nullopt;
}

// Validates one tensor's entry and fills everything but `bytes`; offsets go to `begin`, `end`.
absl::Status ParseTensorEntry(const std::string& path, const std::string& name, const Json& entry,
                              uint64_t buffer_size, TensorView* tensor, uint64_t* begin,
                              uint64_t* end) {
  const std::string where = absl::StrCat(path, ": tensor '", name, "'");
  if (name.empty()) return absl::DataLossError(absl::StrCat(path, ": a tensor has an empty name"));
  if (!entry.is_object()) {
    return absl::DataLossError(
        absl::StrCat(where, ": entry is ", entry.type_name(), ", not an object"));
  }
  for (const auto& [field, unused] : entry.items()) {
    if (field != "dtype" && field != "shape" && field != "data_offsets") {
      return absl::DataLossError(absl::StrCat(where, ": unknown field '", field, "'"));
    }
  }
  for (const char* field : {"dtype", "shape", "data_offsets"}) {
    if (!entry.contains(field)) {
      return absl::DataLossError(absl::StrCat(where, ": missing field '", field, "'"));
    }
  }

  const Json& dtype = entry["dtype"];
  if (!dtype.is_string())
    return absl::DataLossError(absl::StrCat(where, ": field 'dtype' is not a string"));
  const std::optional<DType> parsed = ParseDType(dtype.get_ref<const std::string&>());
  if (!parsed) {
    return absl::DataLossError(absl::StrCat(where, ": unsupported dtype '",
                                            dtype.get_ref<const std::string&>(),
                                            "' (supported: ", SupportedDTypeNames(), ")"));
  }
  tensor->name = name;
  tensor->dtype = *parsed;

  const Json& shape = entry["shape"];
  if (!shape.is_array())
    return absl::DataLossError(absl::StrCat(where, ": field 'shape' is not an array"));
  tensor->shape.clear();
  for (const Json& dim : shape) {
    const std::optional<int64_t> value = AsInt64(dim);
    if (!value || *value < 0) {
      return absl::DataLossError(absl::StrCat(where, ": field 'shape' holds ", dim.dump(),
                                              ", not a dimension in [0, 2^63)"));
    }
    tensor->shape.push_back(*value);
  }
  const std::optional<uint64_t> byte_size = TensorByteSize(tensor->dtype, tensor->shape);
  if (!byte_size) {
    return absl::DataLossError(
        absl::StrCat(where, ": field 'shape' ", shape.dump(), " overflows the element count"));
  }
  tensor->num_elements = *byte_size / DTypeSize(tensor->dtype);

  const Json& offsets = entry["data_offsets"];
  if (!offsets.is_array() || offsets.size() != 2 || !offsets[0].is_number_unsigned() ||
      !offsets[1].is_number_unsigned()) {
    return absl::DataLossError(absl::StrCat(where, ": field 'data_offsets' is ", offsets.dump(),
                                            ", not [begin, end] with non-negative integers"));
  }
  *begin = offsets[0].get<uint64_t>();
  *end = offsets[1].get<uint64_t>();
  if (*begin > *end || *end > buffer_size) {
    return absl::DataLossError(absl::StrCat(where, ": field 'data_offsets' [", *begin, ", ", *end,
                                            "] is outside the ", buffer_size, "-byte buffer"));
  }
  if (*end - *begin != *byte_size) {
    return absl::DataLossError(absl::StrCat(where, ": field 'data_offsets' spans ", *end - *begin,
                                            " bytes but shape ", shape.dump(), " of ",
                                            DTypeName(tensor->dtype), " needs ", *byte_size));
  }
  return absl::OkStatus();
}

absl::Status ParseMetadata(const std::string& path, const Json& value,
                           std::map<std::string, std::string>* metadata) {
  if (!value.is_object()) {
    return absl::DataLossError(absl::StrCat(path, ": field '", kMetadataKey, "' is ",
                                            value.type_name(), ", not an object"));
  }
  for (const auto& [key, item] : value.items()) {
    if (!item.is_string()) {
      return absl::DataLossError(absl::StrCat(path, ": field '", kMetadataKey, "' entry '", key,
                                              "' is ", item.type_name(), ", not a string"));
    }
    (*metadata)[key] = item.get<std::string>();
  }
  return absl::OkStatus();
}

// Where a tensor's bytes lie in the data buffer.
struct TensorExtent {
  uint64_t begin, end;
  const std::string* name;
};

// The tensors must tile the buffer exactly: no overlap, no gap, nothing left at the end.
absl::Status CheckTiling(const std::string& path, std::vector<TensorExtent> extents,
                         uint64_t buffer_size) {
  // Sorting by (begin, end) puts empty tensors before a non-empty one at the same offset, so
  // they never count as overlapping.
  std::sort(extents.begin(), extents.end(), [](const TensorExtent& a, const TensorExtent& b) {
    return std::tie(a.begin, a.end) < std::tie(b.begin, b.end);
  });
  uint64_t covered = 0;
  const std::string* previous = nullptr;
  for (const TensorExtent& extent : extents) {
    if (extent.begin < covered) {
      return absl::DataLossError(absl::StrCat(path, ": tensor '", *extent.name, "' at [",
                                              extent.begin, ", ", extent.end, ") overlaps tensor '",
                                              *previous, "' ending at ", covered));
    }
    if (extent.begin > covered) {
      return absl::DataLossError(absl::StrCat(path, ": buffer bytes [", covered, ", ", extent.begin,
                                              ") before tensor '", *extent.name,
                                              "' belong to no tensor"));
    }
    covered = extent.end;
    previous = extent.name;
  }
  if (covered != buffer_size) {
    return absl::DataLossError(absl::StrCat(path, ": buffer bytes [", covered, ", ", buffer_size,
                                            ") at the end belong to no tensor"));
  }
  return absl::OkStatus();
}

}  // namespace

SafetensorsFile::SafetensorsFile(std::string path, const char* data, size_t size)
    : path_(std::move(path)), data_(data), size_(size) {}

SafetensorsFile::~SafetensorsFile() { ::munmap(const_cast<char*>(data_), size_); }

absl::StatusOr<std::unique_ptr<SafetensorsFile>> SafetensorsFile::Open(const std::string& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return OsError(path, "cannot open for reading", errno);
  struct stat st;
  if (::fstat(fd, &st) != 0) {
    const int error = errno;
    ::close(fd);
    return OsError(path, "cannot stat", error);
  }
  if (!S_ISREG(st.st_mode)) {
    ::close(fd);
    return absl::InvalidArgumentError(absl::StrCat(path, ": not a regular file"));
  }
  const uint64_t size = static_cast<uint64_t>(st.st_size);
  // Checked before mmap, which refuses a zero length.
  if (size < kLengthBytes) {
    ::close(fd);
    return absl::DataLossError(absl::StrCat(path, ": ", size, "-byte file is shorter than the ",
                                            kLengthBytes, "-byte header length"));
  }
  void* mapping = ::mmap(nullptr, size, PROT_READ, MAP_PRIVATE, fd, 0);
  const int error = errno;
  ::close(fd);  // the mapping keeps the file alive
  if (mapping == MAP_FAILED) return OsError(path, "cannot mmap", error);
  std::unique_ptr<SafetensorsFile> file(
      new SafetensorsFile(path, static_cast<const char*>(mapping), size));
  RETURN_IF_ERROR(file->ParseHeader());
  return file;
}

absl::Status SafetensorsFile::ParseHeader() {
  const uint64_t header_size = LoadLittleEndian(data_, kLengthBytes);
  if (header_size > kMaxHeaderBytes) {
    return absl::DataLossError(absl::StrCat(path_, ": header length ", header_size,
                                            " exceeds the limit of ", kMaxHeaderBytes));
  }
  if (header_size > size_ - kLengthBytes) {
    return absl::DataLossError(absl::StrCat(path_, ": header length ", header_size,
                                            " runs past the end of the ", size_, "-byte file"));
  }
  const char* header = data_ + kLengthBytes;
  if (header_size == 0 || header[0] != '{') {
    return absl::DataLossError(absl::StrCat(path_, ": header does not start with '{'"));
  }
  // JSON objects keep the last of repeated keys, which would let a second entry for a tensor
  // hide the first; the callback remembers the keys of each open object to catch that.
  std::vector<std::set<std::string>> open_objects;
  std::optional<std::string> duplicate;
  const Json::parser_callback_t track_keys = [&](int, Json::parse_event_t event, Json& parsed) {
    if (event == Json::parse_event_t::object_start) open_objects.emplace_back();
    if (event == Json::parse_event_t::object_end) open_objects.pop_back();
    if (event == Json::parse_event_t::key && !duplicate &&
        !open_objects.back().insert(parsed.get<std::string>()).second) {
      duplicate = parsed.get<std::string>();
    }
    return true;
  };
  // No exceptions: a malformed header becomes a `discarded` value. The parser is iterative
  // and checks UTF-8, so deep nesting or bad bytes cannot hurt it.
  const Json root = Json::parse(header, header + header_size, track_keys,
                                /*allow_exceptions=*/false);
  // Valid JSON that starts with '{' is an object, so nothing else needs checking here.
  if (root.is_discarded()) {
    return absl::DataLossError(absl::StrCat(path_, ": header is not valid JSON"));
  }
  if (duplicate) {
    return absl::DataLossError(absl::StrCat(path_, ": header repeats the key '", *duplicate, "'"));
  }

  const uint64_t buffer_size = size_ - kLengthBytes - header_size;
  const char* buffer = header + header_size;
  std::vector<TensorExtent> extents;
  for (const auto& [key, value] : root.items()) {
    if (key == kMetadataKey) {
      RETURN_IF_ERROR(ParseMetadata(path_, value, &metadata_));
      continue;
    }
    TensorView tensor;
    uint64_t begin = 0, end = 0;
    RETURN_IF_ERROR(ParseTensorEntry(path_, key, value, buffer_size, &tensor, &begin, &end));
    tensor.bytes = absl::string_view(buffer + begin, end - begin);
    auto inserted = tensors_.emplace(key, std::move(tensor));
    extents.push_back({begin, end, &inserted.first->first});
  }

  RETURN_IF_ERROR(CheckTiling(path_, std::move(extents), buffer_size));
  for (const auto& [name, unused] : tensors_) names_.push_back(name);
  return absl::OkStatus();
}

const TensorView* SafetensorsFile::Find(absl::string_view name) const {
  auto it = tensors_.find(name);
  return it == tensors_.end() ? nullptr : &it->second;
}

absl::StatusOr<std::vector<float>> SafetensorsFile::ToFloat32(absl::string_view name) const {
  const TensorView* tensor = Find(name);
  if (tensor == nullptr) {
    return absl::NotFoundError(absl::StrCat(path_, ": no tensor '", name, "'"));
  }
  if (!IsFloatingPoint(tensor->dtype)) {
    return absl::InvalidArgumentError(absl::StrCat(path_, ": tensor '", name, "' is ",
                                                   DTypeName(tensor->dtype),
                                                   ", not a floating-point type"));
  }
  const size_t width = DTypeSize(tensor->dtype);
  const char* p = tensor->bytes.data();
  std::vector<float> values(tensor->num_elements);
  // Bytes are assembled explicitly: the data is little-endian and need not be aligned.
  for (float& value : values) {
    const uint64_t bits = LoadLittleEndian(p, width);
    switch (tensor->dtype) {
      case DType::kF16:
        value = HalfToFloat(static_cast<uint16_t>(bits));
        break;
      case DType::kBF16:
        value = BFloat16ToFloat(static_cast<uint16_t>(bits));
        break;
      case DType::kF32: {
        const uint32_t bits32 = static_cast<uint32_t>(bits);
        std::memcpy(&value, &bits32, sizeof(value));
        break;
      }
      default: {  // F64, the only other floating-point type; IEEE 754 rounds to nearest
                  // and overflows to infinity
        double wide;
        std::memcpy(&wide, &bits, sizeof(wide));
        value = static_cast<float>(wide);
        break;
      }
    }
    p += width;
  }
  return values;
}

}  // namespace mammo::weights
