// Loads what parity_gen.py wrote into our modules and compares outputs.
//   parity_check [--device cuda] DIR MODEL...
// For each MODEL: DIR/MODEL.safetensors (weights, keys as torchvision writes them) and
// DIR/MODEL.io.safetensors (input, features, and logits unless the classifier was left out).
// On the CPU it passes when max |ours - torchvision| <= 1e-4 * max |torchvision| for every
// output.
// With --device cuda (parity_gen.py --cuda wrote torchvision's outputs on the same GPU) our
// modules run on the GPU twice, against torchvision's GPU outputs: in float32 with PyTorch's
// default TF32 convolutions (tolerance 1e-3: cuDNN may pick other algorithms for the two), and
// under autocast, as embed and the trainers run with --precision fp16 (2e-2). Each
// line also gives torchvision's own GPU distance from its CPU float32 output, for scale.
#include <torch/torch.h>

#include <iostream>
#include <string>

#include "absl/strings/match.h"
#include "lib/models/model_info.h"
#include "lib/models/registry.h"
#include "lib/train/autocast.h"
#include "lib/weights/safetensors.h"

namespace {

using mammo::weights::SafetensorsFile;

constexpr double kRelativeTolerance = 1e-4;
constexpr double kTf32Tolerance = 1e-3;
constexpr double kFloat16Tolerance = 2e-2;

torch::Tensor Read(const SafetensorsFile& file, const std::string& name) {
  const mammo::weights::TensorView* view = file.Find(name);
  if (view == nullptr) return {};
  std::vector<float> values = file.ToFloat32(name).value();
  return torch::from_blob(values.data(), view->shape, torch::kFloat).clone();
}

// Prints the comparison; true when within tolerance.
bool Compare(const std::string& model, const std::string& what, torch::Tensor ours,
             const torch::Tensor& reference, double tolerance = kRelativeTolerance,
             const torch::Tensor& cpu_reference = {}) {
  ours = ours.to(torch::kCPU, torch::kFloat);
  if (ours.sizes() != reference.sizes()) {
    std::cout << model << " " << what << ": shape " << ours.sizes() << ", torchvision "
              << reference.sizes() << " FAIL\n";
    return false;
  }
  const double scale = reference.abs().max().item<double>();
  const double diff = (ours - reference).abs().max().item<double>();
  const bool ok = diff <= tolerance * scale;
  std::cout << model << " " << what << ": max |diff| " << diff << ", scale " << scale;
  if (cpu_reference.defined()) {
    std::cout << ", torchvision GPU vs CPU "
              << (reference - cpu_reference).abs().max().item<double>();
  }
  std::cout << (ok ? " ok" : " FAIL") << "\n";
  return ok;
}

// Our module on the GPU, in float32 and under autocast, against torchvision's GPU outputs.
bool CheckCuda(const std::string& name, mammo::models::BackboneImpl& net, const SafetensorsFile& io,
               const torch::Tensor& input) {
  net.to(torch::kCUDA);
  const torch::Tensor x = input.to(torch::kCUDA);
  bool ok = true;
  for (const bool autocast : {false, true}) {
    const std::string suffix = autocast ? "_cuda_amp" : "_cuda";
    const double tolerance = autocast ? kFloat16Tolerance : kTf32Tolerance;
    mammo::train::Autocast scope(c10::DeviceType::CUDA, autocast);
    const torch::Tensor features = Read(io, "features" + suffix);
    if (!features.defined()) {
      std::cout << name << ": no features" << suffix << " (run parity_gen.py --cuda) FAIL\n";
      return false;
    }
    ok = Compare(name, "features" + suffix, mammo::models::GlobalAveragePool(net.Features(x)),
                 features, tolerance, Read(io, "features")) &&
         ok;
    const torch::Tensor logits = Read(io, "logits" + suffix);
    if (logits.defined()) {
      ok = Compare(name, "logits" + suffix, net.Logits(x), logits, tolerance, Read(io, "logits")) &&
           ok;
    }
  }
  return ok;
}

bool Check(const std::string& dir, const std::string& name, bool cuda) {
  const mammo::models::ModelInfo* info = mammo::models::FindModel(name);
  if (info == nullptr) {
    std::cout << name << ": not in the registry FAIL\n";
    return false;
  }
  torch::NoGradGuard no_grad;
  std::shared_ptr<mammo::models::BackboneImpl> net = mammo::models::CreateBackbone(name).value();
  // parity_gen.py leaves VGG's classifier out: this also exercises the opt-in skip.
  const bool skip_classifier = absl::StartsWith(name, "vgg");
  const absl::Status loaded = mammo::models::LoadPretrained(dir + "/" + name + ".safetensors",
                                                            *info, skip_classifier, *net);
  if (!loaded.ok()) {
    std::cout << name << ": " << loaded << " FAIL\n";
    return false;
  }
  net->eval();
  std::unique_ptr<SafetensorsFile> io =
      SafetensorsFile::Open(dir + "/" + name + ".io.safetensors").value();
  const torch::Tensor input = Read(*io, "input");
  if (cuda) return CheckCuda(name, *net, *io, input);
  bool ok = Compare(name, "features", mammo::models::GlobalAveragePool(net->Features(input)),
                    Read(*io, "features"));
  const torch::Tensor logits = Read(*io, "logits");
  if (logits.defined()) ok = Compare(name, "logits", net->Logits(input), logits) && ok;
  return ok;
}

}  // namespace

int main(int argc, char** argv) {
  int first = 1;
  bool cuda = false;
  if (argc > 2 && std::string(argv[1]) == "--device") {
    if (std::string(argv[2]) != "cuda" && std::string(argv[2]) != "cpu") {
      std::cerr << "parity_check: --device must be cpu or cuda\n";
      return 1;
    }
    cuda = std::string(argv[2]) == "cuda";
    first = 3;
  }
  if (argc < first + 2) {
    std::cerr << "usage: parity_check [--device cpu|cuda] DIR MODEL...\n";
    return 1;
  }
  if (cuda && !torch::cuda::is_available()) {
    std::cerr << "parity_check: --device cuda, but this LibTorch has no CUDA or sees no GPU\n";
    return 1;
  }
  bool ok = true;
  for (int i = first + 1; i < argc; ++i) ok = Check(argv[first], argv[i], cuda) && ok;
  return ok ? 0 : 1;
}
