#include "tools/synth/synth_cmmd.h"

#include <algorithm>
#include <filesystem>
#include <numeric>
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

constexpr char kManifest[] = "manifest-1616439774";
constexpr char kSnomedCc[] = "399162004";
constexpr char kSnomedMlo[] = "399368009";

// One image of the plan with what it belongs to, in writing order.
struct PlannedImage {
  const CmmdPatient* patient;
  const CmmdBreast* breast;
  const CmmdImage* image;
};

std::vector<PlannedImage> Images(const std::vector<CmmdPatient>& patients) {
  std::vector<PlannedImage> images;
  for (const CmmdPatient& patient : patients) {
    for (const CmmdBreast& breast : patient.breasts) {
      for (const CmmdImage& image : breast.images) images.push_back({&patient, &breast, &image});
    }
  }
  return images;
}

// The NBIA folders of a patient's one study and series (names as the downloader forms them:
// the study date, the series number and a UID tail).
fs::path SeriesFolder(const fs::path& root, const CmmdPatient& patient) {
  return root / kManifest / "CMMD" / patient.id /
         absl::StrCat("07-18-2010-NA-NA-", patient.study_uid.substr(patient.study_uid.size() - 5)) /
         absl::StrCat("1.000000-NA-", patient.series_uid.substr(patient.series_uid.size() - 5));
}

std::string ImageId(const CmmdPatient& patient, const CmmdBreast& breast, const CmmdImage& image) {
  return absl::StrCat(patient.id, "_", breast.side, "_", image.view);
}

CmmdBreast DrawBreast(Rng& rng, const std::string& side, bool d2, bool malignant) {
  CmmdBreast breast;
  breast.side = side;
  static const char* const kAbnormalities[] = {"mass", "mass", "calcification", "both"};
  breast.abnormality = kAbnormalities[rng.Int(0, 3)];
  breast.classification = malignant ? "Malignant" : "Benign";
  if (d2 && malignant) {
    static const char* const kSubtypes[] = {"Luminal A", "Luminal B", "HER2-enriched",
                                            "triple negative"};
    breast.subtype = kSubtypes[rng.Int(0, 3)];
  }
  Abnormality& a = breast.lesion;
  a.pathology = malignant ? kMalignant : kBenign;
  a.shape_or_type = malignant ? "IRREGULAR" : "OVAL";
  a.margins_or_distribution = malignant ? "SPICULATED" : "CIRCUMSCRIBED";
  DrawPlacement(rng, 0, 1, 0.04, 0.08, a);
  return breast;
}

}  // namespace

std::vector<CmmdPatient> BuildCmmdPlan(const PlanOptions& options) {
  Rng rng(Mix(options.seed, HashString("cmmd")));
  std::vector<CmmdPatient> patients;
  const int d1 = (options.cases + 1) / 2;
  for (int p = 0; p < options.cases; ++p) {
    const bool d2 = p >= d1;
    CmmdPatient patient;
    patient.id = absl::StrFormat("D%d-%04d", d2 ? 2 : 1, (d2 ? p - d1 : p) + 1);
    patient.age = rng.Int(30, 80);
    patient.study_uid = MakeUid(options.seed, "cmmd-study", static_cast<uint64_t>(p));
    patient.series_uid = MakeUid(options.seed, "cmmd-series", static_cast<uint64_t>(p));
    const bool both = p == 0 || p == d1 || rng.Chance(0.33);
    const std::string first_side = rng.Chance(0.5) ? "L" : "R";
    // The first of each cohort is malignant: D1's without subtype, D2's with one (trap 4).
    patient.breasts.push_back(
        DrawBreast(rng, first_side, d2, p == 0 || p == d1 || rng.Chance(0.6)));
    if (both) {
      // The first patient has a benign and a malignant breast (spec trap 3); the first of D2 an
      // imaged breast without a row (trap 2), as most of D2's second breasts.
      CmmdBreast other = DrawBreast(rng, first_side == "L" ? "R" : "L", d2, false);
      other.has_row = p == 0 || (p != d1 && !(d2 && rng.Chance(0.7)));
      patient.breasts.push_back(std::move(other));
    }
    // The downloader numbers files in an order that says nothing about the side (trap 1).
    std::vector<int> numbers(2 * patient.breasts.size());
    std::iota(numbers.begin(), numbers.end(), 1);
    for (size_t i = numbers.size(); i > 1; --i) {
      std::swap(numbers[i - 1], numbers[static_cast<size_t>(rng.Int(0, static_cast<int>(i) - 1))]);
    }
    size_t k = 0;
    for (CmmdBreast& breast : patient.breasts) {
      for (const char* view : {"CC", "MLO"}) {
        CmmdImage image;
        image.view = view;
        image.file_number = numbers[k];
        image.render_seed = rng.Next();
        image.sop_uid = MakeUid(options.seed, "cmmd-sop", static_cast<uint64_t>(p * 4 + k));
        breast.images.push_back(std::move(image));
        ++k;
      }
    }
    patients.push_back(std::move(patient));
  }

  // Traps on breasts with a row, each breast at most one, none on the first patient (whose
  // benign-and-malignant pair must stay whole); 16 bits on the first patient's left breast, as
  // the real set has on D1-1343's.
  std::vector<CmmdBreast*> rows;
  for (size_t p = 1; p < patients.size(); ++p) {
    for (CmmdBreast& breast : patients[p].breasts) {
      if (breast.has_row) rows.push_back(&breast);
    }
  }
  const auto picked = PickTrapped(rows.size(), 3, options.trap_rate, rng);
  for (size_t i : picked[0]) rows[i]->classification = "Unknown";
  for (size_t i : picked[1]) rows[i]->missing = true;
  for (size_t i : picked[2]) rows[i]->images.front().no_laterality = true;
  for (CmmdBreast& breast : patients.front().breasts) breast.sixteen_bit = breast.side == "L";
  int line = 1;
  for (CmmdPatient& patient : patients) {
    for (CmmdBreast& breast : patient.breasts) {
      if (breast.has_row) breast.csv_line = ++line;
    }
  }
  return patients;
}

