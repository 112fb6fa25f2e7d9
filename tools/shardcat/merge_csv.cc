// `shardcat merge OUTPUT.csv PARTS...`: the CSV parts of predict's array tasks (see merge.h).
#include <algorithm>
#include <map>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "lib/io/byte_io.h"
#include "lib/records/task.h"
#include "lib/status/status_macros.h"
#include "nlohmann/json.hpp"
#include "tools/shardcat/merge.h"

namespace mammo::shardcat {
namespace {

struct CsvPart {
  std::string path;
  nlohmann::json manifest;
  std::string header;  // the first line, newline included
  std::string rows;    // the rest
};

absl::StatusOr<CsvPart> OpenCsvPart(const std::string& path) {
  const std::string manifest_path = TaskFileManifestPath(path);
  absl::StatusOr<std::string> manifest = ReadFile(manifest_path);
  if (!manifest.ok()) {
    return absl::FailedPreconditionError(
        absl::StrCat("part ", path, " is missing or incomplete (no ", manifest_path,
                     ", which its task writes last): rerun its task"));
  }
  CsvPart part;
  part.path = path;
  part.manifest = nlohmann::json::parse(*manifest, nullptr, /*allow_exceptions=*/false);
  const nlohmann::json& m = part.manifest;
  const auto is_count = [](const nlohmann::json& j, const char* name) {
    return j.is_object() && j.contains(name) && j[name].is_number_integer();
  };
  if (!m.is_object() || !m.contains("task") || !is_count(m["task"], "index") ||
      !is_count(m["task"], "count") || !is_count(m, "rows")) {
    return absl::DataLossError(absl::StrCat(manifest_path, ": not a task's part manifest"));
  }
  ASSIGN_OR_RETURN(const std::string csv, ReadFile(path));
  const size_t end_of_header = csv.find('\n');
  if (end_of_header == std::string::npos) {
    return absl::DataLossError(absl::StrCat(path, ": no header line"));
  }
  part.header = csv.substr(0, end_of_header + 1);
  part.rows = csv.substr(end_of_header + 1);
  const auto rows = static_cast<int64_t>(std::count(part.rows.begin(), part.rows.end(), '\n'));
  if (rows != part.manifest["rows"].get<int64_t>()) {
    return absl::DataLossError(absl::StrCat(path, ": ", rows, " rows, its manifest says ",
                                            part.manifest["rows"].get<int64_t>(),
                                            ": rerun its task"));
  }
  return part;
}

// What must be the same in every part: everything in the manifest but the task and its rows.
std::string JobKey(nlohmann::json manifest) {
  manifest.erase("task");
  manifest.erase("rows");
  return manifest.dump();
}

}  // namespace

absl::Status MergeCsvParts(const std::string& output, const std::vector<std::string>& parts) {
  if (parts.empty()) return absl::InvalidArgumentError("merge: no parts given");
  std::map<int64_t, CsvPart> by_task;
  int64_t count = -1;
  std::string key;
  for (const std::string& path : parts) {
    if (path == output) {
      return absl::InvalidArgumentError(absl::StrCat(output, " is also given as a part"));
    }
    ASSIGN_OR_RETURN(CsvPart part, OpenCsvPart(path));
    const int64_t index = part.manifest["task"]["index"].get<int64_t>();
    const int64_t part_count = part.manifest["task"]["count"].get<int64_t>();
    if (count < 0) {
      count = part_count;
      key = JobKey(part.manifest);
    }
    if (part_count != count || index < 0 || index >= count) {
      return absl::FailedPreconditionError(absl::StrCat(path, " is task ", index, "/", part_count,
                                                        ", the first part of ", count, " tasks"));
    }
    if (JobKey(part.manifest) != key) {
      return absl::FailedPreconditionError(
          absl::StrCat(path, ": another job's part (its run, checkpoint or inputs differ from ",
                       parts[0], "'s)"));
    }
    if (!by_task.empty() && part.header != by_task.begin()->second.header) {
      return absl::FailedPreconditionError(absl::StrCat(path, ": another CSV header"));
    }
    if (!by_task.emplace(index, std::move(part)).second) {
      return absl::InvalidArgumentError(absl::StrCat("task ", index, " is given twice (", path,
                                                     " and ", by_task[index].path, ")"));
    }
  }
  if (static_cast<int64_t>(by_task.size()) != count) {
    std::string missing;
    int named = 0;
    for (int64_t i = 0; i < count && named < 10; ++i) {
      if (by_task.count(i) == 0) absl::StrAppend(&missing, named++ == 0 ? "" : ", ", i);
    }
    return absl::FailedPreconditionError(absl::StrCat("the parts lack task(s) ", missing, " of ",
                                                      count, ": run them, then merge again"));
  }
  std::string csv = by_task.begin()->second.header;
  for (const auto& [index, part] : by_task) csv += part.rows;
  return WriteFileAtomically(output, csv);
}

}  // namespace mammo::shardcat
