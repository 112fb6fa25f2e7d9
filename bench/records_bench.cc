// Record I/O against raw sequential file I/O made as durable, and CRC32C (SSE4.2) against the
// portable table implementation, each measured in the same run, interleaved.
#include <fcntl.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <random>
#include <string>
#include <vector>

#include "bench/bench_util.h"
#include "lib/io/byte_io.h"
#include "lib/records/crc32c.h"
#include "lib/records/record_io.h"

namespace mammo::bench {
namespace {

constexpr size_t kRecordBytes = 100 * 1000;
constexpr int kRecords = 1000;  // 100 MB per pass: page cache, not the disk, is measured

void Check(bool ok, const char* what) {
  if (!ok) {
    std::fprintf(stderr, "records_bench: %s failed\n", what);
    std::exit(3);
  }
}

// Ours: frame and write every record, then read and check every record. The previous
// file is removed before timing, for both sides: freeing 100 MB of page cache is the
// kernel's cost, not ours or the peer's, and it lands on whichever side happens to pay it.
double RecordsWriteRead(const std::string& path, const std::string& payload) {
  ::unlink(path.c_str());
  return Seconds([&] {
    auto out = ByteWriter::Create(path);
    Check(out.ok(), "create");
    RecordWriter writer(out->get());
    for (int i = 0; i < kRecords; ++i) Check(writer.Write(payload).ok(), "write");
    Check((*out)->Close().ok(), "close");
    auto in = ByteReader::Open(path);
    Check(in.ok(), "open");
    RecordReader reader(in->get());
    std::string data;
    int n = 0;
    while (reader.Read(&data).value_or(false)) ++n;
    Check(n == kRecords, "read back");
  });
}

// Peer: the same bytes written and read with plain write(2)/read(2), no framing, no CRC, and
// made durable as ours are (ByteWriter::Close syncs the file before its rename and the folder
// after: a shard that a crash could lose is not complete): fsync before close, and the folder's
// fsync after.
double RawWriteRead(const std::string& path, const std::string& payload) {
  ::unlink(path.c_str());
  return Seconds([&] {
    int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    Check(fd >= 0, "raw open");
    for (int i = 0; i < kRecords; ++i) {
      Check(::write(fd, payload.data(), payload.size()) == static_cast<ssize_t>(payload.size()),
            "raw write");
    }
    Check(::fsync(fd) == 0, "raw fsync");
    ::close(fd);
    const int folder = ::open(path.substr(0, path.rfind('/')).c_str(), O_RDONLY | O_DIRECTORY);
    Check(folder >= 0 && ::fsync(folder) == 0, "raw folder fsync");
    ::close(folder);
    fd = ::open(path.c_str(), O_RDONLY);
    std::string data(payload.size(), '\0');
    int n = 0;
    while (::read(fd, data.data(), data.size()) == static_cast<ssize_t>(data.size())) ++n;
    ::close(fd);
    Check(n == kRecords, "raw read back");
  });
}

}  // namespace
}  // namespace mammo::bench

int main() {
  using namespace mammo::bench;
  const char* tmp = std::getenv("TMPDIR");
  const std::string dir = tmp ? tmp : "/tmp";
  std::string payload(kRecordBytes, '\0');
  std::mt19937 rng(1);
  for (char& c : payload) c = static_cast<char>(rng());
  const std::string ours_path = dir + "/records_bench_ours.rec";
  const std::string peer_path = dir + "/records_bench_raw.bin";

  RecordsWriteRead(ours_path, payload);  // warm-up
  RawWriteRead(peer_path, payload);
  const Comparison io = Interleave(
      7, [&] { return RecordsWriteRead(ours_path, payload); },
      [&] { return RawWriteRead(peer_path, payload); });
  const double mb = 2.0 * kRecords * kRecordBytes / 1e6;  // written + read
  PrintComparison("records write+read, 100 KB records vs raw I/O + fsync", mb / io.ours_seconds,
                  mb / io.peer_seconds, "MB/s", io.speedup, ">= 0.80");
  ::unlink(ours_path.c_str());
  ::unlink(peer_path.c_str());

  std::string buffer(1 << 20, '\0');
  for (char& c : buffer) c = static_cast<char>(rng());
  constexpr int kPasses = 2000;  // 2 GB per measurement
  volatile uint32_t sink = 0;
  const auto crc_seconds = [&](uint32_t (*extend)(uint32_t, const void*, size_t)) {
    return Seconds([&] {
      uint32_t crc = 0;
      for (int i = 0; i < kPasses; ++i) crc = extend(crc, buffer.data(), buffer.size());
      sink = crc;
    });
  };
  if (!mammo::crc32c::HardwareAvailable()) {
    std::printf("crc32c: this CPU has no SSE4.2; only the portable path exists\n");
    return 0;
  }
  const Comparison crc = Interleave(
      5, [&] { return crc_seconds(&mammo::crc32c::ExtendHardware); },
      [&] { return crc_seconds(&mammo::crc32c::ExtendPortable); });
  const double gb = static_cast<double>(kPasses) * buffer.size() / 1e9;
  PrintComparison("crc32c one core, SSE4.2 vs portable slicing-by-8", gb / crc.ours_seconds,
                  gb / crc.peer_seconds, "GB/s", crc.speedup, "ours >= 5 GB/s");
  (void)sink;
  return 0;
}
