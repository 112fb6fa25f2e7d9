#include "lib/io/byte_io.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>

#include "absl/strings/str_cat.h"
#include "lib/status/status_macros.h"

namespace mammo {
namespace {

// Writes smaller than kDirectWriteBytes are gathered in a buffer; larger ones skip it: the
// extra memcpy would cost more than the system call it saves (image records are 10 KB to
// 1 MB).
constexpr size_t kWriteBufferBytes = 1 << 20;
constexpr size_t kDirectWriteBytes = 64 << 10;
// Reads read ahead only this far, so that a large record is mostly read straight into its
// destination rather than copied out of the buffer; small records still share system calls.
constexpr size_t kReadBufferBytes = 16 << 10;

absl::Status ErrnoError(const std::string& what, const std::string& name, int error) {
  const std::string message = absl::StrCat(name, ": ", what, ": ", std::strerror(error));
  switch (error) {
    case ENOENT:
      return absl::NotFoundError(message);
    case EACCES:
    case EPERM:
      return absl::PermissionDeniedError(message);
    case ENOSPC:
    case EDQUOT:
      return absl::ResourceExhaustedError(message);
    default:
      return absl::UnavailableError(message);
  }
}

// The folder that holds `path`, which names a file.
std::string ParentFolder(const std::string& path) {
  const size_t slash = path.rfind('/');
  if (slash == std::string::npos) return ".";
  if (slash == 0) return "/";
  return path.substr(0, slash);
}

// fsync, where the file system can (EINVAL: it cannot for this kind of file).
bool Sync(int fd) { return ::fsync(fd) == 0 || errno == EINVAL; }

// Makes a rename into `path`'s folder survive a crash of the machine.
absl::Status SyncFolder(const std::string& path) {
  const std::string folder = ParentFolder(path);
  const int fd = ::open(folder.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return ErrnoError("cannot open the folder to sync it", folder, errno);
  absl::Status status;
  if (!Sync(fd)) status = ErrnoError("cannot sync the folder", folder, errno);
  ::close(fd);
  return status;
}

}  // namespace

ByteReader::ByteReader(int fd, bool owns_fd, std::string name, std::optional<uint64_t> size)
    : fd_(fd), owns_fd_(owns_fd), name_(std::move(name)), size_(size), buffer_(kReadBufferBytes) {}

ByteReader::~ByteReader() {
  if (owns_fd_) ::close(fd_);
}

absl::StatusOr<std::unique_ptr<ByteReader>> ByteReader::Open(const std::string& path) {
  int fd = 0;
  bool owns_fd = false;
  std::string name = "stdin";
  if (path != kStdioName) {
    fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) return ErrnoError("cannot open for reading", path, errno);
    owns_fd = true;
    name = path;
  }
  struct stat st;
  if (::fstat(fd, &st) != 0) {
    const int error = errno;
    if (owns_fd) ::close(fd);
    return ErrnoError("cannot stat", name, error);
  }
  if (S_ISDIR(st.st_mode)) {
    if (owns_fd) ::close(fd);
    return absl::FailedPreconditionError(absl::StrCat(name, ": is a directory, not a file"));
  }
  std::optional<uint64_t> size;
  if (S_ISREG(st.st_mode)) size = static_cast<uint64_t>(st.st_size);
  return std::unique_ptr<ByteReader>(new ByteReader(fd, owns_fd, std::move(name), size));
}

absl::Status ByteReader::Fill() {
  buffer_begin_ = 0;
  buffer_end_ = 0;
  while (true) {
    const ssize_t got = ::read(fd_, buffer_.data(), buffer_.size());
    if (got < 0 && errno == EINTR) continue;
    if (got < 0) return ErrnoError("read failed", name_, errno);
    if (got == 0) eof_ = true;
    buffer_end_ = static_cast<size_t>(got);
    return absl::OkStatus();
  }
}

absl::StatusOr<size_t> ByteReader::Read(char* dst, size_t n) {
  size_t done = 0;
  while (done < n) {
    if (buffer_begin_ == buffer_end_) {
      if (eof_) break;
      if (n - done >= kReadBufferBytes) {
        const ssize_t got = ::read(fd_, dst + done, n - done);
        if (got < 0 && errno == EINTR) continue;
        if (got < 0) return ErrnoError("read failed", name_, errno);
        if (got == 0) {
          eof_ = true;
          break;
        }
        done += static_cast<size_t>(got);
        continue;
      }
      if (absl::Status status = Fill(); !status.ok()) return status;
      continue;
    }
    const size_t take = std::min(n - done, buffer_end_ - buffer_begin_);
    std::memcpy(dst + done, buffer_.data() + buffer_begin_, take);
    buffer_begin_ += take;
    done += take;
  }
  offset_ += done;
  return done;
}

ByteWriter::ByteWriter(int fd, std::string name, std::string temp_path)
    : fd_(fd),
      name_(std::move(name)),
      temp_path_(std::move(temp_path)),
      buffer_(kWriteBufferBytes) {}

ByteWriter::~ByteWriter() {
  if (temp_path_.empty()) {
    if (!closed_) Flush().IgnoreError();  // stdout: best effort, nothing to undo
    return;
  }
  if (!closed_) {
    ::close(fd_);
    ::unlink(temp_path_.c_str());
  }
}

absl::StatusOr<std::unique_ptr<ByteWriter>> ByteWriter::Create(const std::string& path) {
  if (path == kStdioName) return std::unique_ptr<ByteWriter>(new ByteWriter(1, "stdout", ""));
  std::string temp_path = absl::StrCat(path, kTempSuffix);
  const int fd = ::open(temp_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return ErrnoError("cannot create", temp_path, errno);
  return std::unique_ptr<ByteWriter>(new ByteWriter(fd, path, std::move(temp_path)));
}

absl::Status ByteWriter::WriteAll(const char* data, size_t n) {
  while (n > 0) {
    const ssize_t wrote = ::write(fd_, data, n);
    if (wrote < 0 && errno == EINTR) continue;
    if (wrote < 0)
      return ErrnoError("write failed", temp_path_.empty() ? name_ : temp_path_, errno);
    data += wrote;
    n -= static_cast<size_t>(wrote);
  }
  return absl::OkStatus();
}

absl::Status ByteWriter::Flush() {
  const size_t n = buffered_;
  buffered_ = 0;
  return WriteAll(buffer_.data(), n);
}

absl::Status ByteWriter::Write(absl::string_view data) {
  if (closed_) return absl::FailedPreconditionError(absl::StrCat(name_, ": write after close"));
  offset_ += data.size();
  if (data.size() < kDirectWriteBytes) {
    if (buffered_ + data.size() > buffer_.size()) {
      if (absl::Status status = Flush(); !status.ok()) return status;
    }
    std::memcpy(buffer_.data() + buffered_, data.data(), data.size());
    buffered_ += data.size();
    return absl::OkStatus();
  }
  // One system call for what is buffered (e.g. a record header) and the large piece.
  struct iovec pieces[2] = {{buffer_.data(), buffered_},
                            {const_cast<char*>(data.data()), data.size()}};
  buffered_ = 0;
  struct iovec* next = pieces;
  int count = 2;
  while (count > 0) {
    const ssize_t wrote = ::writev(fd_, next, count);
    if (wrote < 0 && errno == EINTR) continue;
    if (wrote < 0)
      return ErrnoError("write failed", temp_path_.empty() ? name_ : temp_path_, errno);
    size_t left = static_cast<size_t>(wrote);
    while (count > 0 && left >= next->iov_len) {
      left -= next->iov_len;
      ++next;
      --count;
    }
    if (count > 0) {
      next->iov_base = static_cast<char*>(next->iov_base) + left;
      next->iov_len -= left;
    }
  }
  return absl::OkStatus();
}

absl::Status ByteWriter::Close() {
  if (closed_) return absl::OkStatus();
  absl::Status status = Flush();
  closed_ = true;
  if (temp_path_.empty()) return status;
  if (status.ok() && !Sync(fd_)) status = ErrnoError("cannot sync", temp_path_, errno);
  if (::close(fd_) != 0 && status.ok()) status = ErrnoError("close failed", temp_path_, errno);
  if (status.ok() && ::rename(temp_path_.c_str(), name_.c_str()) != 0) {
    status = ErrnoError("cannot rename " + temp_path_ + " to", name_, errno);
  }
  if (!status.ok()) {
    ::unlink(temp_path_.c_str());
    return status;
  }
  return SyncFolder(name_);
}

absl::StatusOr<std::string> ReadFile(const std::string& path) {
  ASSIGN_OR_RETURN(std::unique_ptr<ByteReader> in, ByteReader::Open(path));
  constexpr size_t kChunk = 1 << 20;
  // A regular file is read in one piece (one byte more than its size, to see its end).
  size_t chunk = in->size().has_value() ? static_cast<size_t>(*in->size()) + 1 : kChunk;
  std::string bytes;
  while (true) {
    const size_t old_size = bytes.size();
    bytes.resize(old_size + chunk);
    ASSIGN_OR_RETURN(size_t got, in->Read(bytes.data() + old_size, chunk));
    bytes.resize(old_size + got);
    if (got < chunk) return bytes;
    chunk = kChunk;
  }
}

absl::Status WriteFileAtomically(const std::string& path, absl::string_view bytes) {
  ASSIGN_OR_RETURN(std::unique_ptr<ByteWriter> out, ByteWriter::Create(path));
  RETURN_IF_ERROR(out->Write(bytes));
  return out->Close();  // an unclosed writer removes its temporary file
}

absl::Status SyncAndRename(const std::string& temp_path, const std::string& path) {
  absl::Status status;
  const int fd = ::open(temp_path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    status = ErrnoError("cannot open to sync", temp_path, errno);
  } else {
    if (!Sync(fd)) status = ErrnoError("cannot sync", temp_path, errno);
    ::close(fd);
  }
  if (status.ok() && ::rename(temp_path.c_str(), path.c_str()) != 0) {
    status = ErrnoError("cannot rename " + temp_path + " to", path, errno);
  }
  if (!status.ok()) {
    ::unlink(temp_path.c_str());
    return status;
  }
  return SyncFolder(path);
}

}  // namespace mammo
