// Loads what parity_gen.py wrote into our modules and compares outputs.
//   parity_check DIR MODEL...
// For each MODEL: DIR/MODEL.safetensors (weights, keys as torchvision writes them) and
// DIR/MODEL.io.safetensors (input, features, and logits unless the classifier was left out).
// Passes when max |ours - torchvision| <= 1e-4 * max |torchvision| for every output.
#include <torch/torch.h>

#include <iostream>
#include <string>

#include "absl/strings/match.h"
#include "lib/models/model_info.h"
#include "lib/models/registry.h"
#include "lib/weights/safetensors.h"

namespace {

using mammo::weights::SafetensorsFile;

constexpr double kRelativeTolerance = 1e-4;

torch::Tensor Read(const SafetensorsFile& file, const std::string& name) {
  const mammo::weights::TensorView* view = file.Find(name);
  if (view == nullptr) return {};
  std::vector<float> values = file.ToFloat32(name).value();
  return torch::from_blob(values.data(), view->shape, torch::kFloat).clone();
}

// Prints the comparison; true when within tolerance.
bool Compare(const std::string& model, const std::string& what, const torch::Tensor& ours,
             const torch::Tensor& reference) {
  if (ours.sizes() != reference.sizes()) {
    std::cout << model << " " << what << ": shape " << ours.sizes() << ", torchvision "
              << reference.sizes() << " FAIL\n";
    return false;
  }
  const double scale = reference.abs().max().item<double>();
  const double diff = (ours - reference).abs().max().item<double>();
  const bool ok = diff <= kRelativeTolerance * scale;
  std::cout << model << " " << what << ": max |diff| " << diff << ", scale " << scale
            << (ok ? " ok" : " FAIL") << "\n";
  return ok;
}

bool Check(const std::string& dir, const std::string& name) {
  const mammo::models::ModelInfo* info = mammo::models::FindModel(name);
  if (info == nullptr) {
    std::cout << name << ": not in the registry FAIL\n";
    return false;
  }
  torch::NoGradGuard no_grad;
  std::shared_ptr<mammo::models::BackboneImpl> net =
      mammo::models::CreateBackbone(name).value();
  // parity_gen.py leaves VGG's classifier out: this also exercises the opt-in skip.
  const bool skip_classifier = absl::StartsWith(name, "vgg");
  const absl::Status loaded =
      mammo::models::LoadPretrained(dir + "/" + name + ".safetensors", *info, skip_classifier, *net);
  if (!loaded.ok()) {
    std::cout << name << ": " << loaded << " FAIL\n";
    return false;
  }
  net->eval();
  std::unique_ptr<SafetensorsFile> io = SafetensorsFile::Open(dir + "/" + name + ".io.safetensors").value();
  const torch::Tensor input = Read(*io, "input");
  bool ok = Compare(name, "features", mammo::models::GlobalAveragePool(net->Features(input)),
                    Read(*io, "features"));
  const torch::Tensor logits = Read(*io, "logits");
  if (logits.defined()) ok = Compare(name, "logits", net->Logits(input), logits) && ok;
  return ok;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 3) {
    std::cerr << "usage: parity_check DIR MODEL...\n";
    return 1;
  }
  bool ok = true;
  for (int i = 2; i < argc; ++i) ok = Check(argv[1], argv[i]) && ok;
  return ok ? 0 : 1;
}
