// ROI image records held in memory for training on images (tl_train's image path, ft_train)
// and for predicting on them: kept encoded (PNG, JPEG), decoded and preprocessed a batch at a
// time, so memory is the encoded images plus one decoded batch (3,000 grey 320x320 PNG ROIs
// take at most 300 MiB).
//
//   const Preprocessing p{.size = 224, .mean = info->mean, .std = info->std};
//   ASSIGN_OR_RETURN(TrainAndValidImages sets, LoadTrainAndValidImages({"out/aug_train"}, p));
//   torch::Tensor batch = DecodeBatch(sets.train, torch::arange(32), p);  // [32, 3, 224, 224]
//   torch::Tensor logits = MapRowBatches(n, 32, device, /*autocast=*/false,
//                                        [&](const torch::Tensor& rows) { ... });
#ifndef MAMMO_LIB_TRAIN_IMAGE_SET_H_
#define MAMMO_LIB_TRAIN_IMAGE_SET_H_

#include <torch/torch.h>

#include <array>
#include <functional>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "data_formats/record.pb.h"

namespace mammo::train {

// One split's records, images kept encoded until a batch needs them.
struct ImageSet {
  std::vector<Record> records;
  torch::Tensor labels;  // [N] float32 on the CPU, 1 = malignant
};

// How an image becomes the model's input (lib/image/preprocess.h).
struct Preprocessing {
  int size = 0;  // square side in pixels
  std::array<float, 3> mean{}, std{};
};

struct TrainAndValidImages {
  ImageSet train, valid;
  // The first training or validation record's dcm2png and roicrop parameters
  // (lib/records/preprocessing.h), read before provenance is dropped.
  std::vector<std::pair<std::string, std::string>> preprocessing;
};

// The TRAIN and VALID records of `inputs` (other splits skipped). Every record must hold an
// image and every kept one a label; each image is decoded once here, so a bad one fails before
// any epoch, naming its record and position. Both sets need both labels, and the validation
// set must not be empty (early stopping needs it). Masks and provenance are dropped.
absl::StatusOr<TrainAndValidImages> LoadTrainAndValidImages(const std::vector<std::string>& inputs,
                                                            const Preprocessing& p);

// What --image_size 0 means in embed, tl_train and ft_train: the side of the first image
// record of `inputs` (the paper trains on its ROIs at their own 320x320). Every task of a
// --task array reads the same first record, so all agree. InvalidArgument when that image is
// not square or an input is stdin (which cannot be read twice), FailedPrecondition when the
// inputs hold no image; both ask for --image_size.
absl::StatusOr<int> InputImageSize(const std::vector<std::string>& inputs);

// Decodes `rows` (int64 on the CPU) of `set` into [B, 3, size, size] float32. Images were
// checked when loaded, so a failure here means the bytes changed in memory: it throws.
torch::Tensor DecodeBatch(const ImageSet& set, const torch::Tensor& rows, const Preprocessing& p);

// run(rows) for rows 0..n-1 in batches of `batch_size`, without autograd and under the device's
// autocast when `autocast`, concatenated on the CPU. On the CPU whole batches run in parallel
// on one LibTorch thread each, so that the results do not depend on the thread count.
torch::Tensor MapRowBatches(int64_t n, int batch_size, torch::Device device, bool autocast,
                            const std::function<torch::Tensor(const torch::Tensor&)>& run);

}  // namespace mammo::train

#endif  // MAMMO_LIB_TRAIN_IMAGE_SET_H_
