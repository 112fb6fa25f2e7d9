// augment's operations: the draws and the maps of the paper's Augmentor pipeline (Table 5).
//
// Every geometric operation (rotate, shear, flip, zoom, with Augmentor's crops and resizes) is
// an affine map; Plan composes them into ONE inverse map applied by a single cv::warpAffine
// (bicubic). The pointwise operations (equalise, brightness) become one 256-entry table
// applied after the warp. ../shared/spec/augmentor.md gives the semantics; in compat mode
// (the default) its quirks are reproduced, see kCompatHelp.
//
// Coordinates are continuous with pixel centres at i + 0.5, as in PIL, so that PIL's crop,
// resize and transform formulas carry over unchanged; ToOpenCv converts at the end.
#ifndef MAMMO_TOOLS_AUGMENT_OPS_H_
#define MAMMO_TOOLS_AUGMENT_OPS_H_

#include <array>
#include <cstdint>
#include <opencv2/core.hpp>
#include <random>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"

namespace mammo::augment {

inline constexpr char kCompatHelp[] =
    "--augmentor_compat (default on) reproduces Augmentor 0.2.x, quirks included: an operation "
    "runs when round(uniform(0,1),1) <= p, so p=0.6 acts as 0.65 (p+0.05 for p<1); rotate "
    "angles are integers (0 with probability 1/16); the rotate crop keeps Augmentor's "
    "precedence bug (E/1 - sin^2/cos^2) and does not keep the aspect ratio (224x224 at 15 deg "
    "-> 168x158, then stretched back); shear angles are int(uniform(-max-1,max+1)) shifted "
    "away from 0 (values -max+1..-1, 1..max+1, never 0) with the shift rounded outwards; zoom "
    "factors are rounded to 0.01. --noaugmentor_compat: exact probabilities (uniform < p), "
    "real-valued angles and factors, and the largest centred rotate crop of the input's "
    "aspect ratio.";

// A per-sample random source: std::mt19937_64 seeded from (seed, sample index), with our own
// draws (std:: distributions differ between standard libraries; ours give the same numbers
// everywhere).
class Rng {
 public:
  Rng(uint64_t seed, uint64_t index);
  // Uniform in [0, 1), 53 random bits.
  double Uniform();
  double Uniform(double lo, double hi) { return lo + (hi - lo) * Uniform(); }
  // Uniform integer in [lo, hi], unbiased (rejection).
  int64_t Int(int64_t lo, int64_t hi);

