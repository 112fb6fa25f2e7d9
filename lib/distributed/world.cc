#include "lib/distributed/world.h"

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "lib/status/status_macros.h"

namespace mammo::distributed {
namespace {

// An integer variable; `required` makes an unset one an error.
absl::StatusOr<int64_t> IntegerVariable(const GetEnv& getenv, const char* name, bool required,
                                        int64_t fallback = 0) {
  const char* value = getenv(name);
  if (value == nullptr || *value == '\0') {
    if (!required) return fallback;
    return absl::InvalidArgumentError(absl::StrCat(name, " is not set"));
  }
  int64_t number = 0;
  if (!absl::SimpleAtoi(value, &number) || number < 0) {
    return absl::InvalidArgumentError(
        absl::StrCat(name, "='", value, "' is not a non-negative integer"));
  }
  return number;
}

absl::Status CheckRank(const World& world, const char* rank_name, const char* size_name) {
  if (world.size < 1 || world.rank >= world.size) {
    return absl::InvalidArgumentError(
        absl::StrCat(rank_name, "=", world.rank, " does not fit ", size_name, "=", world.size));
  }
  return absl::OkStatus();
}

absl::StatusOr<World> TorchrunWorld(const GetEnv& getenv) {
  World world;
  world.launcher = "torchrun";
  absl::StatusOr<int64_t> rank = IntegerVariable(getenv, "RANK", true);
  absl::StatusOr<int64_t> size = IntegerVariable(getenv, "WORLD_SIZE", true);
  absl::StatusOr<int64_t> local = IntegerVariable(getenv, "LOCAL_RANK", false);
  absl::StatusOr<int64_t> port = IntegerVariable(getenv, "MASTER_PORT", true);
  absl::StatusOr<int64_t> restart = IntegerVariable(getenv, "TORCHELASTIC_RESTART_COUNT", false);
  for (const auto* value : {&rank, &size, &local, &port, &restart}) {
    if (!value->ok()) return value->status();
  }
  const char* addr = getenv("MASTER_ADDR");
  if (addr == nullptr || *addr == '\0') return absl::InvalidArgumentError("MASTER_ADDR is not set");
  world.rank = static_cast<int>(*rank);
  world.size = static_cast<int>(*size);
  world.local_rank = static_cast<int>(*local);
  world.master_addr = addr;
  world.master_port = static_cast<int>(*port);
  const char* agent = getenv("TORCHELASTIC_USE_AGENT_STORE");
  world.agent_store = agent != nullptr && std::string(agent) == "True";
  if (world.agent_store) world.store_prefix = absl::StrCat("/worker/attempt_", *restart);
  RETURN_IF_ERROR(CheckRank(world, "RANK", "WORLD_SIZE"));
  return world;
}

absl::StatusOr<World> SlurmWorld(const GetEnv& getenv) {
  World world;
  world.launcher = "srun";
  absl::StatusOr<int64_t> rank = IntegerVariable(getenv, "SLURM_PROCID", true);
  absl::StatusOr<int64_t> size = IntegerVariable(getenv, "SLURM_STEP_NUM_TASKS", true);
  absl::StatusOr<int64_t> local = IntegerVariable(getenv, "SLURM_LOCALID", false);
  absl::StatusOr<int64_t> job = IntegerVariable(getenv, "SLURM_JOB_ID", true);
  absl::StatusOr<int64_t> step = IntegerVariable(getenv, "SLURM_STEP_ID", false);
  for (const auto* value : {&rank, &size, &local, &job, &step}) {
    if (!value->ok()) return value->status();
  }
  world.rank = static_cast<int>(*rank);
  world.size = static_cast<int>(*size);
  world.local_rank = static_cast<int>(*local);
  absl::StatusOr<int64_t> port =
      IntegerVariable(getenv, "MASTER_PORT", false, SlurmPort(*job, *step));
  if (!port.ok()) return port.status();
  world.master_port = static_cast<int>(*port);
  const char* addr = getenv("MASTER_ADDR");
  if (addr != nullptr && *addr != '\0') {
    world.master_addr = addr;
  } else {
    const char* nodes = getenv("SLURM_STEP_NODELIST");
    if (nodes == nullptr) nodes = getenv("SLURM_JOB_NODELIST");
    if (nodes == nullptr) {
      return absl::InvalidArgumentError(
          "neither MASTER_ADDR nor SLURM_STEP_NODELIST is set: no host to meet at");
    }
    absl::StatusOr<std::string> first = FirstSlurmHost(nodes);
    if (!first.ok()) return first.status();
    world.master_addr = *first;
  }
  RETURN_IF_ERROR(CheckRank(world, "SLURM_PROCID", "SLURM_STEP_NUM_TASKS"));
  return world;
}

}  // namespace

std::string World::ToString() const {
  if (size == 1 && launcher.empty()) return "one process";
  return absl::StrCat("rank ", rank, " of ", size, " (", launcher, ", master ", master_addr, ":",
                      master_port, ")");
}

absl::StatusOr<World> WorldFromEnvironment(const GetEnv& getenv) {
  if (getenv("RANK") != nullptr || getenv("WORLD_SIZE") != nullptr) {
    absl::StatusOr<World> world = TorchrunWorld(getenv);
    if (!world.ok())
      return absl::InvalidArgumentError(
          absl::StrCat("torchrun's environment: ", world.status().message()));
    return world;
  }
  if (getenv("SLURM_STEP_NUM_TASKS") != nullptr && getenv("SLURM_PROCID") != nullptr) {
    absl::StatusOr<World> world = SlurmWorld(getenv);
    if (!world.ok())
      return absl::InvalidArgumentError(
          absl::StrCat("srun's environment: ", world.status().message()));
    return world;
  }
  return World{};
}

absl::StatusOr<std::string> FirstSlurmHost(absl::string_view host_list) {
  std::string host;
  bool in_range = false;    // inside [...]
  bool range_done = false;  // the first number of this [...] is taken
  for (const char c : host_list) {
    if (in_range) {
      if (c == ']') {
        in_range = false;
      } else if (c == '-' || c == ',') {
        range_done = true;
      } else if (c == '[') {
        break;
      } else if (!range_done) {
        host += c;
      }
      continue;
    }
    if (c == ',') break;
    if (c == ']')
      return absl::InvalidArgumentError(
          absl::StrCat("Slurm host list '", host_list, "': ']' without '['"));
    if (c == '[') {
      in_range = true;
      range_done = false;
      continue;
    }
    host += c;
  }
  if (in_range) {
    return absl::InvalidArgumentError(
        absl::StrCat("Slurm host list '", host_list, "': '[' without ']'"));
  }
  if (host.empty()) {
    return absl::InvalidArgumentError(absl::StrCat("Slurm host list '", host_list, "' is empty"));
  }
  return host;
}

int SlurmPort(uint64_t job_id, uint64_t step_id) {
  return 20000 + static_cast<int>((job_id * 16 + step_id) % 10000);
}

}  // namespace mammo::distributed
