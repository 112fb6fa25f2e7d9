// Which process of a data-parallel job this one is, read from the environment the launcher
// set: torchrun's (the c10d "env://" convention) or Slurm's under `srun`. No launcher: a job of
// one process.
//
//   ASSIGN_OR_RETURN(World world, WorldFromEnvironment());
//   if (world.size > 1) {
//     ASSIGN_OR_RETURN(auto communicator, Communicator::Connect(world, options));
//   }
//
// torchrun: RANK, WORLD_SIZE, LOCAL_RANK, MASTER_ADDR, MASTER_PORT. With
// TORCHELASTIC_USE_AGENT_STORE=True torchrun's agent already serves the rendezvous store at
// MASTER_ADDR:MASTER_PORT, so no rank may start one, and the keys of restart attempt
// TORCHELASTIC_RESTART_COUNT live under "/worker/attempt_N/", as PyTorch's own ranks keep them.
//
// srun: SLURM_PROCID and SLURM_STEP_NUM_TASKS (set for the tasks of a job step, not in the
// batch script itself, which is one process), SLURM_LOCALID; the master is MASTER_ADDR or else
// the first host of SLURM_STEP_NODELIST, the port MASTER_PORT or else one derived from the job
// and step ids (SlurmPort), the same on every task of the step.
#ifndef MAMMO_LIB_DISTRIBUTED_WORLD_H_
#define MAMMO_LIB_DISTRIBUTED_WORLD_H_

#include <cstdint>
#include <cstdlib>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "lib/cli/environment.h"

namespace mammo::distributed {

struct World {
  int rank = 0;  // 0 <= rank < size; rank 0 writes the job's files
  int size = 1;
  int local_rank = 0;        // this process's index on its machine
  std::string launcher;      // "torchrun", "srun", or "" for a job of one process
  std::string master_addr;   // where the rendezvous store is served
  int master_port = 0;       //
  bool agent_store = false;  // torchrun's agent serves the store: no rank serves it
  std::string store_prefix;  // under which this attempt's keys live ("" or "/worker/attempt_0")

  std::string ToString() const;  // "rank 1 of 2 (srun, master node01:29517)"
};

// The world described by the environment; InvalidArgument naming the variable that is missing
// or malformed (e.g. RANK without MASTER_PORT, or RANK >= WORLD_SIZE).
absl::StatusOr<World> WorldFromEnvironment(const GetEnv& getenv = ::getenv);

// The first host of a Slurm host list: "node[03-05,9],gpu1" -> "node03", "n1" -> "n1".
// InvalidArgument for an empty list or unbalanced brackets.
absl::StatusOr<std::string> FirstSlurmHost(absl::string_view host_list);

// The rendezvous port of a Slurm job step without MASTER_PORT: in [20000, 30000), from the job
// and step ids, so that steps running side by side on one machine do not collide.
int SlurmPort(uint64_t job_id, uint64_t step_id);

}  // namespace mammo::distributed

#endif  // MAMMO_LIB_DISTRIBUTED_WORLD_H_
