// Test helper: runs given augmentation steps (Augmentor-compatible mode) on a PNG file with
// augment's single warp, so that augment_pil_test can compare the result with PIL doing Augmentor's
// steps one by one.
//   apply_steps_main IN.png OUT.png rotate=-7 shear=x:12 equalize=1 ...
#include <cstdio>
#include <opencv2/imgcodecs.hpp>
#include <string>
#include <vector>

#include "tools/augment/ops.h"

int main(int argc, char** argv) {
  if (argc < 3) {
    std::fprintf(stderr, "usage: apply_steps_main IN.png OUT.png STEP...\n");
    return 1;
  }
  const cv::Mat image = cv::imread(argv[1], cv::IMREAD_UNCHANGED);
  if (image.empty() || image.type() != CV_8UC1) {
    std::fprintf(stderr, "apply_steps_main: %s: not an 8-bit grey PNG\n", argv[1]);
    return 2;
  }
  std::vector<mammo::augment::Step> steps;
  for (int i = 3; i < argc; ++i) {
    absl::StatusOr<mammo::augment::Step> step = mammo::augment::ParseStep(argv[i]);
    if (!step.ok()) {
      std::fprintf(stderr, "apply_steps_main: %s\n", std::string(step.status().message()).c_str());
      return 1;
    }
    steps.push_back(*step);
  }
  const mammo::augment::Plan plan =
      mammo::augment::PlanFromSteps(steps, /*compat=*/true, image.cols, image.rows);
  if (!cv::imwrite(argv[2], mammo::augment::Apply(plan, image))) {
    std::fprintf(stderr, "apply_steps_main: %s: cannot write\n", argv[2]);
    return 2;
  }
  return 0;
}
