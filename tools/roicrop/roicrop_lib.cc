#include "tools/roicrop/roicrop_lib.h"

#include <algorithm>
#include <cmath>
#include <memory>
#include <opencv2/imgproc.hpp>
#include <opencv2/photo.hpp>
#include <optional>
#include <utility>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "lib/cli/cli.h"
#include "lib/cli/progress.h"
#include "lib/image/codec.h"
#include "lib/image/png_rows.h"
#include "lib/io/byte_io.h"
#include "lib/io/rejects.h"
#include "lib/parallel/ordered_map.h"
#include "lib/records/shard_reader.h"
#include "lib/status/status_macros.h"

namespace mammo::roicrop {
namespace {

std::string BoxText(const cv::Rect& box) {
  return absl::StrCat(box.x, ",", box.y, ",", box.width, ",", box.height);
}

const char* InterpolationName(int interpolation) {
  return interpolation == cv::INTER_CUBIC ? "cubic" : "area";
}

Roi Rejected(Roi roi, std::string reason, std::string detail) {
  roi.reject = std::move(reason);
  roi.detail = std::move(detail);
  roi.pixels.release();
  return roi;
}

absl::StatusOr<cv::Mat> DecodeGrey8(const Image& image, const std::string& what) {
  absl::StatusOr<cv::Mat> pixels = DecodeImage(image);
  if (!pixels.ok()) return absl::DataLossError(absl::StrCat(what, ": ", pixels.status().message()));
  if (pixels->type() != CV_8UC1) {
    return absl::DataLossError(absl::StrCat(what, " is ", pixels->channels(), "-channel ",
                                            image.bit_depth(),
                                            "-bit; roicrop needs 8-bit grey (dcm2png's output)"));
  }
  return pixels;
}

// The record's image for the ROI of `mask`. A PNG of the declared size is inflated only down
// to the last row the ROI can use (on average half the work of a full decode, which is a
// large share of roicrop's time); rows below stay black, and no step reads them. Anything
// else (and any doubt) takes the full decode with its checks.
absl::StatusOr<cv::Mat> DecodeImageForRoi(const Image& image, const cv::Mat& mask,
                                          const Options& options, const std::string& what) {
  const cv::Size declared(static_cast<int>(image.width()), static_cast<int>(image.height()));
  const cv::Rect box = mask.size() == declared ? MaskBox(mask) : cv::Rect();
  if (image.encoding() == Image::PNG && image.channels() == 1 && image.bit_depth() == 8 &&
      !box.empty() && PngSize(image.data()).value_or(cv::Size()) == declared) {
    const cv::Rect crop = AddContext(box, options.context, declared);
    absl::StatusOr<cv::Mat> top = DecodeGreyPngRows(image.data(), crop.y + crop.height);
    if (top.ok()) {
      cv::Mat full(declared, CV_8UC1);
      top->copyTo(full.rowRange(0, top->rows));
      full.rowRange(top->rows, full.rows).setTo(0);
      return full;
    }
  }
  return DecodeGrey8(image, what);
}

}  // namespace

absl::StatusOr<Context> ParseContext(absl::string_view text) {
  Context context;
  context.fraction = absl::StrContains(text, '.');
  bool parsed = false;
  if (context.fraction) {
    parsed = absl::SimpleAtod(text, &context.value);
  } else {
    int pixels = 0;
    parsed = absl::SimpleAtoi(text, &pixels);
    context.value = pixels;
  }
  if (!parsed || !std::isfinite(context.value) || context.value < 0) {
    return absl::InvalidArgumentError(absl::StrCat(
        "--context: '", text, "' is neither a pixel count (16) nor a fraction (0.1), >= 0"));
  }
  return context;
}

std::string FormatContext(const Context& context) {
  if (!context.fraction) return absl::StrCat(static_cast<int>(context.value));
  // Keep the '.' so that the manifest's value parses back as a fraction.
  std::string text = absl::StrCat(context.value);
  return absl::StrContains(text, '.') ? text : absl::StrCat(text, ".0");
}

absl::Status ValidateOptions(const Options& o) {
  if (o.size < 1) return absl::InvalidArgumentError("--size must be at least 1");
  if (o.pad < 0) return absl::InvalidArgumentError("--pad must be at least 0");
  if (!(o.min_aspect > 0) || !(o.max_aspect >= o.min_aspect)) {
    return absl::InvalidArgumentError("--min_aspect must be positive and at most --max_aspect");
  }
  if (!(o.h >= 0)) return absl::InvalidArgumentError("--h must be at least 0");
  if (o.template_window < 1 || o.template_window % 2 == 0) {
    return absl::InvalidArgumentError("--template_window must be odd and positive");
  }
  if (o.search_window < 1 || o.search_window % 2 == 0) {
    return absl::InvalidArgumentError("--search_window must be odd and positive");
  }
  return absl::OkStatus();
}

cv::Rect MaskBox(const cv::Mat& mask) { return cv::boundingRect(mask); }

cv::Mat BreastMask(const cv::Mat& image) {
  cv::Mat mask = cv::Mat::zeros(image.size(), CV_8U);
  double lo = 0, hi = 0;
  cv::minMaxLoc(image, &lo, &hi);
  if (lo == hi) return mask;  // Otsu's threshold of a flat image keeps all of it
  cv::Mat above;
  cv::threshold(image, above, 0, 255, cv::THRESH_BINARY | cv::THRESH_OTSU);
  cv::Mat labels, stats, centroids;
  const int n = cv::connectedComponentsWithStats(above, labels, stats, centroids, 8, CV_32S);
  int largest = 0;  // label 0 is what lies at or below the threshold
  for (int i = 1; i < n; ++i) {
    if (largest == 0 ||
        stats.at<int>(i, cv::CC_STAT_AREA) > stats.at<int>(largest, cv::CC_STAT_AREA)) {
      largest = i;
    }
  }
  if (largest > 0) mask.setTo(255, labels == largest);
  return mask;
}

cv::Rect AddContext(const cv::Rect& box, const Context& context, cv::Size image) {
  const double mx = context.fraction ? context.value * box.width : context.value;
  const double my = context.fraction ? context.value * box.height : context.value;
  // Clamp in 64 bits: a huge --context must not overflow int before clipping.
  const int64_t ix = std::llround(mx), iy = std::llround(my);
  const int64_t x0 = std::max<int64_t>(0, box.x - ix);
  const int64_t y0 = std::max<int64_t>(0, box.y - iy);
  const int64_t x1 = std::min<int64_t>(image.width, int64_t{box.x} + box.width + ix);
  const int64_t y1 = std::min<int64_t>(image.height, int64_t{box.y} + box.height + iy);
  return cv::Rect(static_cast<int>(x0), static_cast<int>(y0), static_cast<int>(x1 - x0),
                  static_cast<int>(y1 - y0));
}

std::optional<std::string> CheckAspect(cv::Size crop, double min_aspect, double max_aspect) {
  // Division is correctly rounded, so 40 / 100 is exactly the double that "0.4" parses to:
  // the bounds are inclusive with no epsilon.
  const double r = static_cast<double>(crop.width) / crop.height;
  if (r < min_aspect) return std::string("aspect_below_min");
  if (r > max_aspect) return std::string("aspect_above_max");
  return std::nullopt;
}

int ChooseInterpolation(cv::Size from, int target) {
  return from.width <= target && from.height <= target ? cv::INTER_CUBIC : cv::INTER_AREA;
}

cv::Mat PadToSquare(const cv::Mat& roi) {
  const int side = std::max(roi.cols, roi.rows);
  const int left = (side - roi.cols) / 2, top = (side - roi.rows) / 2;
  cv::Mat square;
  cv::copyMakeBorder(roi, square, top, side - roi.rows - top, left, side - roi.cols - left,
                     cv::BORDER_CONSTANT, cv::Scalar(0));
  return square;
}

cv::Mat CentreCrop(const cv::Mat& image, int size) {
  return image(cv::Rect((image.cols - size) / 2, (image.rows - size) / 2, size, size));
}

Roi ExtractRoi(const cv::Mat& image, const cv::Mat& mask, const Options& options,
               bool check_aspect) {
  Roi roi;
  if (mask.size() != image.size()) {
    return Rejected(
        std::move(roi), "mask_size_mismatch",
        absl::StrCat("mask ", mask.cols, "x", mask.rows, ", image ", image.cols, "x", image.rows));
  }
  roi.mask_box = MaskBox(mask);
  if (roi.mask_box.empty()) return Rejected(std::move(roi), "empty_mask", "");
  roi.crop_box = AddContext(roi.mask_box, options.context, image.size());
  roi.aspect = static_cast<double>(roi.crop_box.width) / roi.crop_box.height;
  if (std::optional<std::string> reason =
          check_aspect ? CheckAspect(roi.crop_box.size(), options.min_aspect, options.max_aspect)
                       : std::nullopt) {
    const std::string detail = absl::StrCat("r=", roi.aspect, " box=", BoxText(roi.crop_box));
    return Rejected(std::move(roi), *reason, detail);
  }
  double lo = 0, hi = 0;
  const cv::Mat crop = image(roi.crop_box);
  cv::minMaxLoc(crop, &lo, &hi);
  // A constant crop has no contrast to stretch; cv::normalize would make it all 0.
  if (lo == hi) return Rejected(std::move(roi), "flat_roi", absl::StrCat("value=", lo));
  cv::Mat normalised;
  cv::normalize(crop, normalised, 0, 255, cv::NORM_MINMAX, CV_8U);
  // Padding after the min-max step: 0 is then the ROI's own darkest value.
  if (options.keep_aspect) normalised = PadToSquare(normalised);
  const int target = options.size + 2 * options.pad;
  roi.interpolation = ChooseInterpolation(normalised.size(), target);
  cv::Mat resized;
  cv::resize(normalised, resized, cv::Size(target, target), 0, 0, roi.interpolation);
  // A copy, not a view: OpenCV borders a view with its parent's pixels, so denoising the
  // view would see the cropped-away margin, which the paper's (Python) pipeline never does.
  const cv::Mat centre = CentreCrop(resized, options.size).clone();
  if (options.denoise) {
    cv::fastNlMeansDenoising(centre, roi.pixels, options.h, options.template_window,
                             options.search_window);
  } else {
    roi.pixels = centre;
  }
  return roi;
}

absl::StatusOr<Outcome> ProcessRecord(const Record& record, const Options& options) {
  Outcome outcome;
  const bool breast = record.masks_size() == 0;
  if (breast && !options.breast_without_mask) {
    outcome.reject = "no_mask";
    return outcome;
  }
  const std::string what = absl::StrCat("record ", record.id());
  cv::Mat mask, image;
  if (breast) {
    ASSIGN_OR_RETURN(image, DecodeGrey8(record.image(), absl::StrCat(what, ": image")));
    mask = BreastMask(image);
  } else {
    ASSIGN_OR_RETURN(mask, DecodeGrey8(record.masks(0), absl::StrCat(what, ": mask 0")));
    ASSIGN_OR_RETURN(
        image, DecodeImageForRoi(record.image(), mask, options, absl::StrCat(what, ": image")));
  }
  Roi roi = ExtractRoi(image, mask, options, /*check_aspect=*/!breast);
  if (!roi.reject.empty()) {
    outcome.reject = std::move(roi.reject);
    outcome.detail = std::move(roi.detail);
    return outcome;
  }
  ASSIGN_OR_RETURN(Image png, EncodeImage(roi.pixels, Image::PNG));
  Record& out = outcome.roi.emplace();
  // Copy everything but the big fields, which the ROI replaces.
  out.set_id(record.id());
  out.set_patient_id(record.patient_id());
  out.set_lesion_id(record.lesion_id());
  out.set_image_id(record.image_id());
  out.set_label(record.label());
  out.set_pathology(record.pathology());
  out.set_split(record.split());
  *out.mutable_attributes() = record.attributes();
  *out.mutable_provenance() = record.provenance();
  *out.mutable_image() = std::move(png);
  Box* box = out.mutable_roi_box();
  box->set_x(roi.crop_box.x);
  box->set_y(roi.crop_box.y);
  box->set_width(roi.crop_box.width);
  box->set_height(roi.crop_box.height);
  Provenance* step = out.add_provenance();
  step->set_stage("roicrop");
  step->set_tool("roicrop");
  step->set_tool_version(std::string(cli::kVersion));
  step->add_parent_ids(record.id());
  const std::pair<std::string, std::string> parameters[] = {
      {"aspect", absl::StrCat(roi.aspect)},
      {"crop_box", BoxText(roi.crop_box)},
      {"interpolation", InterpolationName(roi.interpolation)},
      {"mask_box", BoxText(roi.mask_box)},
      {"region", breast ? "breast" : "lesion"},
  };
  for (const auto& [name, value] : parameters) {
    Parameter* p = step->add_parameters();
    p->set_name(name);
    p->set_value(value);
  }
  // The run-wide settings too, after this ROI's own: the record then carries its whole
  // preprocessing into training, whose run.json keeps it for prediction on new images.
  for (const auto& [name, value] : MakeStageInfo(options).parameters) {
    Parameter* p = step->add_parameters();
    p->set_name(name);
    p->set_value(value);
  }
  return outcome;
}

StageInfo MakeStageInfo(const Options& o) {
  return StageInfo{"roicrop",
                   "roicrop",
                   std::string(cli::kVersion),
                   {{"breast_without_mask", o.breast_without_mask ? "true" : "false"},
                    {"context", FormatContext(o.context)},
                    {"denoise", o.denoise ? "true" : "false"},
                    {"h", absl::StrCat(o.h)},
                    {"keep_aspect", o.keep_aspect ? "true" : "false"},
                    {"max_aspect", absl::StrCat(o.max_aspect)},
                    {"min_aspect", absl::StrCat(o.min_aspect)},
                    {"pad", absl::StrCat(o.pad)},
                    {"search_window", absl::StrCat(o.search_window)},
                    {"size", absl::StrCat(o.size)},
                    {"template_window", absl::StrCat(o.template_window)}}};
}

std::string FormatSummary(const Summary& s) {
  uint64_t rejected = 0;
  std::string reasons;
  for (const auto& [reason, count] : s.rejected) {
    rejected += count;
    absl::StrAppend(&reasons, reasons.empty() ? "" : ", ", reason, " ", count);
  }
  std::string line = absl::StrCat("roicrop: ", s.read, " records read, ", s.written,
                                  " ROIs written, ", rejected, " rejected");
  if (!reasons.empty()) absl::StrAppend(&line, " (", reasons, ")");
  return line;
}

namespace {

// A record read, with where it was read for error messages.
struct ReadRecord {
  Record record;
  std::string position;
};

// A record's outcome, with the id kept: the record itself is freed once processed.
struct Processed {
  std::string id;
  Outcome outcome;
};

}  // namespace

absl::StatusOr<Summary> Run(const std::vector<std::string>& inputs, const std::string& output,
                            const Options& options, int threads, const std::string& rejects_path,
                            const Task& task) {
  RETURN_IF_ERROR(ValidateOptions(options));
  if (threads < 1)
    return absl::InvalidArgumentError("--threads must be at least 1 (or 0: all cores)");
  // OpenCV's thread count is process-wide: one thread per call, since the parallelism is
  // across ROIs (otherwise each denoising call would spawn its own pool on the same cores).
  cv::setNumThreads(1);
  ASSIGN_OR_RETURN(std::unique_ptr<ShardReader> reader, ShardReader::Open(inputs));
  RETURN_IF_ERROR(reader->SelectTask(task));
  std::unique_ptr<ByteWriter> rejects;
  if (!rejects_path.empty()) {
    absl::StatusOr<std::unique_ptr<ByteWriter>> file = ByteWriter::Create(rejects_path);
    if (!file.ok()) {
      return absl::Status(file.status().code(),
                          absl::StrCat("--rejects ", rejects_path, ": ", file.status().message()));
    }
    rejects = std::move(*file);
    RETURN_IF_ERROR(rejects->Write(kRejectsHeader));
  }
  ASSIGN_OR_RETURN(std::unique_ptr<ShardWriter> writer,
                   ShardWriter::Open(output, MakeStageInfo(options), task));

  Summary summary;
  cli::Progress progress("records", reader->ExpectedRecords());
  // Records processed in parallel (at most 4 per thread in flight), written in input order: the
  // output does not depend on the thread count, and the first failing record in input order
  // is the error reported.
  const absl::Status mapped = OrderedMap<ReadRecord, Processed>(
      {threads},
      [&]() -> absl::StatusOr<std::optional<ReadRecord>> {
        ReadRecord read;
        ASSIGN_OR_RETURN(bool more, reader->Next(&read.record));
        if (!more) return std::optional<ReadRecord>();
        read.position = reader->Position();
        return std::optional<ReadRecord>(std::move(read));
      },
      [&](ReadRecord read) -> absl::StatusOr<Processed> {
        absl::StatusOr<Outcome> outcome = ProcessRecord(read.record, options);
        if (!outcome.ok()) {
          return absl::Status(outcome.status().code(),
                              absl::StrCat(read.position, ": ", outcome.status().message()));
        }
        return Processed{read.record.id(), *std::move(outcome)};
      },
      [&](Processed processed) -> absl::Status {
        ++summary.read;
        const Outcome& outcome = processed.outcome;
        if (outcome.roi) {
          RETURN_IF_ERROR(writer->Write(*outcome.roi));
          ++summary.written;
        } else {
          ++summary.rejected[outcome.reject];
          if (rejects) {
            RETURN_IF_ERROR(
                rejects->Write(RejectsLine(processed.id, outcome.reject, outcome.detail)));
          }
        }
        progress.Add();
        return absl::OkStatus();
      });
  RETURN_IF_ERROR(mapped);
  progress.Finish();
  RETURN_IF_ERROR(writer->Close());
  if (rejects) RETURN_IF_ERROR(rejects->Close());
  return summary;
}

}  // namespace mammo::roicrop
