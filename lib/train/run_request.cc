#include "lib/train/run_request.h"

#include <cstdio>

#include "lib/cli/cli.h"
#include "lib/status/status_macros.h"

namespace mammo::train {

absl::StatusOr<std::unique_ptr<distributed::Communicator>> JoinRanks(RunRequest* run) {
  ASSIGN_OR_RETURN(const distributed::World world, distributed::WorldFromEnvironment());
  if (world.size == 1) return nullptr;
  torch::Device& device = run->training.device;
  if (device.is_cuda() && !device.has_index()) {
    device = torch::Device(torch::kCUDA, static_cast<c10::DeviceIndex>(world.local_rank));
  }
  std::fprintf(stderr, "%s: %s: meeting the other ranks\n", cli::ToolName().c_str(),
               world.ToString().c_str());
  ASSIGN_OR_RETURN(std::unique_ptr<distributed::Communicator> communicator,
                   distributed::Communicator::Connect(world, run->distributed));
  run->training.communicator = communicator.get();
  return communicator;
}

}  // namespace mammo::train
