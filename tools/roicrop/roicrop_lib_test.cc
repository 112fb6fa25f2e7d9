#include "tools/roicrop/roicrop_lib.h"

#include <cstdlib>
#include <memory>
#include <string>

#include <opencv2/imgproc.hpp>

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
    for (int x = 0; x < m.cols; ++x) m.at<uint8_t>(y, x) = static_cast<uint8_t>((3 * x + 7 * y) % 256);
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
  EXPECT_EQ(CheckAspect(cv::Size(39, 100), 0.4, 1.5), "aspect_below_min");  // r = 0.39
  EXPECT_EQ(CheckAspect(cv::Size(40, 100), 0.4, 1.5), std::nullopt);       // r = 0.4
  EXPECT_EQ(CheckAspect(cv::Size(150, 100), 0.4, 1.5), std::nullopt);      // r = 1.5
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

// The pixels of the stretched, centre-cropped ROI, computed step by step here.
cv::Mat Expected(const cv::Mat& image, const cv::Rect& box, int interpolation) {
  cv::Mat normalised, resized;
  cv::normalize(image(box), normalised, 0, 255, cv::NORM_MINMAX, CV_8U);
  cv::resize(normalised, resized, cv::Size(328, 328), 0, 0, interpolation);
  return resized(cv::Rect(4, 4, 320, 320)).clone();
}

TEST(InterpolationTest, ExtractRoiUsesTheChosenOne) {
  const cv::Mat image = Ramp(cv::Size(900, 800));
  const cv::Rect up(100, 80, 60, 50), down(150, 200, 500, 400), mixed(300, 100, 200, 400);
  for (const auto& [box, interpolation] :
       {std::pair<cv::Rect, int>{up, cv::INTER_CUBIC}, {down, cv::INTER_AREA}, {mixed, cv::INTER_AREA}}) {
    Roi roi = ExtractRoi(image, MaskWith(image.size(), box), NoDenoise());
    ASSERT_EQ(roi.reject, "");
    EXPECT_EQ(roi.interpolation, interpolation);
    EXPECT_EQ(roi.crop_box, box);
    EXPECT_EQ(cv::norm(roi.pixels, Expected(image, box, interpolation), cv::NORM_INF), 0);
    const int other = interpolation == cv::INTER_CUBIC ? cv::INTER_AREA : cv::INTER_CUBIC;
    EXPECT_GT(cv::norm(roi.pixels, Expected(image, box, other), cv::NORM_INF), 0);
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
  // A 328x328 box needs no resizing: the ROI is the box's pixels (4, 4) to (323, 323).
  const cv::Mat image = Ramp(cv::Size(400, 400));
  const cv::Rect box(10, 20, 328, 328);
  cv::Mat normalised;
  cv::normalize(image(box), normalised, 0, 255, cv::NORM_MINMAX, CV_8U);
  Roi roi = ExtractRoi(image, MaskWith(image.size(), box), NoDenoise());
  ASSERT_EQ(roi.pixels.size(), cv::Size(320, 320));
  EXPECT_EQ(cv::norm(roi.pixels, normalised(cv::Rect(4, 4, 320, 320)), cv::NORM_INF), 0);
  // --size 10 --pad 3: resized to 16x16, cropped at offset 3.
  Options small = NoDenoise();
  small.size = 10;
  small.pad = 3;
  const cv::Rect box16(30, 40, 16, 16);
  cv::normalize(image(box16), normalised, 0, 255, cv::NORM_MINMAX, CV_8U);
  roi = ExtractRoi(image, MaskWith(image.size(), box16), small);
  ASSERT_EQ(roi.pixels.size(), cv::Size(10, 10));
  EXPECT_EQ(cv::norm(roi.pixels, normalised(cv::Rect(3, 3, 10, 10)), cv::NORM_INF), 0);
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
  absl::StatusOr<Outcome> outcome =
      ProcessRecord(MakeRecord("rec1", image, MaskWith(image.size(), cv::Rect(20, 30, 60, 50))),
                    Options{});
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
  ASSERT_EQ(step.parameters_size(), 4);
  EXPECT_EQ(step.parameters(0).value(), "1.2");          // aspect
  EXPECT_EQ(step.parameters(1).value(), "20,30,60,50");  // crop_box
  EXPECT_EQ(step.parameters(2).value(), "cubic");        // interpolation
}

TEST(ProcessRecordTest, PartialPngDecodeGivesTheFullDecodesRoi) {
  // A textured image: the PNG path inflates rows only down to the ROI (with its context);
  // the RAW path decodes everything. Both must give the same ROI bytes, for boxes near the
  // top, the middle and the bottom edge, with pixel and fractional context.
  cv::Mat image(300, 200, CV_8UC1);
  cv::randu(image, 0, 256);
  cv::GaussianBlur(image, image, cv::Size(5, 5), 0);
  for (const cv::Rect& box : {cv::Rect(20, 0, 60, 50), cv::Rect(50, 120, 70, 60),
                              cv::Rect(100, 240, 60, 60)}) {
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
    absl::StatusOr<Summary> summary = roicrop::Run({dir + "/bad@1"}, dir + "/rois@1", Options{}, threads, "");
    EXPECT_EQ(summary.status().code(), absl::StatusCode::kDataLoss);
    EXPECT_THAT(summary.status().message(),
                HasSubstr("bad-00000-of-00001.rec: byte offset "));
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
