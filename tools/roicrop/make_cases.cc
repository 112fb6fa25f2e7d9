// Writes synthetic (mammogram, mask) inputs for roicrop's reference test and benchmark, both
// as records (DIR/cases@1) and as PNG files (DIR/ID.image.png, DIR/ID.mask.png) so that the
// OpenCV-Python peer reads exactly the same pixels.
//
//   make_cases DIR            the edge cases (small images)
//   make_cases DIR N          N mammogram-sized cases with random mass boxes (benchmark)
#include <algorithm>
#include <memory>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "lib/cli/cli.h"
#include "lib/image/codec.h"
#include "lib/records/shard_writer.h"
#include "lib/status/status_macros.h"

namespace mammo::roicrop {
namespace {

// A breast-like texture: smooth blobs plus film grain, so that min-max, resizing and
// denoising all have something to do.
cv::Mat Texture(cv::Size size, uint64_t seed) {
  cv::RNG rng(seed);
  cv::Mat coarse(std::max(2, size.height / 16), std::max(2, size.width / 16), CV_8U);
  rng.fill(coarse, cv::RNG::UNIFORM, 40, 220);
  cv::Mat image;
  cv::resize(coarse, image, size, 0, 0, cv::INTER_LINEAR);
  cv::Mat grain(size, CV_16S);
  rng.fill(grain, cv::RNG::NORMAL, 0, 6);
  cv::Mat sum;
  image.convertTo(sum, CV_16S);
  sum += grain;
  sum.convertTo(image, CV_8U);
  return image;
}

struct Case {
  std::string id;
  cv::Size image;
  std::vector<cv::Rect> mask_rects;  // filled with 255; several = several components
  cv::Size mask_size{0, 0};          // 0x0: same as the image
  bool has_mask = true;
};

std::vector<Case> EdgeCases() {
  const cv::Size small(400, 300), large(900, 800);
  return {
      {"up", small, {{100, 80, 60, 50}}},                       // both sides grow: cubic
      {"down", large, {{150, 200, 500, 400}}},                  // both sides shrink: area
      {"mixed", large, {{300, 100, 200, 400}}},                 // 200 grows, 400 shrinks: area
      {"multi", small, {{50, 50, 30, 30}, {100, 90, 40, 40}}},  // box of both components
      {"border", small, {{0, 200, 90, 100}}},                   // touches the left and bottom edges
      {"r039", small, {{10, 10, 39, 100}}},                     // rejected
      {"r040", small, {{10, 10, 40, 100}}},                     // kept
      {"r150", small, {{10, 10, 150, 100}}},                    // kept
      {"r151", small, {{10, 10, 151, 100}}},                    // rejected
      {"overlap_a", small, {{100, 100, 120, 100}}},             // two masses of one image whose
      {"overlap_b", small, {{160, 140, 110, 100}}},             // boxes overlap: two ROIs
      {"empty", small, {}},                                     // rejected
      {"mismatch", small, {{10, 10, 50, 50}}, cv::Size(500, 300)},  // rejected
      {"nomask", small, {}, cv::Size(0, 0), false},                 // rejected
  };
}

std::vector<Case> BenchCases(int n) {
  // CBIS-DDSM mammograms are about 3000 x 5000 and masses 100 to 1000 pixels wide; a
  // smaller image keeps generating the inputs quick while decoding still dominates I/O.
  const cv::Size image(2400, 3600);
  cv::RNG rng(7);
  std::vector<Case> cases;
  for (int i = 0; i < n; ++i) {
    const int w = rng.uniform(120, 900);
    const int h = std::clamp(static_cast<int>(w / rng.uniform(0.5, 1.4)), 80, 1200);
    const int x = rng.uniform(0, image.width - w), y = rng.uniform(0, image.height - h);
    cases.push_back({absl::StrCat("bench_", i), image, {{x, y, w, h}}});
  }
  return cases;
}

absl::Status WritePng(const std::string& path, const cv::Mat& pixels) {
  if (!cv::imwrite(path, pixels))
    return absl::PermissionDeniedError(absl::StrCat(path, ": cannot write"));
  return absl::OkStatus();
}

absl::Status Write(const std::string& dir, const std::vector<Case>& cases) {
  ASSIGN_OR_RETURN(
      std::unique_ptr<ShardWriter> out,
      ShardWriter::Open(absl::StrCat(dir, "/cases@1"),
                        StageInfo{"cases", "make_cases", std::string(cli::kVersion), {}}));
  uint64_t seed = 1;
  for (const Case& c : cases) {
    const cv::Mat image = Texture(c.image, seed++);
    Record record;
    record.set_id(c.id);
    record.set_patient_id("P_00001");
    record.set_lesion_id(c.id);
    record.set_image_id("synthetic");
    record.set_label(seed % 2 ? BENIGN : MALIGNANT);
    record.set_split(TRAIN);
    record.mutable_attributes()->set_abnormality_type("mass");
    ASSIGN_OR_RETURN(*record.mutable_image(), EncodeImage(image, Image::PNG));
    RETURN_IF_ERROR(WritePng(absl::StrCat(dir, "/", c.id, ".image.png"), image));
    if (c.has_mask) {
      cv::Mat mask = cv::Mat::zeros(c.mask_size.area() ? c.mask_size : c.image, CV_8U);
      for (const cv::Rect& r : c.mask_rects) mask(r).setTo(255);
      ASSIGN_OR_RETURN(*record.add_masks(), EncodeImage(mask, Image::PNG));
      RETURN_IF_ERROR(WritePng(absl::StrCat(dir, "/", c.id, ".mask.png"), mask));
    }
    RETURN_IF_ERROR(out->Write(record));
  }
  return out->Close();
}

}  // namespace
}  // namespace mammo::roicrop

int main(int argc, char** argv) {
  const std::vector<std::string> args = mammo::cli::ParseCommandLine(
      argc, argv,
      "Usage: make_cases DIR [N]\n\nWrites roicrop's edge cases, or N benchmark cases, into DIR.");
  int n = 0;
  if (args.empty() || args.size() > 2 ||
      (args.size() == 2 && (!absl::SimpleAtoi(args[1], &n) || n < 1))) {
    return mammo::cli::UsageError("want DIR and optionally a positive N");
  }
  namespace rc = mammo::roicrop;
  return mammo::cli::Finish(rc::Write(args[0], n ? rc::BenchCases(n) : rc::EdgeCases()));
}
