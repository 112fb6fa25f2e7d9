#include "lib/models/load_state.h"

#include <torch/torch.h>

#include <set>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "lib/weights/safetensors.h"
#include "lib/weights/safetensors_writer.h"

namespace mammo::models {
namespace {

using weights::DType;
using weights::TensorToWrite;

struct TinyImpl : torch::nn::Module {
  TinyImpl() {
    conv = register_module("conv", torch::nn::Conv2d(torch::nn::Conv2dOptions(3, 4, 3)));
    bn = register_module("bn", torch::nn::BatchNorm2d(4));
    fc = register_module("fc", torch::nn::Linear(4, 2));
  }
  torch::nn::Conv2d conv{nullptr};
  torch::nn::BatchNorm2d bn{nullptr};
  torch::nn::Linear fc{nullptr};
};
TORCH_MODULE(Tiny);

// A module whose every tensor, buffers included, differs from a fresh one's.
Tiny Randomised() {
  Tiny tiny;
  torch::NoGradGuard no_grad;
  for (auto& p : tiny->parameters()) p.uniform_(-1, 1);
  tiny->bn->running_mean.uniform_(-1, 1);
  tiny->bn->running_var.uniform_(0.5, 2);
  tiny->bn->num_batches_tracked.fill_(7);
  return tiny;
}

TensorToWrite ToWrite(const std::string& name, const torch::Tensor& t, DType dtype) {
  torch::Tensor c;
  switch (dtype) {
    case DType::kF16:
      c = t.to(torch::kHalf);
      break;
    case DType::kBF16:
      c = t.to(torch::kBFloat16);
      break;
    default:
      c = t.contiguous();
      break;  // F32, and I64 for the counter
  }
  c = c.contiguous();
  return {name, dtype, t.sizes().vec(),
          std::string(static_cast<const char*>(c.data_ptr()), c.numel() * c.element_size())};
}

// Writes `module`'s state; `drop` keys are left out, `rename` renames one key.
std::string Save(torch::nn::Module& module, DType dtype, const std::string& file_name,
                 const std::set<std::string>& drop = {},
                 const std::pair<std::string, std::string>& rename = {}) {
  std::vector<TensorToWrite> tensors;
  auto add = [&](const std::string& key, const torch::Tensor& t) {
    if (drop.count(key)) return;
    const std::string name = key == rename.first ? rename.second : key;
    tensors.push_back(ToWrite(name, t, t.scalar_type() == torch::kLong ? DType::kI64 : dtype));
  };
  for (const auto& p : module.named_parameters()) add(p.key(), p.value());
  for (const auto& b : module.named_buffers()) add(b.key(), b.value());
  const std::string path = absl::StrCat(::testing::TempDir(), "/", file_name);
  const absl::Status status = weights::WriteSafetensors(path, tensors, {{"format", "pt"}});
  EXPECT_TRUE(status.ok()) << status;
  return path;
}

absl::Status Load(const std::string& path, torch::nn::Module& module,
                  const LoadStateOptions& options = {}) {
  absl::StatusOr<std::unique_ptr<weights::SafetensorsFile>> file =
      weights::SafetensorsFile::Open(path);
  if (!file.ok()) return file.status();
  return LoadState(**file, "tiny", options, module);
}

void ExpectSameState(torch::nn::Module& a, torch::nn::Module& b) {
  auto pa = a.named_parameters(), pb = b.named_parameters();
  for (const auto& p : pa) EXPECT_TRUE(torch::equal(p.value(), pb[p.key()])) << p.key();
  auto ba = a.named_buffers(), bb = b.named_buffers();
  for (const auto& x : ba) EXPECT_TRUE(torch::equal(x.value(), bb[x.key()])) << x.key();
}

TEST(LoadStateTest, CopiesParametersAndBatchNormBuffers) {
  Tiny source = Randomised();
  const std::string path = Save(*source, DType::kF32, "f32.safetensors");
  Tiny target;
  ASSERT_TRUE(Load(path, *target).ok());
  ExpectSameState(*source, *target);
  EXPECT_EQ(target->bn->num_batches_tracked.item<int64_t>(), 7);
}

TEST(LoadStateTest, WidensHalfAndBfloat16) {
  for (DType dtype : {DType::kF16, DType::kBF16}) {
    Tiny source = Randomised();
    {
      // Round the source to the file's precision so that the comparison can be exact.
      torch::NoGradGuard no_grad;
      const auto type = dtype == DType::kF16 ? torch::kHalf : torch::kBFloat16;
      for (auto& p : source->parameters()) p.copy_(p.to(type).to(torch::kFloat));
      for (auto& b : source->buffers()) {
        if (b.is_floating_point()) b.copy_(b.to(type).to(torch::kFloat));
      }
    }
    const std::string path = Save(*source, dtype, "half.safetensors");
    Tiny target;
    ASSERT_TRUE(Load(path, *target).ok());
    ExpectSameState(*source, *target);
  }
}

TEST(LoadStateTest, MissingKeyIsAnErrorNamingIt) {
  Tiny source = Randomised();
  const std::string path = Save(*source, DType::kF32, "missing.safetensors", {"bn.running_var"});
  Tiny target;
  const absl::Status status = Load(path, *target);
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(status.message().find("bn.running_var"), std::string::npos) << status;
}

TEST(LoadStateTest, UnexpectedKeyIsAnErrorNamingIt) {
  Tiny source = Randomised();
  const std::string path =
      Save(*source, DType::kF32, "renamed.safetensors", {}, {"fc.bias", "head.bias"});
  Tiny target;
  const absl::Status status = Load(path, *target);
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(status.message().find("bias"), std::string::npos) << status;
}

TEST(LoadStateTest, ShapeMismatchIsAnErrorNamingTheKey) {
  Tiny source = Randomised();
  source->fc = source->replace_module("fc", torch::nn::Linear(4, 3));
  const std::string path = Save(*source, DType::kF32, "shape.safetensors");
  Tiny target;
  const absl::Status status = Load(path, *target);
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(status.message().find("fc.weight"), std::string::npos) << status;
}

TEST(LoadStateTest, ClassifierIsSkippedOnlyWhenAsked) {
  Tiny source = Randomised();
  source->fc = source->replace_module("fc", torch::nn::Linear(4, 3));  // another head
  const std::string path = Save(*source, DType::kF32, "head.safetensors");
  Tiny target;
  const torch::Tensor fc_before = target->fc->weight.clone();
  LoadStateOptions options;
  options.skip_prefixes = {"fc."};
  ASSERT_TRUE(Load(path, *target, options).ok());
  EXPECT_TRUE(torch::equal(target->conv->weight, source->conv->weight));
  EXPECT_TRUE(torch::equal(target->bn->running_var, source->bn->running_var));
  EXPECT_TRUE(torch::equal(target->fc->weight, fc_before));
}

TEST(LoadStateTest, FileWithoutBatchCounterLoads) {
  Tiny source = Randomised();
  const std::string path =
      Save(*source, DType::kF32, "no_counter.safetensors", {"bn.num_batches_tracked"});
  Tiny target;
  ASSERT_TRUE(Load(path, *target).ok());
  EXPECT_TRUE(torch::equal(target->bn->running_mean, source->bn->running_mean));
}

TEST(LoadStateTest, FileKeyMapRenamesBeforeMatching) {
  Tiny source = Randomised();
  const std::string path =
      Save(*source, DType::kF32, "mapped.safetensors", {}, {"conv.weight", "stem.weight"});
  Tiny target;
  LoadStateOptions options;
  options.file_key = [](const std::string& key) {
    return key == "conv.weight" ? std::string("stem.weight") : key;
  };
  ASSERT_TRUE(Load(path, *target, options).ok());
  EXPECT_TRUE(torch::equal(target->conv->weight, source->conv->weight));
}

}  // namespace
}  // namespace mammo::models
