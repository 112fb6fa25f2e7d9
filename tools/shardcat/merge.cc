#include "tools/shardcat/merge.h"

#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "lib/cli/progress.h"
#include "lib/records/shard_reader.h"
#include "lib/records/shard_spec.h"
#include "lib/records/shard_writer.h"
#include "lib/status/status_macros.h"

namespace mammo::shardcat {
namespace {

struct Part {
  std::string spec;
  std::unique_ptr<ShardReader> reader;
  const ShardManifest* manifest = nullptr;  // the reader's
};

absl::StatusOr<Part> OpenPart(const std::string& spec) {
  absl::StatusOr<std::unique_ptr<ShardReader>> reader = ShardReader::Open({spec});
  if (!reader.ok()) {
    return absl::Status(reader.status().code(),
                        absl::StrCat("part ", spec, " is missing or incomplete (",
                                     reader.status().message(), "): rerun its task"));
  }
  if ((*reader)->manifests().size() != 1 || !(*reader)->ExpectedRecords().has_value()) {
    return absl::FailedPreconditionError(
        absl::StrCat("part ", spec,
                     " has no manifest: a task's part is one shard set, complete when its "
                     "manifest is written; rerun its task"));
  }
  const ShardManifest* manifest = &(*reader)->manifests()[0];
  if (!manifest->has_task()) {
    return absl::FailedPreconditionError(
        absl::StrCat(spec, " was not written by a task (--task INDEX/COUNT): not a part"));
  }
  return Part{spec, *std::move(reader), manifest};
}

// What must be the same in every part: the stage that wrote it and its flags.
std::string StageKey(const ShardManifest& m) {
  std::string key = absl::StrCat(m.stage(), "|", m.tool(), "|", m.tool_version());
  for (const Parameter& p : m.parameters()) absl::StrAppend(&key, "|", p.name(), "=", p.value());
  return key;
}

// The parts by task index; an error naming the odd part, a task given twice, or the missing.
absl::StatusOr<std::vector<Part>> OrderParts(std::vector<Part> parts) {
  const uint32_t count = parts[0].manifest->task().count();
  std::map<uint32_t, Part> by_task;  // not a vector of `count`: a manifest could say 4 billion
  for (Part& part : parts) {
    const TaskPart& task = part.manifest->task();
    if (task.count() != count || task.index() >= count) {
      return absl::FailedPreconditionError(
          absl::StrCat("part ", part.spec, " is task ", task.index(), "/", task.count(), ", ",
                       parts[0].spec, " is of ", count, " tasks: parts of different jobs"));
    }
    if (StageKey(*part.manifest) != StageKey(*parts[0].manifest)) {
      return absl::FailedPreconditionError(absl::StrCat(
          "part ", part.spec, " was written by another stage or with other flags than ",
          parts[0].spec, " (compare their manifests)"));
    }
    const auto given = by_task.find(task.index());
    if (given != by_task.end()) {
      return absl::FailedPreconditionError(absl::StrCat(
          "task ", task.index(), " is given twice: ", given->second.spec, " and ", part.spec));
    }
    by_task.emplace(task.index(), std::move(part));
  }
  if (by_task.size() < count) {
    std::vector<std::string> missing;  // the first ten
    for (uint32_t i = 0; i < count && missing.size() < 10; ++i) {
      if (by_task.count(i) == 0) missing.push_back(absl::StrCat(i));
    }
    return absl::FailedPreconditionError(absl::StrCat(
        count - by_task.size(), " of ", count, " tasks not given (", absl::StrJoin(missing, ", "),
        count - by_task.size() > 10 ? ", ..." : "", "): every part is needed"));
  }
  std::vector<Part> ordered;
  for (auto& [index, part] : by_task) ordered.push_back(std::move(part));
  return ordered;
}

}  // namespace

absl::Status Merge(const std::string& output, const std::vector<std::string>& parts) {
  if (absl::EndsWith(output, ".csv")) return MergeCsvParts(output, parts);
  if (parts.empty()) return absl::InvalidArgumentError("merge: no parts given");
  ASSIGN_OR_RETURN(const ShardSetSpec output_set, ParseShardSetSpec(output));
  std::vector<Part> opened;
  uint64_t total = 0;
  for (const std::string& spec : parts) {
    ASSIGN_OR_RETURN(Part part, OpenPart(spec));
    // Writing OUTPUT first removes the set of that name: it must not be a part.
    const absl::StatusOr<ShardSetSpec> part_set = ParseShardSetSpec(spec);
    if (part_set.ok() && part_set->prefix == output_set.prefix) {
      return absl::InvalidArgumentError(
          absl::StrCat("merge: the output ", output, " is the part ", spec));
    }
    total += *part.reader->ExpectedRecords();
    opened.push_back(std::move(part));
  }
  ASSIGN_OR_RETURN(std::vector<Part> ordered, OrderParts(std::move(opened)));
  const ShardManifest& first = *ordered[0].manifest;
  StageInfo stage{first.stage(), first.tool(), first.tool_version(), {}};
  for (const Parameter& p : first.parameters()) stage.parameters.emplace_back(p.name(), p.value());
  ASSIGN_OR_RETURN(std::unique_ptr<ShardWriter> writer, ShardWriter::Open(output, stage));
  cli::Progress progress("records", total);
  Record record;
  for (Part& part : ordered) {
    while (true) {
      ASSIGN_OR_RETURN(bool got, part.reader->Next(&record));
      if (!got) break;
      RETURN_IF_ERROR(writer->Write(record));
      progress.Add(1);
    }
  }
  RETURN_IF_ERROR(writer->Close());
  progress.Finish();
  return absl::OkStatus();
}

}  // namespace mammo::shardcat
