#include "lib/records/record_io.h"

#include <fstream>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "lib/records/crc32c.h"
#include "lib/testing/files.h"

namespace mammo {
namespace {

using ::testing::HasSubstr;

using testing::ReadWholeFile;
using testing::TempPath;
using testing::WriteWholeFile;

void WriteRecords(const std::string& path, const std::vector<std::string>& records) {
  auto out = ByteWriter::Create(path);
  ASSERT_TRUE(out.ok()) << out.status();
  RecordWriter writer(out->get());
  for (const std::string& r : records) ASSERT_TRUE(writer.Write(r).ok());
  ASSERT_TRUE((*out)->Close().ok());
}

// Reads every record; returns the records and the final status.
std::pair<std::vector<std::string>, absl::Status> ReadAll(const std::string& path) {
  std::vector<std::string> records;
  auto in = ByteReader::Open(path);
  if (!in.ok()) return {records, in.status()};
  RecordReader reader(in->get());
  std::string data;
  while (true) {
    absl::StatusOr<bool> got = reader.Read(&data);
    if (!got.ok()) return {records, got.status()};
    if (!*got) return {records, absl::OkStatus()};
    records.push_back(data);
  }
}

uint32_t LittleEndian32(const std::string& s, size_t at) {
  uint32_t v = 0;
  for (int i = 3; i >= 0; --i) v = (v << 8) | static_cast<uint8_t>(s[at + i]);
  return v;
}

TEST(RecordIoTest, ByteLayoutIsTfRecord) {
  const std::string path = TempPath("layout.rec");
  WriteRecords(path, {"abc"});
  const std::string bytes = ReadWholeFile(path);
  ASSERT_EQ(bytes.size(), 8u + 4u + 3u + 4u);
  EXPECT_EQ(bytes.substr(0, 8), std::string("\x03\0\0\0\0\0\0\0", 8));
  EXPECT_EQ(LittleEndian32(bytes, 8), crc32c::Mask(crc32c::Value(bytes.data(), 8)));
  EXPECT_EQ(bytes.substr(12, 3), "abc");
  EXPECT_EQ(LittleEndian32(bytes, 15), crc32c::Mask(crc32c::Value("abc", 3)));
}

TEST(RecordIoTest, RoundTripsEmptySmallAndLargeRecords) {
  const std::string path = TempPath("roundtrip.rec");
  std::string large(3 << 20, '\0');
  std::mt19937 rng(1);
  for (char& c : large) c = static_cast<char>(rng());
  const std::vector<std::string> records = {"", "x", std::string(1000, 'y'), large, "end"};
  WriteRecords(path, records);
  auto [read, status] = ReadAll(path);
  ASSERT_TRUE(status.ok()) << status;
  EXPECT_EQ(read, records);
}

TEST(RecordIoTest, EmptyFileIsACleanEndOfFile) {
  const std::string path = TempPath("empty.rec");
  WriteWholeFile(path, "");
  auto [read, status] = ReadAll(path);
  EXPECT_TRUE(status.ok());
  EXPECT_TRUE(read.empty());
}

TEST(RecordIoTest, UnclosedWriterLeavesNoFile) {
  const std::string path = TempPath("unclosed.rec");
  {
    auto out = ByteWriter::Create(path);
    ASSERT_TRUE(out.ok());
    RecordWriter writer(out->get());
    ASSERT_TRUE(writer.Write("partial").ok());
  }
  EXPECT_TRUE(absl::IsNotFound(ByteReader::Open(path).status()));
  EXPECT_TRUE(absl::IsNotFound(ByteReader::Open(path + ".tmp").status()));
}

// Corrupts one byte of the second record's field and expects its own message at its offset.
struct Corruption {
  const char* field;
  size_t offset_in_record;
  const char* message;
};

class CorruptFieldTest : public ::testing::TestWithParam<Corruption> {};

TEST_P(CorruptFieldTest, NamesFileOffsetAndField) {
  const std::string path = TempPath(std::string("corrupt_") + GetParam().field + ".rec");
  WriteRecords(path, {"first", "second"});
  std::string bytes = ReadWholeFile(path);
  const size_t second = 12 + 5 + 4;
  bytes[second + GetParam().offset_in_record] ^= 0x40;
  WriteWholeFile(path, bytes);
  auto [read, status] = ReadAll(path);
  ASSERT_EQ(read.size(), 1u);
  EXPECT_TRUE(absl::IsDataLoss(status)) << status;
  EXPECT_THAT(std::string(status.message()),
              HasSubstr(path + ": byte offset " + std::to_string(second) + ": "));
  EXPECT_THAT(std::string(status.message()), HasSubstr(GetParam().message));
}

INSTANTIATE_TEST_SUITE_P(AllFourFields, CorruptFieldTest,
                         ::testing::Values(Corruption{"length", 0, "length CRC mismatch"},
                                           Corruption{"length_crc", 9, "length CRC mismatch"},
                                           Corruption{"data", 12 + 2, "data CRC mismatch"},
                                           Corruption{"data_crc", 12 + 6 + 1, "data CRC mismatch"}),
                         [](const auto& info) { return std::string(info.param.field); });

TEST(RecordIoTest, TruncationAtEveryByteIsDataLossNamingTheOffset) {
  const std::string path = TempPath("full.rec");
  WriteRecords(path, {"first", "second"});
  const std::string bytes = ReadWholeFile(path);
  const size_t second = 12 + 5 + 4;
  for (size_t cut = second + 1; cut < bytes.size(); ++cut) {
    const std::string truncated = TempPath("truncated.rec");
    WriteWholeFile(truncated, bytes.substr(0, cut));
    auto [read, status] = ReadAll(truncated);
    EXPECT_EQ(read.size(), 1u) << cut;
    EXPECT_TRUE(absl::IsDataLoss(status)) << cut << " " << status;
    EXPECT_THAT(std::string(status.message()), HasSubstr("truncated")) << cut;
    EXPECT_THAT(std::string(status.message()), HasSubstr("byte offset 21")) << cut;
  }
}

TEST(RecordIoTest, HugeLengthWithValidCrcIsRefusedWithoutAllocating) {
  std::string header(8, '\0');
  const uint64_t length = uint64_t{1} << 40;
  for (int i = 0; i < 8; ++i) header[i] = static_cast<char>((length >> (8 * i)) & 0xff);
  const uint32_t crc = crc32c::Mask(crc32c::Value(header.data(), 8));
  for (int i = 0; i < 4; ++i) header.push_back(static_cast<char>((crc >> (8 * i)) & 0xff));
  const std::string path = TempPath("huge.rec");
  WriteWholeFile(path, header + "tail");
  auto [read, status] = ReadAll(path);
  EXPECT_TRUE(absl::IsDataLoss(status));
  EXPECT_THAT(std::string(status.message()), HasSubstr("exceeds the limit"));
}

// Random and mutated inputs must end in records or a clean error, never a crash or a hang.
// Run under --config=asan to also catch out-of-bounds reads.
TEST(RecordIoTest, RandomBytesNeverCrash) {
  const std::string valid_path = TempPath("valid.rec");
  WriteRecords(valid_path, {"alpha", std::string(300, 'b'), "", "gamma"});
  const std::string valid = ReadWholeFile(valid_path);
  std::mt19937 rng(12345);
  const std::string path = TempPath("random.rec");
  for (int round = 0; round < 2000; ++round) {
    std::string bytes;
    if (round % 2 == 0) {
      bytes.resize(rng() % 200);
      for (char& c : bytes) c = static_cast<char>(rng());
    } else {
      bytes = valid;
      const int flips = 1 + rng() % 4;
      for (int i = 0; i < flips; ++i)
        bytes[rng() % bytes.size()] ^= static_cast<char>(1 + rng() % 255);
      if (rng() % 3 == 0) bytes.resize(rng() % bytes.size());
    }
    WriteWholeFile(path, bytes);
    auto [read, status] = ReadAll(path);
    EXPECT_TRUE(status.ok() || absl::IsDataLoss(status)) << status;
    size_t total = 0;
    for (const auto& r : read) total += r.size();
    EXPECT_LE(total, bytes.size());
  }
}

}  // namespace
}  // namespace mammo
