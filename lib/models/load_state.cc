#include "lib/models/load_state.h"

#include <cstring>
#include <map>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "lib/status/status_macros.h"
#include "lib/weights/key_match.h"

namespace mammo::models {

absl::Status LoadState(const weights::SafetensorsFile& file, absl::string_view model_name,
                       const LoadStateOptions& options, torch::nn::Module& module) {
  std::vector<weights::ExpectedTensor> expected;
  std::map<std::string, torch::Tensor> targets;  // by file key
  auto add = [&](const std::string& key, const torch::Tensor& tensor, bool optional) {
    const std::string file_key = options.file_key ? options.file_key(key) : key;
    if (optional && file.Find(file_key) == nullptr) return;
    expected.push_back({file_key, tensor.sizes().vec()});
    targets[file_key] = tensor;
  };
  for (const auto& item : module.named_parameters(/*recurse=*/true)) {
    add(item.key(), item.value(), false);
  }
  for (const auto& item : module.named_buffers(/*recurse=*/true)) {
    add(item.key(), item.value(), absl::EndsWith(item.key(), "num_batches_tracked"));
  }
  weights::KeyMatchOptions match_options;
  match_options.skip_prefixes = options.skip_prefixes;
  ASSIGN_OR_RETURN(std::vector<std::string> to_copy,
                   weights::MatchKeys(file, model_name, expected, match_options));

  torch::NoGradGuard no_grad;
  for (const std::string& name : to_copy) {
    torch::Tensor& target = targets.at(name);
    if (target.scalar_type() == torch::kFloat) {
      ASSIGN_OR_RETURN(std::vector<float> values, file.ToFloat32(name));
      target.copy_(torch::from_blob(values.data(), target.sizes(), torch::kFloat));
    } else if (target.scalar_type() == torch::kLong) {
      const weights::TensorView& view = *file.Find(name);
      if (view.dtype != weights::DType::kI64) {
        return absl::InvalidArgumentError(absl::StrCat(file.path(), ": key '", name, "': dtype ",
                                                       weights::DTypeName(view.dtype),
                                                       " in the file, I64 in ", model_name));
      }
      // The file is little-endian, like every machine LibTorch runs on here.
      std::memcpy(target.data_ptr<int64_t>(), view.bytes.data(), view.bytes.size());
    } else {
      return absl::InternalError(absl::StrCat("key '", name, "' of ", model_name, " has dtype ",
                                              toString(target.scalar_type()),
                                              ", which the loader does not handle"));
    }
  }
  return absl::OkStatus();
}

}  // namespace mammo::models
