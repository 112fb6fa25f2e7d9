// Records layer, writing: mammo::Record messages to a shard set or to stdout.
//
//   StageInfo stage{"roicrop", "roicrop", kVersion, {{"size", "320"}}};
//   ASSIGN_OR_RETURN(std::unique_ptr<ShardWriter> out, ShardWriter::Open("out/rois@8", stage));
//   for (...) RETURN_IF_ERROR(out->Write(record));
//   RETURN_IF_ERROR(out->Close());
//
// Record i goes to shard i % N, so reading the set back (ShardReader reads round-robin)
// gives the records in the order they were written, whatever N is.
// Open creates the set's folder when missing and removes the old manifest of the same set
// (and its old shards, of any count) so that a rerun killed halfway leaves a set that readers
// refuse. Shards are written under temporary
// names and renamed by Close, which writes the manifest last. Destroying the writer without
// Close removes the temporary files. "-" writes framed records to stdout (no manifest).
// A task of an array job (task.h) writes a part, its manifest saying which task it is, for
// `shardcat merge`.
#ifndef MAMMO_LIB_RECORDS_SHARD_WRITER_H_
#define MAMMO_LIB_RECORDS_SHARD_WRITER_H_

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "data_formats/manifest.pb.h"
#include "data_formats/record.pb.h"
#include "lib/io/byte_io.h"
#include "lib/records/manifest.h"
#include "lib/records/record_io.h"
#include "lib/records/shard_spec.h"
#include "lib/records/task.h"

namespace mammo {

// What the manifest says about the stage that wrote the set.
struct StageInfo {
  std::string stage;
  std::string tool;
  std::string tool_version;
  std::vector<std::pair<std::string, std::string>> parameters;
};

class ShardWriter {
 public:
  static absl::StatusOr<std::unique_ptr<ShardWriter>> Open(const std::string& spec,
                                                           const StageInfo& stage,
                                                           const Task& task = {});
  ~ShardWriter() = default;

  absl::Status Write(const Record& record);
  absl::Status Close();

  uint64_t records_written() const { return tally_.total(); }
  // The set written, e.g. "out/rois@8", or "-".
  const std::string& spec() const { return spec_; }

 private:
  ShardWriter() = default;

  std::string spec_;
  bool to_stdout_ = false;
  ShardSetSpec set_;
  ShardManifest manifest_;
  ManifestTally tally_;
  std::vector<std::unique_ptr<ByteWriter>> files_;
  std::vector<RecordWriter> writers_;
  std::vector<uint64_t> records_per_shard_;
  std::string buffer_;
  bool closed_ = false;
};

}  // namespace mammo

#endif  // MAMMO_LIB_RECORDS_SHARD_WRITER_H_