 private:
  std::mt19937_64 engine_;
};

enum class OpKind { kRotate, kShear, kEqualize, kFlip, kBrightness, kZoom };

struct OpSpec {
  OpKind kind;
  double p;
  double lo = 0;  // brightness, zoom: factor range; rotate, shear: unused
  double hi = 0;  // brightness, zoom: factor range; rotate, shear: max angle in degrees
};

// "rotate:p=0.95,max=15", "shear:p=0.6,max=25", "equalize:p=0.6" (or "equalise"),
// "flip:p=0.7", "brightness:p=0.8,min=0.6,max=1.2", "zoom:p=1,min=1,max=1.2". Keys left out
// take Table 5's values. Errors name the text and the key.
absl::StatusOr<OpSpec> ParseOp(const std::string& text);
// ParseOp of each --op value, in order; the first error.
absl::StatusOr<std::vector<OpSpec>> ParseOps(const std::vector<std::string>& texts);
// The paper's Table 5, in its order.
std::vector<OpSpec> Table5();
// "rotate:p=0.95,max=15;shear:..." for manifests.
std::string DescribeOps(const std::vector<OpSpec>& ops);

// Whether an operation with probability p runs, given u uniform in [0, 1). Compat:
// round(u, 1) <= p (Python rounds half to even; ties have probability 0 here).
bool Applies(double u, double p, bool compat);

// Augmentor's RotateRange angle in degrees: randint(-max, 0) or randint(0, max), a coin
// picks. Not compat: uniform in [-max, max].
double DrawRotateAngle(Rng& rng, double max, bool compat);
// Augmentor's shear angle (never 0 in compat mode); not compat: uniform in [-max, max].
double DrawShearAngle(Rng& rng, double max, bool compat);

// Integer box (x0, y0, x1, y1) in PIL's convention.
struct Box {
  double x0, y0, x1, y1;
};
// PIL's rotate(angle, expand=True) canvas size for a w x h image.
cv::Size2d RotateCanvas(int w, int h, double angle_deg);
// Augmentor's crop of the expanded canvas, precedence bug included.
Box AugmentorRotateCrop(int w, int h, double angle_deg);

// 2x3 inverse maps: output coordinates -> input coordinates (continuous, centres at i+0.5).
using Affine = cv::Matx23d;
Affine Identity();
// The inverse map of `first` then `second`: the second's output coordinates to the first's
// input coordinates.
Affine Compose(const Affine& first, const Affine& second);
Affine RotateMap(int w, int h, double angle_deg, bool compat);
// direction 'x' or 'y'.
Affine ShearMap(int w, int h, double angle_deg, char direction, bool compat);
Affine FlipMap(int w);
Affine ZoomMap(int w, int h, double factor, bool compat);
// The shear shift in pixels as Augmentor computes it (ceil if > 0, floor otherwise), before
// its absolute value is taken; not compat: unrounded.
double ShearShift(int w, int h, double angle_deg, char direction, bool compat);
// Augmentor's zoomed size (round(w*f), round(h*f)), Python's round half to even.
cv::Size ZoomedSize(int w, int h, double factor);
// PIL's continuous map in OpenCV's convention (pixel centres at integers).
Affine ToOpenCv(const Affine& map);

using Lut = std::array<uint8_t, 256>;
// PIL's ImageOps.equalize table for one 8-bit band's histogram.
Lut EqualizeLut(const std::array<uint64_t, 256>& histogram);
// PIL's ImageEnhance.Brightness(factor): (uint8)(float(factor) * v), clipped to 255.
Lut BrightnessLut(double factor);

// One drawn operation. value: the angle in degrees (rotate, shear) or the factor
// (brightness, zoom); direction: 'x' or 'y' for shear.
struct Step {
  OpKind kind;
  double value = 0;
  char direction = 0;
};
// e.g. {"rotate", "-7"}, {"shear", "x:12"}, {"flip", "1"}: for provenance.
std::pair<std::string, std::string> DescribeStep(const Step& step);

// What one sample does: the operations that ran, with their draws, and their geometric
// steps composed into one map.
struct Plan {
  std::vector<Step> steps;
  Affine map = Identity();
  bool geometric = false;  // some geometric operation ran
  // Per equalise step, in order: the map of the geometric steps before it. Its histogram is
  // taken from the image that map gives, as in Augmentor (not from the final warp).
  std::vector<Affine> equalize_maps;
};

// Draws every operation's probability and parameters, in order, for a w x h image.
Plan MakePlan(const std::vector<OpSpec>& ops, bool compat, int w, int h, Rng& rng);

// The plan for steps already drawn (for replaying a record's provenance, and tests).
Plan PlanFromSteps(const std::vector<Step>& steps, bool compat, int w, int h);
// Parses DescribeStep's "NAME=VALUE" back ("rotate=-7", "shear=x:12", "flip=1").
absl::StatusOr<Step> ParseStep(const std::string& text);

// The map of one geometric step (rotate, shear, flip, zoom).
Affine StepMap(const Step& step, int w, int h, bool compat);

// Runs the plan on an 8-bit grey image: one bicubic warp (WarpBicubic, edges replicated), then the
// pointwise steps folded into one table applied after it. An equalise step followed by
// geometric steps needs the histogram of the image before them: that costs one more
// (bilinear) warp, used for its histogram only.
cv::Mat Apply(const Plan& plan, const cv::Mat& image);

}  // namespace mammo::augment

#endif  // MAMMO_TOOLS_AUGMENT_OPS_H_
