// embed: pooled backbone features for every record of a shard set.
//
//   EmbedOptions options;
//   options.model = "vgg16";
//   options.weights = "vgg16.safetensors";   // or "none": random weights, for tests only
//   options.inputs = {"out/rois@8"};
//   options.output = "out/feats@8";
//   RETURN_IF_ERROR(Embed(options));
//
// Each output record is the input record with its feature vector set (global average
// pooling of the last convolutional block), its image and masks dropped, and one provenance
// entry appended. The backbone runs frozen: inference mode, no autograd, BatchNorm with its
// stored statistics. The same inputs and options give the same bytes, whatever the thread
// count: images run in fixed chunks, one LibTorch thread each (lib/train/frozen_backbone.h).
// No LibTorch in this header: main.cc compiles without it.
#ifndef MAMMO_TOOLS_EMBED_EMBED_LIB_H_
#define MAMMO_TOOLS_EMBED_EMBED_LIB_H_

#include <array>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "lib/records/task.h"
#include "lib/train/precision.h"

namespace mammo::embed {

struct EmbedOptions {
  std::string model;    // a name from lib/models/model_info.h
  std::string weights;  // a safetensors file (classifier keys ignored), or "none"
  std::vector<std::string> inputs;
  std::string output;  // shard spec DIR/PREFIX@N or "-"
  int image_size = 0;  // square side the images are resized to; 0: the model's default
  std::string layer;   // a Keras layer whose output is pooled (e.g. "mixed5"); empty: the last
  int batch = 0;       // records per Embed call; 0: FrozenBackbone::BatchForAllThreads()
  int threads = 0;     // 0: all cores
  // Per RGB channel, for pixels scaled to [0, 1]; unset: the model's (its weights' convention).
  std::optional<std::array<float, 3>> mean;
  std::optional<std::array<float, 3>> std;
  bool cuda = false;  // run the backbone on the GPU (a CUDA LibTorch is needed)
  // bf16 (CPU) or fp16 (CUDA) autocast (lib/train/frozen_backbone.h); float32 features.
  train::Precision precision = train::Precision::kFloat32;
  // One task of an array job: only its slice of the records, `output` its part
  // (lib/records/task.h). A record's features do not depend on the batch it is in, so the
  // merged parts are the bytes of one process.
  Task task;
};

absl::Status Embed(const EmbedOptions& options);

}  // namespace mammo::embed

#endif  // MAMMO_TOOLS_EMBED_EMBED_LIB_H_
