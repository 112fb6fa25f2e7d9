#include "lib/train/grad_cam.h"

#include <sys/stat.h>

#include <cstdlib>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "lib/image/preprocess.h"
#include "lib/models/model_info.h"
#include "lib/models/registry.h"
#include "lib/testing/files.h"
#include "lib/testing/lesion_rois.h"
#include "lib/train/feature_set.h"
#include "lib/train/frozen_backbone.h"
#include "lib/train/head.h"
#include "lib/train/trainer.h"
#include "lib/weights/safetensors.h"

namespace mammo::train {
namespace {

using ::testing::HasSubstr;

torch::Tensor Read(const weights::SafetensorsFile& file, const std::string& name) {
  const weights::TensorView* view = file.Find(name);
  EXPECT_NE(view, nullptr) << name;
  if (view == nullptr) return torch::zeros({0});
  std::vector<float> values = file.ToFloat32(name).value();
  return torch::from_blob(values.data(), view->shape, torch::kFloat).clone();
}

// Against PyTorch (grad_cam_reference.py, Debian's torch 1.13 + torchvision): the same VGG16
// and head weights and input give the same map, at the head's layer and at an earlier one.
TEST(GradCamTest, MatchesPyTorch) {
  const std::string dir = testing::TempPath("reference");
  mkdir(dir.c_str(), 0755);
  ASSERT_EQ(std::system(absl::StrCat("/usr/bin/python3 lib/train/grad_cam_reference.py "
                                     "lib/models ",
                                     dir)
                            .c_str()),
            0);
  const models::ModelInfo* info = models::FindModel("vgg16");
  ASSERT_NE(info, nullptr);
  absl::StatusOr<models::PretrainedBackbone> vgg =
      models::CreatePretrained(*info, dir + "/vgg16.safetensors");
  ASSERT_TRUE(vgg.ok()) << vgg.status();
  vgg->net->eval();
  HeadOptions options;
  options.in_features = 512;
  options.hidden = {32};
  Head head(options);
  {
    auto file = weights::SafetensorsFile::Open(dir + "/head.safetensors").value();
    torch::NoGradGuard no_grad;
    for (auto& p : head->named_parameters()) p.value().copy_(Read(*file, p.key()));
  }
  head->eval();
  auto io = weights::SafetensorsFile::Open(dir + "/io.safetensors").value();
  const torch::Tensor input = Read(*io, "input");
  const auto logit = [&](const torch::Tensor& pooled) { return head->forward(pooled); };
  for (const auto& [layer, cut] : {std::pair<std::string, int>{"", 31}, {"block4_pool", 24}}) {
    absl::StatusOr<GradCamNetwork> network =
        MakeGradCamNetwork("vgg16", *vgg->net, vgg->net->Units().size(), logit, layer);
    ASSERT_TRUE(network.ok()) << network.status();
    EXPECT_EQ(network->cut, static_cast<size_t>(cut));
    const torch::Tensor reference = Read(*io, absl::StrCat("map_", cut));
    const torch::Tensor map = GradCam(*network, input, 80, 100);
    ASSERT_EQ(map.sizes(), reference.sizes());
    EXPECT_LE((map - reference).abs().max().item<double>(), 1e-4) << "layer '" << layer << "'";
    EXPECT_FLOAT_EQ(map.max().item<float>(), 1.0f);
    EXPECT_FLOAT_EQ(map.min().item<float>(), 0.0f);
    // bfloat16 autocast, as a bf16 run predicts, against torch.autocast("cpu", bfloat16): the
    // rounding moves the map far more than the two implementations differ (0.5 from the float32
    // map at the head's layer here, 0.015 between the two).
    network->bfloat16 = true;
    const torch::Tensor rounded = GradCam(*network, input, 80, 100);
    const torch::Tensor bf16 = Read(*io, absl::StrCat("map_", cut, "_bf16"));
    EXPECT_LE((rounded - bf16).abs().max().item<double>(), 0.05) << "layer '" << layer << "'";
  }
}

// The share of the map's mass in quadrant q (0 top-left, 1 top-right, 2 bottom-left, 3 bottom
// right) of a [H, W] map.
double QuadrantShare(const torch::Tensor& map, int quadrant) {
  const int64_t h = map.size(0) / 2, w = map.size(1) / 2;
  const torch::Tensor part = map.slice(0, (quadrant / 2) * h, (quadrant / 2 + 1) * h)
                                 .slice(1, (quadrant % 2) * w, (quadrant % 2 + 1) * w);
  const double total = map.sum().item<double>();
  return total > 0 ? part.sum().item<double>() / total : 0;
}

// A tl_train-style model genuinely trained: a frozen VGG16 (random weights, block3_pool at 64
// pixels) and a head trained by TrainHead on ROIs whose lesion, brighter when malignant, lies
// in a different quadrant from one ROI to the next. On held-out malignant ROIs most of the
// Grad-CAM mass of the malignant logit must lie in the lesion's quadrant (measured: 0.50 to
// 0.69 of it, a quarter by chance); the same map of the negated logit (evidence for benign)
// must not, which shows the check can fail. Benign ROIs are not counted: their dimmer lesion
// is evidence against malignancy, which the ReLU drops (their lesion quadrant holds 0.28 to
// 0.40 of the map).
TEST(GradCamTest, TrainedHeadLooksAtTheLesion) {
  constexpr int kSide = 64;
  FrozenBackboneSpec spec;
  spec.model = "vgg16";
  spec.weights = "none";
  spec.image_size = kSide;
  spec.layer = "block3_pool";
  std::unique_ptr<FrozenBackbone> backbone = FrozenBackbone::Create(spec).value();

  // 128 training, 32 validation and 32 test ROIs: quadrant and class cycle independently.
  std::vector<Record> records;
  for (int i = 0; i < 192; ++i) {
    records.push_back(testing::LesionRoi(absl::StrCat("r", i), kSide, i % 4,
                                         (i / 4) % 2 == 0 ? MALIGNANT : BENIGN, i));
  }
  std::vector<const Record*> pointers;
  for (const Record& r : records) pointers.push_back(&r);
  const torch::Tensor features = backbone->Embed(pointers).value();
  const auto set_of = [&](int begin, int end) {
    FeatureSet set;
    set.features = features.slice(0, begin, end);
    std::vector<float> labels;
    for (int i = begin; i < end; ++i) {
      labels.push_back(records[i].label() == MALIGNANT ? 1.0f : 0.0f);
      set.ids.push_back(records[i].id());
      set.patient_ids.push_back(records[i].id());
      set.lesion_ids.push_back(records[i].id());
      set.splits.push_back(begin == 0 ? TRAIN : VALID);
      set.attributes.emplace_back();
    }
    set.labels = torch::tensor(labels);
    return set;
  };
  HeadOptions options;
  options.in_features = backbone->width();
  options.hidden = {16};
  options.standardize = true;
  torch::manual_seed(1);
  Head head(options);
  TrainOptions training;
  training.run_dir = testing::TempPath("lesion_run");
  training.max_epochs = 30;
  training.learning_rate = 1e-3;
  ASSERT_TRUE(TrainHead(head, set_of(0, 128), set_of(128, 160), training).ok());
  head->eval();

  const auto localised = [&](std::function<torch::Tensor(const torch::Tensor&)> logit) {
    GradCamNetwork network =
        MakeGradCamNetwork("vgg16", backbone->net(), backbone->feature_units(), logit, "").value();
    int count = 0;
    for (int i = 160; i < 192; ++i) {
      if (records[i].label() != MALIGNANT) continue;
      torch::Tensor image = torch::empty({3, kSide, kSide});
      EXPECT_TRUE(PreprocessImage(records[i], kSide, backbone->mean(), backbone->std(),
                                  image.data_ptr<float>())
                      .ok());
      if (QuadrantShare(GradCam(network, image, kSide, kSide), i % 4) > 0.5) ++count;
    }
    return count;
  };
  {
    torch::NoGradGuard no_grad;
    const torch::Tensor p = torch::sigmoid(head->forward(features.slice(0, 160, 192)));
    int correct = 0;
    for (int i = 160; i < 192; ++i) {
      correct += (p[i - 160].item<float>() > 0.5f) == (records[i].label() == MALIGNANT);
    }
    EXPECT_GE(correct, 28) << "the head did not learn the task";
  }
  const int on_lesion = localised([&](const torch::Tensor& x) { return head->forward(x); });
  EXPECT_GE(on_lesion, 14) << "of 16 malignant test ROIs, maps with most of their mass on the "
                              "lesion's quadrant";
  const int negated = localised([&](const torch::Tensor& x) { return -head->forward(x); });
  EXPECT_LE(negated, 4) << "the negated logit's maps should not find the lesion";
}

TEST(GradCamTest, RefusesUnknownLayersAndLayersAfterTheHeads) {
  const models::ModelInfo* info = models::FindModel("vgg16");
  std::shared_ptr<models::BackboneImpl> net = models::CreatePretrained(*info, "none")->net;
  const auto logit = [](const torch::Tensor& x) { return x.sum(1); };
  absl::StatusOr<GradCamNetwork> unknown = MakeGradCamNetwork("vgg16", *net, 17, logit, "mixed5");
  ASSERT_FALSE(unknown.ok());
  EXPECT_EQ(unknown.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(unknown.status().message(),
              HasSubstr("--heatmap_layer mixed5: not a layer of vgg16"));
  EXPECT_THAT(unknown.status().message(), HasSubstr("block3_pool"));
  EXPECT_EQ(unknown.status().message().find('\n'), std::string::npos);
  // The head sits on block3_pool (17 units): block4_pool lies after it.
  absl::StatusOr<GradCamNetwork> later =
      MakeGradCamNetwork("vgg16", *net, 17, logit, "block4_pool");
  ASSERT_FALSE(later.ok());
  EXPECT_THAT(later.status().message(), HasSubstr("lies after the layer the run's head sits on"));
  EXPECT_EQ(MakeGradCamNetwork("vgg16", *net, 17, logit, "block2_pool")->cut, 10u);
}

}  // namespace
}  // namespace mammo::train
