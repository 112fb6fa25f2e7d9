// Bytes layer: buffered sequential reading and writing of files, stdin and stdout, and whole
// files read or written at once.
//
//   ASSIGN_OR_RETURN(std::unique_ptr<ByteReader> in, ByteReader::Open("shard.rec"));  // "-" =
//   stdin char buf[4096]; ASSIGN_OR_RETURN(size_t got, in->Read(buf, sizeof(buf)));   // <
//   sizeof(buf) only at EOF
//
//   ASSIGN_OR_RETURN(std::unique_ptr<ByteWriter> out, ByteWriter::Create("out.rec"));
//   RETURN_IF_ERROR(out->Write("bytes"));
//   RETURN_IF_ERROR(out->Close());   // renames out.rec.tmp to out.rec
//
//   RETURN_IF_ERROR(WriteFileAtomically("run.json", text));   // all of it, or nothing
//   ASSIGN_OR_RETURN(std::string text, ReadFile("run.json"));
//
// A file writer writes to PATH.tmp and renames it to PATH only in a successful Close(), so a
// process killed halfway never leaves a file that looks complete. Close() syncs the file to
// disk before the rename and the folder after it, so that a crash of the machine leaves either
// the old PATH or the new one, whole. Destroying an unclosed writer removes the temporary file.
// Errors name the file and carry the system's reason.
#ifndef MAMMO_LIB_IO_BYTE_IO_H_
#define MAMMO_LIB_IO_BYTE_IO_H_

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace mammo {

// The name that stands for stdin or stdout in every path argument.
inline constexpr absl::string_view kStdioName = "-";

class ByteReader {
 public:
  // `path` is a file name or "-" for stdin.
  static absl::StatusOr<std::unique_ptr<ByteReader>> Open(const std::string& path);
  ~ByteReader();
  ByteReader(const ByteReader&) = delete;
  ByteReader& operator=(const ByteReader&) = delete;

  // Reads up to n bytes; returns fewer only at end of input.
  absl::StatusOr<size_t> Read(char* dst, size_t n);

  // Bytes consumed so far.
  uint64_t offset() const { return offset_; }
  // "stdin" or the path.
  const std::string& name() const { return name_; }
  // The size of a regular file; nullopt for pipes and terminals.
  std::optional<uint64_t> size() const { return size_; }

 private:
  ByteReader(int fd, bool owns_fd, std::string name, std::optional<uint64_t> size);
  absl::Status Fill();

  int fd_;
  bool owns_fd_;
  std::string name_;
  std::optional<uint64_t> size_;
  std::vector<char> buffer_;
  size_t buffer_begin_ = 0;
  size_t buffer_end_ = 0;
  bool eof_ = false;
  uint64_t offset_ = 0;
};

class ByteWriter {
 public:
  // `path` is a file name (written as PATH.tmp until Close) or "-" for stdout.
  static absl::StatusOr<std::unique_ptr<ByteWriter>> Create(const std::string& path);
  ~ByteWriter();
  ByteWriter(const ByteWriter&) = delete;
  ByteWriter& operator=(const ByteWriter&) = delete;

  absl::Status Write(absl::string_view data);
  // Flushes and, for a file, renames the temporary file to its final name.
  absl::Status Close();

  uint64_t offset() const { return offset_; }
  const std::string& name() const { return name_; }

 private:
  ByteWriter(int fd, std::string name, std::string temp_path);
  absl::Status Flush();
  absl::Status WriteAll(const char* data, size_t n);

  int fd_;
  std::string name_;       // final path, or "stdout"
  std::string temp_path_;  // empty for stdout
  std::vector<char> buffer_;
  size_t buffered_ = 0;
  uint64_t offset_ = 0;
  bool closed_ = false;
};

// The suffix of a file being written.
inline constexpr absl::string_view kTempSuffix = ".tmp";

// The whole of a file, or of stdin for "-".
absl::StatusOr<std::string> ReadFile(const std::string& path);

// Writes `bytes` to PATH.tmp, syncs it, renames it to `path` and syncs the folder: `path` then
// holds exactly `bytes`, and a failure at any step leaves no PATH.tmp and an existing `path`
// untouched. "-" writes to stdout.
absl::Status WriteFileAtomically(const std::string& path, absl::string_view bytes);

// For files that another library writes by name (LibTorch's archives): syncs `temp_path`,
// renames it to `path` and syncs the folder. `temp_path` is removed if this fails.
absl::Status SyncAndRename(const std::string& temp_path, const std::string& path);

}  // namespace mammo

#endif  // MAMMO_LIB_IO_BYTE_IO_H_
