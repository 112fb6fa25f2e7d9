#include "lib/records/shard_writer.h"

#include <glob.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <system_error>

#include "absl/strings/str_cat.h"
#include "lib/status/status_macros.h"

namespace mammo {
namespace {

// Removes the manifest and every shard "PREFIX-?????-of-?????.rec" of an earlier run.
absl::Status RemoveEarlierSet(const ShardSetSpec& set) {
  std::vector<std::string> doomed = {set.ManifestPath()};
  const std::string pattern =
      absl::StrCat(set.prefix, "-[0-9][0-9][0-9][0-9][0-9]-of-", "[0-9][0-9][0-9][0-9][0-9].rec");
  glob_t matches;
  if (::glob(pattern.c_str(), 0, nullptr, &matches) == 0) {
    for (size_t i = 0; i < matches.gl_pathc; ++i) doomed.emplace_back(matches.gl_pathv[i]);
  }
  ::globfree(&matches);
  for (const std::string& path : doomed) {
    if (::unlink(path.c_str()) != 0 && errno != ENOENT) {
      return absl::PermissionDeniedError(
          absl::StrCat(path, ": cannot remove the earlier output: ", std::strerror(errno)));
    }
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<std::unique_ptr<ShardWriter>> ShardWriter::Open(const std::string& spec,
                                                               const StageInfo& stage,
                                                               const Task& task) {
  std::unique_ptr<ShardWriter> writer(new ShardWriter());
  writer->spec_ = spec;
  ShardManifest& manifest = writer->manifest_;
  manifest.set_format_version(kManifestFormatVersion);
  manifest.set_stage(stage.stage);
  manifest.set_tool(stage.tool);
  manifest.set_tool_version(stage.tool_version);
  std::vector<std::pair<std::string, std::string>> parameters = stage.parameters;
  std::sort(parameters.begin(), parameters.end());
  for (const auto& [name, value] : parameters) {
    Parameter* p = manifest.add_parameters();
    p->set_name(name);
    p->set_value(value);
  }
  if (task.count > 1) {
    if (spec == kStdioName) {
      return absl::InvalidArgumentError(
          absl::StrCat("--task ", task.ToString(),
                       ": a task writes a part for `shardcat merge`, not to stdout: give "
                       "--output a shard set such as out/rois.part",
                       task.index, "@1"));
    }
    manifest.mutable_task()->set_index(task.index);
    manifest.mutable_task()->set_count(task.count);
  }

  if (spec == kStdioName) {
    writer->to_stdout_ = true;
    ASSIGN_OR_RETURN(std::unique_ptr<ByteWriter> out, ByteWriter::Create(spec));
    writer->files_.push_back(std::move(out));
  } else {
    ASSIGN_OR_RETURN(writer->set_, ParseShardSetSpec(spec));
    writer->spec_ = writer->set_.ToString();
    // Every stage writes into a folder that may not exist yet, as `make` pipelines expect.
    const std::filesystem::path folder = std::filesystem::path(writer->set_.prefix).parent_path();
    std::error_code error;
    if (!folder.empty() && !std::filesystem::create_directories(folder, error) && error) {
      return absl::PermissionDeniedError(absl::StrCat(spec, ": cannot create the folder ",
                                                      folder.string(), ": ", error.message()));
    }
    RETURN_IF_ERROR(RemoveEarlierSet(writer->set_));
    for (int i = 0; i < writer->set_.num_shards; ++i) {
      ASSIGN_OR_RETURN(std::unique_ptr<ByteWriter> out,
                       ByteWriter::Create(writer->set_.ShardPath(i)));
      writer->files_.push_back(std::move(out));
    }
  }
  for (auto& file : writer->files_) writer->writers_.emplace_back(file.get());
  writer->records_per_shard_.assign(writer->files_.size(), 0);
  return writer;
}

absl::Status ShardWriter::Write(const Record& record) {
  if (closed_) return absl::FailedPreconditionError(absl::StrCat(spec_, ": write after close"));
  const size_t shard = tally_.total() % writers_.size();
  buffer_.clear();
  if (!record.SerializeToString(&buffer_)) {
    return absl::InternalError(
        absl::StrCat(spec_, ": cannot serialize record '", record.id(), "'"));
  }
  RETURN_IF_ERROR(writers_[shard].Write(buffer_));
  ++records_per_shard_[shard];
  tally_.Add(record);
  return absl::OkStatus();
}

absl::Status ShardWriter::Close() {
  if (closed_) return absl::OkStatus();
  closed_ = true;
  for (auto& file : files_) RETURN_IF_ERROR(file->Close());
  if (to_stdout_) return absl::OkStatus();

  manifest_.set_num_shards(set_.num_shards);
  for (int i = 0; i < set_.num_shards; ++i) {
    ShardInfo* info = manifest_.add_shards();
    info->set_file(set_.ShardFileName(i));
    info->set_records(records_per_shard_[i]);
    info->set_bytes(files_[i]->offset());
  }
  tally_.FillCounts(&manifest_);
  return WriteManifest(set_.ManifestPath(), manifest_);
}

}  // namespace mammo
