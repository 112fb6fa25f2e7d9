// One task of an array job: with `--task INDEX/COUNT` (or `--task slurm` inside a Slurm job
// array) a record stage processes only its contiguous slice of the input records and writes its
// own part of the output set; `shardcat merge` then joins the parts, in task order, into the
// set a single process would have written, byte for byte.
//
//   ASSIGN_OR_RETURN(Task task, ParseTask("3/4"));      // or "slurm", or "" for the whole job
//   ASSIGN_OR_RETURN(std::unique_ptr<ShardReader> in, ShardReader::Open(inputs));
//   RETURN_IF_ERROR(in->SelectTask(task));              // records [750, 1000) of 1000
//   ASSIGN_OR_RETURN(auto out, ShardWriter::Open("out/rois.part3@1", stage, task));
#ifndef MAMMO_LIB_RECORDS_TASK_H_
#define MAMMO_LIB_RECORDS_TASK_H_

#include <cstdint>
#include <string>
#include <utility>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "lib/cli/environment.h"

namespace mammo {

struct Task {
  int index = 0;  // 0 <= index < count
  int count = 1;  // 1: the whole job, no parts

  // The items [begin, end) of `total` that this task processes: contiguous, in order, task i's
  // slice right before task i + 1's, sizes differing by at most one. Concatenated in task order
  // the slices are 0..total-1, whatever `count` is.
  std::pair<uint64_t, uint64_t> Slice(uint64_t total) const;
  std::string ToString() const;  // "3/4"
};

// A task's part that is one file rather than a shard set (predict's CSV) is complete when the
// file PART.task.json beside it exists, written after the part: {"stage", "task": {"index",
// "count"}, "rows", and what must match between parts}. `shardcat merge` reads it.
std::string TaskFileManifestPath(const std::string& part);

// "" (the whole job), "INDEX/COUNT" (0 <= INDEX < COUNT), or "slurm": SLURM_ARRAY_TASK_ID minus
// SLURM_ARRAY_TASK_MIN of SLURM_ARRAY_TASK_COUNT tasks, for arrays with step 1 (--array=0-3 or
// 1-4). InvalidArgument naming --task and what is wrong, also for an array of one task (a
// rerun, `sbatch --array=2`, cannot tell the count: give --task 2/COUNT).
absl::StatusOr<Task> ParseTask(absl::string_view text, const GetEnv& getenv = ::getenv);

}  // namespace mammo

#endif  // MAMMO_LIB_RECORDS_TASK_H_
