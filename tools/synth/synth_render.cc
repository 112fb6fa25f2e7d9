#include "tools/synth/synth_render.h"

#include <algorithm>
#include <cmath>
#include <opencv2/imgproc.hpp>
#include <string>

namespace mammo::synth {
namespace {

constexpr double kPi = 3.14159265358979323846;
// The share of its size by which the mask_size trap shrinks a mask (as 4386 against 5041
// in the real set).
constexpr double kTrappedMaskScale = 0.87;

bool Contains(const std::string& text, const char* part) {
  return text.find(part) != std::string::npos;
}

// The breast seen from the detector: a half ellipse on the chest wall side.
struct Silhouette {
  double chest_x;  // x of the chest wall
  double dir;      // +1 when the breast points right (LEFT breast), -1 otherwise
  double depth;    // semi-axis from the chest wall to the nipple
  double across;   // semi-axis along y
  double cy;
};

// Smooth noise in [0, 1]: a random grid of `cells` per side, enlarged bicubically.
cv::Mat SmoothNoise(cv::Size size, int cells, Rng& rng) {
  cv::Mat grid(std::max(2, size.height * cells / std::max(size.width, size.height)) + 2,
               std::max(2, size.width * cells / std::max(size.width, size.height)) + 2, CV_32F);
  for (int y = 0; y < grid.rows; ++y) {
    for (int x = 0; x < grid.cols; ++x) grid.at<float>(y, x) = static_cast<float>(rng.Uniform());
  }
  cv::Mat out;
  cv::resize(grid, out, size, 0, 0, cv::INTER_CUBIC);
  return out;
}

// Breast, tissue, fibres and (MLO) pectoral muscle at a quarter of the resolution: all of
// it is low-frequency, so drawing it small and enlarging it costs little and loses nothing.
cv::Mat Anatomy(const Image& image, const Silhouette& s, Rng& rng) {
  const double q = 4.0;
  const cv::Size small(std::max(8, image.width / 4), std::max(8, image.height / 4));
  cv::Mat inside(small, CV_32F), thickness(small, CV_32F);
  const double wobble_phase = rng.Uniform(0, 2 * kPi);
  for (int y = 0; y < small.height; ++y) {
    for (int x = 0; x < small.width; ++x) {
      const double u = (x * q - s.chest_x) * s.dir / s.depth;
      const double v = (y * q - s.cy) / s.across;
      const double edge = 1.0 + 0.03 * std::sin(3 * std::atan2(v, u) + wobble_phase);
      const double r2 = (u * u + v * v) / (edge * edge);
      inside.at<float>(y, x) = u >= -0.01 && r2 < 1.0 ? 1.0f : 0.0f;
      // Compressed tissue thins towards the skin line, so the image darkens there.
      thickness.at<float>(y, x) =
          u >= 0 && r2 < 1.0 ? static_cast<float>(std::sqrt(1.0 - r2)) : 0.0f;
    }
  }
  cv::GaussianBlur(inside, inside, cv::Size(0, 0), 1.5);

  cv::Mat noise = 0.5 * SmoothNoise(small, 6, rng) + 0.3 * SmoothNoise(small, 16, rng) +
                  0.2 * SmoothNoise(small, 40, rng);
  cv::Mat glandular;
  cv::multiply(noise, thickness, glandular, 0.12 + 0.08 * image.density);

  // Fibrous strands run from behind the nipple towards the chest wall.
  cv::Mat fibres = cv::Mat::zeros(small, CV_32F);
  const int strands = 30 + 15 * image.density;
  // Strands keep their width relative to the breast whatever the image size.
  const int thickness_px = std::max(1, static_cast<int>(std::lround(image.width / 600.0)));
  for (int i = 0; i < strands; ++i) {
    double x = s.chest_x + s.dir * s.depth * rng.Uniform(0.5, 0.9);
    double y = s.cy + s.across * rng.Uniform(-0.5, 0.5);
    double angle =
        std::atan2(s.cy - y, 0.0) * 0.3 + (s.dir > 0 ? kPi : 0.0) + rng.Uniform(-0.5, 0.5);
    const float level = static_cast<float>(rng.Uniform(0.03, 0.09));
    for (int step = 0; step < 8; ++step) {
      const double length = s.depth * rng.Uniform(0.04, 0.1);
      const double nx = x + length * std::cos(angle), ny = y + length * std::sin(angle);
      cv::line(fibres, cv::Point2d(x / q, y / q), cv::Point2d(nx / q, ny / q), cv::Scalar(level),
               thickness_px, cv::LINE_AA);
      x = nx;
      y = ny;
      angle += rng.Uniform(-0.25, 0.25);
    }
  }
  cv::GaussianBlur(fibres, fibres, cv::Size(0, 0), 1.0);

  cv::Mat anatomy = inside.mul(0.2 + 0.3 * thickness) + glandular + fibres.mul(inside);
  if (image.view == "MLO") {
    cv::Mat muscle = cv::Mat::zeros(small, CV_32F);
    const cv::Point corner[3] = {
        cv::Point(static_cast<int>(s.chest_x / q), 0),
        cv::Point(static_cast<int>((s.chest_x + s.dir * s.depth * rng.Uniform(0.35, 0.5)) / q), 0),
        cv::Point(static_cast<int>(s.chest_x / q),
                  static_cast<int>(image.height * rng.Uniform(0.3, 0.45) / q))};
    cv::fillConvexPoly(muscle, corner, 3, cv::Scalar(0.22));
    cv::GaussianBlur(muscle, muscle, cv::Size(0, 0), 3.0);
    anatomy += muscle;
  }
  cv::Mat full;
  cv::resize(anatomy, full, cv::Size(image.width, image.height), 0, 0, cv::INTER_LINEAR);
  return full;
}

// The lesion's outline. Its look follows the descriptors: round and smooth for oval and
// circumscribed masses, ragged for irregular ones, with spikes for spiculated ones.
std::vector<cv::Point> MassOutline(const Abnormality& a, cv::Point2d centre, double radius) {
  Rng rng(a.shape_seed);
  const bool irregular =
      Contains(a.shape_or_type, "IRREGULAR") || Contains(a.shape_or_type, "ARCHITECTURAL");
  const bool lobulated = Contains(a.shape_or_type, "LOBULATED");
  const bool spiculated = Contains(a.margins_or_distribution, "SPICULATED");
  const double aspect = rng.Uniform(0.7, 1.0);
  struct Harmonic {
    int k;
    double amplitude, phase;
  };
  std::vector<Harmonic> harmonics;
  for (int k = 2; k <= 4; ++k) harmonics.push_back({k, 0.03, rng.Uniform(0, 2 * kPi)});
  if (lobulated) harmonics.push_back({rng.Int(3, 5), 0.1, rng.Uniform(0, 2 * kPi)});
  if (irregular) {
    for (int k = 3; k <= 12; ++k) {
      harmonics.push_back(
          {k, rng.Uniform(0.3, 1.0) * 0.22 / std::pow(k, 0.6), rng.Uniform(0, 2 * kPi)});
    }
  }
  struct Spike {
    double angle, length;
  };
  std::vector<Spike> spikes;
  if (spiculated) {
    const int n = rng.Int(6, 14);
    for (int i = 0; i < n; ++i) spikes.push_back({rng.Uniform(0, 2 * kPi), rng.Uniform(0.5, 1.3)});
  }
  constexpr int kPoints = 240;
  constexpr double kSpikeHalfWidth = 0.07;  // radians
  std::vector<cv::Point> outline;
  for (int i = 0; i < kPoints; ++i) {
    const double theta = 2 * kPi * i / kPoints;
    double r = 1.0;
    for (const Harmonic& h : harmonics) r += h.amplitude * std::cos(h.k * theta + h.phase);
    r *= aspect / std::sqrt(std::pow(aspect * std::cos(theta), 2) + std::pow(std::sin(theta), 2));
    for (const Spike& spike : spikes) {
      const double d = std::abs(std::remainder(theta - spike.angle, 2 * kPi));
      if (d < kSpikeHalfWidth) r += spike.length * (1.0 - d / kSpikeHalfWidth);
    }
    const double phi = theta + a.geometry.rotation;
    outline.emplace_back(static_cast<int>(std::lround(centre.x + radius * r * std::cos(phi))),
                         static_cast<int>(std::lround(centre.y + radius * r * std::sin(phi))));
  }
  return outline;
}

// A calcification cluster: dots, and the convex region around them that a reader would
// outline. Malignant clusters hold more, smaller, more varied dots.
void CalcDots(const Abnormality& a, cv::Point2d centre, double radius, double scale,
              cv::Mat& dots_layer, std::vector<cv::Point>& region) {
  Rng rng(a.shape_seed);
  const int n = a.Malignant() ? rng.Int(10, 25) : rng.Int(3, 8);
  for (int i = 0; i < n; ++i) {
    const double rho = radius * 0.8 * std::sqrt(rng.Uniform());
    const double phi = rng.Uniform(0, 2 * kPi);
    const cv::Point dot(static_cast<int>(centre.x + rho * std::cos(phi)),
                        static_cast<int>(centre.y + rho * std::sin(phi)));
    const double dot_radius =
        scale * (a.Malignant() ? rng.Uniform(0.8, 2.0) : rng.Uniform(2.0, 3.5));
    cv::circle(dots_layer, dot, std::max(1, static_cast<int>(dot_radius)), cv::Scalar(0.35), -1,
               cv::LINE_AA);
    for (int k = 0; k < 8; ++k) {
      region.emplace_back(static_cast<int>(dot.x + 0.2 * radius * std::cos(k * kPi / 4)),
                          static_cast<int>(dot.y + 0.2 * radius * std::sin(k * kPi / 4)));
    }
  }
}

// Draws abnormality `a` onto `canvas` (lesion intensity, blurred as its margins say) and
// returns its ROI: the mask (shrunk for the mask-size trap) and its box.
RenderedRoi DrawAbnormality(const Image& image, const Abnormality& a, const Silhouette& s,
                            double scale, cv::Mat& canvas) {
  const double depth = a.geometry.depth;
  const double half_across = s.across * std::sqrt(1.0 - depth * depth);
  const double radius = a.geometry.radius * image.width;
  cv::Point2d centre(s.chest_x + s.dir * depth * s.depth, s.cy + a.geometry.lateral * half_across);
  centre.x = std::clamp(centre.x, radius, image.width - 1 - radius);
  centre.y = std::clamp(centre.y, radius, image.height - 1 - radius);

  cv::Mat mask = cv::Mat::zeros(image.height, image.width, CV_8U);
  cv::Mat layer = cv::Mat::zeros(image.height, image.width, CV_32F);
  const double contrast = 0.06 + 0.03 * std::max(a.subtlety, 1);
  double blur;
  // Part of the lesion that keeps sharp detail (spicules) over the blurred body.
  double sharp_share = 0;
  if (image.kind == Kind::kMass) {
    const std::vector<cv::Point> outline = MassOutline(a, centre, radius);
    cv::fillPoly(mask, std::vector<std::vector<cv::Point>>{outline}, cv::Scalar(255), cv::LINE_8);
    mask.convertTo(layer, CV_32F, contrast / 255.0);
    // Circumscribed margins stay sharp; ill-defined and obscured ones fade into the tissue.
    const bool ill_defined = Contains(a.margins_or_distribution, "ILL_DEFINED") ||
                             Contains(a.margins_or_distribution, "OBSCURED");
    blur = ill_defined ? 0.15 * radius : 1.2 * scale;
    if (Contains(a.margins_or_distribution, "SPICULATED")) sharp_share = 0.5;
  } else {
    std::vector<cv::Point> region;
    CalcDots(a, centre, radius, scale, layer, region);
    std::vector<cv::Point> hull;
    cv::convexHull(region, hull);
    cv::fillConvexPoly(mask, hull, cv::Scalar(255), cv::LINE_8);
    blur = 0.7 * scale;
  }
  RenderedRoi roi;
  roi.bbox = cv::boundingRect(mask);
  // Blur only around the lesion: the rest of the layer is zero.
  const int margin = static_cast<int>(3 * blur) + 2;
  const cv::Rect around = cv::Rect(roi.bbox.x - margin, roi.bbox.y - margin,
                                   roi.bbox.width + 2 * margin, roi.bbox.height + 2 * margin) &
                          cv::Rect(0, 0, image.width, image.height);
  cv::Mat patch = layer(around);
  cv::Mat body, detail;
  cv::GaussianBlur(patch, body, cv::Size(0, 0), blur);
  cv::GaussianBlur(patch, detail, cv::Size(0, 0), 0.8 * scale);
  canvas(around) += (1.0 - sharp_share) * body + sharp_share * detail;
  if (a.HasTrap(kTrapMaskSize)) {
    cv::resize(mask, mask,
               cv::Size(static_cast<int>(std::lround(image.width * kTrappedMaskScale)),
                        static_cast<int>(std::lround(image.height * kTrappedMaskScale))),
               0, 0, cv::INTER_NEAREST);
  }
  roi.mask = mask;
  return roi;
}

}  // namespace

RenderedImage Render(const Image& image) {
  Rng rng(image.render_seed);
  const double scale = image.width / 600.0;  // lesion details grow with the image
  Silhouette s;
  s.dir = image.side == "LEFT" ? 1.0 : -1.0;
  s.chest_x = s.dir > 0 ? 0.0 : image.width - 1.0;
  s.depth = image.width * rng.Uniform(0.68, 0.85);
  s.across = image.height * rng.Uniform(0.36, 0.46);
  s.cy = image.height * rng.Uniform(0.46, 0.54);

  cv::Mat canvas = Anatomy(image, s, rng);
  RenderedImage out;
  for (const Abnormality& a : image.abnormalities) {
    out.rois.push_back(DrawAbnormality(image, a, s, scale, canvas));
  }

  // Film grain over everything, background included.
  cv::Mat grain(canvas.size(), CV_32F);
  cv::RNG grain_rng(Mix(image.render_seed, 0x67726169ULL));
  grain_rng.fill(grain, cv::RNG::NORMAL, 0.0, 0.012);
  canvas += grain + 0.03;
  cv::normalize(canvas, out.pixels, 0, 65535, cv::NORM_MINMAX, CV_16U);

  for (RenderedRoi& roi : out.rois) {
    const int margin = std::max(4, std::max(roi.bbox.width, roi.bbox.height) / 10);
    const cv::Rect crop_rect = cv::Rect(roi.bbox.x - margin, roi.bbox.y - margin,
                                        roi.bbox.width + 2 * margin, roi.bbox.height + 2 * margin) &
                               cv::Rect(0, 0, image.width, image.height);
    cv::normalize(out.pixels(crop_rect), roi.crop, 0, 65535, cv::NORM_MINMAX, CV_16U);
  }
  return out;
}

}  // namespace mammo::synth
