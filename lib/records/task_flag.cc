#include "lib/records/task_flag.h"

#include <string>

#include "absl/flags/flag.h"

ABSL_FLAG(std::string, task, "",
          "Run as task INDEX/COUNT of an array job (e.g. 3/4), or 'slurm' to read "
          "SLURM_ARRAY_TASK_ID and SLURM_ARRAY_TASK_COUNT (a rerun of one task, sbatch --array=2, "
          "needs --task 2/COUNT): do only this task's contiguous "
          "slice of the work (of the input records, which need manifests; augment: of its "
          "output records) and write it as a part (e.g. --output out/rois.part3@1). "
          "`shardcat merge OUTPUT PARTS...` joins the parts into the set one process would have "
          "written, byte for byte.");

namespace mammo {

absl::StatusOr<Task> TaskFlag() { return ParseTask(absl::GetFlag(FLAGS_task)); }

}  // namespace mammo
