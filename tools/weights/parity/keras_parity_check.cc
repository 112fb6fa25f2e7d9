// Runs a converted Keras model (a `weights convert` safetensors file) on raw images and
// compares it with what TensorFlow.js computed for the same images (tfjs_reference.js):
//   keras_parity_check MODEL WEIGHTS INPUT N,H,W LAYER POOLED_REF FULL_REF
// INPUT holds N x H x W x 3 float32 pixels in 0..255 (make_parity_inputs.py). POOLED_REF is
// the global average of LAYER's output (N x C), FULL_REF the whole model's output, backbone
// and converted Dense top (N x K). Passes (exit 0) when, for both, max |ours - reference|
// <= 1e-4 x max |reference|; prints both comparisons.
#include <torch/torch.h>

#include <cstdio>
#include <cstring>
#include <fstream>
#include <iostream>
#include <iterator>
#include <string>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_split.h"
#include "lib/models/keras_units.h"
#include "lib/models/model_info.h"
#include "lib/models/registry.h"
#include "lib/weights/safetensors.h"

namespace {

using mammo::weights::SafetensorsFile;

constexpr double kRelativeTolerance = 1e-4;

std::vector<float> ReadFloats(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  std::vector<float> values(bytes.size() / sizeof(float));
  std::memcpy(values.data(), bytes.data(), values.size() * sizeof(float));
  return values;
}

torch::Tensor Read(const SafetensorsFile& file, const std::string& name) {
  const mammo::weights::TensorView* view = file.Find(name);
  if (view == nullptr) return {};
  std::vector<float> values = file.ToFloat32(name).value();
  return torch::from_blob(values.data(), view->shape, torch::kFloat).clone();
}

bool Compare(const std::string& what, const torch::Tensor& ours, const std::string& path) {
  std::vector<float> values = ReadFloats(path);
  if (static_cast<int64_t>(values.size()) != ours.numel()) {
    std::cout << what << ": ours has " << ours.numel() << " values, " << path << " "
              << values.size() << " FAIL\n";
    return false;
  }
  const torch::Tensor reference = torch::from_blob(values.data(), ours.sizes(), torch::kFloat);
  const double scale = reference.abs().max().item<double>();
  const double diff = (ours - reference).abs().max().item<double>();
  const bool ok = diff <= kRelativeTolerance * scale;
  std::printf("%s: max |ours - tfjs| %.3g, max |tfjs| %.3g, relative %.3g %s\n", what.c_str(), diff,
              scale, diff / scale, ok ? "ok" : "FAIL");
  return ok;
}

// The converted Dense layers after the backbone, with the activations the metadata names.
torch::Tensor KerasTop(const SafetensorsFile& file, torch::Tensor x) {
  const auto it = file.metadata().find("mammo.keras_top");
  if (it == file.metadata().end()) return x;
  const std::vector<std::string> activations = absl::StrSplit(it->second, ',');
  for (size_t i = 0; i < activations.size(); ++i) {
    const std::string prefix = "keras_top." + std::to_string(i) + ".";
    x = torch::nn::functional::linear(x, Read(file, prefix + "weight"),
                                      Read(file, prefix + "bias"));
    if (activations[i] == "relu") x = x.relu();
    if (activations[i] == "softmax") x = x.softmax(1);
  }
  return x;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 8) {
    std::cerr << "Usage: keras_parity_check MODEL WEIGHTS INPUT N,H,W LAYER POOLED_REF FULL_REF\n";
    return 2;
  }
  const std::string model = argv[1], weights = argv[2], layer = argv[5];
  std::vector<int64_t> nhw;
  for (absl::string_view part : absl::StrSplit(argv[4], ',')) {
    int64_t v = 0;
    if (!absl::SimpleAtoi(part, &v)) return 2;
    nhw.push_back(v);
  }
  const mammo::models::ModelInfo* info = mammo::models::FindModel(model);
  if (info == nullptr || nhw.size() != 3) return 2;
  torch::NoGradGuard no_grad;
  absl::StatusOr<mammo::models::PretrainedBackbone> pretrained =
      mammo::models::CreatePretrained(*info, weights);
  if (!pretrained.ok()) {
    std::cerr << pretrained.status() << "\n";
    return 1;
  }
  mammo::models::BackboneImpl& net = *pretrained->net;
  net.eval();
  const auto mean = pretrained->convention.mean.value_or(info->mean);
  const auto std = pretrained->convention.std.value_or(info->std);
  std::vector<float> pixels = ReadFloats(argv[3]);
  torch::Tensor x = torch::from_blob(pixels.data(), {nhw[0], nhw[1], nhw[2], 3}, torch::kFloat)
                        .permute({0, 3, 1, 2})
                        .div(255.0);
  x = (x - torch::tensor({mean[0], mean[1], mean[2]}).view({1, 3, 1, 1})) /
      torch::tensor({std[0], std[1], std[2]}).view({1, 3, 1, 1});
  x = x.contiguous();

  std::vector<mammo::models::ForwardUnit> units = net.Units();
  const std::vector<mammo::models::KerasLayer> layers = mammo::models::KerasLayers(model).value();
  absl::StatusOr<size_t> cut = mammo::models::UnitsThroughLayer(model, layers, units, layer);
  if (!cut.ok()) {
    std::cerr << cut.status() << "\n";
    return 1;
  }
  torch::Tensor y = x;
  for (size_t i = 0; i < *cut; ++i) y = units[i].forward(y);
  const torch::Tensor pooled = mammo::models::GlobalAveragePool(y).contiguous();
  for (size_t i = *cut; i < units.size(); ++i) y = units[i].forward(y);
  const auto file = SafetensorsFile::Open(weights).value();
  const torch::Tensor full = KerasTop(*file, mammo::models::GlobalAveragePool(y)).contiguous();
  const bool pooled_ok = Compare(model + " " + layer + " pooled", pooled, argv[6]);
  const bool full_ok = Compare(model + " full output", full, argv[7]);
  return pooled_ok && full_ok ? 0 : 1;
}
