#include "tools/synth/layout_images.h"

#include <filesystem>
#include <system_error>
#include <utility>

#include "absl/strings/str_cat.h"
#include "lib/cli/cli.h"
#include "lib/cli/progress.h"
#include "lib/parallel/ordered_map.h"
#include "lib/status/status_macros.h"

namespace mammo::synth {

Image ImageSpec(int width, int height, const std::string& laterality, const std::string& view,
                uint64_t render_seed) {
  Image image;
  image.width = width;
  image.height = height;
  image.side = laterality == "L" ? "LEFT" : "RIGHT";
  image.view = view;
  image.render_seed = render_seed;
  return image;
}

absl::Status RenderLayoutImages(
    size_t n, int threads, const std::function<LayoutImage(size_t)>& images,
    const std::function<absl::Status(const std::string&, size_t, const cv::Mat&)>& write,
    const std::function<void(size_t, std::vector<RenderedRoi>)>& take) {
  namespace fs = std::filesystem;
  cli::Progress progress("images", n);
  RETURN_IF_ERROR(OrderedMapIndices<std::vector<RenderedRoi>>(
      {cli::ResolveThreads(threads)}, n,
      [&](size_t i) -> absl::StatusOr<std::vector<RenderedRoi>> {
        const LayoutImage image = images(i);
        RenderedImage rendered = Render(image.spec);
        std::error_code error;
        if (image.missing) {
          // A stale copy in a reused folder would hide the trap.
          fs::remove(image.path, error);
        } else {
          fs::create_directories(fs::path(image.path).parent_path(), error);
        }
        if (error) {
          return absl::PermissionDeniedError(absl::StrCat(image.path, ": ", error.message()));
        }
        if (!image.missing) RETURN_IF_ERROR(write(image.path, i, rendered.pixels));
        return std::move(rendered.rois);
      },
      [&](size_t i, std::vector<RenderedRoi> rois) {
        take(i, std::move(rois));
        progress.Add(1);
        return absl::OkStatus();
      }));
  progress.Finish();
  return absl::OkStatus();
}

}  // namespace mammo::synth
