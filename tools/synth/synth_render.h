// synth: the pixels of one planned image: a mammogram-like full image with its lesions,
// and per abnormality the 16-bit crop and the 8-bit 0/255 mask.
#ifndef MAMMO_TOOLS_SYNTH_SYNTH_RENDER_H_
#define MAMMO_TOOLS_SYNTH_SYNTH_RENDER_H_

#include <opencv2/core.hpp>
#include <vector>

#include "tools/synth/synth_plan.h"

namespace mammo::synth {

struct RenderedRoi {
  cv::Mat crop;   // CV_16U, the lesion's neighbourhood stretched to 0..65535
  cv::Mat mask;   // CV_8U, 0 and 255, the full image's size (0.87 of it under the mask_size trap)
  cv::Rect bbox;  // the lesion's mask in full-image pixels
};

struct RenderedImage {
  cv::Mat pixels;                 // CV_16U, height x width, spanning 0..65535
  std::vector<RenderedRoi> rois;  // one per abnormality, in plan order
};

// Depends only on `image` (its render seed, size, side, view and abnormalities).
RenderedImage Render(const Image& image);

}  // namespace mammo::synth

#endif  // MAMMO_TOOLS_SYNTH_SYNTH_RENDER_H_
