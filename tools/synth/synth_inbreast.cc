#include "tools/synth/synth_inbreast.h"

#include <algorithm>
#include <filesystem>
#include <opencv2/imgproc.hpp>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "lib/io/byte_io.h"
#include "lib/status/status_macros.h"
#include "tools/synth/layout_images.h"
#include "tools/synth/synth_lib.h"

namespace mammo::synth {
namespace {

namespace fs = std::filesystem;

// INbreast's pixels are 70 micrometres (the paper); Point_mm is written from it.
constexpr double kMillimetresPerPixel = 0.07;

bool Contains(const std::vector<std::string>& traps, const std::string& trap) {
  return std::find(traps.begin(), traps.end(), trap) != traps.end();
}

// A mass of a breast of BI-RADS `birads`: suspicious ones look malignant.
InbreastRoi DrawMass(Rng& rng, const std::string& birads, int j, int lesions) {
  InbreastRoi roi;
  roi.name = "Mass";
  const bool suspicious = birads[0] >= '4';
  Abnormality& a = roi.lesion;
  a.id = j + 1;
  a.pathology = suspicious ? kMalignant : kBenign;
  a.shape_or_type = suspicious ? "IRREGULAR" : "OVAL";
  a.margins_or_distribution = suspicious ? "SPICULATED" : "CIRCUMSCRIBED";
  DrawPlacement(rng, j, lesions, 0.04, 0.08, a);
  return roi;
}

// A breast's ROIs and BI-RADS: a mass (two at times) with BI-RADS 3 to 6, or nothing drawn
// with BI-RADS 1 or 2.
std::vector<InbreastRoi> DrawBreast(Rng& rng, bool with_mass, std::string& birads) {
  static const char* const kMassBirads[] = {"3", "4a", "4b", "4c", "5", "6"};
  std::vector<InbreastRoi> rois;
  if (!with_mass) {
    birads = rng.Chance(0.5) ? "1" : "2";
    return rois;
  }
  birads = kMassBirads[rng.Int(0, 5)];
  const int lesions = rng.Chance(0.12) ? 2 : 1;
  for (int j = 0; j < lesions; ++j) rois.push_back(DrawMass(rng, birads, j, lesions));
  return rois;
}

Image RenderSpec(const InbreastImage& inbreast) {
  Image image = ImageSpec(inbreast.width, inbreast.height, inbreast.laterality, inbreast.view,
                          inbreast.render_seed);
  for (const InbreastRoi& roi : inbreast.rois) {
    if (roi.name == "Mass") image.abnormalities.push_back(roi.lesion);
  }
  return image;
}

// The lesion's outline as OsiriX draws it: the outer contour of its largest part.
std::vector<cv::Point> Outline(const cv::Mat& mask) {
  std::vector<std::vector<cv::Point>> contours;
  cv::findContours(mask.clone(), contours, cv::RETR_EXTERNAL, cv::CHAIN_APPROX_SIMPLE);
  if (contours.empty()) return {};
  return *std::max_element(contours.begin(), contours.end(), [](const auto& a, const auto& b) {
    return cv::contourArea(a) < cv::contourArea(b);
  });
}

// Point_px as written: fractions that round back to the pixel, x first; under the
// outline_outside trap the first point lies beyond the image's right edge.
std::vector<cv::Point2d> WrittenPoints(const InbreastImage& image, const InbreastRoi& roi) {
  std::vector<cv::Point2d> points;
  for (const cv::Point& p : roi.outline) points.emplace_back(p.x + 0.21, p.y - 0.17);
  if (roi.HasTrap(kInbreastTrapOutlineOutside) && !points.empty())
    points.front().x = image.width + 12.4;
  return points;
}

void AppendKey(std::string& out, const std::string& indent, const std::string& key,
               const std::string& value) {
  absl::StrAppend(&out, indent, "<key>", key, "</key>\n", indent, value, "\n");
}

std::string PointArray(const std::string& indent, const std::vector<std::string>& points) {
  std::string out = "<array>\n";
  for (const std::string& p : points) absl::StrAppend(&out, indent, "\t<string>", p, "</string>\n");
  return absl::StrCat(out, indent, "</array>");
}

// One ROI dict, keys in OsiriX's alphabetical order; under missing_keys the statistics keys are
// left out, which moves Name and Point_px from the positions that two loaders index.
std::string RoiDict(const InbreastImage& image, const InbreastRoi& roi, int index) {
  const std::string in = "\t\t\t\t\t";
  const std::vector<cv::Point2d> points = WrittenPoints(image, roi);
  std::vector<std::string> px, mm;
  for (const cv::Point2d& p : points) {
    px.push_back(absl::StrFormat("(%.2f, %.2f)", p.x, p.y));
    mm.push_back(absl::StrFormat("(%.4f, %.4f, 0.0000)", p.x * kMillimetresPerPixel,
                                 p.y * kMillimetresPerPixel));
  }
  const bool all_keys = !roi.HasTrap(kInbreastTrapMissingKeys);
  const cv::Rect box = cv::boundingRect(roi.outline);
  std::string out = "\t\t\t\t<dict>\n";
  if (all_keys) {
    AppendKey(
        out, in, "Area",
        absl::StrFormat("<real>%.4f</real>", cv::contourArea(roi.outline) * kMillimetresPerPixel *
                                                 kMillimetresPerPixel / 100));
    AppendKey(out, in, "Center",
              absl::StrFormat("<string>(%.4f, %.4f, 0.0000)</string>",
                              (box.x + box.width / 2.0) * kMillimetresPerPixel,
                              (box.y + box.height / 2.0) * kMillimetresPerPixel));
    AppendKey(out, in, "Dev", "<real>412.5</real>");
  }
  AppendKey(out, in, "IndexInImage", absl::StrCat("<integer>", index, "</integer>"));
  if (all_keys) {
    AppendKey(out, in, "Max", "<real>3012</real>");
    AppendKey(out, in, "Mean", "<real>2245.8</real>");
    AppendKey(out, in, "Min", "<real>1420</real>");
  }
  AppendKey(out, in, "Name", absl::StrCat("<string>", roi.name, "</string>"));
  AppendKey(out, in, "NumberOfPoints", absl::StrCat("<integer>", points.size(), "</integer>"));
  AppendKey(out, in, "Point_mm", PointArray(in, mm));
  AppendKey(out, in, "Point_px", PointArray(in, px));
  if (all_keys) AppendKey(out, in, "Total", "<real>0</real>");
  AppendKey(out, in, "Type", absl::StrCat("<integer>", points.size() == 1 ? 19 : 15, "</integer>"));
  return absl::StrCat(out, "\t\t\t\t</dict>\n");
}

std::string CsvLine(const InbreastImage& image) {
  std::vector<std::string> cells = {"",
                                    "",
                                    image.laterality,
                                    image.view,
                                    "200901",
                                    image.file_name,
                                    absl::StrCat(image.acr),
                                    image.birads};
  if (image.HasTrap(kInbreastTrapBadCsvRow)) cells.erase(cells.begin() + 6);
  return absl::StrCat(absl::StrJoin(cells, ";"), "\n");
}

}  // namespace

bool InbreastRoi::HasTrap(const std::string& trap) const { return Contains(traps, trap); }
bool InbreastImage::HasTrap(const std::string& trap) const { return Contains(traps, trap); }

std::string InbreastImage::DicomName() const {
  return absl::StrCat(file_name, "_", patient_hash, "_MG_", laterality, "_",
                      view == "MLO" ? "ML" : view, "_ANON.dcm");
}

std::vector<InbreastImage> BuildInbreastPlan(const PlanOptions& options) {
  Rng rng(Mix(options.seed, HashString("inbreast")));
  std::vector<InbreastImage> images;
  int file_name = 20586908;
  for (int p = 0; p < options.cases; ++p) {
    const std::string hash = absl::StrFormat("%016x", Mix(options.seed, HashString("patient") + p));
    const bool mastectomy = p != 0 && rng.Chance(0.2);
    // The other detector size (trap 6): the spec's 2560 x 3328 against 3328 x 4084.
    const bool second_size = p == 1 || (p > 1 && rng.Chance(0.15));
    std::vector<std::string> sides = {"L", "R"};
    if (mastectomy) sides = {rng.Chance(0.5) ? "L" : "R"};
    for (const std::string& side : sides) {
      std::string birads;
      std::vector<InbreastRoi> rois =
          DrawBreast(rng, (p == 0 && side == "L") || (p != 0 && rng.Chance(0.5)), birads);
      if (p == 0 && side == "R") {
        InbreastRoi calc;
        calc.name = "Calcification";
        calc.traps.push_back(kInbreastTrapPointRoi);
        rois.push_back(std::move(calc));
      }
      const int acr = rng.Int(1, 4);
      for (const char* view : {"CC", "MLO"}) {
        InbreastImage image;
        const uint64_t index = images.size();
        file_name += rng.Int(1, 400);
        image.file_name = absl::StrCat(file_name);
        image.patient_hash = hash;
        image.laterality = side;
        image.view = view;
        image.birads = birads;
        image.acr = acr;
        image.width = second_size ? options.width * 2560 / 3328 : options.width;
        image.height = second_size ? options.height * 3328 / 4084 : options.height;
        if (second_size) image.traps.push_back(kInbreastTrapSecondSize);
        image.render_seed = rng.Next();
        image.study_uid = MakeUid(options.seed, "inbreast-study", static_cast<uint64_t>(p));
        image.series_uid = MakeUid(options.seed, "inbreast-series", index);
        image.sop_uid = MakeUid(options.seed, "inbreast-sop", index);
        image.rois = rois;
        // The same mass in the other projection: about as deep, elsewhere across.
        for (InbreastRoi& roi : image.rois) {
          if (image.view == "MLO") roi.lesion.geometry.lateral = rng.Uniform(-0.45, 0.45);
        }
        images.push_back(std::move(image));
      }
    }
  }

  // The first image keeps its dict without the statistics keys and no other trap, so that the
  // trap is seen in a converted record.
  images.front().rois.front().traps.push_back(kInbreastTrapMissingKeys);
  std::vector<InbreastRoi*> masses;
  std::vector<InbreastImage*> with_masses;
  for (size_t i = 1; i < images.size(); ++i) {
    InbreastImage& image = images[i];
    for (InbreastRoi& roi : image.rois) {
      if (roi.name == "Mass") masses.push_back(&roi);
    }
    if (!image.rois.empty() && image.rois.front().name == "Mass") with_masses.push_back(&image);
  }
  const std::vector<std::string> roi_traps = {kInbreastTrapMissingKeys,
                                              kInbreastTrapOutlineOutside};
  const auto picked_rois = PickTrapped(masses.size(), roi_traps.size(), options.trap_rate, rng);
  for (size_t k = 0; k < roi_traps.size(); ++k) {
    for (size_t i : picked_rois[k]) masses[i]->traps.push_back(roi_traps[k]);
  }
  const std::vector<std::string> image_traps = {kInbreastTrapMissingImage, kInbreastTrapBadXml,
                                                kInbreastTrapBadCsvRow};
  const auto picked_images =
      PickTrapped(with_masses.size(), image_traps.size(), options.trap_rate, rng);
  for (size_t k = 0; k < image_traps.size(); ++k) {
    for (size_t i : picked_images[k]) with_masses[i]->traps.push_back(image_traps[k]);
  }
  return images;
}

std::string InbreastCsv(const std::vector<InbreastImage>& images) {
  std::string out =
      "Patient ID;Patient age;Laterality;View;Acquisition date;File Name;ACR;Bi-Rads\n";
  for (const InbreastImage& image : images) absl::StrAppend(&out, CsvLine(image));
  return out;
}

std::string InbreastXml(const InbreastImage& image) {
  std::string out = absl::StrCat(
      "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
      "<!DOCTYPE plist PUBLIC \"-//Apple//DTD PLIST 1.0//EN\" "
      "\"http://www.apple.com/DTDs/PropertyList-1.0.dtd\">\n"
      "<plist version=\"1.0\">\n<dict>\n\t<key>Images</key>\n\t<array>\n\t\t<dict>\n"
      "\t\t\t<key>ImageIndex</key>\n\t\t\t<integer>0</integer>\n"
      "\t\t\t<key>NumberOfROIs</key>\n\t\t\t<integer>",
      image.rois.size(), "</integer>\n\t\t\t<key>ROIs</key>\n\t\t\t<array>\n");
  for (size_t j = 0; j < image.rois.size(); ++j) {
    absl::StrAppend(&out, RoiDict(image, image.rois[j], static_cast<int>(j)));
  }
  absl::StrAppend(&out, "\t\t\t</array>\n\t\t</dict>\n\t</array>\n</dict>\n</plist>\n");
  // A copy cut short in transfer: the elements it opened are never closed.
  if (image.HasTrap(kInbreastTrapBadXml)) out.resize(out.size() * 3 / 5);
  return out;
}

std::string InbreastTruthCsv(const std::vector<InbreastImage>& images) {
  std::string out =
      "file_name,lesion_id,patient_id,laterality,view,birads,label,roi_name,traps,csv_line,"
      "image_width,image_height,bbox_x,bbox_y,bbox_width,bbox_height\n";
  for (size_t i = 0; i < images.size(); ++i) {
    const InbreastImage& image = images[i];
    const size_t rows = std::max<size_t>(1, image.rois.size());
    for (size_t j = 0; j < rows; ++j) {
      const InbreastRoi* roi = image.rois.empty() ? nullptr : &image.rois[j];
      std::vector<std::string> traps = image.traps;
      if (roi == nullptr) traps.push_back(kInbreastTrapNoXml);
      if (roi != nullptr) traps.insert(traps.end(), roi->traps.begin(), roi->traps.end());
      const cv::Rect box = roi != nullptr ? cv::boundingRect(roi->outline) : cv::Rect();
      absl::StrAppend(
          &out,
          absl::StrJoin(
              std::vector<std::string>{
                  image.file_name,
                  roi != nullptr ? absl::StrCat(image.file_name, "_", j + 1) : image.file_name,
                  image.patient_hash, image.laterality, image.view, image.birads,
                  image.birads[0] >= '4' ? "malignant" : "benign", roi != nullptr ? roi->name : "",
                  traps.empty() ? std::string("none") : absl::StrJoin(traps, ";"),
                  absl::StrCat(i + 2), absl::StrCat(image.width), absl::StrCat(image.height),
                  absl::StrCat(box.x), absl::StrCat(box.y), absl::StrCat(box.width),
                  absl::StrCat(box.height)},
              ","),
          "\n");
    }
  }
  return out;
}

absl::Status SynthesizeInbreast(const std::string& output, const PlanOptions& options,
                                int threads) {
  std::vector<InbreastImage> images = BuildInbreastPlan(options);
  const fs::path root(output);
  RETURN_IF_ERROR(RenderLayoutImages(
      images.size(), threads,
      [&](size_t i) {
        const InbreastImage& image = images[i];
        return LayoutImage{RenderSpec(image), (root / "AllDICOMs" / image.DicomName()).string(),
                           image.HasTrap(kInbreastTrapMissingImage)};
      },
      [&](const std::string& path, size_t i, const cv::Mat& pixels) {
        const InbreastImage& image = images[i];
        return WriteDicom(
            path, pixels,
            {image.patient_hash, image.study_uid, image.series_uid, image.sop_uid, "", 1}, {});
      },
      [&](size_t i, std::vector<RenderedRoi> rendered) {
        InbreastImage& image = images[i];
        size_t k = 0;
        for (InbreastRoi& roi : image.rois) {
          if (roi.name == "Mass") {
            roi.outline = Outline(rendered[k++].mask);
          } else {  // a calcification drawn as one point, in the breast's middle
            roi.outline = {cv::Point(image.width / 4, image.height / 2)};
          }
        }
      }));
  std::error_code error;
  fs::create_directories(root / "AllXML", error);
  if (error) return absl::PermissionDeniedError(absl::StrCat(output, "/AllXML: ", error.message()));
  for (const InbreastImage& image : images) {
    const std::string path = (root / "AllXML" / (image.file_name + ".xml")).string();
    if (!image.rois.empty()) RETURN_IF_ERROR(WriteFileAtomically(path, InbreastXml(image)));
  }
  RETURN_IF_ERROR(WriteFileAtomically((root / "INbreast.csv").string(), InbreastCsv(images)));
  return WriteFileAtomically((root / "synth_truth.csv").string(), InbreastTruthCsv(images));
}

}  // namespace mammo::synth
