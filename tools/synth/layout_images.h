// The rendering loop of the other datasets' layouts (MIAS, VinDr-Mammo, INbreast): each planned
// image rendered in parallel and written in the layout's format, or left out under the
// missing_image trap, and its lesions' masks handed back in plan order.
#ifndef MAMMO_TOOLS_SYNTH_LAYOUT_IMAGES_H_
#define MAMMO_TOOLS_SYNTH_LAYOUT_IMAGES_H_

#include <cstddef>
#include <functional>
#include <opencv2/core.hpp>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "tools/synth/synth_plan.h"
#include "tools/synth/synth_render.h"

namespace mammo::synth {

// What Render draws for an image of `laterality` L or R and `view`, without lesions yet.
Image ImageSpec(int width, int height, const std::string& laterality, const std::string& view,
                uint64_t render_seed);

// What a layout writes for one planned image.
struct LayoutImage {
  Image spec;            // what Render draws
  std::string path;      // the image file, its folder created as needed
  bool missing = false;  // the missing_image trap: nothing written, a stale file removed
};

// Renders images(i) for i < n on `threads` threads (0: all cores), writes each with
// write(path, i, pixels), and gives each image's rendered lesions to take(i, rois) in index
// order, with a progress line.
absl::Status RenderLayoutImages(
    size_t n, int threads, const std::function<LayoutImage(size_t)>& images,
    const std::function<absl::Status(const std::string&, size_t, const cv::Mat&)>& write,
    const std::function<void(size_t, std::vector<RenderedRoi>)>& take);

}  // namespace mammo::synth

#endif  // MAMMO_TOOLS_SYNTH_LAYOUT_IMAGES_H_
