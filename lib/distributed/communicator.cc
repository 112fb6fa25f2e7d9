#include "lib/distributed/communicator.h"

#include <torch/csrc/distributed/c10d/PrefixStore.hpp>
#include <torch/csrc/distributed/c10d/ProcessGroupGloo.hpp>
#include <torch/csrc/distributed/c10d/TCPStore.hpp>
#ifdef USE_C10D_NCCL
#include <torch/csrc/distributed/c10d/ProcessGroupNCCL.hpp>
#endif

#include <csignal>
#include <cstdlib>
#include <utility>

#include "absl/strings/str_cat.h"
#include "lib/status/status_macros.h"

namespace mammo::distributed {

struct Communicator::Group {
  c10::intrusive_ptr<c10d::Store> store;
  c10::intrusive_ptr<c10d::ProcessGroup> process_group;
};

namespace {

std::string Reason(const std::exception& e) {
  const auto* error = dynamic_cast<const c10::Error*>(&e);
  std::string text = error != nullptr ? error->what_without_backtrace() : e.what();
  // Gloo's messages carry a source location line first; the last line says what happened.
  const size_t newline = text.find_last_of('\n', text.size() > 1 ? text.size() - 2 : 0);
  if (newline != std::string::npos) text = text.substr(newline + 1);
  return text.substr(0, 300);
}

// Gloo's transport device: on GLOO_SOCKET_IFNAME's interface when set (as PyTorch does), else
// on the address this host's name resolves to (or the loopback).
std::shared_ptr<gloo::transport::Device> GlooDevice() {
  const char* interface = std::getenv("GLOO_SOCKET_IFNAME");
  if (interface != nullptr && *interface != '\0') {
    return c10d::ProcessGroupGloo::createDeviceForInterface(interface);
  }
  return c10d::ProcessGroupGloo::createDefaultDevice();
}

}  // namespace

absl::StatusOr<Backend> ParseBackend(absl::string_view name) {
  if (name == "gloo") return Backend::kGloo;
  if (name == "nccl") return Backend::kNccl;
  return absl::InvalidArgumentError(
      absl::StrCat("--dist_backend '", name, "': expected gloo (CPU) or nccl (CUDA)"));
}

Communicator::Communicator(const World& world, const ConnectOptions& options,
                           std::unique_ptr<Group> group)
    : world_(world), options_(options), group_(std::move(group)) {}

Communicator::~Communicator() = default;

absl::StatusOr<std::unique_ptr<Communicator>> Communicator::Connect(const World& world,
                                                                    const ConnectOptions& options) {
  // A rank that dies closes its sockets, and Gloo's next write to one raises SIGPIPE, whose
  // default action kills this rank without a word (exit 141) instead of failing the call with
  // an error that names the collective. Python, which PyTorch's ranks run in, ignores SIGPIPE
  // from the start; so do ours from here on. The trainers write files, not pipes, so a closed
  // pipe would still fail their write with EPIPE, named.
  std::signal(SIGPIPE, SIG_IGN);
  const auto timeout = std::chrono::duration_cast<std::chrono::milliseconds>(options.timeout);
  auto group = std::make_unique<Group>();
  try {
    c10d::TCPStoreOptions store_options;
    store_options.port = static_cast<std::uint16_t>(world.master_port);
    store_options.isServer = world.rank == 0 && !world.agent_store;
    store_options.numWorkers = world.size;
    store_options.waitWorkers = false;
    store_options.timeout = timeout;
    c10::intrusive_ptr<c10d::Store> store =
        c10::make_intrusive<c10d::TCPStore>(world.master_addr, store_options);
    if (!world.store_prefix.empty()) {
      store = c10::make_intrusive<c10d::PrefixStore>(world.store_prefix, store);
    }
    group->store = store;
    if (options.backend == Backend::kGloo) {
      auto gloo = c10d::ProcessGroupGloo::Options::create(timeout);
      gloo->devices.push_back(GlooDevice());
      group->process_group =
          c10::make_intrusive<c10d::ProcessGroupGloo>(store, world.rank, world.size, gloo);
    } else {
#ifdef USE_C10D_NCCL
      auto nccl = c10d::ProcessGroupNCCL::Options::create();
      nccl->timeout = timeout;
      group->process_group =
          c10::make_intrusive<c10d::ProcessGroupNCCL>(store, world.rank, world.size, nccl);
#else
      return absl::FailedPreconditionError(
          "--dist_backend nccl: this LibTorch has no NCCL (Debian's is CPU-only); use gloo, or "
          "build with a CUDA LibTorch (LIBTORCH_DIR) and --copt=-DUSE_C10D_NCCL");
#endif
    }
  } catch (const std::exception& e) {
    return absl::UnavailableError(absl::StrCat(world.ToString(), ": could not meet the other ",
                                               world.size - 1, " ranks within ",
                                               options.timeout.count(), " s: ", Reason(e)));
  }
  return std::unique_ptr<Communicator>(new Communicator(world, options, std::move(group)));
}

absl::Status Communicator::AllReduce(torch::Tensor& tensor, bool max, absl::string_view what) {
  try {
    std::vector<torch::Tensor> tensors = {tensor};
    c10d::AllreduceOptions reduce;
    reduce.reduceOp = max ? c10d::ReduceOp::MAX : c10d::ReduceOp::SUM;
    group_->process_group->allreduce(tensors, reduce)
        ->wait(std::chrono::duration_cast<std::chrono::milliseconds>(options_.timeout));
  } catch (const std::exception& e) {
    return ReduceFailed(max, what, e);
  }
  return absl::OkStatus();
}

absl::Status Communicator::ReduceFailed(bool max, absl::string_view what,
                                        const std::exception& e) const {
  return absl::UnavailableError(absl::StrCat(world_.ToString(),
                                             max ? ": the maximum of " : ": summing ", what,
                                             " over the ranks failed (another rank died or "
                                             "stopped answering; see its log): ",
                                             Reason(e)));
}

absl::StatusOr<Communicator::PendingSum> Communicator::StartAllReduceSum(torch::Tensor& tensor,
                                                                         absl::string_view what) {
  try {
    std::vector<torch::Tensor> tensors = {tensor};
    auto work = group_->process_group->allreduce(tensors, c10d::AllreduceOptions());
    const auto timeout = std::chrono::duration_cast<std::chrono::milliseconds>(options_.timeout);
    return PendingSum([this, work, timeout, what = std::string(what)]() -> absl::Status {
      try {
        work->wait(timeout);
      } catch (const std::exception& e) {
        return ReduceFailed(false, what, e);
      }
      return absl::OkStatus();
    });
  } catch (const std::exception& e) {
    return ReduceFailed(false, what, e);
  }
}

absl::Status Communicator::PendingSum::Wait() { return wait_(); }

absl::Status Communicator::AllReduceSum(torch::Tensor& tensor, absl::string_view what) {
  return AllReduce(tensor, false, what);
}

absl::Status Communicator::AllReduceMax(torch::Tensor& tensor, absl::string_view what) {
  return AllReduce(tensor, true, what);
}

absl::Status Communicator::Broadcast(torch::Tensor& tensor, int root, absl::string_view what) {
  try {
    std::vector<torch::Tensor> tensors = {tensor};
    c10d::BroadcastOptions broadcast;
    broadcast.rootRank = root;
    group_->process_group->broadcast(tensors, broadcast)
        ->wait(std::chrono::duration_cast<std::chrono::milliseconds>(options_.timeout));
  } catch (const std::exception& e) {
    return absl::UnavailableError(absl::StrCat(world_.ToString(), ": sending ", what, " from rank ",
                                               root,
                                               " failed (another rank died or stopped answering; "
                                               "see its log): ",
                                               Reason(e)));
  }
  return absl::OkStatus();
}

absl::Status Communicator::Barrier(absl::string_view what) {
  torch::Tensor token = torch::zeros({1});
  return AllReduce(token, false, what);
}

absl::Status Communicator::CheckSame(const std::vector<std::pair<std::string, int64_t>>& values) {
  const auto n = static_cast<int64_t>(values.size());
  // The maxima of the values and of their negations: the maxima and the minima.
  torch::Tensor extremes = torch::empty({2 * n}, torch::kInt64);
  for (int64_t i = 0; i < n; ++i) {
    extremes[i] = values[i].second;
    extremes[n + i] = -values[i].second;
  }
  RETURN_IF_ERROR(AllReduceMax(extremes, "the run's settings"));
  for (int64_t i = 0; i < n; ++i) {
    const int64_t max = extremes[i].item<int64_t>();
    const int64_t min = -extremes[n + i].item<int64_t>();
    if (min != max) {
      return absl::FailedPreconditionError(
          absl::StrCat(world_.ToString(), ": ", values[i].first, " differs between the ranks (",
                       values[i].second, " here, ", min, " to ", max,
                       " over all): every rank must get the same flags and inputs"));
    }
  }
  return absl::OkStatus();
}

}  // namespace mammo::distributed
