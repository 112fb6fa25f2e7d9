#include "lib/records/shard_reader.h"

#include <sys/stat.h>

#include <tuple>

#include "absl/strings/str_cat.h"
#include "lib/records/manifest.h"
#include "lib/status/status_macros.h"

namespace mammo {

absl::StatusOr<std::unique_ptr<ShardReader>> ShardReader::Open(
    const std::vector<std::string>& inputs) {
  if (inputs.empty()) return absl::InvalidArgumentError("no input given");
  std::unique_ptr<ShardReader> reader(new ShardReader());
  ASSIGN_OR_RETURN(reader->sources_, ResolveInputs(inputs));
  // Open (and so check) every shard set before the first record is returned, so that an
  // incomplete set fails the run at once rather than after hours of work. Plain files open
  // when they are reached.
  for (InputSource& source : reader->sources_) {
    if (source.kind != InputSource::Kind::kShardSet) {
      reader->all_have_manifests_ = false;
      continue;
    }
    ASSIGN_OR_RETURN(ShardManifest manifest, ReadManifest(source.path));
    RETURN_IF_ERROR(CheckShardSet(manifest, &source.set));
    reader->manifests_.push_back(std::move(manifest));
  }
  return reader;
}

std::optional<uint64_t> ShardReader::ExpectedRecords() const {
  if (!all_have_manifests_) return std::nullopt;
  if (task_end_ != UINT64_MAX) return task_end_ - task_begin_;
  uint64_t total = 0;
  for (const ShardManifest& m : manifests_) total += m.total_records();
  return total;
}

absl::Status ShardReader::CheckShardSet(const ShardManifest& manifest, ShardSetSpec* set) {
  if (set->num_shards == 0) set->num_shards = static_cast<int>(manifest.num_shards());
  const auto mismatch = [&](const std::string& what) {
    return absl::FailedPreconditionError(
        absl::StrCat(set->ToString(), ": incomplete or mismatched shard set: ", what));
  };
  if (manifest.num_shards() != static_cast<uint32_t>(set->num_shards) ||
      manifest.shards_size() != set->num_shards) {
    return mismatch(absl::StrCat("the manifest ", set->ManifestPath(), " lists ",
                                 manifest.shards_size(), " shards"));
  }
  uint64_t sum = 0;
  for (int i = 0; i < set->num_shards; ++i) {
    const ShardInfo& info = manifest.shards(i);
    if (info.file() != set->ShardFileName(i)) {
      return mismatch(absl::StrCat("the manifest names shard ", i, " '", info.file(),
                                   "', expected '", set->ShardFileName(i), "'"));
    }
    struct stat st;
    if (::stat(set->ShardPath(i).c_str(), &st) != 0) {
      return mismatch(absl::StrCat("shard ", set->ShardPath(i), " is missing"));
    }
    if (static_cast<uint64_t>(st.st_size) != info.bytes()) {
      return mismatch(absl::StrCat("shard ", set->ShardPath(i), " has ", st.st_size,
                                   " bytes, the manifest says ", info.bytes()));
    }
    sum += info.records();
  }
  if (sum != manifest.total_records()) {
    return mismatch(absl::StrCat("the manifest's shards hold ", sum, " records, its total says ",
                                 manifest.total_records()));
  }
  return absl::OkStatus();
}

absl::Status ShardReader::OpenShardSet(const InputSource& source, const ShardManifest& manifest) {
  for (int i = 0; i < source.set.num_shards; ++i) {
    ASSIGN_OR_RETURN(std::unique_ptr<ByteReader> bytes, ByteReader::Open(source.set.ShardPath(i)));
    if (bytes->size() != manifest.shards(i).bytes()) {
      return absl::FailedPreconditionError(
          absl::StrCat(bytes->name(), ": changed size since the reader opened its set"));
    }
    Stream stream;
    stream.bytes = std::move(bytes);
    stream.records = std::make_unique<RecordReader>(stream.bytes.get());
    stream.expected_records = static_cast<int64_t>(manifest.shards(i).records());
    streams_.push_back(std::move(stream));
  }
  return absl::OkStatus();
}

absl::Status ShardReader::OpenNextSource() {
  streams_.clear();
  turn_ = 0;
  const InputSource& source = sources_[next_source_++];
  if (source.kind == InputSource::Kind::kShardSet) {
    return OpenShardSet(source, manifests_[next_manifest_++]);
  }
  ASSIGN_OR_RETURN(std::unique_ptr<ByteReader> bytes, ByteReader::Open(source.path));
  Stream stream;
  stream.bytes = std::move(bytes);
  stream.records = std::make_unique<RecordReader>(stream.bytes.get());
  streams_.push_back(std::move(stream));
  return absl::OkStatus();
}

absl::Status ShardReader::SelectTask(const Task& task) {
  if (task.count == 1) return absl::OkStatus();
  const std::optional<uint64_t> total = ExpectedRecords();
  if (!total.has_value()) {
    return absl::FailedPreconditionError(
        absl::StrCat("--task ", task.ToString(),
                     ": every input must be a shard set with a manifest (not stdin or a bare "
                     "file), so that each task knows its slice of the records"));
  }
  std::tie(task_begin_, task_end_) = task.Slice(*total);
  return absl::OkStatus();
}

absl::StatusOr<bool> ShardReader::NextPayload(std::string* payload) {
  while (payloads_read_ < task_begin_) {
    ASSIGN_OR_RETURN(bool got, ReadPayload(payload));
    if (!got) return false;
    ++payloads_read_;
  }
  if (payloads_read_ >= task_end_) return false;
  ASSIGN_OR_RETURN(bool got, ReadPayload(payload));
  if (got) ++payloads_read_;
  return got;
}

absl::StatusOr<bool> ShardReader::ReadPayload(std::string* payload) {
  while (true) {
    // Round-robin over the current source's streams, skipping exhausted ones.
    for (size_t tried = 0; tried < streams_.size(); ++tried) {
      const size_t index = turn_;
      turn_ = (turn_ + 1) % streams_.size();
      Stream& stream = streams_[index];
      if (stream.done) continue;
      ASSIGN_OR_RETURN(bool got, stream.records->Read(payload));
      const bool over = stream.expected_records >= 0 &&
                        static_cast<int64_t>(stream.records_read) >= stream.expected_records;
      if (got && over) {
        return absl::FailedPreconditionError(
            absl::StrCat(stream.bytes->name(), ": holds more records than the ",
                         stream.expected_records, " its manifest lists"));
      }
      if (!got) {
        if (stream.expected_records >= 0 && !over) {
          return absl::FailedPreconditionError(
              absl::StrCat(stream.bytes->name(), ": holds ", stream.records_read,
                           " records, its manifest lists ", stream.expected_records));
        }
        stream.done = true;
        continue;
      }
      ++stream.records_read;
      last_stream_ = index;
      return true;
    }
    if (next_source_ == sources_.size()) return false;
    RETURN_IF_ERROR(OpenNextSource());
  }
}

absl::StatusOr<bool> ShardReader::Next(Record* record) {
  ASSIGN_OR_RETURN(bool got, NextPayload(&payload_));
  if (!got) return false;
  if (!record->ParseFromString(payload_)) {
    return absl::DataLossError(
        absl::StrCat(Position(), ": the record's payload is not a valid mammo.Record"));
  }
  return true;
}

std::string ShardReader::Position() const {
  if (streams_.empty()) return "(no input open)";
  const Stream& stream = streams_[last_stream_];
  return absl::StrCat(stream.bytes->name(), ": byte offset ", stream.records->record_offset());
}

}  // namespace mammo
