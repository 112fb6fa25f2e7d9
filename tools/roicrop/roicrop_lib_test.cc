#include "tools/roicrop/roicrop_lib.h"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <memory>
#include <opencv2/imgproc.hpp>
#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "lib/image/codec.h"
#include "lib/records/shard_writer.h"

namespace mammo::roicrop {
namespace {

using ::testing::HasSubstr;

// Every pixel distinct along a row and a column, so that offsets show in the values.
cv::Mat Ramp(cv::Size size) {
  cv::Mat m(size, CV_8U);
  for (int y = 0; y < m.rows; ++y) {
    for (int x = 0; x < m.cols; ++x)
      m.at<uint8_t>(y, x) = static_cast<uint8_t>((3 * x + 7 * y) % 256);
  }
  return m;
}

cv::Mat MaskWith(cv::Size size, const cv::Rect& box) {
  cv::Mat mask = cv::Mat::zeros(size, CV_8U);
  mask(box).setTo(255);
  return mask;
}

Options NoDenoise() {
  Options o;
  o.denoise = false;
  return o;
}

TEST(MaskBoxTest, CoversEveryNonZeroPixel) {
  cv::Mat mask = cv::Mat::zeros(10, 20, CV_8U);
  mask(cv::Rect(3, 2, 5, 4)).setTo(255);  // columns 3-7, rows 2-5
  mask.at<uint8_t>(8, 12) = 1;            // a second component, any non-zero value
  // Columns 3 to 12 and rows 2 to 8.
  EXPECT_EQ(MaskBox(mask), cv::Rect(3, 2, 10, 7));
  EXPECT_TRUE(MaskBox(cv::Mat::zeros(10, 20, CV_8U)).empty());
}

TEST(ContextTest, ParsesPixelsAndFractions) {
  absl::StatusOr<Context> pixels = ParseContext("16");
  ASSERT_TRUE(pixels.ok());
  EXPECT_FALSE(pixels->fraction);
  EXPECT_EQ(pixels->value, 16);
  absl::StatusOr<Context> fraction = ParseContext("0.1");
  ASSERT_TRUE(fraction.ok());
  EXPECT_TRUE(fraction->fraction);
  EXPECT_EQ(fraction->value, 0.1);
  for (const char* bad : {"-1", "-0.5", "abc", "", "1e3", "nan."}) {
    absl::StatusOr<Context> c = ParseContext(bad);
    EXPECT_EQ(c.status().code(), absl::StatusCode::kInvalidArgument) << bad;
    EXPECT_THAT(c.status().message(), HasSubstr("--context")) << bad;
  }
  EXPECT_EQ(FormatContext(*pixels), "16");
  EXPECT_EQ(FormatContext(*fraction), "0.1");
  EXPECT_EQ(FormatContext(*ParseContext("1.0")), "1.0");
}

TEST(ContextTest, WidensAndClips) {
  const cv::Size image(1000, 1000);
  const cv::Rect box(100, 100, 50, 40);
  EXPECT_EQ(AddContext(box, Context{}, image), box);
  EXPECT_EQ(AddContext(box, Context{16, false}, image), cv::Rect(84, 84, 82, 72));
  // 0.1 of 50 is 5 on the left and right, 0.1 of 40 is 4 above and below.
  EXPECT_EQ(AddContext(box, Context{0.1, true}, image), cv::Rect(95, 96, 60, 48));
  // 0.25 of 10 is 2.5, rounded away from zero to 3.
  EXPECT_EQ(AddContext(cv::Rect(10, 10, 10, 10), Context{0.25, true}, image),
            cv::Rect(7, 7, 16, 16));
  // A box touching the edges stays inside the image.
  EXPECT_EQ(AddContext(cv::Rect(0, 5, 10, 10), Context{16, false}, cv::Size(20, 20)),
            cv::Rect(0, 0, 20, 20));
  EXPECT_EQ(AddContext(box, Context{1e12, false}, image), cv::Rect(0, 0, 1000, 1000));
}

TEST(AspectTest, BoundsAreInclusive) {
  EXPECT_EQ(CheckAspect(cv::Size(39, 100), 0.4, 1.5), "aspect_below_min");   // r = 0.39
  EXPECT_EQ(CheckAspect(cv::Size(40, 100), 0.4, 1.5), std::nullopt);         // r = 0.4
  EXPECT_EQ(CheckAspect(cv::Size(150, 100), 0.4, 1.5), std::nullopt);        // r = 1.5
  EXPECT_EQ(CheckAspect(cv::Size(151, 100), 0.4, 1.5), "aspect_above_max");  // r = 1.51
  // The same ratios from other sides: 2/5 and 3/2 are exactly the parsed bounds too.
  EXPECT_EQ(CheckAspect(cv::Size(2, 5), 0.4, 1.5), std::nullopt);
  EXPECT_EQ(CheckAspect(cv::Size(33, 22), 0.4, 1.5), std::nullopt);
}

TEST(AspectTest, ExtractRoiRejectsOutsideTheBounds) {
  const cv::Mat image = Ramp(cv::Size(400, 300));
  for (const auto& [width, reason] : {std::pair<int, std::string>{39, "aspect_below_min"},
                                      {40, ""},
                                      {150, ""},
                                      {151, "aspect_above_max"}}) {
    Roi roi = ExtractRoi(image, MaskWith(image.size(), cv::Rect(10, 10, width, 100)), NoDenoise());
    EXPECT_EQ(roi.reject, reason) << width;
    EXPECT_EQ(roi.pixels.empty(), !reason.empty()) << width;
  }
}

TEST(InterpolationTest, CubicWhenNoSideShrinksAreaOtherwise) {
  EXPECT_EQ(ChooseInterpolation(cv::Size(100, 100), 328), cv::INTER_CUBIC);  // both grow
  EXPECT_EQ(ChooseInterpolation(cv::Size(328, 100), 328), cv::INTER_CUBIC);  // one equal
  EXPECT_EQ(ChooseInterpolation(cv::Size(328, 328), 328), cv::INTER_CUBIC);  // a copy
  EXPECT_EQ(ChooseInterpolation(cv::Size(400, 500), 328), cv::INTER_AREA);   // both shrink
  EXPECT_EQ(ChooseInterpolation(cv::Size(200, 400), 328), cv::INTER_AREA);   // mixed
  EXPECT_EQ(ChooseInterpolation(cv::Size(400, 200), 328), cv::INTER_AREA);   // mixed
  EXPECT_EQ(ChooseInterpolation(cv::Size(329, 10), 328), cv::INTER_AREA);
}

// Independent references for the resize step, written from the definitions with plain
// loops (no OpenCV call), for crops whose min-max stretch is the identity (they hold both 0
// and 255, checked by FullRange).
bool FullRange(const cv::Mat& crop) {
  double lo = 0, hi = 0;
  cv::minMaxLoc(crop, &lo, &hi);
  return lo == 0 && hi == 255;
}

// Keys' cubic convolution with a = -0.75 (OpenCV's), pixel centres aligned
// (source x = (x + 0.5) * scale - 0.5), edges replicated, rounded and clipped to 0..255.
double Cubic(double t) {
  constexpr double a = -0.75;
  t = std::fabs(t);
  if (t <= 1) return ((a + 2) * t - (a + 3)) * t * t + 1;
  if (t < 2) return ((a * t - 5 * a) * t + 8 * a) * t - 4 * a;
  return 0;
}

cv::Mat CubicResize(const cv::Mat& src, int side) {
  const double sx = static_cast<double>(src.cols) / side, sy = static_cast<double>(src.rows) / side;
  cv::Mat out(side, side, CV_8U);
  for (int oy = 0; oy < side; ++oy) {
    const double fy = (oy + 0.5) * sy - 0.5;
    const int y0 = static_cast<int>(std::floor(fy));
    for (int ox = 0; ox < side; ++ox) {
      const double fx = (ox + 0.5) * sx - 0.5;
      const int x0 = static_cast<int>(std::floor(fx));
      double sum = 0;
      for (int j = -1; j <= 2; ++j) {
        const int y = std::clamp(y0 + j, 0, src.rows - 1);
        for (int i = -1; i <= 2; ++i) {
          const int x = std::clamp(x0 + i, 0, src.cols - 1);
          sum += Cubic(fy - (y0 + j)) * Cubic(fx - (x0 + i)) * src.at<uint8_t>(y, x);
        }
      }
      out.at<uint8_t>(oy, ox) = static_cast<uint8_t>(std::clamp(std::lround(sum), 0L, 255L));
    }
  }
  return out;
}

// Area averaging by an integer factor k: each output pixel the mean of a k x k block,
// rounded half up.
cv::Mat AreaShrink(const cv::Mat& src, int k) {
  cv::Mat out(src.rows / k, src.cols / k, CV_8U);
  for (int oy = 0; oy < out.rows; ++oy) {
    for (int ox = 0; ox < out.cols; ++ox) {
      int sum = 0;
      for (int j = 0; j < k; ++j) {
        for (int i = 0; i < k; ++i) sum += src.at<uint8_t>(oy * k + j, ox * k + i);
      }
      out.at<uint8_t>(oy, ox) = static_cast<uint8_t>((sum + k * k / 2) / (k * k));
    }
  }
  return out;
}

double MaxDiff(const cv::Mat& a, const cv::Mat& b) { return cv::norm(a, b, cv::NORM_INF); }

TEST(InterpolationTest, AreaReferenceWorkedByHand) {
  // 2x2 blocks: (0 + 1 + 2 + 3 + 2) / 4 = 2; (10 + 10 + 11 + 11 + 2) / 4 = 11 (10.5 rounds up).
  const cv::Mat src = (cv::Mat_<uint8_t>(2, 4) << 0, 1, 10, 11, 2, 3, 10, 11);
  const cv::Mat out = AreaShrink(src, 2);
  EXPECT_EQ(out.at<uint8_t>(0, 0), 2);
  EXPECT_EQ(out.at<uint8_t>(0, 1), 11);
}

TEST(InterpolationTest, CubicReferenceWorkedByHand) {
  // Keys' kernel with a = -0.75 at distances 0.25 and 0.75 (the taps of a 2x enlargement):
  // W(0.25) = 1.25 * 0.25^3 - 2.25 * 0.25^2 + 1 = 0.87890625,
  // W(0.75) = 1.25 * 0.75^3 - 2.25 * 0.75^2 + 1 = 0.26171875,
  // W(1.25) = -0.75 * 1.25^3 + 3.75 * 1.25^2 - 6 * 1.25 + 3 = -0.10546875,
  // W(1.75) = -0.75 * 1.75^3 + 3.75 * 1.75^2 - 6 * 1.75 + 3 = -0.03515625. They sum to 1.
  EXPECT_EQ(Cubic(0.25), 0.87890625);
  EXPECT_EQ(Cubic(0.75), 0.26171875);
  EXPECT_EQ(Cubic(1.25), -0.10546875);
  EXPECT_EQ(Cubic(1.75), -0.03515625);
  // Rows 0 0 100 100 enlarged to 8: output 3 sits at source 1.25, between 0 at 1 and 100 at
  // 2; its taps are sources 0..3 at distances 1.25, 0.25, 0.75, 1.75:
  // 100 * (0.26171875 - 0.03515625) = 22.65625 -> 23. Output 4 (source 1.75, distances 1.75,
  // 0.75, 0.25, 1.25): 100 * (0.87890625 - 0.10546875) = 77.34375 -> 77. Output 2 (source
  // 0.75, taps -1 -> 0, 0, 1, 2 at 1.75, 0.75, 0.25, 1.25): 100 * -0.10546875 -> clipped to 0.
  const cv::Mat row =
      (cv::Mat_<uint8_t>(4, 4) << 0, 0, 100, 100, 0, 0, 100, 100, 0, 0, 100, 100, 0, 0, 100, 100);
  const cv::Mat out = CubicResize(row, 8);
  EXPECT_EQ(out.at<uint8_t>(0, 3), 23);
  EXPECT_EQ(out.at<uint8_t>(0, 4), 77);
  EXPECT_EQ(out.at<uint8_t>(0, 2), 0);
}

TEST(InterpolationTest, ExtractRoiUsesTheChosenOne) {
  const cv::Mat image = Ramp(cv::Size(900, 900));
  {
    // 60x50 grows to 328x328: cubic. OpenCV's 8-bit cubic resize works in fixed point
    // (11-bit weights), so it may differ from the exact reference by 1; area averaging, the
    // other choice, differs by much more.
    const cv::Rect up(100, 80, 60, 50);
    ASSERT_TRUE(FullRange(image(up)));
    Roi roi = ExtractRoi(image, MaskWith(image.size(), up), NoDenoise());
    ASSERT_EQ(roi.reject, "");
    EXPECT_EQ(roi.interpolation, cv::INTER_CUBIC);
    EXPECT_EQ(roi.crop_box, up);
    const cv::Mat expected = CubicResize(image(up), 328)(cv::Rect(4, 4, 320, 320));
    EXPECT_LE(MaxDiff(roi.pixels, expected), 1);
    // Nearest neighbour (what area averaging amounts to away from block edges when
    // enlarging) is far from it: the ramp's steps are smoothed by the cubic.
    cv::Mat nearest(328, 328, CV_8U);
    for (int y = 0; y < 328; ++y) {
      for (int x = 0; x < 328; ++x)
        nearest.at<uint8_t>(y, x) = image(up).at<uint8_t>(y * 50 / 328, x * 60 / 328);
    }
    EXPECT_GT(MaxDiff(roi.pixels, nearest(cv::Rect(4, 4, 320, 320))), 10);
  }
  {
    // 656x656 shrinks by exactly 2: area averaging of 2x2 blocks, to the bit.
    const cv::Rect down(150, 200, 656, 656);
    ASSERT_TRUE(FullRange(image(down)));
    Roi roi = ExtractRoi(image, MaskWith(image.size(), down), NoDenoise());
    ASSERT_EQ(roi.reject, "");
    EXPECT_EQ(roi.interpolation, cv::INTER_AREA);
    EXPECT_EQ(roi.crop_box, down);
    EXPECT_EQ(MaxDiff(roi.pixels, AreaShrink(image(down), 2)(cv::Rect(4, 4, 320, 320))), 0);
    EXPECT_GT(MaxDiff(roi.pixels, CubicResize(image(down), 328)(cv::Rect(4, 4, 320, 320))), 1);
  }
  {
    // One side grows, the other shrinks: area (its pixels are checked against the Python
    // reference by roicrop_reference_test's "mixed" case).
    const cv::Rect mixed(300, 100, 200, 400);
    Roi roi = ExtractRoi(image, MaskWith(image.size(), mixed), NoDenoise());
    ASSERT_EQ(roi.reject, "");
    EXPECT_EQ(roi.interpolation, cv::INTER_AREA);
    EXPECT_EQ(roi.pixels.size(), cv::Size(320, 320));
  }
}

TEST(CentreCropTest, ExactOffsets) {
  const cv::Mat image = Ramp(cv::Size(16, 16));
  // (16 - 10) / 2 = 3 on both axes: the crop's (0, 0) is the image's (3, 3).
  cv::Mat crop = CentreCrop(image, 10);
  ASSERT_EQ(crop.size(), cv::Size(10, 10));
  EXPECT_EQ(crop.at<uint8_t>(0, 0), image.at<uint8_t>(3, 3));
  EXPECT_EQ(crop.at<uint8_t>(9, 9), image.at<uint8_t>(12, 12));
  // Odd differences round down: (15 - 10) / 2 = 2 columns, (13 - 10) / 2 = 1 row.
  crop = CentreCrop(Ramp(cv::Size(15, 13)), 10);
  EXPECT_EQ(crop.at<uint8_t>(0, 0), Ramp(cv::Size(15, 13)).at<uint8_t>(1, 2));
}

TEST(CentreCropTest, DefaultsCropFourPixelsOffEachSide) {
  // A 328x328 box needs no resizing, and it holds every value 0..255, so the stretch leaves
  // it alone: the ROI is the box's pixels (4, 4) to (323, 323).
  const cv::Mat image = Ramp(cv::Size(400, 400));
  const cv::Rect box(10, 20, 328, 328);
  ASSERT_TRUE(FullRange(image(box)));
  Roi roi = ExtractRoi(image, MaskWith(image.size(), box), NoDenoise());
  ASSERT_EQ(roi.pixels.size(), cv::Size(320, 320));
  EXPECT_EQ(MaxDiff(roi.pixels, image(cv::Rect(14, 24, 320, 320))), 0);
  // --size 10 --pad 3: resized to 16x16 (a copy), cropped at offset 3. The box holds
  // 100 + x + 2 y (x, y in 0..15, so 100..145): the stretch maps v to
  // (v - 100) * 255 / 45, e.g. 103 -> 17, 145 -> 255; the crop's (0, 0) is the box's (3, 3).
  cv::Mat small_image(30, 30, CV_8U, cv::Scalar(0));
  for (int y = 0; y < 16; ++y) {
    for (int x = 0; x < 16; ++x)
      small_image.at<uint8_t>(5 + y, 7 + x) = static_cast<uint8_t>(100 + x + 2 * y);
  }
  Options small = NoDenoise();
  small.size = 10;
  small.pad = 3;
  roi = ExtractRoi(small_image, MaskWith(small_image.size(), cv::Rect(7, 5, 16, 16)), small);
  ASSERT_EQ(roi.reject, "");
  ASSERT_EQ(roi.pixels.size(), cv::Size(10, 10));
  for (int y = 0; y < 10; ++y) {
    for (int x = 0; x < 10; ++x) {
      const int v = 100 + (x + 3) + 2 * (y + 3);
      EXPECT_EQ(roi.pixels.at<uint8_t>(y, x), std::lround((v - 100) * 255.0 / 45)) << x << "," << y;
    }
  }
  EXPECT_EQ(roi.pixels.at<uint8_t>(0, 0), 51);  // v = 109: 9 * 255 / 45 = 51
}

TEST(KeepAspectTest, PadsTheShorterSideCentred) {
  cv::Mat tall(5, 3, CV_8U, cv::Scalar(9));
  cv::Mat square = PadToSquare(tall);
  ASSERT_EQ(square.size(), cv::Size(5, 5));
  EXPECT_EQ(cv::countNonZero(square.col(0)), 0);
  EXPECT_EQ(cv::countNonZero(square.col(1)), 5);
  EXPECT_EQ(cv::countNonZero(square.col(4)), 0);
  // An odd extra goes after: 2 wide in 5 is 1 column before and 2 after.
  square = PadToSquare(cv::Mat(5, 2, CV_8U, cv::Scalar(9)));
  EXPECT_EQ(cv::countNonZero(square.colRange(1, 3)), 10);
  EXPECT_EQ(cv::countNonZero(square), 10);
  EXPECT_EQ(cv::countNonZero(PadToSquare(cv::Mat(2, 4, CV_8U, cv::Scalar(9))).row(1)), 4);
}

TEST(ExtractRoiTest, EdgeCasesAreRejectionsNotCrashes) {
  const cv::Mat image = Ramp(cv::Size(40, 30));
  EXPECT_EQ(ExtractRoi(image, cv::Mat::zeros(30, 40, CV_8U), NoDenoise()).reject, "empty_mask");
  Roi big = ExtractRoi(image, MaskWith(cv::Size(50, 30), cv::Rect(1, 1, 5, 5)), NoDenoise());
  EXPECT_EQ(big.reject, "mask_size_mismatch");
  EXPECT_EQ(big.detail, "mask 50x30, image 40x30");
  const cv::Mat flat(30, 40, CV_8U, cv::Scalar(7));
  EXPECT_EQ(ExtractRoi(flat, MaskWith(flat.size(), cv::Rect(1, 1, 5, 5)), NoDenoise()).reject,
            "flat_roi");
  // The whole image as the mass: the box touches all four edges.
  Roi whole = ExtractRoi(image, cv::Mat(30, 40, CV_8U, cv::Scalar(255)), Options{});
  EXPECT_EQ(whole.reject, "");
  EXPECT_EQ(whole.crop_box, cv::Rect(0, 0, 40, 30));
  EXPECT_EQ(whole.pixels.size(), cv::Size(320, 320));
}

Record MakeRecord(const std::string& id, const cv::Mat& image, const cv::Mat& mask) {
  Record r;
  r.set_id(id);
  r.set_patient_id("P_1");
  r.set_lesion_id("L_1");
  r.set_image_id("I_1");
  r.set_label(MALIGNANT);
  r.set_split(VALID);
  r.mutable_attributes()->set_view("CC");
  Provenance* earlier = r.add_provenance();
  earlier->set_stage("dcm2png");
  *r.mutable_image() = *EncodeImage(image, Image::PNG);
  *r.add_masks() = *EncodeImage(mask, Image::PNG);
  return r;
}

TEST(ProcessRecordTest, KeepsIdsAndAppendsProvenance) {
  const cv::Mat image = Ramp(cv::Size(200, 150));
  absl::StatusOr<Outcome> outcome = ProcessRecord(
      MakeRecord("rec1", image, MaskWith(image.size(), cv::Rect(20, 30, 60, 50))), Options{});
  ASSERT_TRUE(outcome.ok()) << outcome.status();
  ASSERT_TRUE(outcome->roi.has_value());
  const Record& roi = *outcome->roi;
  EXPECT_EQ(roi.id(), "rec1");
  EXPECT_EQ(roi.patient_id(), "P_1");
  EXPECT_EQ(roi.lesion_id(), "L_1");
  EXPECT_EQ(roi.image_id(), "I_1");
  EXPECT_EQ(roi.label(), MALIGNANT);
  EXPECT_EQ(roi.split(), VALID);
  EXPECT_EQ(roi.attributes().view(), "CC");
  EXPECT_EQ(roi.masks_size(), 0);
  EXPECT_EQ(roi.image().width(), 320u);
  EXPECT_EQ(roi.image().height(), 320u);
  EXPECT_EQ(roi.image().bit_depth(), 8u);
  EXPECT_EQ(roi.roi_box().x(), 20);
  EXPECT_EQ(roi.roi_box().y(), 30);
  EXPECT_EQ(roi.roi_box().width(), 60);
  EXPECT_EQ(roi.roi_box().height(), 50);
  ASSERT_EQ(roi.provenance_size(), 2);
  EXPECT_EQ(roi.provenance(0).stage(), "dcm2png");
  const Provenance& step = roi.provenance(1);
  EXPECT_EQ(step.stage(), "roicrop");
  ASSERT_EQ(step.parent_ids_size(), 1);
  EXPECT_EQ(step.parent_ids(0), "rec1");
  ASSERT_EQ(step.parameters_size(), 5 + MakeStageInfo(Options{}).parameters.size());
  EXPECT_EQ(step.parameters(0).value(), "1.2");          // aspect
  EXPECT_EQ(step.parameters(1).value(), "20,30,60,50");  // crop_box
  EXPECT_EQ(step.parameters(2).value(), "cubic");        // interpolation
  EXPECT_EQ(step.parameters(4).value(), "lesion");       // region
  // Then the stage-wide options.
  EXPECT_EQ(step.parameters(5).name(), "breast_without_mask");
  EXPECT_EQ(step.parameters(5).value(), "false");
}

TEST(ProcessRecordTest, PartialPngDecodeGivesTheFullDecodesRoi) {
  // A textured image: the PNG path inflates rows only down to the ROI (with its context);
  // the RAW path decodes everything. Both must give the same ROI bytes, for boxes near the
  // top, the middle and the bottom edge, with pixel and fractional context.
  cv::Mat image(300, 200, CV_8UC1);
  cv::randu(image, 0, 256);
  cv::GaussianBlur(image, image, cv::Size(5, 5), 0);
  for (const cv::Rect& box :
       {cv::Rect(20, 0, 60, 50), cv::Rect(50, 120, 70, 60), cv::Rect(100, 240, 60, 60)}) {
    for (const char* context : {"0", "16", "0.2"}) {
      SCOPED_TRACE(absl::StrCat(box.y, " ", context));
      Options options;
      options.context = *ParseContext(context);
      options.denoise = false;  // not what is compared, and slow
      const Record png = MakeRecord("png", image, MaskWith(image.size(), box));
      Record raw = png;
      *raw.mutable_image() = *EncodeImage(image, Image::RAW);
      const absl::StatusOr<Outcome> a = ProcessRecord(png, options);
      const absl::StatusOr<Outcome> b = ProcessRecord(raw, options);
      ASSERT_TRUE(a.ok() && b.ok());
      ASSERT_TRUE(a->roi.has_value() && b->roi.has_value());
      EXPECT_EQ(a->roi->image().data(), b->roi->image().data());
    }
  }
}

TEST(ProcessRecordTest, WrongInputsAreNamed) {
  Record no_mask = MakeRecord("a", Ramp(cv::Size(20, 20)), Ramp(cv::Size(20, 20)));
  no_mask.clear_masks();
  EXPECT_EQ(ProcessRecord(no_mask, Options{})->reject, "no_mask");
  cv::Mat deep(20, 20, CV_16U, cv::Scalar(1000));
  absl::StatusOr<Outcome> outcome =
      ProcessRecord(MakeRecord("deep", deep, Ramp(cv::Size(20, 20))), Options{});
  EXPECT_EQ(outcome.status().code(), absl::StatusCode::kDataLoss);
  EXPECT_THAT(outcome.status().message(), HasSubstr("record deep: image is 1-channel 16-bit"));
}

// A hand-made mammogram: a dark background, a "breast" 12 wide and 40 tall at (5, 10) whose
// grey rises row by row from 100, and a small bright marker (a film label) apart from it.
cv::Mat BreastWithMarker() {
  cv::Mat image(60, 40, CV_8U, cv::Scalar(3));
  for (int y = 10; y < 50; ++y) image(cv::Rect(5, y, 12, 1)).setTo(cv::Scalar(100 + y));
  image(cv::Rect(34, 2, 3, 3)).setTo(cv::Scalar(250));
  return image;
}

TEST(BreastMaskTest, TheLargestBrightRegionWithoutTheMarker) {
  const cv::Mat mask = BreastMask(BreastWithMarker());
  EXPECT_EQ(MaskBox(mask), cv::Rect(5, 10, 12, 40));
  EXPECT_EQ(cv::countNonZero(mask), 12 * 40);
  EXPECT_EQ(cv::countNonZero(BreastMask(cv::Mat(8, 8, CV_8U, cv::Scalar(7)))), 0);
}

// Without a mask: rejected by default; with breast_without_mask the breast's box is the ROI,
// though its aspect (12 / 40 = 0.3) is below --min_aspect, and the provenance says so.
TEST(ProcessRecordTest, BreastWithoutMaskCropsTheBreast) {
  Record record = MakeRecord("cmmd", BreastWithMarker(), Ramp(cv::Size(40, 60)));
  record.clear_masks();
  Options options = NoDenoise();
  EXPECT_EQ(ProcessRecord(record, options)->reject, "no_mask");
  options.breast_without_mask = true;
  const absl::StatusOr<Outcome> outcome = ProcessRecord(record, options);
  ASSERT_TRUE(outcome.ok()) << outcome.status();
  ASSERT_TRUE(outcome->roi.has_value()) << outcome->reject << " " << outcome->detail;
  const Box& box = outcome->roi->roi_box();
  EXPECT_EQ(cv::Rect(box.x(), box.y(), box.width(), box.height()), cv::Rect(5, 10, 12, 40));
  EXPECT_EQ(outcome->roi->image().width(), static_cast<uint32_t>(options.size));
  const Provenance& step = outcome->roi->provenance(outcome->roi->provenance_size() - 1);
  bool region_breast = false;
  for (const Parameter& p : step.parameters()) {
    region_breast |= p.name() == "region" && p.value() == "breast";
  }
  EXPECT_TRUE(region_breast);
}

TEST(RunTest, ErrorsNameTheFileOffsetAndRecord) {
  const std::string dir = std::getenv("TEST_TMPDIR");
  {
    auto out = ShardWriter::Open(dir + "/bad@1", StageInfo{"t", "t", "0", {}});
    ASSERT_TRUE(out.ok());
    const cv::Mat image = Ramp(cv::Size(50, 50));
    const cv::Mat mask = MaskWith(image.size(), cv::Rect(5, 5, 20, 20));
    ASSERT_TRUE((*out)->Write(MakeRecord("good", image, mask)).ok());
    Record bad = MakeRecord("broken", image, mask);
    bad.mutable_masks(0)->set_data("not a png");
    ASSERT_TRUE((*out)->Write(bad).ok());
    ASSERT_TRUE((*out)->Close().ok());
  }
  for (int threads : {1, 3}) {
    absl::StatusOr<Summary> summary =
        roicrop::Run({dir + "/bad@1"}, dir + "/rois@1", Options{}, threads, "");
    EXPECT_EQ(summary.status().code(), absl::StatusCode::kDataLoss);
    EXPECT_THAT(summary.status().message(), HasSubstr("bad-00000-of-00001.rec: byte offset "));
    EXPECT_THAT(summary.status().message(), HasSubstr("record broken: mask 0: "));
  }
}

TEST(SummaryTest, CountsByReason) {
  Summary s;
  s.read = 10;
  s.written = 8;
  s.rejected = {{"empty_mask", 1}, {"aspect_above_max", 1}};
  EXPECT_EQ(FormatSummary(s),
            "roicrop: 10 records read, 8 ROIs written, 2 rejected (aspect_above_max 1, "
            "empty_mask 1)");
}

}  // namespace
}  // namespace mammo::roicrop
