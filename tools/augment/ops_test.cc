#include "tools/augment/ops.h"

#include <cmath>
#include <opencv2/imgproc.hpp>
#include <set>

#include "gtest/gtest.h"
#include "tools/augment/warp.h"

namespace mammo::augment {
namespace {

constexpr int kDraws = 100000;

TEST(Rng, SameSeedAndIndexSameNumbers) {
  Rng a(7, 3), b(7, 3), c(7, 4);
  const double x = a.Uniform();
  EXPECT_EQ(x, b.Uniform());
  EXPECT_NE(x, c.Uniform());
  for (int i = 0; i < 1000; ++i) {
    const int64_t v = a.Int(-2, 3);
    EXPECT_GE(v, -2);
    EXPECT_LE(v, 3);
  }
}

// Binomial standard deviation over 100,000 draws is at most 0.0016: 0.006 is almost 4 sigma,
// and the draws are seeded, so the test is not flaky.
TEST(Applies, CompatEffectiveProbabilities) {
  const std::pair<double, double> cases[] = {{0.6, 0.65},  {0.7, 0.75}, {0.8, 0.85},
                                             {0.95, 0.95}, {1.0, 1.0},  {0.0, 0.05}};
  for (const auto& [p, effective] : cases) {
    Rng rng(1, 0);
    int hits = 0;
    for (int i = 0; i < kDraws; ++i) hits += Applies(rng.Uniform(), p, /*compat=*/true);
    EXPECT_NEAR(static_cast<double>(hits) / kDraws, effective, 0.006) << "p=" << p;
  }
}

TEST(Applies, ExactProbabilitiesWithoutCompat) {
  for (double p : {0.0, 0.6, 0.7, 1.0}) {
    Rng rng(2, 0);
    int hits = 0;
    for (int i = 0; i < kDraws; ++i) hits += Applies(rng.Uniform(), p, /*compat=*/false);
    EXPECT_NEAR(static_cast<double>(hits) / kDraws, p, 0.006) << "p=" << p;
  }
}

TEST(Shear, AngleSetNeverContainsZero) {
  Rng rng(3, 0);
  std::set<int> seen;
  for (int i = 0; i < kDraws; ++i) {
    const double a = DrawShearAngle(rng, 25, /*compat=*/true);
    ASSERT_EQ(a, std::floor(a));
    seen.insert(static_cast<int>(a));
  }
  std::set<int> want;
  for (int a = -24; a <= 26; ++a) {
    if (a != 0) want.insert(a);
  }
  EXPECT_EQ(seen, want);
}

TEST(Shear, ShiftRoundsOutwards) {
  // tan(10 deg) * 320 = 56.42: ceil for positive angles, floor for negative ones.
  EXPECT_EQ(ShearShift(320, 320, 10, 'x', true), 57);
  EXPECT_EQ(ShearShift(320, 320, -10, 'y', true), -57);
  EXPECT_NEAR(ShearShift(320, 320, 10, 'x', false), 56.42, 0.01);
}

TEST(Rotate, IntegerAnglesZeroOneSixteenth) {
  Rng rng(4, 0);
  int zeros = 0;
  for (int i = 0; i < kDraws; ++i) {
    const double a = DrawRotateAngle(rng, 15, /*compat=*/true);
    ASSERT_EQ(a, std::floor(a));
    ASSERT_LE(std::abs(a), 15);
    zeros += a == 0;
  }
  EXPECT_NEAR(static_cast<double>(zeros) / kDraws, 1.0 / 16, 0.003);
}

TEST(Rotate, AugmentorCropBox224At15Degrees) {
  const cv::Size2d canvas = RotateCanvas(224, 224, 15);
  EXPECT_EQ(canvas.width, 276);
  EXPECT_EQ(canvas.height, 276);
  const Box box = AugmentorRotateCrop(224, 224, 15);
  EXPECT_EQ(box.x1 - box.x0, 168);
  EXPECT_EQ(box.y1 - box.y0, 158);
  const Box negative = AugmentorRotateCrop(224, 224, -15);
  EXPECT_EQ(negative.x1 - negative.x0, 168);
  EXPECT_EQ(negative.y1 - negative.y0, 158);
}

TEST(Rotate, CorrectedCropKeepsAspectAndStaysInside) {
  // Square at 15 degrees: the largest inscribed square has side w / (cos + sin).
  const Affine m = RotateMap(224, 224, 15, /*compat=*/false);
  const double side = 224 / (std::cos(15 * M_PI / 180) + std::sin(15 * M_PI / 180));
  EXPECT_NEAR(std::hypot(m(0, 0), m(1, 0)) * 224, side, 1e-9);
  EXPECT_NEAR(std::hypot(m(0, 1), m(1, 1)) * 224, side, 1e-9);
}

TEST(Equalize, HandComputedTable) {
  // 255 pixels of 10, 255 of 20, 510 of 30: step = (1020 - 510) // 255 = 2, n starts at 1.
  // lut[0..10] = 1 // 2 = 0; lut[11..20] = 256 // 2 = 128; lut[21..30] = 511 // 2 = 255;
  // beyond, (1021 + 510) // 2 = 765 is clipped to 255 as PIL's point() does.
  std::array<uint64_t, 256> h{};
  h[10] = 255, h[20] = 255, h[30] = 510;
  const Lut lut = EqualizeLut(h);
  EXPECT_EQ(lut[0], 0);
  EXPECT_EQ(lut[10], 0);
  EXPECT_EQ(lut[11], 128);
  EXPECT_EQ(lut[20], 128);
  EXPECT_EQ(lut[21], 255);
  EXPECT_EQ(lut[30], 255);
  EXPECT_EQ(lut[200], 255);
}

TEST(Equalize, IdentityWhenOneBinOrStepZero) {
  std::array<uint64_t, 256> one{};
  one[77] = 1000;
  std::array<uint64_t, 256> small{};
  small[1] = 100, small[2] = 100, small[3] = 500;  // step = 200 // 255 = 0
  for (const auto& h : {one, small}) {
    const Lut lut = EqualizeLut(h);
    for (int i = 0; i < 256; ++i) ASSERT_EQ(lut[i], i);
  }
}

TEST(Brightness, TruncatesAndClips) {
  const Lut dark = BrightnessLut(0.5);
  EXPECT_EQ(dark[255], 127);
  EXPECT_EQ(dark[3], 1);
  const Lut bright = BrightnessLut(1.2);
  EXPECT_EQ(bright[200], 240);
  EXPECT_EQ(bright[250], 255);
}

TEST(ParseOps, InOrderOrTheFirstError) {
  const absl::StatusOr<std::vector<OpSpec>> ops = ParseOps({"flip:p=0.5", "rotate:p=1,max=10"});
  ASSERT_TRUE(ops.ok()) << ops.status();
  ASSERT_EQ(ops->size(), 2u);
  EXPECT_EQ((*ops)[0].p, 0.5);
  EXPECT_EQ((*ops)[1].p, 1.0);
  EXPECT_FALSE(ParseOps({"flip:p=0.5", "nonsense"}).ok());
}

TEST(ParseOp, GrammarAndDefaults) {
  auto rotate = ParseOp("rotate:p=1,max=10");
  ASSERT_TRUE(rotate.ok()) << rotate.status();
  EXPECT_EQ(rotate->kind, OpKind::kRotate);
  EXPECT_EQ(rotate->p, 1);
  EXPECT_EQ(rotate->hi, 10);
  auto zoom = ParseOp("zoom");
  ASSERT_TRUE(zoom.ok());
  EXPECT_EQ(zoom->lo, 1.0);
  EXPECT_EQ(zoom->hi, 1.2);
  EXPECT_TRUE(ParseOp("equalise:p=0.5").ok());
  EXPECT_FALSE(ParseOp("blur:p=1").ok());
  EXPECT_FALSE(ParseOp("flip:max=3").ok());
  EXPECT_FALSE(ParseOp("rotate:p=1.5").ok());
  EXPECT_FALSE(ParseOp("zoom:min=2,max=1").ok());
  EXPECT_EQ(std::string(ParseOp("rotate:p=x").status().message()),
            "--op 'rotate:p=x': 'p=x' is not KEY=NUMBER");
  auto step = ParseStep("shear=y:-12");
  ASSERT_TRUE(step.ok()) << step.status();
  EXPECT_EQ(step->direction, 'y');
  EXPECT_EQ(step->value, -12);
  EXPECT_EQ(DescribeStep(*step).second, "y:-12");
  EXPECT_FALSE(ParseStep("shear=12").ok());
  EXPECT_FALSE(ParseStep("zoom=big").ok());
  EXPECT_EQ(DescribeOps(Table5()),
            "rotate:p=0.95,max=15;shear:p=0.6,max=25;equalize:p=0.6;flip:p=0.7;"
            "brightness:p=0.8,min=0.6,max=1.2;zoom:p=1,min=1,max=1.2");
}

// A smooth image with some texture, like a ROI: blobs, a gradient, blurred noise.
cv::Mat TestImage(int w, int h) {
  cv::Mat noise(h, w, CV_8U);
  cv::randu(noise, 0, 256);
  cv::GaussianBlur(noise, noise, cv::Size(0, 0), 3);
  cv::Mat img(h, w, CV_8U);
  for (int y = 0; y < h; ++y) {
    for (int x = 0; x < w; ++x) {
      const double b =
          120 * std::exp(-((x - 0.4 * w) * (x - 0.4 * w) + (y - 0.6 * h) * (y - 0.6 * h)) /
                         (0.05 * w * h));
      img.at<uint8_t>(y, x) =
          cv::saturate_cast<uint8_t>(40 + 0.3 * x + b + 0.5 * (noise.at<uint8_t>(y, x) - 128) * 3);
    }
  }
  return img;
}

// Augmentor's steps one by one, each resampling as PIL does (OpenCV's bicubic standing in for
// PIL's): the reference that the composed warp must match.
cv::Mat StepByStep(const Plan& plan, cv::Mat img) {
  const int w = img.cols, h = img.rows;
  auto warp = [](const cv::Mat& in, const Affine& pil_map, cv::Size size) {
    cv::Mat out;
    cv::warpAffine(in, out, ToOpenCv(pil_map), size, cv::INTER_CUBIC | cv::WARP_INVERSE_MAP,
                   cv::BORDER_CONSTANT, 0);
    return out;
  };
  auto crop_resize = [&](const cv::Mat& in, const Box& b) {
    cv::Mat out;
    cv::resize(in(cv::Rect(static_cast<int>(b.x0), static_cast<int>(b.y0),
                           static_cast<int>(b.x1 - b.x0), static_cast<int>(b.y1 - b.y0))),
               out, cv::Size(w, h), 0, 0, cv::INTER_CUBIC);
    return out;
  };
  for (const Step& step : plan.steps) {
    switch (step.kind) {
      case OpKind::kRotate: {
        // PIL's rotate(expand=True): input = R (p - canvas centre) + image centre.
        const cv::Size2d canvas = RotateCanvas(w, h, step.value);
        const double a = -step.value * M_PI / 180, c = std::cos(a), s = std::sin(a);
        const double X = canvas.width / 2, Y = canvas.height / 2;
        const Affine m(c, s, w / 2.0 - c * X - s * Y, -s, c, h / 2.0 + s * X - c * Y);
        img = crop_resize(
            warp(img, m, cv::Size(static_cast<int>(canvas.width), static_cast<int>(canvas.height))),
            AugmentorRotateCrop(w, h, step.value));
        break;
      }
      case OpKind::kShear: {
        double phi = std::tan(step.value * M_PI / 180);
        double shift = ShearShift(w, h, step.value, step.direction, true);
        double offset = shift;
        if (step.value <= 0) shift = std::abs(shift), offset = 0, phi = -std::abs(phi);
        if (step.direction == 'x') {
          img = crop_resize(warp(img, Affine(1, phi, -offset, 0, 1, 0),
                                 cv::Size(static_cast<int>(std::lround(w + shift)), h)),
                            {shift, 0, static_cast<double>(w), static_cast<double>(h)});
        } else {
          img = crop_resize(warp(img, Affine(1, 0, 0, phi, 1, -offset),
                                 cv::Size(w, static_cast<int>(std::lround(h + shift)))),
                            {0, shift, static_cast<double>(w), static_cast<double>(h)});
        }
        break;
      }
      case OpKind::kFlip:
        cv::flip(img, img, 1);
        break;
      case OpKind::kZoom: {
        const cv::Size z = ZoomedSize(w, h, step.value);
        cv::Mat zoomed;
        cv::resize(img, zoomed, z, 0, 0, cv::INTER_CUBIC);
        img = zoomed(cv::Rect(static_cast<int>(std::floor(z.width / 2.0 - w / 2.0)),
                              static_cast<int>(std::floor(z.height / 2.0 - h / 2.0)), w, h))
                  .clone();
        break;
      }
      case OpKind::kEqualize: {
        std::array<uint64_t, 256> hist{};
        for (int y = 0; y < h; ++y) {
          for (int x = 0; x < w; ++x) ++hist[img.at<uint8_t>(y, x)];
        }
        const Lut lut = EqualizeLut(hist);
        cv::LUT(img, cv::Mat(1, 256, CV_8U, const_cast<uint8_t*>(lut.data())), img);
        break;
      }
      case OpKind::kBrightness: {
        const Lut lut = BrightnessLut(step.value);
        cv::LUT(img, cv::Mat(1, 256, CV_8U, const_cast<uint8_t*>(lut.data())), img);
        break;
      }
    }
  }
  return img;
}

struct Difference {
  double mean;  // mean absolute difference, grey levels
  double p99;   // 99th percentile of the absolute difference
};

// Over the interior: the outermost 3 pixels are left out, where the reference's intermediate
// crops clamp their edges but the single warp still sees the real neighbours.
Difference Compare(const cv::Mat& a, const cv::Mat& b) {
  const cv::Rect inner(3, 3, a.cols - 6, a.rows - 6);
  cv::Mat diff;
  cv::absdiff(a(inner), b(inner), diff);
  std::vector<int> counts(256);
  for (int y = 0; y < diff.rows; ++y) {
    for (int x = 0; x < diff.cols; ++x) ++counts[diff.at<uint8_t>(y, x)];
  }
  const double total = static_cast<double>(diff.total());
  double sum = 0, seen = 0, p99 = 255;
  bool found = false;
  for (int v = 0; v < 256; ++v) {
    sum += v * counts[v];
    seen += counts[v];
    if (!found && seen >= 0.99 * total) p99 = v, found = true;
  }
  return {sum / total, p99};
}

// The composed warp resamples once, the reference two to four times (each bicubic pass
// smooths a little and rounds to 8 bits), so they cannot agree exactly. Tolerance on this
// textured test image: mean absolute difference under 1 grey level, 99% of the pixels within
// 3 (measured: at most 0.49 and 2). augment_pil_test checks the same maps against PIL itself.
TEST(Composed, GeometryMatchesStepByStep) {
  const cv::Mat image = TestImage(320, 320);
  const std::vector<OpSpec> ops = {{OpKind::kRotate, 1, 0, 15},
                                   {OpKind::kShear, 1, 0, 25},
                                   {OpKind::kFlip, 0.5},
                                   {OpKind::kZoom, 1, 1.0, 1.2}};
  for (uint64_t i = 0; i < 40; ++i) {
    Rng rng(11, i);
    const Plan plan = MakePlan(ops, /*compat=*/true, 320, 320, rng);
    const Difference d = Compare(Apply(plan, image), StepByStep(plan, image));
    std::string what;
    for (const Step& s : plan.steps)
      what += DescribeStep(s).first + "=" + DescribeStep(s).second + " ";
    EXPECT_LT(d.mean, 1.0) << what;
    EXPECT_LE(d.p99, 3) << what;
  }
}

// Each geometric operation alone, at its extreme draws.
TEST(Composed, SingleOperationsMatchStepByStep) {
  const cv::Mat image = TestImage(300, 260);
  const std::vector<Step> steps = {{OpKind::kRotate, 15},     {OpKind::kRotate, -15},
                                   {OpKind::kShear, 26, 'x'}, {OpKind::kShear, -24, 'x'},
                                   {OpKind::kShear, 26, 'y'}, {OpKind::kShear, -1, 'y'},
                                   {OpKind::kZoom, 1.2},      {OpKind::kZoom, 1.07}};
  for (const Step& step : steps) {
    const Plan plan = PlanFromSteps({step}, /*compat=*/true, 300, 260);
    const Difference d = Compare(Apply(plan, image), StepByStep(plan, image));
    EXPECT_LT(d.mean, 1.0) << DescribeStep(step).first << " " << DescribeStep(step).second;
    EXPECT_LE(d.p99, 3) << DescribeStep(step).first << " " << DescribeStep(step).second;
  }
}

// The whole Table 5 pipeline, equalise and brightness in Augmentor's place between the warps
// in the reference, folded into one table after the warp here. Equalisation stretches the
// resampling differences by its slope: mean under 2 grey levels, 99% within 8 (measured: at
// most 1.3 and 6).
TEST(Composed, Table5MatchesStepByStep) {
  const cv::Mat image = TestImage(320, 320);
  for (uint64_t i = 0; i < 40; ++i) {
    Rng rng(12, i);
    const Plan plan = MakePlan(Table5(), /*compat=*/true, 320, 320, rng);
    const Difference d = Compare(Apply(plan, image), StepByStep(plan, image));
    std::string what;
    for (const Step& s : plan.steps)
      what += DescribeStep(s).first + "=" + DescribeStep(s).second + " ";
    EXPECT_LT(d.mean, 2.0) << what;
    EXPECT_LE(d.p99, 8) << what;
  }
}

TEST(Composed, FlipAloneIsExact) {
  const cv::Mat image = TestImage(64, 48);
  const Plan plan = PlanFromSteps({{OpKind::kFlip}}, /*compat=*/true, 64, 48);
  cv::Mat want;
  cv::flip(image, want, 1);
  EXPECT_EQ(cv::norm(Apply(plan, image), want, cv::NORM_INF), 0);
}

// The vector path must give the scalar path's bytes (same float operations), whatever the
// map; and both stay close to OpenCV's bicubic warp, which quantises fractions to 1/32
// (measured: mean difference at most 0.03, largest 1).
TEST(WarpBicubic, VectorEqualsScalarAndNearOpenCv) {
  const cv::Mat image = TestImage(320, 300);
  for (uint64_t i = 0; i < 30; ++i) {
    Rng rng(13, i);
    const Plan plan = MakePlan({{OpKind::kRotate, 1, 0, 15},
                                {OpKind::kShear, 1, 0, 25},
                                {OpKind::kFlip, 0.5},
                                {OpKind::kZoom, 1, 1.0, 1.2}},
                               /*compat=*/i % 2 == 0, 320, 300, rng);
    const Affine m = ToOpenCv(i == 0 ? RotateMap(320, 300, 40, true) : plan.map);
    const cv::Mat fast = WarpBicubic(image, m, image.size());
    EXPECT_EQ(cv::norm(fast, WarpBicubicScalar(image, m, image.size()), cv::NORM_INF), 0) << i;
    cv::Mat opencv;
    cv::warpAffine(image, opencv, m, image.size(), cv::INTER_CUBIC | cv::WARP_INVERSE_MAP,
                   cv::BORDER_REPLICATE);
    cv::Mat diff;
    cv::absdiff(fast, opencv, diff);
    EXPECT_LT(cv::mean(diff)[0], 0.5) << i;
    EXPECT_LE(cv::norm(diff, cv::NORM_INF), 3) << i;
  }
}

}  // namespace
}  // namespace mammo::augment
