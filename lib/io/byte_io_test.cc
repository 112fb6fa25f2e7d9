#include "lib/io/byte_io.h"

#include <sys/stat.h>

#include <memory>
#include <string>

#include "absl/status/status.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "lib/testing/files.h"

namespace mammo {
namespace {

using ::testing::HasSubstr;
using testing::PathExists;
using testing::ReadWholeFile;
using testing::TempPath;
using testing::WriteWholeFile;

// Every byte value, and long enough to cross the writer's direct-write and the reader's
// chunk sizes.
std::string Bytes(size_t n) {
  std::string bytes(n, '\0');
  for (size_t i = 0; i < n; ++i) bytes[i] = static_cast<char>((i * 131 + i / 256) & 0xff);
  return bytes;
}

TEST(WriteFileAtomically, RoundTripsThroughReadFile) {
  for (const size_t size : {size_t{0}, size_t{1}, size_t{1000}, size_t{(1 << 20) + 12345}}) {
    const std::string path = TempPath("round_trip_" + std::to_string(size));
    const std::string bytes = Bytes(size);
    ASSERT_TRUE(WriteFileAtomically(path, bytes).ok());
    EXPECT_EQ(ReadWholeFile(path), bytes);
    absl::StatusOr<std::string> read = ReadFile(path);
    ASSERT_TRUE(read.ok()) << read.status();
    EXPECT_EQ(*read, bytes);
    EXPECT_FALSE(PathExists(path + ".tmp"));
  }
}

TEST(WriteFileAtomically, ReplacesAnExistingFileWhole) {
  const std::string path = TempPath("replaced.txt");
  WriteWholeFile(path, std::string(5000, 'o'));
  ASSERT_TRUE(WriteFileAtomically(path, "new").ok());
  EXPECT_EQ(ReadWholeFile(path), "new");
}

TEST(WriteFileAtomically, LeavesNothingWhenTheFolderIsAFile) {
  const std::string parent = TempPath("a_regular_file");
  WriteWholeFile(parent, "not a folder");
  const std::string path = parent + "/out.txt";
  const absl::Status status = WriteFileAtomically(path, "bytes");
  ASSERT_FALSE(status.ok());
  EXPECT_THAT(status.message(), HasSubstr(path));
  EXPECT_THAT(status.message(), HasSubstr("Not a directory"));  // strerror(ENOTDIR)
  EXPECT_FALSE(PathExists(path));
  EXPECT_FALSE(PathExists(path + ".tmp"));
  EXPECT_EQ(ReadWholeFile(parent), "not a folder");
}

TEST(WriteFileAtomically, MissingFolderIsNotFound) {
  const std::string path = TempPath("no_such_folder/out.txt");
  const absl::Status status = WriteFileAtomically(path, "bytes");
  EXPECT_EQ(status.code(), absl::StatusCode::kNotFound);
  EXPECT_THAT(status.message(), HasSubstr(path));
  EXPECT_THAT(status.message(), HasSubstr("No such file or directory"));
  EXPECT_FALSE(PathExists(path));
}

// The rename fails (a file cannot replace a folder): the temporary file goes, the folder stays.
TEST(WriteFileAtomically, FailedRenameLeavesTheOldPathAndNoTemporary) {
  const std::string path = TempPath("a_folder");
  ::mkdir(path.c_str(), 0755);
  WriteWholeFile(path + "/inside", "kept");
  const absl::Status status = WriteFileAtomically(path, "bytes");
  ASSERT_FALSE(status.ok());
  EXPECT_THAT(status.message(), HasSubstr(path));
  EXPECT_THAT(status.message(), HasSubstr("cannot rename"));
  EXPECT_FALSE(PathExists(path + ".tmp"));
  EXPECT_EQ(ReadWholeFile(path + "/inside"), "kept");
}

TEST(ReadFile, MissingFileIsNotFoundAndNamed) {
  const std::string path = TempPath("absent.txt");
  const absl::StatusOr<std::string> read = ReadFile(path);
  EXPECT_EQ(read.status().code(), absl::StatusCode::kNotFound);
  EXPECT_THAT(read.status().message(), HasSubstr(path));
  EXPECT_THAT(read.status().message(), HasSubstr("No such file or directory"));
}

TEST(ReadFile, AFolderIsRefused) {
  const absl::StatusOr<std::string> read = ReadFile(::testing::TempDir());
  EXPECT_EQ(read.status().code(), absl::StatusCode::kFailedPrecondition);
}

TEST(SyncAndRename, MovesTheTemporaryFileIntoPlace) {
  const std::string path = TempPath("synced.bin");
  WriteWholeFile(path + ".tmp", "archive");
  ASSERT_TRUE(SyncAndRename(path + ".tmp", path).ok());
  EXPECT_EQ(ReadWholeFile(path), "archive");
  EXPECT_FALSE(PathExists(path + ".tmp"));
}

TEST(SyncAndRename, MissingTemporaryFileIsNamed) {
  const std::string path = TempPath("never_written.bin");
  const absl::Status status = SyncAndRename(path + ".tmp", path);
  EXPECT_EQ(status.code(), absl::StatusCode::kNotFound);
  EXPECT_THAT(status.message(), HasSubstr(path + ".tmp"));
  EXPECT_FALSE(PathExists(path));
}

TEST(ByteWriter, WritesToTheTemporaryFileUntilClose) {
  const std::string path = TempPath("writer.bin");
  absl::StatusOr<std::unique_ptr<ByteWriter>> out = ByteWriter::Create(path);
  ASSERT_TRUE(out.ok()) << out.status();
  const std::string big = Bytes(200 << 10);  // above the direct-write size
  ASSERT_TRUE((*out)->Write("head").ok());
  ASSERT_TRUE((*out)->Write(big).ok());
  ASSERT_TRUE((*out)->Write("tail").ok());
  EXPECT_EQ((*out)->offset(), 8 + big.size());
  EXPECT_EQ((*out)->name(), path);
  EXPECT_FALSE(PathExists(path));
  EXPECT_TRUE(PathExists(path + ".tmp"));
  ASSERT_TRUE((*out)->Close().ok());
  EXPECT_EQ(ReadWholeFile(path), "head" + big + "tail");
  EXPECT_FALSE(PathExists(path + ".tmp"));
  EXPECT_EQ((*out)->Write("more").code(), absl::StatusCode::kFailedPrecondition);
}

TEST(ByteWriter, UnclosedWriterLeavesNoFile) {
  const std::string path = TempPath("unclosed.bin");
  {
    absl::StatusOr<std::unique_ptr<ByteWriter>> out = ByteWriter::Create(path);
    ASSERT_TRUE(out.ok()) << out.status();
    ASSERT_TRUE((*out)->Write("partial").ok());
  }
  EXPECT_FALSE(PathExists(path));
  EXPECT_FALSE(PathExists(path + ".tmp"));
}

TEST(ByteReader, ReadsSmallAndLargePiecesInOrder) {
  const std::string path = TempPath("reader.bin");
  const std::string bytes = Bytes(300 << 10);
  WriteWholeFile(path, bytes);
  absl::StatusOr<std::unique_ptr<ByteReader>> in = ByteReader::Open(path);
  ASSERT_TRUE(in.ok()) << in.status();
  EXPECT_EQ((*in)->size(), bytes.size());
  EXPECT_EQ((*in)->name(), path);
  std::string got;
  // Alternate reads below and above the read-ahead size.
  for (size_t n = 7; got.size() < bytes.size(); n = n == 7 ? (40 << 10) : 7) {
    std::string piece(n, '\0');
    absl::StatusOr<size_t> read = (*in)->Read(piece.data(), n);
    ASSERT_TRUE(read.ok()) << read.status();
    got.append(piece, 0, *read);
    if (*read < n) break;
  }
  EXPECT_EQ(got, bytes);
  EXPECT_EQ((*in)->offset(), bytes.size());
  char one;
  absl::StatusOr<size_t> end = (*in)->Read(&one, 1);
  ASSERT_TRUE(end.ok());
  EXPECT_EQ(*end, 0u);
}

}  // namespace
}  // namespace mammo
