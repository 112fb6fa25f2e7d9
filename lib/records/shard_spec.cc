#include "lib/records/shard_spec.h"

#include <glob.h>
#include <sys/stat.h>

#include "absl/algorithm/container.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "lib/io/byte_io.h"

namespace mammo {
namespace {

bool IsRegularFile(const std::string& path) {
  struct stat st;
  return ::stat(path.c_str(), &st) == 0 && S_ISREG(st.st_mode);
}

bool HasGlobCharacters(absl::string_view s) {
  return s.find_first_of("*?[") != absl::string_view::npos;
}

}  // namespace

std::string ShardSetSpec::ShardFileName(int index) const {
  const size_t slash = prefix.rfind('/');
  const std::string base = slash == std::string::npos ? prefix : prefix.substr(slash + 1);
  if (single_file) return base;
  return absl::StrFormat("%s-%05d-of-%05d.rec", base, index, num_shards);
}

std::string ShardSetSpec::ShardPath(int index) const {
  if (single_file) return prefix;
  return absl::StrFormat("%s-%05d-of-%05d.rec", prefix, index, num_shards);
}

std::string ShardSetSpec::ManifestPath() const { return absl::StrCat(prefix, kManifestSuffix); }

std::string ShardSetSpec::ToString() const {
  return single_file ? prefix : absl::StrCat(prefix, "@", num_shards);
}

absl::StatusOr<ShardSetSpec> ParseShardSetSpec(absl::string_view spec) {
  ShardSetSpec result;
  const size_t at = spec.rfind('@');
  result.prefix = std::string(spec.substr(0, at));
  if (at != absl::string_view::npos) {
    const absl::string_view count = spec.substr(at + 1);
    if (!absl::SimpleAtoi(count, &result.num_shards) || result.num_shards < 1 ||
        result.num_shards > kMaxShards || !absl::c_all_of(count, absl::ascii_isdigit)) {
      return absl::InvalidArgumentError(
          absl::StrCat("shard spec '", spec,
                       "': the shard count after '@' must be a number from 1 to ", kMaxShards));
    }
  }
  if (result.prefix.empty() || absl::EndsWith(result.prefix, "/")) {
    return absl::InvalidArgumentError(
        absl::StrCat("shard spec '", spec, "': needs a file name prefix, e.g. out/rois@8"));
  }
  if (HasGlobCharacters(result.prefix)) {
    return absl::InvalidArgumentError(
        absl::StrCat("shard spec '", spec, "': the prefix may not contain * ? or ["));
  }
  result.single_file =
      at == absl::string_view::npos &&
      (absl::EndsWith(result.prefix, ".rec") || absl::EndsWith(result.prefix, ".tfrecord"));
  return result;
}

absl::StatusOr<std::vector<InputSource>> ResolveInputs(const std::vector<std::string>& args) {
  std::vector<InputSource> sources;
  for (const std::string& arg : args) {
    if (arg == kStdioName) {
      sources.push_back({InputSource::Kind::kStdin, arg, {}});
      continue;
    }
    if (!IsRegularFile(arg) && arg.find('@') != std::string::npos) {
      absl::StatusOr<ShardSetSpec> spec = ParseShardSetSpec(arg);
      if (!spec.ok()) return spec.status();
      sources.push_back({InputSource::Kind::kShardSet, spec->ManifestPath(), *spec});
      continue;
    }
    if (IsRegularFile(arg)) {
      absl::StatusOr<ShardSetSpec> spec = ParseShardSetSpec(arg);
      if (spec.ok() && spec->single_file && IsRegularFile(spec->ManifestPath())) {
        sources.push_back({InputSource::Kind::kShardSet, spec->ManifestPath(), *spec});
      } else {
        sources.push_back({InputSource::Kind::kFile, arg, {}});
      }
      continue;
    }
    if (IsRegularFile(absl::StrCat(arg, kManifestSuffix))) {
      // The shard count comes from the manifest when the set is opened.
      ShardSetSpec spec;
      spec.prefix = arg;
      spec.num_shards = 0;
      sources.push_back({InputSource::Kind::kShardSet, spec.ManifestPath(), spec});
      continue;
    }
    if (HasGlobCharacters(arg)) {
      glob_t matches;
      const int rc = ::glob(arg.c_str(), 0, nullptr, &matches);
      if (rc == 0) {
        for (size_t i = 0; i < matches.gl_pathc; ++i) {
          if (IsRegularFile(matches.gl_pathv[i])) {
            sources.push_back({InputSource::Kind::kFile, matches.gl_pathv[i], {}});
          }
        }
      }
      ::globfree(&matches);
      if (rc == 0) continue;
      return absl::NotFoundError(absl::StrCat("input '", arg, "': the glob matches no file"));
    }
    return absl::NotFoundError(absl::StrCat("input '", arg, "': no such file, shard set (", arg,
                                            kManifestSuffix, ") or glob"));
  }
  return sources;
}

}  // namespace mammo
