// Shard-set manifests: reading, writing (atomically, last) and tallying record counts.
//
//   ManifestTally tally;
//   for (const Record& r : records) tally.Add(r);
//   ShardManifest manifest = ...;           // stage, tool, shards
//   tally.FillCounts(&manifest);
//   RETURN_IF_ERROR(WriteManifest("out/rois.manifest.json", manifest));
//   ASSIGN_OR_RETURN(ShardManifest read_back, ReadManifest("out/rois.manifest.json"));
#ifndef MAMMO_LIB_RECORDS_MANIFEST_H_
#define MAMMO_LIB_RECORDS_MANIFEST_H_

#include <map>
#include <string>

#include "absl/container/flat_hash_set.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "data_formats/manifest.pb.h"
#include "data_formats/record.pb.h"

namespace mammo {

inline constexpr uint32_t kManifestFormatVersion = 1;

absl::StatusOr<ShardManifest> ReadManifest(const std::string& path);
// Writes PATH.tmp, then renames it to PATH.
absl::Status WriteManifest(const std::string& path, const ShardManifest& manifest);
// The manifest as indented JSON (deterministic: no maps, fields in declaration order).
std::string ManifestToJson(const ShardManifest& manifest);

// Counts of records per label, split, label and split, and distinct patients and lesions.
class ManifestTally {
 public:
  void Add(const Record& record);
  // Sets the count fields and total_records of *manifest.
  void FillCounts(ShardManifest* manifest) const;
  uint64_t total() const { return total_; }

 private:
  uint64_t total_ = 0;
  std::map<std::string, uint64_t> labels_;
  std::map<std::string, uint64_t> splits_;
  std::map<std::string, uint64_t> label_splits_;
  absl::flat_hash_set<std::string> patients_;
  absl::flat_hash_set<std::string> lesions_;
};

}  // namespace mammo

#endif  // MAMMO_LIB_RECORDS_MANIFEST_H_
