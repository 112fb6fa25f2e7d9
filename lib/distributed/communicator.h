// The collectives data-parallel training needs, on c10d's process groups: Gloo from Debian's
// LibTorch on the CPU, NCCL where a CUDA LibTorch has it. Every call is collective (all ranks
// make it, in the same order) and bounded by the timeout: a rank that died or stopped
// answering makes the others' call fail with a status naming the operation, never hang.
//
//   ASSIGN_OR_RETURN(World world, WorldFromEnvironment());
//   ASSIGN_OR_RETURN(std::unique_ptr<Communicator> communicator,
//                    Communicator::Connect(world, {.backend = Backend::kGloo}));
//   RETURN_IF_ERROR(communicator->AllReduceSum(gradients, "the gradients"));  // same on all ranks
//
// Only this file's .cc includes c10d's headers (they need -DUSE_C10D_GLOO and gloo's headers).
#ifndef MAMMO_LIB_DISTRIBUTED_COMMUNICATOR_H_
#define MAMMO_LIB_DISTRIBUTED_COMMUNICATOR_H_

#include <torch/torch.h>

#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "lib/distributed/world.h"

namespace mammo::distributed {

enum class Backend { kGloo, kNccl };
// "gloo" | "nccl"; InvalidArgument naming --dist_backend otherwise.
absl::StatusOr<Backend> ParseBackend(absl::string_view name);

struct ConnectOptions {
  Backend backend = Backend::kGloo;
  // For joining and for every collective. A rank killed mid-step is seen by its peers when
  // the connection drops, usually at once; the timeout bounds the rest (a hung rank).
  std::chrono::seconds timeout{300};
};

class Communicator {
 public:
  // Meets the other ranks of `world` (size > 1) at its master: rank 0 serves the rendezvous
  // store unless torchrun's agent does. Unavailable when they do not all arrive in time.
  // From then on the process ignores SIGPIPE, as Python does, so that a dead peer fails a call
  // instead of killing this rank.
  static absl::StatusOr<std::unique_ptr<Communicator>> Connect(const World& world,
                                                               const ConnectOptions& options);
  ~Communicator();

  const World& world() const { return world_; }
  int rank() const { return world_.rank; }
  int size() const { return world_.size; }

  // Element-wise sum (or maximum) over the ranks, in place; afterwards every rank holds the
  // same values, bit for bit. `what` names the data in an error ("the gradients").
  absl::Status AllReduceSum(torch::Tensor& tensor, absl::string_view what);
  absl::Status AllReduceMax(torch::Tensor& tensor, absl::string_view what);

  // AllReduceSum begun and not waited for: the process group sums on its own threads while
  // the caller computes, and `tensor` holds the sum once Wait succeeds (touch it not before).
  // Started sums are matched between ranks by their order: every rank must start the same
  // sums in the same order.
  class PendingSum {
   public:
    absl::Status Wait();

   private:
    friend class Communicator;
    explicit PendingSum(std::function<absl::Status()> wait) : wait_(std::move(wait)) {}
    std::function<absl::Status()> wait_;
  };
  absl::StatusOr<PendingSum> StartAllReduceSum(torch::Tensor& tensor, absl::string_view what);
  // Rank `root`'s values into every rank's `tensor`.
  absl::Status Broadcast(torch::Tensor& tensor, int root, absl::string_view what);
  absl::Status Barrier(absl::string_view what);
  // FailedPrecondition on every rank when some (name, value) differs between ranks, e.g.
  // "rank 1 of 2: --batch_size differs between the ranks (16 here, 16 to 32 over all)": ranks
  // started with different flags or inputs would otherwise train apart without a word.
  absl::Status CheckSame(const std::vector<std::pair<std::string, int64_t>>& values);

 private:
  struct Group;
  Communicator(const World& world, const ConnectOptions& options, std::unique_ptr<Group> group);
  absl::Status AllReduce(torch::Tensor& tensor, bool max, absl::string_view what);
  // Unavailable naming the rank, the collective and what was reduced.
  absl::Status ReduceFailed(bool max, absl::string_view what, const std::exception& e) const;

  World world_;
  ConnectOptions options_;
  std::unique_ptr<Group> group_;
};

}  // namespace mammo::distributed

#endif  // MAMMO_LIB_DISTRIBUTED_COMMUNICATOR_H_
