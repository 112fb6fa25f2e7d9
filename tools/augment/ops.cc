#include "tools/augment/ops.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <opencv2/imgproc.hpp>

#include "absl/status/status.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "tools/augment/warp.h"

namespace mammo::augment {
namespace {

constexpr double kPi = 3.14159265358979323846;
double Radians(double degrees) { return degrees * kPi / 180.0; }

// SplitMix64's finaliser: spreads (seed, index) pairs that differ in one bit over the
// whole 64-bit seed space, so neighbouring samples get unrelated Mersenne Twister states.
uint64_t Mix(uint64_t x) {
  x += 0x9e3779b97f4a7c15ULL;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

// Python's round(x, 15), which PIL applies to the rotation matrix: it decides the canvas
// size through ceil/floor, so the last digits matter.
double Round15(double x) { return std::nearbyint(x * 1e15) / 1e15; }

const char* KindName(OpKind kind) {
  switch (kind) {
    case OpKind::kRotate:
      return "rotate";
    case OpKind::kShear:
      return "shear";
    case OpKind::kEqualize:
      return "equalize";
    case OpKind::kFlip:
      return "flip";
    case OpKind::kBrightness:
      return "brightness";
    case OpKind::kZoom:
      return "zoom";
  }
  return "?";
}

// The inverse map of cropping (x0, y0)-(x1, y1) and resizing the crop to w x h, as PIL's
// crop and resize place pixel centres.
Affine CropResize(const Box& box, int w, int h) {
  return Affine((box.x1 - box.x0) / w, 0, box.x0, 0, (box.y1 - box.y0) / h, box.y0);
}

// Scaling by 1/f about the centre: what a centred zoom by f is, as an inverse map.
Affine CentredScale(int w, int h, double f) {
  return Affine(1 / f, 0, w / 2.0 * (1 - 1 / f), 0, 1 / f, h / 2.0 * (1 - 1 / f));
}

}  // namespace

Rng::Rng(uint64_t seed, uint64_t index) : engine_(Mix(seed ^ Mix(index))) {}

double Rng::Uniform() { return static_cast<double>(engine_() >> 11) * 0x1.0p-53; }

int64_t Rng::Int(int64_t lo, int64_t hi) {
  const uint64_t range = static_cast<uint64_t>(hi - lo) + 1;
  if (range == 0) return static_cast<int64_t>(engine_());  // the whole 64-bit range
  // Values at or above the largest multiple of `range` would favour small results.
  const uint64_t max = std::numeric_limits<uint64_t>::max();
  const uint64_t limit = max - max % range;
  uint64_t x;
  do {
    x = engine_();
  } while (x >= limit);
  return lo + static_cast<int64_t>(x % range);
}

absl::StatusOr<std::vector<OpSpec>> ParseOps(const std::vector<std::string>& texts) {
  std::vector<OpSpec> ops;
  for (const std::string& text : texts) {
    absl::StatusOr<OpSpec> op = ParseOp(text);
    if (!op.ok()) return op.status();
    ops.push_back(*op);
  }
  return ops;
}

absl::StatusOr<OpSpec> ParseOp(const std::string& text) {
  const std::pair<std::string, std::string> name_args =
      absl::StrSplit(text, absl::MaxSplits(':', 1));
  const std::string& name = name_args.first;
  OpSpec spec;
  bool has_range = true;
  bool has_min = true;
  if (name == "rotate") {
    spec = {OpKind::kRotate, 0.95, 0, 15};
    has_min = false;
  } else if (name == "shear") {
    spec = {OpKind::kShear, 0.6, 0, 25};
    has_min = false;
  } else if (name == "equalize" || name == "equalise") {
    spec = {OpKind::kEqualize, 0.6};
    has_range = false;
  } else if (name == "flip") {
    spec = {OpKind::kFlip, 0.7};
    has_range = false;
  } else if (name == "brightness") {
    spec = {OpKind::kBrightness, 0.8, 0.6, 1.2};
  } else if (name == "zoom") {
    spec = {OpKind::kZoom, 1.0, 1.0, 1.2};
  } else {
    return absl::InvalidArgumentError(absl::StrCat(
        "--op '", text, "': unknown operation (rotate, shear, equalize, flip, brightness, zoom)"));
  }
  if (!name_args.second.empty()) {
    for (absl::string_view item : absl::StrSplit(name_args.second, ',')) {
      const std::pair<std::string, std::string> kv = absl::StrSplit(item, absl::MaxSplits('=', 1));
      double value;
      if (!absl::SimpleAtod(kv.second, &value) || !std::isfinite(value)) {
        return absl::InvalidArgumentError(
            absl::StrCat("--op '", text, "': '", item, "' is not KEY=NUMBER"));
      }
      if (kv.first == "p") {
        spec.p = value;
      } else if (kv.first == "max" && has_range) {
        spec.hi = value;
      } else if (kv.first == "min" && has_min) {
        spec.lo = value;
      } else {
        return absl::InvalidArgumentError(
            absl::StrCat("--op '", text, "': no key '", kv.first, "' for ", name));
      }
    }
  }
  if (spec.p < 0 || spec.p > 1) {
    return absl::InvalidArgumentError(absl::StrCat("--op '", text, "': p must be in [0, 1]"));
  }
  if ((spec.kind == OpKind::kRotate && (spec.hi < 0 || spec.hi >= 45)) ||
      (spec.kind == OpKind::kShear && (spec.hi < 0 || spec.hi >= 60))) {
    // Beyond these the crops that Augmentor derives from the angle become empty.
    return absl::InvalidArgumentError(
        absl::StrCat("--op '", text, "': max must be in [0, 45) for rotate, [0, 60) for shear"));
  }
  if ((spec.kind == OpKind::kBrightness || spec.kind == OpKind::kZoom) &&
      (spec.lo <= 0 || spec.lo > spec.hi)) {
    return absl::InvalidArgumentError(absl::StrCat("--op '", text, "': need 0 < min <= max"));
  }
  return spec;
}

std::vector<OpSpec> Table5() {
  return {{OpKind::kRotate, 0.95, 0, 15},
          {OpKind::kShear, 0.6, 0, 25},
          {OpKind::kEqualize, 0.6},
          {OpKind::kFlip, 0.7},
          {OpKind::kBrightness, 0.8, 0.6, 1.2},
          {OpKind::kZoom, 1.0, 1.0, 1.2}};
}

std::string DescribeOps(const std::vector<OpSpec>& ops) {
  return absl::StrJoin(ops, ";", [](std::string* out, const OpSpec& op) {
    absl::StrAppend(out, KindName(op.kind), ":p=", op.p);
    if (op.kind == OpKind::kRotate || op.kind == OpKind::kShear) {
      absl::StrAppend(out, ",max=", op.hi);
    } else if (op.kind == OpKind::kBrightness || op.kind == OpKind::kZoom) {
      absl::StrAppend(out, ",min=", op.lo, ",max=", op.hi);
    }
  });
}

bool Applies(double u, double p, bool compat) {
  if (!compat) return u < p;
  // k / 10.0 is the double nearest to k tenths, as Python's round(u, 1) returns.
  return std::nearbyint(u * 10) / 10.0 <= p;
}

double DrawRotateAngle(Rng& rng, double max, bool compat) {
  if (!compat) return rng.Uniform(-max, max);
  const int64_t m = static_cast<int64_t>(max);
  const int64_t left = rng.Int(-m, 0);
  const int64_t right = rng.Int(0, m);
  return static_cast<double>(rng.Int(0, 1) == 0 ? left : right);
}

double DrawShearAngle(Rng& rng, double max, bool compat) {
  if (!compat) return rng.Uniform(-max, max);
  const double m = static_cast<double>(static_cast<int64_t>(max));
  // Python's int() truncates towards zero: (-1, 1) all becomes 0, then 1.
  int64_t angle = static_cast<int64_t>(std::trunc(rng.Uniform(-m - 1, m + 1)));
  if (angle != -1) angle += 1;
  return static_cast<double>(angle);
}

cv::Size2d RotateCanvas(int w, int h, double angle_deg) {
  const double a = -Radians(angle_deg);
  const double c = Round15(std::cos(a)), s = Round15(std::sin(a));
  // PIL's matrix about the centre; only the corners' spread matters for the size.
  const double cx = w / 2.0, cy = h / 2.0;
  const double tx = c * -cx + s * -cy + cx, ty = -s * -cx + c * -cy + cy;
  double min_x = 1e300, max_x = -1e300, min_y = 1e300, max_y = -1e300;
  for (const auto& [x, y] : {std::pair<double, double>{0, 0}, {w, 0}, {w, h}, {0, h}}) {
    const double px = c * x + s * y + tx, py = -s * x + c * y + ty;
    min_x = std::min(min_x, px), max_x = std::max(max_x, px);
    min_y = std::min(min_y, py), max_y = std::max(max_y, py);
  }
  return {std::ceil(max_x) - std::floor(min_x), std::ceil(max_y) - std::floor(min_y)};
}

Box AugmentorRotateCrop(int w, int h, double angle_deg) {
  const cv::Size2d canvas = RotateCanvas(w, h, angle_deg);
  const double X = canvas.width, Y = canvas.height;
  const double a = Radians(std::abs(angle_deg)), b = Radians(90 - std::abs(angle_deg));
  const double t = std::sin(a) / std::sin(b);
  double E = t * (Y - X * t);
  // Augmentor's line, kept as written: it divides by 1, then subtracts, where the intent was
  // E / (1 - tan^2). The crop is smaller than the largest one and not of the input's aspect.
  E = E / 1 - (std::sin(a) * std::sin(a)) / (std::sin(b) * std::sin(b));
  const double B = X - E;
  const double A = t * B;
  // Python's round() rounds half to even, as nearbyint does in the default rounding mode.
  return {std::nearbyint(E), std::nearbyint(A), std::nearbyint(X - E), std::nearbyint(Y - A)};
}

Affine Identity() { return Affine(1, 0, 0, 0, 1, 0); }

Affine Compose(const Affine& first, const Affine& second) {
  // in = first(second(out)): the second's output is mapped into its input, which is the
  // first's output, then into the first's input.
  const cv::Matx33d f(first(0, 0), first(0, 1), first(0, 2), first(1, 0), first(1, 1), first(1, 2),
                      0, 0, 1);
  const cv::Matx33d s(second(0, 0), second(0, 1), second(0, 2), second(1, 0), second(1, 1),
                      second(1, 2), 0, 0, 1);
  const cv::Matx33d m = f * s;
  return Affine(m(0, 0), m(0, 1), m(0, 2), m(1, 0), m(1, 1), m(1, 2));
}

Affine RotateMap(int w, int h, double angle_deg, bool compat) {
  const double a = -Radians(angle_deg);
  const double c = std::cos(a), s = std::sin(a);
  const double cx = w / 2.0, cy = h / 2.0;
  // PIL's rotate: input = R * (p - canvas centre) + image centre, R = [c s; -s c].
  Affine inner;
  double canvas_cx = cx, canvas_cy = cy;
  if (compat) {
    const cv::Size2d canvas = RotateCanvas(w, h, angle_deg);
    canvas_cx = canvas.width / 2, canvas_cy = canvas.height / 2;
    inner = CropResize(AugmentorRotateCrop(w, h, angle_deg), w, h);
  } else {
    // The largest centred rectangle of the input's aspect inside the rotated image.
    const double ca = std::cos(Radians(std::abs(angle_deg))),
                 sa = std::sin(Radians(std::abs(angle_deg)));
    const double k = std::min(w / (w * ca + h * sa), h / (w * sa + h * ca));
    inner = CentredScale(w, h, 1 / k);
  }
  const Affine rotate(c, s, cx - c * canvas_cx - s * canvas_cy, -s, c,
                      cy + s * canvas_cx - c * canvas_cy);
  return Compose(rotate, inner);
}

double ShearShift(int w, int h, double angle_deg, char direction, bool compat) {
  const double shift = std::tan(Radians(angle_deg)) * (direction == 'x' ? h : w);
  if (!compat) return shift;
  return shift > 0 ? std::ceil(shift) : std::floor(shift);
}

Affine ShearMap(int w, int h, double angle_deg, char direction, bool compat) {
  double phi = std::tan(Radians(angle_deg));
  double shift = ShearShift(w, h, angle_deg, direction, compat);
  double offset = shift;
  if (angle_deg <= 0) {
    shift = std::abs(shift);
    offset = 0;
    phi = -std::abs(phi);
  }
  // Augmentor: PIL AFFINE onto a wider (taller) canvas, crop |shift| from the left (top),
  // stretch back to w x h.
  if (direction == 'x') {
    const Affine transform(1, phi, -offset, 0, 1, 0);
    return Compose(transform,
                   CropResize({shift, 0, static_cast<double>(w), static_cast<double>(h)}, w, h));
  }
  const Affine transform(1, 0, 0, phi, 1, -offset);
  return Compose(transform,
                 CropResize({0, shift, static_cast<double>(w), static_cast<double>(h)}, w, h));
}

Affine FlipMap(int w) { return Affine(-1, 0, w, 0, 1, 0); }

cv::Size ZoomedSize(int w, int h, double factor) {
  return {static_cast<int>(std::nearbyint(w * factor)),
          static_cast<int>(std::nearbyint(h * factor))};
}

Affine ZoomMap(int w, int h, double factor, bool compat) {
  if (!compat) return CentredScale(w, h, factor);
  // Augmentor: resize to the rounded zoomed size, crop w x h at floor(zoomed/2 - size/2).
  const cv::Size z = ZoomedSize(w, h, factor);
  const double x0 = std::floor(z.width / 2.0 - w / 2.0), y0 = std::floor(z.height / 2.0 - h / 2.0);
  const double sx = static_cast<double>(w) / z.width, sy = static_cast<double>(h) / z.height;
  return Affine(sx, 0, sx * x0, 0, sy, sy * y0);
}

Affine ToOpenCv(const Affine& m) {
  // OpenCV puts pixel centres at integers: src_cv = M (dst_cv + 0.5) - 0.5.
  return Affine(m(0, 0), m(0, 1), m(0, 2) + 0.5 * (m(0, 0) + m(0, 1)) - 0.5, m(1, 0), m(1, 1),
                m(1, 2) + 0.5 * (m(1, 0) + m(1, 1)) - 0.5);
}

Lut EqualizeLut(const std::array<uint64_t, 256>& histogram) {
  Lut lut;
  for (int i = 0; i < 256; ++i) lut[i] = static_cast<uint8_t>(i);
  uint64_t total = 0, nonzero = 0, last = 0;
  for (uint64_t count : histogram) {
    if (count == 0) continue;
    total += count;
    ++nonzero;
    last = count;
  }
  if (nonzero <= 1) return lut;
  const uint64_t step = (total - last) / 255;
  if (step == 0) return lut;
  uint64_t n = step / 2;
  for (int i = 0; i < 256; ++i) {
    // PIL's point() clips the list's values to 0..255 (the last bins can reach 256).
    lut[i] = static_cast<uint8_t>(std::min<uint64_t>(n / step, 255));
    n += histogram[i];
  }
  return lut;
}

Lut BrightnessLut(double factor) {
  // PIL's blend with black computes in float (its alpha is a C float) and truncates.
  const float alpha = static_cast<float>(factor);
  Lut lut;
  for (int v = 0; v < 256; ++v) {
    const float out = alpha * static_cast<float>(v);
    lut[v] = out <= 0.0f ? 0 : out >= 255.0f ? 255 : static_cast<uint8_t>(out);
  }
  return lut;
}

std::pair<std::string, std::string> DescribeStep(const Step& step) {
  const std::string name = KindName(step.kind);
  switch (step.kind) {
    case OpKind::kRotate:
    case OpKind::kBrightness:
    case OpKind::kZoom:
      return {name, absl::StrFormat("%.9g", step.value)};
    case OpKind::kShear:
      return {name, absl::StrFormat("%c:%.9g", step.direction, step.value)};
    case OpKind::kEqualize:
    case OpKind::kFlip:
      return {name, "1"};
  }
  return {name, ""};
}

Affine StepMap(const Step& step, int w, int h, bool compat) {
  switch (step.kind) {
    case OpKind::kRotate:
      return RotateMap(w, h, step.value, compat);
    case OpKind::kShear:
      return ShearMap(w, h, step.value, step.direction, compat);
    case OpKind::kFlip:
      return FlipMap(w);
    case OpKind::kZoom:
      return ZoomMap(w, h, step.value, compat);
    case OpKind::kEqualize:
    case OpKind::kBrightness:
      break;
  }
  return Identity();
}

Plan PlanFromSteps(const std::vector<Step>& steps, bool compat, int w, int h) {
  Plan plan;
  for (const Step& step : steps) {
    if (step.kind == OpKind::kEqualize) plan.equalize_maps.push_back(plan.map);
    if (step.kind != OpKind::kEqualize && step.kind != OpKind::kBrightness) {
      plan.map = Compose(plan.map, StepMap(step, w, h, compat));
      plan.geometric = true;
    }
  }
  plan.steps = steps;
  return plan;
}

absl::StatusOr<Step> ParseStep(const std::string& text) {
  const std::pair<std::string, std::string> kv = absl::StrSplit(text, absl::MaxSplits('=', 1));
  absl::StatusOr<OpSpec> op = ParseOp(kv.first);
  if (!op.ok()) return op.status();
  Step step{op->kind};
  std::string value = kv.second;
  if (step.kind == OpKind::kShear) {
    if (value.size() < 2 || (value[0] != 'x' && value[0] != 'y') || value[1] != ':') {
      return absl::InvalidArgumentError(
          absl::StrCat("step '", text, "': want shear=x:ANGLE or y:ANGLE"));
    }
    step.direction = value[0];
    value = value.substr(2);
  }
  if (step.kind != OpKind::kEqualize && step.kind != OpKind::kFlip &&
      !absl::SimpleAtod(value, &step.value)) {
    return absl::InvalidArgumentError(absl::StrCat("step '", text, "': want NAME=NUMBER"));
  }
  return step;
}

Plan MakePlan(const std::vector<OpSpec>& ops, bool compat, int w, int h, Rng& rng) {
  std::vector<Step> steps;
  for (const OpSpec& op : ops) {
    if (!Applies(rng.Uniform(), op.p, compat)) continue;
    Step step{op.kind};
    switch (op.kind) {
      case OpKind::kRotate:
        step.value = DrawRotateAngle(rng, op.hi, compat);
        break;
      case OpKind::kShear:
        step.value = DrawShearAngle(rng, op.hi, compat);
        step.direction = rng.Int(0, 1) == 0 ? 'x' : 'y';
        break;
      case OpKind::kBrightness:
        step.value = rng.Uniform(op.lo, op.hi);
        break;
      case OpKind::kZoom:
        step.value = rng.Uniform(op.lo, op.hi);
        if (compat) step.value = std::nearbyint(step.value * 100) / 100;
        break;
      case OpKind::kEqualize:
      case OpKind::kFlip:
        break;
    }
    steps.push_back(step);
  }
  return PlanFromSteps(steps, compat, w, h);
}

cv::Mat Apply(const Plan& plan, const cv::Mat& image) {
  auto bilinear = [&image](const Affine& map) {
    cv::Mat out;
    cv::warpAffine(image, out, ToOpenCv(map), image.size(), cv::INTER_LINEAR | cv::WARP_INVERSE_MAP,
                   cv::BORDER_REPLICATE);
    return out;
  };
  auto histogram = [](const cv::Mat& img) {
    std::array<uint64_t, 256> h{};
    for (int y = 0; y < img.rows; ++y) {
      const uint8_t* row = img.ptr<uint8_t>(y);
      for (int x = 0; x < img.cols; ++x) ++h[row[x]];
    }
    return h;
  };
  cv::Mat out =
      plan.geometric ? WarpBicubic(image, ToOpenCv(plan.map), image.size()) : image.clone();
  // Fold the pointwise steps into one table. Equalise needs the histogram of the image as the
  // steps before it left it: the histogram of the image its map gives, pushed through the
  // table so far. That image is only counted, so a bilinear warp (4x faster than bicubic)
  // does: the histograms differ by a few pixels per bin.
  Lut lut;
  for (int i = 0; i < 256; ++i) lut[i] = static_cast<uint8_t>(i);
  bool any = false;
  size_t equalize_index = 0;
  for (const Step& step : plan.steps) {
    if (step.kind == OpKind::kEqualize) {
      const Affine& map = plan.equalize_maps[equalize_index++];
      const std::array<uint64_t, 256> before = map == plan.map     ? histogram(out)
                                               : map == Identity() ? histogram(image)
                                                                   : histogram(bilinear(map));
      std::array<uint64_t, 256> now{};
      for (int v = 0; v < 256; ++v) now[lut[v]] += before[v];
      const Lut eq = EqualizeLut(now);
      for (auto& v : lut) v = eq[v];
      any = true;
    } else if (step.kind == OpKind::kBrightness) {
      const Lut b = BrightnessLut(step.value);
      for (auto& v : lut) v = b[v];
      any = true;
    }
  }
  if (any) {
    const cv::Mat table(1, 256, CV_8U, lut.data());
    cv::LUT(out, table, out);
  }
  return out;
}

}  // namespace mammo::augment
