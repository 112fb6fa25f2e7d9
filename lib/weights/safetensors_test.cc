#include "lib/weights/safetensors.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <fstream>
#include <limits>
#include <map>
#include <memory>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "lib/testing/files.h"
#include "lib/weights/safetensors_writer.h"

namespace mammo::weights {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

using testing::ReadWholeFile;
using testing::TempPath;
using testing::WriteWholeFile;

std::string LengthPrefix(uint64_t n) {
  std::string bytes(8, '\0');
  for (int i = 0; i < 8; ++i) bytes[i] = static_cast<char>(n >> (8 * i));
  return bytes;
}

// A file built by hand, so that the header can break rules the writer never breaks.
std::string RawFile(const std::string& header, const std::string& buffer) {
  return LengthPrefix(header.size()) + header + buffer;
}

template <typename T>
std::string BytesOf(const std::vector<T>& values) {
  return std::string(reinterpret_cast<const char*>(values.data()), values.size() * sizeof(T));
}

absl::StatusOr<std::unique_ptr<SafetensorsFile>> OpenBytes(const std::string& name,
                                                           const std::string& bytes) {
  const std::string path = TempPath(name);
  WriteWholeFile(path, bytes);
  return SafetensorsFile::Open(path);
}

// Opening `bytes` must fail with DataLoss, naming the file and containing `detail`.
void ExpectDataLoss(const std::string& name, const std::string& bytes, const std::string& detail) {
  auto file = OpenBytes(name, bytes);
  ASSERT_FALSE(file.ok()) << name << " was accepted";
  EXPECT_EQ(file.status().code(), absl::StatusCode::kDataLoss) << file.status();
  EXPECT_THAT(file.status().message(), HasSubstr(TempPath(name)));
  EXPECT_THAT(file.status().message(), HasSubstr(detail));
}

// A header entry for one tensor.
std::string Entry(const std::string& name, const std::string& dtype, const std::string& shape,
                  uint64_t begin, uint64_t end) {
  return "\"" + name + "\":{\"dtype\":\"" + dtype + "\",\"shape\":" + shape +
         ",\"data_offsets\":[" + std::to_string(begin) + "," + std::to_string(end) + "]}";
}

TEST(SafetensorsRoundTrip, EveryDTypeWithMetadata) {
  std::vector<TensorToWrite> tensors;
  for (DType dtype : kAllDTypes) {
    TensorToWrite t{"t_" + std::string(DTypeName(dtype)), dtype, {2, 3}, ""};
    for (size_t i = 0; i < 6 * DTypeSize(dtype); ++i) {
      t.bytes.push_back(static_cast<char>(dtype == DType::kBool ? i % 2 : (i * 37 + 11) % 256));
    }
    tensors.push_back(t);
  }
  tensors.push_back({"scalar", DType::kF64, {}, BytesOf<double>({2.5})});
  tensors.push_back({"empty", DType::kF32, {0, 4}, ""});
  const std::map<std::string, std::string> metadata = {{"format", "pt"},
                                                       {"note", "R\xC3\xA9sum\xC3\xA9"}};
  const std::string path = TempPath("every_dtype.safetensors");
  ASSERT_TRUE(WriteSafetensors(path, tensors, metadata).ok());

  auto file = SafetensorsFile::Open(path);
  ASSERT_TRUE(file.ok()) << file.status();
  EXPECT_EQ((*file)->metadata(), metadata);
  std::vector<std::string> sorted;
  for (const TensorToWrite& t : tensors) sorted.push_back(t.name);
  std::sort(sorted.begin(), sorted.end());
  EXPECT_EQ((*file)->names(), sorted);
  for (const TensorToWrite& t : tensors) {
    const TensorView* view = (*file)->Find(t.name);
    ASSERT_NE(view, nullptr) << t.name;
    EXPECT_EQ(view->name, t.name);
    EXPECT_EQ(view->dtype, t.dtype) << t.name;
    EXPECT_EQ(view->shape, t.shape) << t.name;
    EXPECT_EQ(view->bytes, t.bytes) << t.name;
    EXPECT_EQ(view->num_elements, t.bytes.size() / DTypeSize(t.dtype)) << t.name;
  }
  EXPECT_EQ((*file)->Find("absent"), nullptr);
}

TEST(SafetensorsToFloat32, ConvertsEachFloatingPointType) {
  const std::vector<TensorToWrite> tensors = {
      {"f32", DType::kF32, {3}, BytesOf<float>({1.5f, -0.0f, 3.0e38f})},
      {"f64", DType::kF64, {2}, BytesOf<double>({0.1, -1e300})},
      {"f16", DType::kF16, {4}, BytesOf<uint16_t>({0x3C00, 0xC000, 0x0001, 0x7C00})},
      {"bf16", DType::kBF16, {2}, BytesOf<uint16_t>({0x3F80, 0xC040})},
      {"i32", DType::kI32, {1}, BytesOf<int32_t>({7})},
  };
  const std::string path = TempPath("floats.safetensors");
  ASSERT_TRUE(WriteSafetensors(path, tensors, {}).ok());
  auto file = SafetensorsFile::Open(path);
  ASSERT_TRUE(file.ok()) << file.status();
  const float inf = std::numeric_limits<float>::infinity();
  EXPECT_THAT(*(*file)->ToFloat32("f32"), ElementsAre(1.5f, -0.0f, 3.0e38f));
  EXPECT_THAT(*(*file)->ToFloat32("f64"), ElementsAre(0.1f, -inf));  // rounds like a cast
  EXPECT_THAT(*(*file)->ToFloat32("f16"), ElementsAre(1.0f, -2.0f, std::ldexp(1.0f, -24), inf));
  EXPECT_THAT(*(*file)->ToFloat32("bf16"), ElementsAre(1.0f, -3.0f));
  EXPECT_EQ((*file)->ToFloat32("i32").status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ((*file)->ToFloat32("nope").status().code(), absl::StatusCode::kNotFound);
}

TEST(SafetensorsOpen, AcceptsPaddingEmptyTensorsAndAnEmptyHeader) {
  // Two empty tensors at the same offset as a non-empty one are neither overlap nor hole.
  const std::string header = "{" + Entry("a", "U8", "[0]", 1, 1) + "," +
                             Entry("b", "U8", "[1]", 0, 1) + "," + Entry("c", "U8", "[2,0]", 1, 1) +
                             "," + Entry("d", "U8", "[1]", 1, 2) + "}    ";
  auto file = OpenBytes("padded.safetensors", RawFile(header, "xy"));
  ASSERT_TRUE(file.ok()) << file.status();
  EXPECT_THAT((*file)->names(), ElementsAre("a", "b", "c", "d"));
  EXPECT_EQ((*file)->Find("d")->bytes, "y");
  EXPECT_TRUE((*file)->metadata().empty());

  auto empty = OpenBytes("empty_header.safetensors", RawFile("{}", ""));
  ASSERT_TRUE(empty.ok()) << empty.status();
  EXPECT_TRUE((*empty)->names().empty());
}

TEST(SafetensorsOpen, MissingFileIsNotFound) {
  auto file = SafetensorsFile::Open(TempPath("no_such.safetensors"));
  EXPECT_EQ(file.status().code(), absl::StatusCode::kNotFound);
}

// Hostile files, one rule each.

TEST(SafetensorsHostile, EmptyFile) { ExpectDataLoss("empty.st", "", "0-byte file"); }

TEST(SafetensorsHostile, SevenByteFile) {
  ExpectDataLoss("seven.st", std::string("\x02\0\0\0\0\0\0", 7), "7-byte file");
}

TEST(SafetensorsHostile, HugeHeaderLength) {
  ExpectDataLoss("huge.st", LengthPrefix(uint64_t{1} << 63) + "{}", "exceeds the limit");
  ExpectDataLoss("just_over.st", LengthPrefix(kMaxHeaderBytes + 1) + "{}", "exceeds the limit");
}

TEST(SafetensorsHostile, HeaderLengthPastEndOfFile) {
  ExpectDataLoss("past_end.st", LengthPrefix(100) + "{}", "runs past the end");
}

TEST(SafetensorsHostile, HeaderNotJson) {
  ExpectDataLoss("not_json.st", RawFile("{not json}", ""), "not valid JSON");
  ExpectDataLoss("bad_utf8.st", RawFile("{\"\xFF\":{}}", ""), "not valid JSON");
  ExpectDataLoss("zero_length.st", RawFile("", ""), "does not start with '{'");
}

TEST(SafetensorsHostile, HeaderNotAnObject) {
  ExpectDataLoss("array.st", RawFile("[1,2]", ""), "does not start with '{'");
  ExpectDataLoss("leading_space.st", RawFile(" {}", ""), "does not start with '{'");
  ExpectDataLoss("entry_number.st", RawFile("{\"a\":5}", ""), "tensor 'a': entry is number");
}

TEST(SafetensorsHostile, OffsetsOutOfRange) {
  ExpectDataLoss("past_buffer.st", RawFile("{" + Entry("w", "U8", "[4]", 0, 4) + "}", "ab"),
                 "tensor 'w': field 'data_offsets' [0, 4] is outside the 2-byte buffer");
  ExpectDataLoss("reversed.st", RawFile("{" + Entry("w", "U8", "[0]", 2, 1) + "}", "ab"),
                 "tensor 'w': field 'data_offsets' [2, 1]");
  ExpectDataLoss("huge_offset.st",
                 RawFile("{\"w\":{\"dtype\":\"U8\",\"shape\":[0],"
                         "\"data_offsets\":[18446744073709551615,18446744073709551615]}}",
                         ""),
                 "outside the 0-byte buffer");
}

TEST(SafetensorsHostile, MalformedOffsets) {
  for (const char* offsets : {"[0]", "[0,1,2]", "[-1,1]", "[0,1.5]", "\"0,1\""}) {
    ExpectDataLoss("offsets.st",
                   RawFile("{\"w\":{\"dtype\":\"U8\",\"shape\":[1],\"data_offsets\":" +
                               std::string(offsets) + "}}",
                           "a"),
                   "tensor 'w': field 'data_offsets' is");
  }
}

TEST(SafetensorsHostile, OverlappingOffsets) {
  ExpectDataLoss(
      "overlap.st",
      RawFile("{" + Entry("a", "U8", "[4]", 0, 4) + "," + Entry("b", "U8", "[4]", 2, 6) + "}",
              "abcdef"),
      "tensor 'b' at [2, 6) overlaps tensor 'a' ending at 4");
  ExpectDataLoss(
      "same_range.st",
      RawFile("{" + Entry("a", "U8", "[2]", 0, 2) + "," + Entry("b", "U8", "[2]", 0, 2) + "}",
              "ab"),
      "overlaps tensor 'a'");
}

TEST(SafetensorsHostile, HoleInBuffer) {
  ExpectDataLoss(
      "hole.st",
      RawFile("{" + Entry("a", "U8", "[2]", 0, 2) + "," + Entry("b", "U8", "[2]", 3, 5) + "}",
              "abcde"),
      "bytes [2, 3) before tensor 'b' belong to no tensor");
  ExpectDataLoss("trailing.st", RawFile("{" + Entry("a", "U8", "[2]", 0, 2) + "}", "abc"),
                 "bytes [2, 3) at the end belong to no tensor");
  ExpectDataLoss("leading.st", RawFile("{" + Entry("a", "U8", "[2]", 1, 3) + "}", "abc"),
                 "bytes [0, 1) before tensor 'a'");
}

TEST(SafetensorsHostile, SizeNotMatchingShape) {
  ExpectDataLoss("mismatch.st", RawFile("{" + Entry("w", "F32", "[2]", 0, 4) + "}", "abcd"),
                 "tensor 'w': field 'data_offsets' spans 4 bytes but shape [2] of F32 needs 8");
}

TEST(SafetensorsHostile, NegativeShape) {
  ExpectDataLoss("negative.st", RawFile("{" + Entry("w", "U8", "[-1]", 0, 0) + "}", ""),
                 "tensor 'w': field 'shape' holds -1");
}

TEST(SafetensorsHostile, OverflowingShape) {
  ExpectDataLoss("overflow.st",
                 RawFile("{" + Entry("w", "F32", "[4294967296,4294967296]", 0, 0) + "}", ""),
                 "tensor 'w': field 'shape' [4294967296,4294967296] overflows");
  ExpectDataLoss("past_int64.st",
                 RawFile("{" + Entry("w", "U8", "[18446744073709551615]", 0, 0) + "}", ""),
                 "field 'shape' holds 18446744073709551615");
  ExpectDataLoss("float_dim.st", RawFile("{" + Entry("w", "U8", "[1e30]", 0, 0) + "}", ""),
                 "field 'shape' holds");
  ExpectDataLoss("shape_string.st", RawFile("{" + Entry("w", "U8", "\"[1]\"", 0, 1) + "}", "a"),
                 "field 'shape' is not an array");
}

TEST(SafetensorsHostile, UnknownDType) {
  ExpectDataLoss("f8.st", RawFile("{" + Entry("w", "F8_E4M3", "[1]", 0, 1) + "}", "a"),
                 "tensor 'w': unsupported dtype 'F8_E4M3' (supported: BOOL, U8,");
  ExpectDataLoss("lower.st", RawFile("{" + Entry("w", "f32", "[1]", 0, 4) + "}", "abcd"),
                 "unsupported dtype 'f32'");
  ExpectDataLoss("dtype_number.st",
                 RawFile("{\"w\":{\"dtype\":4,\"shape\":[1],\"data_offsets\":[0,1]}}", "a"),
                 "field 'dtype' is not a string");
}

TEST(SafetensorsHostile, MissingUnknownAndEmptyNames) {
  ExpectDataLoss("no_dtype.st", RawFile("{\"w\":{\"shape\":[1],\"data_offsets\":[0,1]}}", "a"),
                 "tensor 'w': missing field 'dtype'");
  ExpectDataLoss(
      "extra.st",
      RawFile("{\"w\":{\"dtype\":\"U8\",\"shape\":[1],\"data_offsets\":[0,1],\"x\":1}}", "a"),
      "tensor 'w': unknown field 'x'");
  ExpectDataLoss("empty_name.st", RawFile("{" + Entry("", "U8", "[1]", 0, 1) + "}", "a"),
                 "empty name");
}

TEST(SafetensorsHostile, RepeatedKeys) {
  ExpectDataLoss(
      "repeated_tensor.st",
      RawFile("{" + Entry("a", "U8", "[1]", 0, 1) + "," + Entry("a", "U8", "[1]", 1, 2) + "}",
              "ab"),
      "header repeats the key 'a'");
  ExpectDataLoss("repeated_field.st",
                 RawFile("{\"a\":{\"dtype\":\"U8\",\"dtype\":\"U8\",\"shape\":[1],"
                         "\"data_offsets\":[0,1]}}",
                         "a"),
                 "header repeats the key 'dtype'");
}

// A million nested arrays: neither parsing nor freeing the JSON may recurse that deep.
TEST(SafetensorsHostile, DeeplyNestedHeader) {
  const int depth = 1000000;
  const std::string header = "{\"a\":" + std::string(depth, '[') + std::string(depth, ']') + "}";
  ExpectDataLoss("nested.st", RawFile(header, ""), "tensor 'a': entry is array");
}

TEST(SafetensorsHostile, BadMetadata) {
  ExpectDataLoss("meta_array.st", RawFile("{\"__metadata__\":[1]}", ""),
                 "field '__metadata__' is array, not an object");
  ExpectDataLoss("meta_value.st", RawFile("{\"__metadata__\":{\"epochs\":3}}", ""),
                 "field '__metadata__' entry 'epochs' is number, not a string");
}

TEST(SafetensorsHostile, TruncatedFile) {
  const std::string path = TempPath("whole.safetensors");
  ASSERT_TRUE(
      WriteSafetensors(path, {{"w", DType::kF32, {4}, BytesOf<float>({1, 2, 3, 4})}}, {}).ok());
  const std::string whole = ReadWholeFile(path);
  ExpectDataLoss("cut_buffer.st", whole.substr(0, whole.size() - 1),
                 "tensor 'w': field 'data_offsets' [0, 16] is outside the 15-byte buffer");
  ExpectDataLoss("cut_header.st", whole.substr(0, 20), "runs past the end of the 20-byte file");
}

// Random byte flips of a valid file: each must open cleanly or fail with an error, and an
// accepted file's views must be readable end to end (AddressSanitizer checks the bounds).
TEST(SafetensorsHostile, RandomMutationsNeverCrash) {
  const std::string path = TempPath("seed.safetensors");
  ASSERT_TRUE(WriteSafetensors(path,
                               {{"a.weight", DType::kF16, {2, 3}, std::string(12, '\x3C')},
                                {"a.bias", DType::kBF16, {3}, std::string(6, '\x3F')},
                                {"b", DType::kF64, {2}, BytesOf<double>({1.0, -2.0})},
                                {"c", DType::kI64, {1, 1}, BytesOf<int64_t>({5})},
                                {"d", DType::kF32, {}, BytesOf<float>({0.5f})}},
                               {{"format", "pt"}})
                  .ok());
  const std::string original = ReadWholeFile(path);
  uint64_t header_end = 8;
  for (int i = 0; i < 8; ++i) header_end += uint64_t{static_cast<uint8_t>(original[i])} << (8 * i);
  std::mt19937 random(20200611);
  int accepted = 0;
  for (int round = 0; round < 2000; ++round) {
    std::string bytes = original;
    const int flips = 1 + random() % 4;
    for (int i = 0; i < flips; ++i) {
      // Mostly the header and its length, where the parser's decisions are made.
      const size_t limit = random() % 4 == 0 ? bytes.size() : header_end;
      bytes[random() % limit] ^= static_cast<char>(1 + random() % 255);
    }
    if (round % 10 == 0) bytes.resize(random() % bytes.size());
    auto file = OpenBytes("mutant.safetensors", bytes);
    if (!file.ok()) {
      EXPECT_EQ(file.status().code(), absl::StatusCode::kDataLoss) << file.status();
      continue;
    }
    ++accepted;
    for (const std::string& name : (*file)->names()) {
      const TensorView& view = *(*file)->Find(name);
      const std::string copy(view.bytes);  // touches every byte of the view
      EXPECT_EQ(copy.size(), view.num_elements * DTypeSize(view.dtype));
      if (IsFloatingPoint(view.dtype)) {
        auto values = (*file)->ToFloat32(name);
        ASSERT_TRUE(values.ok()) << values.status();
        EXPECT_EQ(values->size(), view.num_elements);
      }
    }
  }
  // Flips in the buffer leave a valid file, so some mutants must be accepted.
  EXPECT_GT(accepted, 0);
}

}  // namespace
}  // namespace mammo::weights
