#include "lib/train/grad_cam.h"

#include <algorithm>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "lib/models/keras_units.h"
#include "lib/models/model_info.h"
#include "lib/status/status_macros.h"
#include "lib/train/autocast.h"

namespace mammo::train {

absl::StatusOr<GradCamNetwork> MakeGradCamNetwork(
    const std::string& model, models::BackboneImpl& backbone, size_t head_units,
    std::function<torch::Tensor(const torch::Tensor&)> head, const std::string& layer) {
  GradCamNetwork network;
  network.units = backbone.Units();
  network.head_units = head_units;
  network.cut = head_units;
  network.head = std::move(head);
  if (layer.empty()) return network;
  const absl::StatusOr<std::vector<models::KerasLayer>> layers = models::KerasLayers(model);
  if (!layers.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat("--heatmap_layer ", layer, ": ", layers.status().message()));
  }
  ASSIGN_OR_RETURN(const std::vector<std::string> cut_layers,
                   models::CutLayers(model, *layers, network.units));
  if (std::find(cut_layers.begin(), cut_layers.end(), layer) == cut_layers.end()) {
    return absl::InvalidArgumentError(
        absl::StrCat("--heatmap_layer ", layer, ": not a layer of ", model,
                     " that the backbone can be cut after (tf.keras 2.x names); these are: ",
                     absl::StrJoin(cut_layers, ", ")));
  }
  ASSIGN_OR_RETURN(network.cut, models::UnitsThroughLayer(model, *layers, network.units, layer));
  if (network.cut > head_units) {
    return absl::InvalidArgumentError(
        absl::StrCat("--heatmap_layer ", layer, ": lies after the layer the run's head sits on"));
  }
  return network;
}

torch::Tensor GradCam(const GradCamNetwork& network, const torch::Tensor& image, int64_t height,
                      int64_t width) {
  // The layers before the cut need no gradient: only dy/dA is asked for.
  torch::Tensor activation;
  {
    torch::NoGradGuard no_grad;
    Autocast autocast(c10::DeviceType::CPU, network.bfloat16);
    torch::Tensor x = image.unsqueeze(0);
    for (size_t i = 0; i < network.cut; ++i) x = network.units[i].forward(x);
    activation = x.detach().requires_grad_(true);
  }
  torch::Tensor logit;
  {
    torch::AutoGradMode with_grad(true);
    Autocast autocast(c10::DeviceType::CPU, network.bfloat16);
    torch::Tensor x = activation;
    for (size_t i = network.cut; i < network.head_units; ++i) x = network.units[i].forward(x);
    logit = network.head(models::GlobalAveragePool(x)).sum();
  }
  const torch::Tensor gradient =
      torch::autograd::grad({logit.to(torch::kFloat32)}, {activation})[0][0].to(torch::kFloat32);
  const torch::Tensor maps = activation.detach()[0].to(torch::kFloat32);  // [C, h, w]
  const torch::Tensor weights = gradient.mean({1, 2}).view({-1, 1, 1});
  const torch::Tensor cam = torch::relu((weights * maps).sum(0));
  namespace F = torch::nn::functional;
  torch::Tensor map = F::interpolate(cam.view({1, 1, cam.size(0), cam.size(1)}),
                                     F::InterpolateFuncOptions()
                                         .size(std::vector<int64_t>{height, width})
                                         .mode(torch::kBilinear)
                                         .align_corners(false))[0][0];
  const float low = map.min().item<float>(), high = map.max().item<float>();
  if (!(high > low)) return torch::zeros({height, width});
  return ((map - low) / (high - low)).contiguous();
}

}  // namespace mammo::train
