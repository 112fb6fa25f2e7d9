// Reads a safetensors file written by independent_safetensors.py, compares every tensor with
// the values Python recorded, and writes the same tensors back with WriteSafetensors for
// Python to verify.
//
//   interop_check DIR/python.safetensors DIR/expected.txt DIR/cpp.safetensors
//
// Exit status 0 when everything matches; otherwise each difference is printed.
#include <cstdint>
#include <cstring>
#include <fstream>
#include <iostream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "lib/weights/safetensors.h"
#include "lib/weights/safetensors_writer.h"

namespace mammo::weights {
namespace {

// The integer at `p` as decimal text, signed or not as the dtype says.
std::string IntegerText(DType dtype, const char* p) {
  const size_t width = DTypeSize(dtype);
  uint64_t bits = 0;
  for (size_t i = 0; i < width; ++i) bits |= uint64_t{static_cast<uint8_t>(p[i])} << (8 * i);
  const bool is_signed =
      dtype == DType::kI8 || dtype == DType::kI16 || dtype == DType::kI32 || dtype == DType::kI64;
  if (!is_signed) return absl::StrCat(bits);
  const int shift = 64 - 8 * static_cast<int>(width);  // sign-extends through the top bit
  return absl::StrCat(static_cast<int64_t>(bits << shift) >> shift);
}

// One line of expected.txt checked against the file; returns the number of differences.
int CheckTensor(const SafetensorsFile& file, std::istringstream& line, const std::string& name) {
  std::string dtype_name;
  size_t rank = 0, count = 0;
  line >> dtype_name >> rank;
  std::vector<int64_t> shape(rank);
  for (int64_t& dim : shape) line >> dim;
  line >> count;
  std::vector<std::string> expected(count);
  for (std::string& value : expected) line >> value;

  const TensorView* tensor = file.Find(name);
  if (tensor == nullptr) {
    std::cerr << name << ": missing\n";
    return 1;
  }
  if (DTypeName(tensor->dtype) != dtype_name || tensor->shape != shape ||
      tensor->num_elements != count) {
    std::cerr << name << ": dtype, shape or element count differ\n";
    return 1;
  }
  std::vector<std::string> actual;
  if (IsFloatingPoint(tensor->dtype)) {
    // Compared as bit patterns: exact, and NaN equals NaN.
    absl::StatusOr<std::vector<float>> values = file.ToFloat32(name);
    if (!values.ok()) {
      std::cerr << values.status() << "\n";
      return 1;
    }
    for (float value : *values) {
      uint32_t bits;
      std::memcpy(&bits, &value, sizeof(bits));
      actual.push_back(absl::StrFormat("%08x", bits));
    }
  } else {
    for (uint64_t i = 0; i < count; ++i) {
      actual.push_back(
          IntegerText(tensor->dtype, tensor->bytes.data() + i * DTypeSize(tensor->dtype)));
    }
  }
  int differences = 0;
  for (size_t i = 0; i < count; ++i) {
    if (actual[i] != expected[i]) {
      std::cerr << name << "[" << i << "]: C++ read " << actual[i] << ", Python wrote "
                << expected[i] << "\n";
      ++differences;
    }
  }
  return differences;
}

int Run(const std::string& input, const std::string& expected_path, const std::string& output) {
  auto file = SafetensorsFile::Open(input);
  if (!file.ok()) {
    std::cerr << file.status() << "\n";
    return 1;
  }
  std::ifstream expected(expected_path);
  std::map<std::string, std::string> metadata;
  size_t tensors_listed = 0;
  int differences = 0;
  for (std::string text; std::getline(expected, text);) {
    std::istringstream line(text);
    std::string name;
    line >> name;
    if (name == "meta") {
      std::string key, value;
      line >> key >> value;
      metadata[key] = value;
      continue;
    }
    ++tensors_listed;
    differences += CheckTensor(**file, line, name);
  }
  if (tensors_listed != (*file)->names().size() || metadata != (*file)->metadata()) {
    std::cerr << "the file's tensor count or metadata differ from expected.txt\n";
    ++differences;
  }
  if (differences > 0 || tensors_listed == 0) return 1;

  std::vector<TensorToWrite> tensors;
  for (const std::string& name : (*file)->names()) {
    const TensorView& t = *(*file)->Find(name);
    tensors.push_back({name, t.dtype, t.shape, std::string(t.bytes)});
  }
  const absl::Status written = WriteSafetensors(output, tensors, (*file)->metadata());
  if (!written.ok()) {
    std::cerr << written << "\n";
    return 1;
  }
  std::cout << "matched " << tensors_listed << " tensors written by Python\n";
  return 0;
}

}  // namespace
}  // namespace mammo::weights

int main(int argc, char** argv) {
  if (argc != 4) {
    std::cerr << "usage: interop_check IN.safetensors EXPECTED.txt OUT.safetensors\n";
    return 2;
  }
  return mammo::weights::Run(argv[1], argv[2], argv[3]);
}
