// How code that reads environment variables (Slurm's, torchrun's) takes them: as a function,
// so that tests hand in a map instead of changing the process environment.
//
//   absl::StatusOr<Task> task = ParseTask("slurm");                  // ::getenv
//   absl::StatusOr<Task> task = ParseTask("slurm", [&](const char* name) -> const char* {...});
#ifndef MAMMO_LIB_CLI_ENVIRONMENT_H_
#define MAMMO_LIB_CLI_ENVIRONMENT_H_

#include <functional>

namespace mammo {

// Reads an environment variable; nullptr when unset.
using GetEnv = std::function<const char*(const char*)>;

}  // namespace mammo

#endif  // MAMMO_LIB_CLI_ENVIRONMENT_H_
