#include "lib/records/task.h"

#include <cstdlib>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"

namespace mammo {
namespace {

absl::Status BadTask(absl::string_view text, absl::string_view why) {
  return absl::InvalidArgumentError(absl::StrCat("--task '", text, "': ", why));
}

// A Slurm array variable as an integer; InvalidArgument naming it when unset or not a number.
absl::StatusOr<int> SlurmVariable(const char* name, const GetEnv& getenv) {
  const char* value = getenv(name);
  int number = 0;
  if (value == nullptr) {
    return BadTask("slurm", absl::StrCat(name, " is not set: not inside a Slurm job array ",
                                         "(sbatch --array=0-N)"));
  }
  if (!absl::SimpleAtoi(value, &number) || number < 0) {
    return BadTask("slurm", absl::StrCat(name, "='", value, "' is not a number"));
  }
  return number;
}

absl::StatusOr<Task> SlurmTask(const GetEnv& getenv) {
  auto id = SlurmVariable("SLURM_ARRAY_TASK_ID", getenv);
  if (!id.ok()) return id.status();
  auto min = SlurmVariable("SLURM_ARRAY_TASK_MIN", getenv);
  if (!min.ok()) return min.status();
  auto count = SlurmVariable("SLURM_ARRAY_TASK_COUNT", getenv);
  if (!count.ok()) return count.status();
  if (*count == 1) {
    // sbatch --array=2: most likely a rerun of one task of a larger array, whose count
    // Slurm no longer tells.
    return BadTask("slurm",
                   absl::StrCat("this job array has one task (", *id, "): to rerun task ", *id,
                                " of a larger array, give "
                                "--task ",
                                *id, "/COUNT"));
  }
  const char* step = getenv("SLURM_ARRAY_TASK_STEP");
  const int index = *id - *min;
  if ((step != nullptr && std::string(step) != "1") || index < 0 || index >= *count) {
    return BadTask("slurm", absl::StrCat("the array's task ids must be consecutive (such as "
                                         "--array=0-3); task ",
                                         *id, " of ", *count, " starting at ", *min));
  }
  return Task{index, *count};
}

}  // namespace

std::pair<uint64_t, uint64_t> Task::Slice(uint64_t total) const {
  const auto bound = [&](uint64_t i) {
    // total * i / count without overflow for any total: the quotient and remainder apart.
    return total / count * i + total % count * i / count;
  };
  return {bound(index), bound(index + 1)};
}

std::string Task::ToString() const { return absl::StrCat(index, "/", count); }

std::string TaskFileManifestPath(const std::string& part) { return part + ".task.json"; }

absl::StatusOr<Task> ParseTask(absl::string_view text, const GetEnv& getenv) {
  if (text.empty()) return Task{};
  if (text == "slurm") return SlurmTask(getenv);
  const std::vector<absl::string_view> parts = absl::StrSplit(text, '/');
  Task task;
  if (parts.size() != 2 || !absl::SimpleAtoi(parts[0], &task.index) ||
      !absl::SimpleAtoi(parts[1], &task.count)) {
    return BadTask(text, "want INDEX/COUNT (such as 3/4) or slurm");
  }
  if (task.count < 1 || task.index < 0 || task.index >= task.count) {
    return BadTask(text, "INDEX must be at least 0 and below COUNT, which must be at least 1");
  }
  return task;
}

}  // namespace mammo
