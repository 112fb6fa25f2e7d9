// Grad-CAM (Selvaraju et al. 2017) for the classifiers here, a backbone whose last feature map
// is globally average-pooled into a head (a tl_train run: frozen backbone + trained head; an
// ft_train run: FineTuneModel): where in the image the evidence for malignancy lies.
//
//   ASSIGN_OR_RETURN(GradCamNetwork net, MakeGradCamNetwork(model, backbone, head_units, head,
//                                                           /*layer=*/""));
//   torch::Tensor map = GradCam(net, image, roi_height, roi_width);  // [H, W] in [0, 1]
//
// With A the feature map [C, h, w] of the chosen layer and y the malignant logit, the channel
// weights are the spatial means of dy/dA, the map is ReLU(sum_c w_c A_c), upsampled bilinearly
// (align_corners false, as torch.nn.functional.interpolate) to the ROI's size and min-max
// scaled to [0, 1]. For a head on pooled features the gradient runs through the head and the
// pooling into the last feature map, the same way for both kinds of run.
#ifndef MAMMO_LIB_TRAIN_GRAD_CAM_H_
#define MAMMO_LIB_TRAIN_GRAD_CAM_H_

#include <torch/torch.h>

#include <cstddef>
#include <functional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "lib/models/backbone.h"

namespace mammo::train {

struct GradCamNetwork {
  // The backbone's units (models::BackboneImpl::Units); units [0, head_units) feed the head.
  std::vector<models::ForwardUnit> units;
  size_t head_units = 0;
  // Grad-CAM's layer: the output of units [0, cut); cut <= head_units.
  size_t cut = 0;
  // Globally average-pooled features [N, C] -> malignant logits [N].
  std::function<torch::Tensor(const torch::Tensor&)> head;
  // Run under bfloat16 autocast, as the run was trained and validated (lib/train/autocast.h).
  bool bfloat16 = false;
};

// `backbone` in inference mode (eval()). `layer` names the Keras layer Grad-CAM reads (one
// models::CutLayers accepts, at or before the one the head sits on); empty: the layer the head
// sits on. InvalidArgument naming --heatmap_layer and the layers it could be otherwise.
absl::StatusOr<GradCamNetwork> MakeGradCamNetwork(
    const std::string& model, models::BackboneImpl& backbone, size_t head_units,
    std::function<torch::Tensor(const torch::Tensor&)> head, const std::string& layer);

// The class activation map of one normalised image [3, S, S] (the model's input), at
// height x width, float32 in [0, 1] (all zero where nothing in the layer raises the logit).
torch::Tensor GradCam(const GradCamNetwork& network, const torch::Tensor& image, int64_t height,
                      int64_t width);

}  // namespace mammo::train

#endif  // MAMMO_LIB_TRAIN_GRAD_CAM_H_
