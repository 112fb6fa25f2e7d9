// Naming of shard sets and resolution of input arguments.
//
// A shard set "DIR/PREFIX@N" is N files DIR/PREFIX-00000-of-0000N.rec ... plus the manifest
// DIR/PREFIX.manifest.json, written last. As an output, "DIR/PREFIX" alone means
// "DIR/PREFIX@1", except that a name ending in .rec or .tfrecord is that very file (with
// FILE.manifest.json beside it), as a TFRecord user expects. As inputs, tools accept:
//   -                    stdin (records without a manifest)
//   DIR/PREFIX@N         a complete shard set: the manifest must match the files
//   DIR/PREFIX           the set whose manifest DIR/PREFIX.manifest.json exists, or the file
//   a file name          one shard file, checked against FILE.manifest.json where that exists
//   a glob, e.g. 'd/*.rec'  the matching files in sorted order
//
//   ASSIGN_OR_RETURN(ShardSetSpec spec, ParseShardSetSpec("out/rois@8"));
//   spec.ShardPath(3);      // "out/rois-00003-of-00008.rec"
//   spec.ManifestPath();    // "out/rois.manifest.json"
//   ParseShardSetSpec("out/rois.rec")->ShardPath(0);   // "out/rois.rec"
#ifndef MAMMO_LIB_RECORDS_SHARD_SPEC_H_
#define MAMMO_LIB_RECORDS_SHARD_SPEC_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace mammo {

inline constexpr int kMaxShards = 99999;
inline constexpr absl::string_view kManifestSuffix = ".manifest.json";

struct ShardSetSpec {
  std::string prefix;  // "DIR/PREFIX", or the file itself when single_file
  int num_shards = 1;
  bool single_file = false;  // "DIR/NAME.rec" or "DIR/NAME.tfrecord" without "@N"

  std::string ShardPath(int index) const;
  std::string ManifestPath() const;
  // The shard file name without its folder, as the manifest records it.
  std::string ShardFileName(int index) const;
  std::string ToString() const;
};

// Parses "DIR/PREFIX@N", "DIR/PREFIX" (one shard) or "DIR/NAME.rec" (that one file).
absl::StatusOr<ShardSetSpec> ParseShardSetSpec(absl::string_view spec);

struct InputSource {
  enum class Kind { kStdin, kFile, kShardSet };
  Kind kind;
  std::string path;  // the file, or the set's manifest
  ShardSetSpec set;  // kShardSet only
};

// Resolves input arguments (in order) to concrete sources. Fails with a message naming the
// argument when nothing matches it.
absl::StatusOr<std::vector<InputSource>> ResolveInputs(const std::vector<std::string>& args);

}  // namespace mammo

#endif  // MAMMO_LIB_RECORDS_SHARD_SPEC_H_