std::string CmmdClinicalCsv(const std::vector<CmmdPatient>& patients) {
  std::string out = "ID1;LeftRight;Age;number;abnormality;classification;subtype\n";
  for (const CmmdPatient& patient : patients) {
    for (const CmmdBreast& breast : patient.breasts) {
      if (!breast.has_row) continue;
      absl::StrAppend(
          &out,
          absl::StrJoin({patient.id, breast.side, absl::StrCat(patient.age), std::string("1"),
                         breast.abnormality, breast.classification, breast.subtype},
                        ";"),
          "\n");
    }
  }
  return out;
}

std::string CmmdTruthCsv(const std::vector<CmmdPatient>& patients) {
  std::string out = "id,patient_id,side,view,classification,label,traps,csv_line\n";
  for (const CmmdPatient& patient : patients) {
    const bool mixed = patient.breasts.size() == 2 && patient.breasts[0].has_row &&
                       patient.breasts[1].has_row &&
                       patient.breasts[0].classification == "Malignant" &&
                       patient.breasts[1].classification == "Benign";
    for (const CmmdBreast& breast : patient.breasts) {
      std::vector<std::string> traps;
      if (!breast.has_row) traps.push_back(kCmmdTrapUnlabelled);
      if (mixed) traps.push_back(kCmmdTrapMixedPatient);
      if (breast.sixteen_bit) traps.push_back(kCmmdTrapSixteenBit);
      if (breast.classification == "Unknown") traps.push_back(kCmmdTrapBadClassification);
      std::string label = breast.classification == "Malignant" ? "malignant" : "benign";
      if (!breast.has_row || breast.classification == "Unknown") label.clear();
      auto line = [&](const std::string& id, const std::string& view,
                      std::vector<std::string> all_traps) {
        absl::StrAppend(
            &out,
            absl::StrJoin({id, patient.id, breast.side, view, breast.classification, label,
                           all_traps.empty() ? std::string("none") : absl::StrJoin(all_traps, ";"),
                           absl::StrCat(breast.csv_line)},
                          ","),
            "\n");
      };
      if (breast.missing) {
        traps.push_back(kCmmdTrapMissingImage);
        line(absl::StrCat(patient.id, "_", breast.side), "", traps);
        continue;
      }
      for (const CmmdImage& image : breast.images) {
        std::vector<std::string> image_traps = traps;
        if (image.no_laterality) image_traps.push_back(kCmmdTrapNoLaterality);
        line(ImageId(patient, breast, image), image.view, image_traps);
      }
    }
  }
  return out;
}

absl::Status SynthesizeCmmd(const std::string& output, const PlanOptions& options, int threads) {
  const std::vector<CmmdPatient> patients = BuildCmmdPlan(options);
  const std::vector<PlannedImage> images = Images(patients);
  const fs::path root(output);
  RETURN_IF_ERROR(RenderLayoutImages(
      images.size(), threads,
      [&](size_t i) {
        const PlannedImage& planned = images[i];
        Image spec = ImageSpec(options.width, options.height, planned.breast->side,
                               planned.image->view, planned.image->render_seed);
        spec.abnormalities.push_back(planned.breast->lesion);
        return LayoutImage{spec,
                           (SeriesFolder(root, *planned.patient) /
                            absl::StrCat("1-", planned.image->file_number, ".dcm"))
                               .string(),
                           planned.breast->missing};
      },
      [&](const std::string& path, size_t i, const cv::Mat& pixels) {
        const PlannedImage& planned = images[i];
        // CMMD stores 8 bits but for one patient's two images (spec trap 6).
        cv::Mat stored = pixels;
        if (!planned.breast->sixteen_bit) pixels.convertTo(stored, CV_8U, 1.0 / 257);
        DicomTags tags;
        tags.patient_id = planned.patient->id;
        tags.study_uid = planned.patient->study_uid;
        tags.series_uid = planned.patient->series_uid;
        tags.sop_uid = planned.image->sop_uid;
        tags.instance_number = planned.image->file_number;
        DicomView view;
        if (!planned.image->no_laterality) view.image_laterality = planned.breast->side;
        view.view_code = planned.image->view == "CC" ? kSnomedCc : kSnomedMlo;
        return WriteDicom(path, stored, tags, {}, view);
      },
      [](size_t, std::vector<RenderedRoi>) {}));
  RETURN_IF_ERROR(
      WriteFileAtomically((root / kCmmdClinicalCsv).string(), CmmdClinicalCsv(patients)));
  return WriteFileAtomically((root / "synth_truth.csv").string(), CmmdTruthCsv(patients));
}

}  // namespace mammo::synth
