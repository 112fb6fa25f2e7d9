#include "lib/testing/lesion_rois.h"

#include <opencv2/imgproc.hpp>
#include <random>

#include "gtest/gtest.h"
#include "lib/image/codec.h"

namespace mammo::testing {

Record LesionRoi(const std::string& id, int side, int quadrant, Label label, uint64_t seed) {
  std::mt19937_64 random(seed);
  std::normal_distribution<double> noise(60, 4);
  cv::Mat pixels(side, side, CV_8UC1);
  for (int y = 0; y < side; ++y) {
    for (int x = 0; x < side; ++x)
      pixels.at<uint8_t>(y, x) = cv::saturate_cast<uint8_t>(noise(random));
  }
  // The disc lies wholly inside its quadrant, its centre jittered by up to side/16.
  const int half = side / 2, jitter = side / 16;
  std::uniform_int_distribution<int> offset(-jitter, jitter);
  const cv::Point centre((quadrant % 2) * half + half / 2 + offset(random),
                         (quadrant / 2) * half + half / 2 + offset(random));
  cv::circle(pixels, centre, side / 6, cv::Scalar(label == MALIGNANT ? 220 : 130), cv::FILLED);
  Record record;
  record.set_id(id);
  record.set_patient_id(id);
  record.set_lesion_id(id);
  record.set_label(label);
  absl::StatusOr<Image> image = EncodeImage(pixels, Image::PNG);
  EXPECT_TRUE(image.ok()) << image.status();
  if (image.ok()) *record.mutable_image() = *image;
  return record;
}

}  // namespace mammo::testing
