// Records layer, reading: mammo::Record messages from files, shard sets, globs or stdin.
//
//   ASSIGN_OR_RETURN(std::unique_ptr<ShardReader> in, ShardReader::Open({"out/rois@8"}));
//   Record record;
//   while (true) {
//     ASSIGN_OR_RETURN(bool got, in->Next(&record));
//     if (!got) break;
//     ...
//   }
//
// Input arguments are resolved as shard_spec.h describes. A shard set is checked against its
// manifest before the first record is returned (every shard present, sizes equal) and while
// reading (record counts equal); its shards are read round-robin, which restores the order in
// which ShardWriter wrote the records. Errors name the file and byte offset.
#ifndef MAMMO_LIB_RECORDS_SHARD_READER_H_
#define MAMMO_LIB_RECORDS_SHARD_READER_H_

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "data_formats/manifest.pb.h"
#include "data_formats/record.pb.h"
#include "lib/io/byte_io.h"
#include "lib/records/record_io.h"
#include "lib/records/shard_spec.h"
#include "lib/records/task.h"

namespace mammo {

class ShardReader {
 public:
  static absl::StatusOr<std::unique_ptr<ShardReader>> Open(const std::vector<std::string>& inputs);

  // The next payload, unparsed. Returns false after the last record of the last input.
  absl::StatusOr<bool> NextPayload(std::string* payload);
  // The next payload parsed as a Record.
  absl::StatusOr<bool> Next(Record* record);

  // Where the last returned record starts, e.g. "out/rois-00001-of-00008.rec: byte offset 1052".
  std::string Position() const;
  // Manifests of the shard sets among the inputs, in input order.
  const std::vector<ShardManifest>& manifests() const { return manifests_; }
  // Sum of the manifests' total_records (of the task's slice after SelectTask), or nullopt
  // when some input has no manifest.
  std::optional<uint64_t> ExpectedRecords() const;
  // From now on Next returns only the task's slice of the records (Task::Slice of
  // ExpectedRecords), the records before it read and checked but skipped. Call before the first
  // Next. FailedPrecondition when an input has no manifest (stdin, a bare file): the slice
  // needs the total.
  absl::Status SelectTask(const Task& task);

 private:
  struct Stream {
    std::unique_ptr<ByteReader> bytes;
    std::unique_ptr<RecordReader> records;
    uint64_t records_read = 0;
    int64_t expected_records = -1;  // from the manifest; -1 when unknown
    bool done = false;
  };

  ShardReader() = default;
  // Opens sources_[next_source_] into streams_.
  absl::Status OpenNextSource();
  // Checks the manifest against the files on disk; fills in set->num_shards if 0.
  static absl::Status CheckShardSet(const ShardManifest& manifest, ShardSetSpec* set);
  absl::Status OpenShardSet(const InputSource& source, const ShardManifest& manifest);
  // The next payload of all the inputs, whatever the task.
  absl::StatusOr<bool> ReadPayload(std::string* payload);

  std::vector<InputSource> sources_;
  size_t next_source_ = 0;
  std::vector<ShardManifest> manifests_;
  size_t next_manifest_ = 0;
  bool all_have_manifests_ = true;
  std::vector<Stream> streams_;  // of the current source; several for a shard set
  size_t turn_ = 0;              // the stream whose turn it is (round-robin)
  size_t last_stream_ = 0;       // the stream of the last record returned
  std::string payload_;
  uint64_t payloads_read_ = 0;
  // The task's slice [begin, end) of the payloads (SelectTask); all of them by default.
  uint64_t task_begin_ = 0;
  uint64_t task_end_ = UINT64_MAX;
};

}  // namespace mammo

#endif  // MAMMO_LIB_RECORDS_SHARD_READER_H_
