#include "tools/synth/synth_vindr.h"

#include <algorithm>
#include <filesystem>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "lib/io/byte_io.h"
#include "lib/status/status_macros.h"
#include "tools/synth/layout_images.h"
#include "tools/synth/synth_lib.h"
#include "tools/synth/synth_render.h"

namespace mammo::synth {
namespace {

namespace fs = std::filesystem;

// A 32-hex-digit name, as VinDr's hashed study, series and image ids.
std::string HexId(uint64_t seed, const std::string& role, uint64_t index) {
  const uint64_t a = Mix(Mix(seed, HashString(role)), index);
  return absl::StrFormat("%016x%016x", a, Mix(a, 0x76696e6472ULL));
}

// A finding of one breast: its categories, BI-RADS and look.
VindrFinding DrawFinding(Rng& rng, int j, int lesions) {
  struct FindingKind {
    std::vector<std::string> categories;
    std::vector<int> birads;  // empty: a category without BI-RADS
  };
  static const std::vector<FindingKind> kKinds = {
      {{"Mass"}, {3, 4, 4, 5}},
      {{"Mass"}, {3, 4, 5}},
      {{"Suspicious Calcification"}, {4, 5}},
      {{"Focal Asymmetry"}, {3, 4}},
      {{"Architectural Distortion"}, {4}},
      {{"Mass", "Skin Retraction"}, {4, 5}},
      {{"Suspicious Lymph Node"}, {}},
  };
  const FindingKind& kind =
      kKinds[static_cast<size_t>(rng.Int(0, static_cast<int>(kKinds.size()) - 1))];
  VindrFinding f;
  f.categories = kind.categories;
  int birads = 0;
  if (!kind.birads.empty()) {
    birads = kind.birads[static_cast<size_t>(rng.Int(0, static_cast<int>(kind.birads.size()) - 1))];
    f.birads = absl::StrCat("BI-RADS ", birads);
  } else {
    f.traps.push_back(kVindrTrapNoBirads);
  }
  if (f.categories.size() > 1) f.traps.push_back(kVindrTrapSeveralCategories);
  Abnormality& a = f.lesion;
  a.id = j + 1;
  a.pathology = birads >= 4 ? kMalignant : kBenign;
  a.shape_or_type = birads >= 4 ? "IRREGULAR" : "OVAL";
  a.margins_or_distribution = birads >= 4 ? "SPICULATED" : "CIRCUMSCRIBED";
  if (f.categories.front() == "Suspicious Calcification") {
    a.shape_or_type = "PLEOMORPHIC";
    a.margins_or_distribution = "CLUSTERED";
  }
  DrawPlacement(rng, j, lesions, 0.035, 0.075, a);
  return f;
}

Image RenderSpec(const VindrImage& vindr) {
  Image image =
      ImageSpec(vindr.width, vindr.height, vindr.laterality, vindr.view, vindr.render_seed);
  for (const VindrFinding& f : vindr.findings) image.abnormalities.push_back(f.lesion);
  if (!vindr.findings.empty() &&
      vindr.findings.front().categories.front() == "Suspicious Calcification") {
    image.kind = Kind::kCalc;
  }
  return image;
}

std::string Python(const std::vector<std::string>& categories) {
  return absl::StrCat("['", absl::StrJoin(categories, "', '"), "']");
}

std::string ImageCells(const VindrImage& image) {
  return absl::StrJoin(
      {image.study_id, image.series_id, image.image_id, image.laterality, image.view,
       absl::StrCat(image.height), absl::StrCat(image.width), image.breast_birads, image.density},
      ",");
}

std::string Split(const VindrImage& image) { return image.training ? "training" : "test"; }

// The box as written: fractional, inside the true box's pixels [x, x + width), so that the
// adapter's floor and ceiling give the true box back.
std::vector<std::string> BoxCells(const VindrImage& image, const VindrFinding& f,
                                  const cv::Rect& box) {
  std::string xmin = absl::StrFormat("%.2f", box.x + 0.25);
  if (f.HasTrap(kVindrTrapBoxOutside)) xmin = absl::StrFormat("%.2f", image.width + 10.5);
  if (f.HasTrap(kVindrTrapBadCoordinate)) xmin = "12O.5";  // a letter O, as OCR'd text has
  const double xmax = f.HasTrap(kVindrTrapBoxOutside) ? image.width + 60.0 : box.br().x - 0.5;
  return {xmin, absl::StrFormat("%.2f", box.y + 0.75), absl::StrFormat("%.2f", xmax),
          absl::StrFormat("%.2f", box.br().y - 0.25)};
}

}  // namespace

bool VindrFinding::HasTrap(const std::string& trap) const {
  return std::find(traps.begin(), traps.end(), trap) != traps.end();
}

std::vector<VindrImage> BuildVindrPlan(const PlanOptions& options) {
  Rng rng(Mix(options.seed, HashString("vindr")));
  std::vector<VindrImage> images;
  for (int s = 0; s < options.cases; ++s) {
    const std::string study_id = HexId(options.seed, "study", static_cast<uint64_t>(s));
    const bool training = s == 0 || (s != 1 && !rng.Chance(0.2));
    for (const char* side : {"L", "R"}) {
      // The first study has a box of two categories and one without BI-RADS; the second study's
      // right breast has no finding.
      std::vector<VindrFinding> findings;
      const bool first_left = s == 0 && side[0] == 'L', first_right = s == 0 && side[0] == 'R';
      if (first_left || first_right || (!(s == 1 && side[0] == 'R') && rng.Chance(0.5))) {
        const int lesions = rng.Chance(0.1) ? 2 : 1;
        for (int j = 0; j < lesions; ++j) findings.push_back(DrawFinding(rng, j, lesions));
      }
      if (first_left) {
        findings.front().categories = {"Mass", "Skin Retraction"};
        findings.front().birads = "BI-RADS 4";
        findings.front().traps = {kVindrTrapSeveralCategories};
      }
      if (first_right) {
        findings.front().categories = {"Suspicious Lymph Node"};
        findings.front().birads.clear();
        findings.front().traps = {kVindrTrapNoBirads};
      }
      int top = 1;
      for (const VindrFinding& f : findings) {
        if (!f.birads.empty()) top = std::max(top, f.birads.back() - '0');
      }
      const std::string breast_birads = absl::StrCat("BI-RADS ", findings.empty() ? 1 : top);
      const std::string density = absl::StrCat("DENSITY ", std::string(1, "ABCD"[rng.Int(0, 3)]));
      for (const char* view : {"CC", "MLO"}) {
        VindrImage image;
        const uint64_t index = images.size();
        image.study_id = study_id;
        image.image_id = HexId(options.seed, "image", index);
        image.series_id = HexId(options.seed, "series", index);
        image.dicom_study_uid = MakeUid(options.seed, "vindr-study", static_cast<uint64_t>(s));
        image.dicom_series_uid = MakeUid(options.seed, "vindr-series", index);
        image.dicom_sop_uid = MakeUid(options.seed, "vindr-sop", index);
        image.laterality = side;
        image.view = view;
        image.breast_birads = breast_birads;
        image.density = density;
        image.training = training;
        image.width = options.width;
        image.height = options.height;
        image.render_seed = rng.Next();
        image.findings = findings;
        // The same finding in the other projection: about as deep, elsewhere across.
        for (VindrFinding& f : image.findings) {
          if (image.view == "MLO") f.lesion.geometry.lateral = rng.Uniform(-0.45, 0.45);
        }
        images.push_back(std::move(image));
      }
    }
  }

  std::vector<VindrFinding*> rows;
  std::vector<VindrImage*> with_findings;
  for (VindrImage& image : images) {
    bool any = false;
    for (VindrFinding& f : image.findings) {
      if (f.birads.empty()) continue;
      rows.push_back(&f);
      any = true;
    }
    if (any) with_findings.push_back(&image);
  }
  const std::vector<std::string> row_traps = {kVindrTrapBoxOutside, kVindrTrapBadCoordinate};
  const auto picked_rows = PickTrapped(rows.size(), row_traps.size(), options.trap_rate, rng);
  for (size_t k = 0; k < row_traps.size(); ++k) {
    for (size_t i : picked_rows[k]) rows[i]->traps.push_back(row_traps[k]);
  }
  const auto picked_images = PickTrapped(with_findings.size(), 1, options.trap_rate, rng);
  for (size_t i : picked_images[0]) {
    with_findings[i]->missing = true;
    for (VindrFinding& f : with_findings[i]->findings) f.traps.push_back(kVindrTrapMissingImage);
  }
  return images;
}

std::string VindrBreastLevelCsv(const std::vector<VindrImage>& images) {
  std::string out =
      "study_id,series_id,image_id,laterality,view_position,height,width,breast_birads,"
      "breast_density,split\n";
  for (const VindrImage& image : images) {
    absl::StrAppend(&out, ImageCells(image), ",", Split(image), "\n");
  }
  return out;
}

std::string VindrFindingCsv(const std::vector<VindrImage>& images) {
  std::string out =
      "study_id,series_id,image_id,laterality,view_position,height,width,breast_birads,"
      "breast_density,finding_categories,finding_birads,xmin,ymin,xmax,ymax,split\n";
  for (const VindrImage& image : images) {
    if (image.findings.empty()) {
      absl::StrAppend(&out, ImageCells(image), ",['No Finding'],,,,,,", Split(image), "\n");
      continue;
    }
    for (size_t j = 0; j < image.findings.size(); ++j) {
      const VindrFinding& f = image.findings[j];
      absl::StrAppend(&out, ImageCells(image), ",", CsvCell(Python(f.categories)), ",", f.birads,
                      ",", absl::StrJoin(BoxCells(image, f, image.boxes[j]), ","), ",",
                      Split(image), "\n");
    }
  }
  return out;
}

std::string VindrTruthCsv(const std::vector<VindrImage>& images) {
  std::string out =
      "image_id,study_id,lesion_id,laterality,view,categories,finding_birads,label,split,traps,"
      "image_width,image_height,bbox_x,bbox_y,bbox_width,bbox_height\n";
  for (const VindrImage& image : images) {
    const size_t rows = std::max<size_t>(1, image.findings.size());
    for (size_t j = 0; j < rows; ++j) {
      const VindrFinding* f = image.findings.empty() ? nullptr : &image.findings[j];
      const cv::Rect box = f ? image.boxes[j] : cv::Rect();
      std::string label;
      if (f && !f->birads.empty()) label = f->birads.back() >= '4' ? "malignant" : "benign";
      const std::string traps =
          f ? (f->traps.empty() ? "none" : absl::StrJoin(f->traps, ";")) : kVindrTrapNoFinding;
      absl::StrAppend(
          &out,
          absl::StrJoin({image.image_id, image.study_id, absl::StrCat(image.image_id, "_", j + 1),
                         image.laterality, image.view,
                         CsvCell(f ? absl::StrJoin(f->categories, ", ") : "No Finding"),
                         f ? f->birads : "", label, Split(image), traps, absl::StrCat(image.width),
                         absl::StrCat(image.height), absl::StrCat(box.x), absl::StrCat(box.y),
                         absl::StrCat(box.width), absl::StrCat(box.height)},
                        ","),
          "\n");
    }
  }
  return out;
}

absl::Status SynthesizeVindr(const std::string& output, const PlanOptions& options, int threads) {
  std::vector<VindrImage> images = BuildVindrPlan(options);
  const fs::path root(output);
  RETURN_IF_ERROR(RenderLayoutImages(
      images.size(), threads,
      [&](size_t i) {
        const VindrImage& image = images[i];
        return LayoutImage{
            RenderSpec(image),
            (root / "images" / image.study_id / (image.image_id + ".dicom")).string(),
            image.missing};
      },
      [&](const std::string& path, size_t i, const cv::Mat& pixels) {
        const VindrImage& image = images[i];
        return WriteDicom(path, pixels,
                          {image.study_id, image.dicom_study_uid, image.dicom_series_uid,
                           image.dicom_sop_uid, "", 1},
                          {});
      },
      [&](size_t i, std::vector<RenderedRoi> rois) {
        for (const RenderedRoi& roi : rois) images[i].boxes.push_back(roi.bbox);
      }));
  RETURN_IF_ERROR(WriteFileAtomically((root / "breast-level_annotations.csv").string(),
                                      VindrBreastLevelCsv(images)));
  RETURN_IF_ERROR(
      WriteFileAtomically((root / "finding_annotations.csv").string(), VindrFindingCsv(images)));
  return WriteFileAtomically((root / "synth_truth.csv").string(), VindrTruthCsv(images));
}

}  // namespace mammo::synth
