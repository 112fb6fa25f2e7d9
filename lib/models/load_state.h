// Copying a safetensors file into a torch::nn::Module: every parameter AND every buffer
// (BatchNorm running_mean / running_var / num_batches_tracked), after lib/weights' strict key
// and shape check.
//
//   ASSIGN_OR_RETURN(auto file, weights::SafetensorsFile::Open(path));
//   LoadStateOptions options;
//   options.skip_prefixes = {"fc."};       // keep our own classifier (opt-in, never implied)
//   RETURN_IF_ERROR(LoadState(*file, "resnet50", options, *model));
//
// F16, BF16 and F64 tensors are converted to the module's float32; integer buffers need I64.
// A key of num_batches_tracked that the file lacks is left alone: the counter changes no
// output (our BatchNorms use a fixed momentum) and older torchvision checkpoints omit it.
#ifndef MAMMO_LIB_MODELS_LOAD_STATE_H_
#define MAMMO_LIB_MODELS_LOAD_STATE_H_

#include <torch/torch.h>

#include <functional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "lib/weights/safetensors.h"

namespace mammo::models {

struct LoadStateOptions {
  // Prefixes of file keys to ignore on both sides (KeyMatchOptions::skip_prefixes).
  std::vector<std::string> skip_prefixes;
  // The file's name for one of the module's keys; the identity when unset.
  std::function<std::string(const std::string&)> file_key;
};

// InvalidArgument naming the file, the key and `model_name` on the first missing key,
// unexpected key, shape mismatch or unusable dtype; the module is unchanged unless the check
// passes (a conversion error can still leave it partly loaded).
absl::Status LoadState(const weights::SafetensorsFile& file, absl::string_view model_name,
                       const LoadStateOptions& options, torch::nn::Module& module);

}  // namespace mammo::models

#endif  // MAMMO_LIB_MODELS_LOAD_STATE_H_
