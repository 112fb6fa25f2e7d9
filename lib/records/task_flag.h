// --task, defined once (task_flag.cc) for the record stages that can run as one task of an
// array job: link this library into those mains only.
//
//   ASSIGN_OR_RETURN(Task task, TaskFlag());
#ifndef MAMMO_LIB_RECORDS_TASK_FLAG_H_
#define MAMMO_LIB_RECORDS_TASK_FLAG_H_

#include "absl/status/statusor.h"
#include "lib/records/task.h"

namespace mammo {

// ParseTask of --task.
absl::StatusOr<Task> TaskFlag();

}  // namespace mammo

#endif  // MAMMO_LIB_RECORDS_TASK_FLAG_H_
