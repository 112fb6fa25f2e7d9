#include "lib/weights/safetensors_writer.h"

#include <unistd.h>

#include <fstream>
#include <sstream>
#include <string>

#include "absl/status/status.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "lib/testing/files.h"
#include "nlohmann/json.hpp"

namespace mammo::weights {
namespace {

using ::testing::HasSubstr;

using testing::ReadWholeFile;
using testing::TempPath;

TEST(WriteSafetensors, PadsHeaderAndLaysOutTensorsInNameOrder) {
  const std::string path = TempPath("layout.safetensors");
  ASSERT_TRUE(WriteSafetensors(path,
                               {{"z", DType::kU8, {3}, "zzz"},
                                {"a", DType::kU8, {2}, "aa"},
                                {"m", DType::kI16, {1}, "mm"}},
                               {{"format", "pt"}})
                  .ok());
  const std::string bytes = ReadWholeFile(path);
  ASSERT_GE(bytes.size(), 8u);
  uint64_t n = 0;
  for (int i = 0; i < 8; ++i) n |= static_cast<uint64_t>(static_cast<uint8_t>(bytes[i])) << (8 * i);
  EXPECT_EQ((8 + n) % 8, 0u);
  ASSERT_EQ(bytes.size(), 8 + n + 7);
  const std::string header = bytes.substr(8, n);
  EXPECT_EQ(header[0], '{');
  EXPECT_EQ(header.find_last_not_of(' '), header.rfind('}'));  // only spaces after the JSON
  EXPECT_EQ(bytes.substr(8 + n), "aammzzz");
  const nlohmann::json json = nlohmann::json::parse(header);
  EXPECT_EQ(json["a"]["data_offsets"], nlohmann::json::array({0, 2}));
  EXPECT_EQ(json["m"]["data_offsets"], nlohmann::json::array({2, 4}));
  EXPECT_EQ(json["z"]["data_offsets"], nlohmann::json::array({4, 7}));
  EXPECT_EQ(json["m"]["dtype"], "I16");
  EXPECT_EQ(json["__metadata__"]["format"], "pt");
  EXPECT_NE(::access((path + ".tmp").c_str(), F_OK), 0);  // renamed, not left behind
}

TEST(WriteSafetensors, OmitsEmptyMetadata) {
  const std::string path = TempPath("no_meta.safetensors");
  ASSERT_TRUE(WriteSafetensors(path, {}, {}).ok());
  EXPECT_EQ(ReadWholeFile(path), std::string("\x08\0\0\0\0\0\0\0{}      ", 16));
}

void ExpectInvalid(const std::vector<TensorToWrite>& tensors,
                   const std::map<std::string, std::string>& metadata, const std::string& detail) {
  const std::string path = TempPath("invalid.safetensors");
  const absl::Status status = WriteSafetensors(path, tensors, metadata);
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument) << status;
  EXPECT_THAT(status.message(), HasSubstr(detail));
  EXPECT_NE(::access(path.c_str(), F_OK), 0);
}

TEST(WriteSafetensors, RefusesInconsistentTensors) {
  ExpectInvalid({{"w", DType::kF32, {2}, "abcd"}}, {}, "tensor 'w': 4 bytes given, shape needs 8");
  ExpectInvalid({{"w", DType::kU8, {-1}, ""}}, {}, "tensor 'w': negative or overflowing shape");
  ExpectInvalid({{"w", DType::kU8, {1}, "a"}, {"w", DType::kU8, {1}, "b"}}, {}, "duplicate name");
  ExpectInvalid({{"__metadata__", DType::kU8, {1}, "a"}}, {}, "reserved or empty name");
  ExpectInvalid({{"", DType::kU8, {1}, "a"}}, {}, "reserved or empty name");
  ExpectInvalid({{"bad\xFF", DType::kU8, {1}, "a"}}, {}, "header cannot be encoded");
  ExpectInvalid({}, {{"k", "\xC3"}}, "header cannot be encoded");
}

}  // namespace
}  // namespace mammo::weights
