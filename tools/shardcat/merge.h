// `shardcat merge OUTPUT PARTS...`: joins the parts that the tasks of an array job wrote
// (--task INDEX/COUNT, lib/records/task.h) into one shard set, the one a single process would
// have written with the same inputs and flags, byte for byte: the parts' records in task order,
// under the stage, tool and parameters the parts share.
//
//   // roicrop --task 0/2 --output out/rois.part0@1 ...; roicrop --task 1/2 ... part1@1
//   RETURN_IF_ERROR(Merge("out/rois@4", {"out/rois.part0@1", "out/rois.part1@1"}));
#ifndef MAMMO_TOOLS_SHARDCAT_MERGE_H_
#define MAMMO_TOOLS_SHARDCAT_MERGE_H_

#include <string>
#include <vector>

#include "absl/status/status.h"

namespace mammo::shardcat {

// Writes nothing and names the part and what is wrong unless every part is a complete shard
// set (a task killed halfway left none, or no manifest), each was written by a task of the
// same COUNT, every task 0..COUNT-1 is given exactly once (in any order), all come from the
// same stage with the same parameters, and OUTPUT is none of them.
// An OUTPUT ending in ".csv" merges predict's CSV parts instead (MergeCsvParts).
absl::Status Merge(const std::string& output, const std::vector<std::string>& parts);

// The CSV parts of `predict --task` into OUTPUT: the header once, then each part's rows in task
// order, the bytes one process writes. Refuses, writing nothing, as Merge does: a part without
// its PART.task.json (lib/records/task.h) or with another row count than it says, parts of
// different runs, checkpoints or inputs, a task given twice or missing.
absl::Status MergeCsvParts(const std::string& output, const std::vector<std::string>& parts);

}  // namespace mammo::shardcat

#endif  // MAMMO_TOOLS_SHARDCAT_MERGE_H_
