#include "tools/synth/synth_mias.h"

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <iterator>
#include <opencv2/core.hpp>
#include <system_error>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "lib/io/byte_io.h"
#include "lib/status/status_macros.h"
#include "tools/synth/layout_images.h"
#include "tools/synth/synth_render.h"

namespace mammo::synth {
namespace {

namespace fs = std::filesystem;

// The look Render gives each MIAS class, through the CBIS-DDSM descriptors it reads.
struct ClassLook {
  const char* abnormality_class;
  const char* shape;
  const char* margins;
  double malignant_share;
};
constexpr ClassLook kLooks[] = {
    {"CIRC", "ROUND", "CIRCUMSCRIBED", 0.2},
    {"SPIC", "IRREGULAR", "SPICULATED", 0.8},
    {"MISC", "IRREGULAR", "ILL_DEFINED", 0.5},
    {"ARCH", "ARCHITECTURAL_DISTORTION", "ILL_DEFINED", 0.5},
    {"ASYM", "OVAL", "OBSCURED", 0.4},
    {"CALC", "PLEOMORPHIC", "CLUSTERED", 0.5},
};

MiasRow DrawLesion(Rng& rng, int j, int lesions) {
  const ClassLook& look = kLooks[rng.Int(0, static_cast<int>(std::size(kLooks)) - 1)];
  MiasRow row;
  row.abnormality_class = look.abnormality_class;
  row.severity = rng.Chance(look.malignant_share) ? "M" : "B";
  Abnormality& a = row.lesion;
  a.id = j + 1;
  a.pathology = row.severity == "M" ? kMalignant : kBenign;
  a.shape_or_type = look.shape;
  a.margins_or_distribution = look.margins;
  DrawPlacement(rng, j, lesions, 0.03, 0.06, a);
  return row;
}

// What Render draws for an image: MIAS films are read as MLO; the kind (mass or calcification
// drawing) follows the first row.
Image RenderSpec(const MiasImage& mias) {
  Image image;
  image.width = image.height = kMiasSize;
  image.side = mias.Side();
  image.view = "MLO";
  image.render_seed = mias.render_seed;
  for (const MiasRow& row : mias.rows) {
    if (row.abnormality_class == "NORM") continue;
    if (image.abnormalities.empty() && row.abnormality_class == "CALC") image.kind = Kind::kCalc;
    image.abnormalities.push_back(row.lesion);
  }
  return image;
}

// The Info.txt row, y from the bottom (README note 3): row 0 at the top is y = 1023.
std::string InfoLine(const MiasImage& image, const MiasRow& row) {
  std::vector<std::string> fields = {image.Ref(), image.background, row.abnormality_class};
  if (row.abnormality_class != "NORM") {
    fields.push_back(row.HasTrap(kMiasTrapBadSeverity) ? "U" : row.severity);
    if (row.HasTrap(kMiasTrapNoteToken)) {
      fields.push_back("NOTE");
    } else if (!row.HasTrap(kMiasTrapNoCoordinates)) {
      const int y = row.HasTrap(kMiasTrapCentreOutside) ? kMiasSize + row.radius + 5
                                                        : kMiasSize - 1 - row.row;
      absl::StrAppend(&fields.back(), " ", row.x, " ", y, " ", row.radius);
    }
  }
  return absl::StrCat(absl::StrJoin(fields, " "), row.HasTrap(kMiasTrapTrailingSpaces) ? "  " : "",
                      "\n");
}

// The enclosing circle of a rendered lesion's box: its centre and half its diagonal, so the
// whole lesion is inside, as MIAS's radius is "a circle enclosing the abnormality".
void SetCircle(const cv::Rect& box, MiasRow& row) {
  row.x = box.x + box.width / 2;
  row.row = box.y + box.height / 2;
  row.radius = static_cast<int>(std::ceil(std::hypot(box.width, box.height) / 2));
}

absl::Status WritePgm(const std::string& path, const cv::Mat& pixels) {
  cv::Mat grey;
  cv::normalize(pixels, grey, 0, 255, cv::NORM_MINMAX, CV_8U);
  std::string bytes = absl::StrCat("P5\n", grey.cols, " ", grey.rows, "\n255\n");
  for (int y = 0; y < grey.rows; ++y) {
    bytes.append(reinterpret_cast<const char*>(grey.ptr<uint8_t>(y)), grey.cols);
  }
  return WriteFileAtomically(path, bytes);
}

}  // namespace

bool MiasRow::HasTrap(const std::string& trap) const {
  return std::find(traps.begin(), traps.end(), trap) != traps.end();
}

std::string MiasImage::Ref() const { return absl::StrFormat("mdb%03d", number); }
std::string MiasImage::PatientId() const { return absl::StrFormat("mias_%03d", (number + 1) / 2); }
std::string MiasImage::Side() const { return number % 2 == 0 ? "LEFT" : "RIGHT"; }

std::vector<MiasImage> BuildMiasPlan(const PlanOptions& options) {
  Rng rng(Mix(options.seed, HashString("mias")));
  std::vector<MiasImage> images;
  for (int number = 1; number <= options.cases; ++number) {
    MiasImage image;
    image.number = number;
    image.background = std::string(1, "FGD"[rng.Int(0, 2)]);
    image.render_seed = rng.Next();
    // About a third of real mini-MIAS images have an abnormality (115 of 322 by common account).
    const bool normal = number == 3 || (number != 1 && number != 5 && rng.Chance(0.4));
    if (normal) {
      MiasRow row;
      row.abnormality_class = "NORM";
      row.traps.push_back(kMiasTrapNorm);
      image.rows.push_back(std::move(row));
    } else {
      const int lesions = number == 5 || rng.Chance(0.12) ? 2 : 1;
      for (int j = 0; j < lesions; ++j) image.rows.push_back(DrawLesion(rng, j, lesions));
    }
    images.push_back(std::move(image));
  }

  std::vector<MiasRow*> lesion_rows;
  std::vector<MiasImage*> lesion_images;
  for (MiasImage& image : images) {
    if (image.rows.front().abnormality_class == "NORM") continue;
    lesion_images.push_back(&image);
    for (MiasRow& row : image.rows) lesion_rows.push_back(&row);
  }
  const std::vector<std::string> row_traps = {kMiasTrapNoCoordinates, kMiasTrapNoteToken,
                                              kMiasTrapBadSeverity, kMiasTrapCentreOutside,
                                              kMiasTrapTrailingSpaces};
  const auto picked_rows =
      PickTrapped(lesion_rows.size(), row_traps.size(), options.trap_rate, rng);
  for (size_t k = 0; k < row_traps.size(); ++k) {
    for (size_t i : picked_rows[k]) {
      MiasRow& row = *lesion_rows[i];
      row.traps.push_back(row_traps[k]);
      // Only calcification clusters come without a centre (README note 4).
      if (row_traps[k] == kMiasTrapNoCoordinates || row_traps[k] == kMiasTrapNoteToken) {
        row.abnormality_class = "CALC";
        row.lesion.shape_or_type = "PLEOMORPHIC";
        row.lesion.margins_or_distribution = "DIFFUSELY_SCATTERED";
      }
    }
  }
  const auto picked_images = PickTrapped(lesion_images.size(), 1, options.trap_rate, rng);
  for (size_t i : picked_images[0]) {
    lesion_images[i]->missing = true;
    for (MiasRow& row : lesion_images[i]->rows) row.traps.push_back(kMiasTrapMissingImage);
  }
  return images;
}

std::string MiasInfoTxt(const std::vector<MiasImage>& images) {
  std::string out = "REFNUM BG CLASS SEVERITY X Y RADIUS\n";
  for (const MiasImage& image : images) {
    for (const MiasRow& row : image.rows) absl::StrAppend(&out, InfoLine(image, row));
  }
  return out;
}

std::string MiasTruthCsv(const std::vector<MiasImage>& images) {
  std::string out =
      "refnum,lesion_id,patient_id,laterality,class,severity,label,traps,x,row,radius,bbox_x,"
      "bbox_y,bbox_width,bbox_height,image_file\n";
  const cv::Rect frame(0, 0, kMiasSize, kMiasSize);
  for (const MiasImage& image : images) {
    for (size_t j = 0; j < image.rows.size(); ++j) {
      const MiasRow& row = image.rows[j];
      const bool norm = row.abnormality_class == "NORM";
      const cv::Rect box = norm ? cv::Rect()
                                : cv::Rect(row.x - row.radius, row.row - row.radius,
                                           2 * row.radius + 1, 2 * row.radius + 1) &
                                      frame;
      const std::string label = norm ? "" : (row.severity == "M" ? "malignant" : "benign");
      absl::StrAppend(
          &out,
          absl::StrJoin({image.Ref(), absl::StrCat(image.Ref(), "_", j + 1), image.PatientId(),
                         image.Side(), row.abnormality_class, row.severity, label,
                         row.traps.empty() ? std::string("none") : absl::StrJoin(row.traps, ";"),
                         absl::StrCat(row.x), absl::StrCat(row.row), absl::StrCat(row.radius),
                         absl::StrCat(box.x), absl::StrCat(box.y), absl::StrCat(box.width),
                         absl::StrCat(box.height), absl::StrCat("all-mias/", image.Ref(), ".pgm")},
                        ","),
          "\n");
    }
  }
  return out;
}

absl::Status SynthesizeMias(const std::string& output, const PlanOptions& options, int threads) {
  std::vector<MiasImage> images = BuildMiasPlan(options);
  const fs::path folder = fs::path(output) / "all-mias";
  std::error_code error;
  fs::create_directories(folder, error);
  if (error) {
    return absl::PermissionDeniedError(
        absl::StrCat("cannot create ", folder.string(), ": ", error.message()));
  }
  RETURN_IF_ERROR(RenderLayoutImages(
      images.size(), threads,
      [&](size_t i) {
        const MiasImage& image = images[i];
        return LayoutImage{RenderSpec(image), (folder / absl::StrCat(image.Ref(), ".pgm")).string(),
                           image.missing};
      },
      [&](const std::string& path, size_t /*i*/, const cv::Mat& pixels) {
        return WritePgm(path, pixels);
      },
      [&](size_t i, std::vector<RenderedRoi> rois) {
        size_t k = 0;
        for (MiasRow& row : images[i].rows) {
          if (row.abnormality_class != "NORM") SetCircle(rois[k++].bbox, row);
        }
      }));
  RETURN_IF_ERROR(
      WriteFileAtomically((fs::path(output) / "Info.txt").string(), MiasInfoTxt(images)));
  return WriteFileAtomically((fs::path(output) / "synth_truth.csv").string(), MiasTruthCsv(images));
}

}  // namespace mammo::synth
