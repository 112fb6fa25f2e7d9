#include "lib/train/checkpoint.h"

#include <memory>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "lib/io/byte_io.h"
#include "lib/train/rmsprop_step.h"

namespace mammo::train {
namespace {

// LibTorch's Optimizer::save keys each parameter's state by the address of its TensorImpl,
// which changes from run to run; keying it by the parameter's position instead makes last.pt
// depend only on the training, byte for byte.
torch::serialize::OutputArchive SaveRmspropState(torch::optim::RMSprop& optimizer) {
  torch::serialize::OutputArchive archive;
  const std::vector<torch::Tensor>& parameters = optimizer.param_groups().at(0).params();
  for (size_t i = 0; i < parameters.size(); ++i) {
    const auto found = optimizer.state().find(OptimizerStateKey(parameters[i]));
    if (found == optimizer.state().end()) continue;  // not stepped yet
    const auto& state = static_cast<const torch::optim::RMSpropParamState&>(*found->second);
    torch::serialize::OutputArchive one;
    one.write("step", torch::tensor(state.step(), torch::kInt64));
    one.write("square_avg", state.square_avg());
    if (state.momentum_buffer().defined()) one.write("momentum_buffer", state.momentum_buffer());
    if (state.grad_avg().defined()) one.write("grad_avg", state.grad_avg());
    archive.write(std::to_string(i), one);
  }
  return archive;
}

// Throws c10::Error on a malformed archive, as LibTorch's loaders do.
void LoadRmspropState(torch::serialize::InputArchive& archive, torch::optim::RMSprop& optimizer) {
  const std::vector<torch::Tensor>& parameters = optimizer.param_groups().at(0).params();
  optimizer.state().clear();
  for (size_t i = 0; i < parameters.size(); ++i) {
    torch::serialize::InputArchive one;
    if (!archive.try_read(std::to_string(i), one)) continue;
    auto state = std::make_unique<torch::optim::RMSpropParamState>();
    torch::Tensor step, square_avg, momentum_buffer, grad_avg;
    one.read("step", step);
    one.read("square_avg", square_avg);
    TORCH_CHECK(square_avg.sizes() == parameters[i].sizes(), "optimizer state ", i,
                " does not fit its parameter");
    state->step(step.item<int64_t>());
    state->square_avg(square_avg.to(parameters[i].device()));
    if (one.try_read("momentum_buffer", momentum_buffer)) {
      state->momentum_buffer(momentum_buffer.to(parameters[i].device()));
    }
    if (one.try_read("grad_avg", grad_avg)) state->grad_avg(grad_avg.to(parameters[i].device()));
    optimizer.state()[OptimizerStateKey(parameters[i])] = std::move(state);
  }
}

}  // namespace

absl::Status SaveCheckpoint(const std::string& path, torch::nn::Module& model,
                            torch::optim::RMSprop* optimizer, const LoopState* state) {
  torch::serialize::OutputArchive archive;
  torch::serialize::OutputArchive weights;
  model.save(weights);
  archive.write("model", weights);
  if (optimizer != nullptr) {
    torch::serialize::OutputArchive optim = SaveRmspropState(*optimizer);
    archive.write("optimizer", optim);
  }
  if (state != nullptr) {
    archive.write("state", torch::tensor({static_cast<double>(state->epochs_done),
                                          static_cast<double>(state->best_epoch), state->best_value,
                                          static_cast<double>(state->epochs_without_improvement),
                                          state->finished ? 1.0 : 0.0, state->loss_scale,
                                          static_cast<double>(state->good_steps)},
                                         torch::kFloat64));
  }
  // Serialised in memory, then written through lib/io: LibTorch writing the file itself throws
  // from a destructor when the disk fills, which ends the process instead of failing the call.
  std::ostringstream bytes;
  try {
    archive.save_to(bytes);
  } catch (const c10::Error& e) {
    return absl::InternalError(
        absl::StrCat(path, ": cannot serialise the checkpoint: ", e.what_without_backtrace()));
  }
  const absl::Status written = WriteFileAtomically(path, bytes.str());
  if (!written.ok()) {
    return absl::UnavailableError(absl::StrCat("cannot write the checkpoint: ", written.message()));
  }
  return absl::OkStatus();
}

absl::Status LoadCheckpoint(const std::string& path, torch::nn::Module& model,
                            torch::optim::RMSprop* optimizer, LoopState* state) {
  try {
    // Onto the model's device: a checkpoint written on a GPU must load for predict on the CPU.
    const std::vector<torch::Tensor> parameters = model.parameters();
    const torch::Device device = parameters.empty() ? torch::kCPU : parameters.front().device();
    torch::serialize::InputArchive archive;
    archive.load_from(path, device);
    torch::serialize::InputArchive weights;
    archive.read("model", weights);
    // Module::load replaces each tensor whatever its shape; a checkpoint of another layout
    // must be refused here, not fail later inside forward.
    std::vector<std::pair<std::string, std::vector<int64_t>>> shapes;
    for (const auto& item : model.named_parameters()) {
      shapes.emplace_back(item.key(), item.value().sizes().vec());
    }
    model.load(weights);
    const auto loaded_parameters = model.named_parameters();
    for (const auto& [name, shape] : shapes) {
      const torch::Tensor& loaded = loaded_parameters[name];
      if (loaded.sizes().vec() != shape) {
        return absl::DataLossError(absl::StrCat(path, ": its ", name, " has shape ",
                                                c10::str(loaded.sizes()), ", the model's is ",
                                                c10::str(c10::IntArrayRef(shape))));
      }
    }
    if (optimizer != nullptr) {
      torch::serialize::InputArchive optim;
      archive.read("optimizer", optim);
      LoadRmspropState(optim, *optimizer);
    }
    if (state != nullptr) {
      torch::Tensor s;
      archive.read("state", s);
      s = s.to(torch::kCPU);
      const auto v = s.accessor<double, 1>();
      state->epochs_done = static_cast<int>(v[0]);
      state->best_epoch = static_cast<int>(v[1]);
      state->best_value = v[2];
      state->epochs_without_improvement = static_cast<int>(v[3]);
      state->finished = v[4] != 0.0;
      // Checkpoints of older versions end before the later fields.
      if (s.size(0) > 5) state->loss_scale = v[5];
      if (s.size(0) > 6) state->good_steps = static_cast<int>(v[6]);
    }
  } catch (const c10::Error& e) {
    return absl::DataLossError(absl::StrCat(path, ": not a checkpoint of this model (",
                                            std::string(e.what_without_backtrace()).substr(0, 200),
                                            ")"));
  }
  return absl::OkStatus();
}

}  // namespace mammo::train
