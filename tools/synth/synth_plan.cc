#include "tools/synth/synth_plan.h"

#include <algorithm>
#include <cmath>
#include <optional>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"

namespace mammo::synth {
namespace {

constexpr double kPi = 3.14159265358979323846;

// Shares close to the real mass set (Table 4 of the paper): about 10% BENIGN_WITHOUT_CALLBACK.
std::string DrawPathology(Rng& rng) {
  const double u = rng.Uniform();
  if (u < 0.46) return kMalignant;
  if (u < 0.90) return kBenign;
  return kBenignWithoutCallback;
}

template <typename T>
const T& Pick(Rng& rng, const std::vector<T>& values) {
  return values[static_cast<size_t>(rng.Int(0, static_cast<int>(values.size()) - 1))];
}

// Descriptors follow the pathology the way BI-RADS does, with a little overlap, so the
// columns mean something but do not give the label away.
void DrawMassDescriptors(Rng& rng, Abnormality& a) {
  static const std::vector<std::string> kBenignShapes = {"OVAL", "ROUND", "LOBULATED", "LYMPH_NODE",
                                                         "OVAL-LOBULATED"};
  static const std::vector<std::string> kMalignantShapes = {
      "IRREGULAR", "IRREGULAR-ARCHITECTURAL_DISTORTION", "ARCHITECTURAL_DISTORTION", "LOBULATED"};
  static const std::vector<std::string> kBenignMargins = {"CIRCUMSCRIBED", "CIRCUMSCRIBED",
                                                          "OBSCURED", "MICROLOBULATED"};
  static const std::vector<std::string> kMalignantMargins = {"SPICULATED", "ILL_DEFINED",
                                                             "ILL_DEFINED-SPICULATED"};
  const bool malignant_look = a.Malignant() != rng.Chance(0.1);
  a.shape_or_type = Pick(rng, malignant_look ? kMalignantShapes : kBenignShapes);
  a.margins_or_distribution = Pick(rng, malignant_look ? kMalignantMargins : kBenignMargins);
  if (rng.Chance(0.01)) a.shape_or_type = "N/A";
  if (a.Malignant()) {
    a.assessment =
        rng.Chance(0.7) ? Pick(rng, std::vector<int>{4, 5}) : Pick(rng, std::vector<int>{3, 4});
  } else if (a.pathology == kBenignWithoutCallback) {
    a.assessment = Pick(rng, std::vector<int>{2, 2, 3});
  } else {
    a.assessment = Pick(rng, std::vector<int>{2, 3, 4, 4});
  }
}

void DrawCalcDescriptors(Rng& rng, Abnormality& a) {
  static const std::vector<std::string> kTypes = {"PLEOMORPHIC", "AMORPHOUS", "PUNCTATE",
                                                  "LUCENT_CENTERED", "FINE_LINEAR_BRANCHING"};
  static const std::vector<std::string> kDistributions = {"CLUSTERED", "SEGMENTAL", "LINEAR",
                                                          "REGIONAL", "DIFFUSELY_SCATTERED"};
  a.shape_or_type = Pick(rng, kTypes);
  a.margins_or_distribution = Pick(rng, kDistributions);
  a.assessment = a.Malignant() ? rng.Int(4, 5) : rng.Int(2, 4);
}

std::string DrawDate(Rng& rng) {
  return absl::StrFormat("%02d-%02d-%04d", rng.Int(1, 12), rng.Int(1, 28), rng.Int(2016, 2017));
}

std::string LastDigits(const std::string& uid) { return uid.substr(uid.size() - 5); }

// One patient of the plan: which breast, which views, which lesions.
struct PatientDraw {
  Kind kind;
  bool train;
  std::string patient_id;
  int max_rows;          // stop once this many rows (abnormalities) have been added
  bool mixed_pathology;  // two lesions in one image, one benign, one malignant
};

void AddPatient(const PatientDraw& draw, const PlanOptions& options, Rng& rng, Plan& plan,
                int& rows) {
  const std::string side = rng.Chance(0.5) ? "LEFT" : "RIGHT";
  const int density = rng.Int(1, 4);
  int lesions = 1;
  if (draw.mixed_pathology) {
    lesions = 2;
  } else if (draw.kind == Kind::kMass) {
    const double u = rng.Uniform();
    lesions = u < 0.03 ? 3 : (u < 0.15 ? 2 : 1);
  }
  std::vector<Abnormality> drawn(static_cast<size_t>(lesions));
  std::vector<std::pair<double, double>> base_positions;
  for (int j = 0; j < lesions; ++j) {
    Abnormality& a = drawn[static_cast<size_t>(j)];
    a.id = j + 1;
    a.pathology = draw.mixed_pathology ? (j == 0 ? kBenign : kMalignant) : DrawPathology(rng);
    if (draw.kind == Kind::kMass) {
      DrawMassDescriptors(rng, a);
    } else {
      DrawCalcDescriptors(rng, a);
    }
    a.subtlety = rng.Int(1, 5);
    a.shape_seed = rng.Next();
    a.geometry.radius =
        draw.kind == Kind::kMass ? rng.Uniform(0.035, 0.075) : rng.Uniform(0.03, 0.05);
    a.geometry.rotation = rng.Uniform(0, 2 * kPi);
    // Several lesions of one breast sit in different parts of it.
    const double depth = 0.2 + 0.45 * (j + rng.Uniform()) / lesions;
    base_positions.emplace_back(depth, rng.Uniform(-0.45, 0.45));
  }
  std::vector<std::string> views = {"CC", "MLO"};
  if (rng.Chance(0.08)) views.erase(views.begin() + rng.Int(0, 1));
  for (const std::string& view : views) {
    if (rows >= draw.max_rows) return;
    Image image;
    image.kind = draw.kind;
    image.train = draw.train;
    image.patient_id = draw.patient_id;
    image.side = side;
    image.view = view;
    image.density = density;
    if (options.full_size) {
      image.height = rng.Int(4000, 6900);
      image.width = std::clamp(static_cast<int>(image.height * rng.Uniform(0.4, 0.6)), 1800, 4100);
    } else {
      image.width = options.width;
      image.height = options.height;
    }
    image.render_seed = rng.Next();
    const uint64_t index = plan.images.size();
    image.study_uid = MakeUid(plan.seed, "study", index);
    image.series_uid = MakeUid(plan.seed, "series", index);
    image.sop_uid = MakeUid(plan.seed, "sop", index);
    image.study_date = DrawDate(rng);
    for (int j = 0; j < lesions && rows < draw.max_rows; ++j) {
      Abnormality a = drawn[static_cast<size_t>(j)];
      // The same lesion in the other projection: about as deep, elsewhere across, turned.
      a.geometry.depth = std::clamp(base_positions[j].first + 0.04 * rng.Normal(), 0.15, 0.7);
      a.geometry.lateral = view == "CC" ? base_positions[j].second : rng.Uniform(-0.45, 0.45);
      if (view == "MLO") a.geometry.rotation += rng.Uniform(-0.5, 0.5);
      const uint64_t roi_index = index * 16 + static_cast<uint64_t>(j);
      a.roi_study_uid = MakeUid(plan.seed, "roi-study", roi_index);
      a.crop_series_uid = MakeUid(plan.seed, "crop-series", roi_index);
      a.crop_sop_uid = MakeUid(plan.seed, "crop-sop", roi_index);
      a.mask_sop_uid = MakeUid(plan.seed, "mask-sop", roi_index);
      a.mask_in_crop_series = rng.Chance(0.8);
      a.mask_series_uid =
          a.mask_in_crop_series ? a.crop_series_uid : MakeUid(plan.seed, "mask-series", roi_index);
      a.quoted_newline = rng.Chance(0.35);
      a.roi_study_date = DrawDate(rng);
      image.abnormalities.push_back(std::move(a));
      ++rows;
    }
    plan.images.push_back(std::move(image));
  }
}

// Adds patients until `target_rows` rows; `fixed_split` puts them all in train (true) or
// test (false), otherwise about 22% of them go to test, as in the real mass set (201 of 892
// patients), the first two being one train and one test patient.
void AddPatients(Kind kind, int target_rows, std::optional<bool> fixed_split,
                 const PlanOptions& options, Rng& rng, int& next_id, Plan& plan) {
  int rows = 0;
  for (int p = 0; rows < target_rows; ++p) {
    PatientDraw draw;
    draw.kind = kind;
    draw.train = fixed_split.has_value() ? *fixed_split : p == 0 || (p != 1 && !rng.Chance(0.22));
    draw.patient_id = absl::StrFormat("P_%05d", next_id);
    // Real patient numbers have gaps.
    next_id += 1 + (rng.Chance(0.3) ? rng.Int(1, 3) : 0);
    draw.max_rows = target_rows;
    draw.mixed_pathology = kind == Kind::kMass && p == 2;
    AddPatient(draw, options, rng, plan, rows);
  }
}

}  // namespace

void DrawPlacement(Rng& rng, int j, int lesions, double min_radius, double max_radius,
                   Abnormality& a) {
  a.subtlety = rng.Int(2, 5);
  a.shape_seed = rng.Next();
  a.geometry.depth = 0.2 + 0.45 * (j + rng.Uniform()) / lesions;
  a.geometry.lateral = rng.Uniform(-0.45, 0.45);
  a.geometry.radius = rng.Uniform(min_radius, max_radius);
  a.geometry.rotation = rng.Uniform(0, 2 * kPi);
}

std::vector<std::vector<size_t>> PickTrapped(size_t n, size_t kinds, double rate, Rng& rng) {
  std::vector<size_t> order(n);
  for (size_t i = 0; i < n; ++i) order[i] = i;
  for (size_t i = n; i > 1; --i)
    std::swap(order[i - 1], order[static_cast<size_t>(rng.Int(0, static_cast<int>(i) - 1))]);
  const size_t per_kind =
      rate <= 0
          ? 0
          : std::max<size_t>(1, static_cast<size_t>(std::lround(rate * static_cast<double>(n))));
  std::vector<std::vector<size_t>> picked(kinds);
  size_t next = 0;
  for (size_t k = 0; k < kinds; ++k) {
    for (size_t i = 0; i < per_kind && next < n; ++i) picked[k].push_back(order[next++]);
  }
  return picked;
}

namespace {

void AddTraps(double rate, Rng& rng, Plan& plan) {
  std::vector<Abnormality*> rows;
  std::vector<Image*> images;
  for (Image& image : plan.images) {
    if (image.kind != Kind::kMass) continue;
    images.push_back(&image);
    for (Abnormality& a : image.abnormalities) rows.push_back(&a);
  }
  const std::vector<std::string> row_traps = {kTrapSwapColumns, kTrapMaskSize, kTrapMissingMask,
                                              kTrapSubtletyZero};
  const auto picked_rows = PickTrapped(rows.size(), row_traps.size(), rate, rng);
  for (size_t k = 0; k < row_traps.size(); ++k) {
    for (size_t i : picked_rows[k]) {
      rows[i]->traps.push_back(row_traps[k]);
      if (row_traps[k] == kTrapSubtletyZero) rows[i]->subtlety = 0;
    }
  }
  const auto picked_images = PickTrapped(images.size(), 2, rate, rng);
  for (size_t i : picked_images[0]) images[i]->corrupt = true;
  for (size_t i : picked_images[1]) images[i]->missing = true;
  for (Image* image : images) {
    for (Abnormality& a : image->abnormalities) {
      if (image->corrupt) a.traps.push_back(kTrapCorruptImage);
      if (image->missing) a.traps.push_back(kTrapMissingImage);
    }
  }
}

std::string Cell(int value) { return absl::StrCat(value); }

}  // namespace

uint64_t Rng::Next() {
  state_ += 0x9e3779b97f4a7c15ULL;
  uint64_t z = state_;
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

double Rng::Uniform() { return static_cast<double>(Next() >> 11) * 0x1.0p-53; }

double Rng::Uniform(double lo, double hi) { return lo + (hi - lo) * Uniform(); }

int Rng::Int(int lo, int hi) {
  return lo + static_cast<int>(Next() % static_cast<uint64_t>(hi - lo + 1));
}

double Rng::Normal() {
  // Box-Muller; 1 - Uniform() keeps the logarithm's argument above zero.
  const double u = 1.0 - Uniform();
  return std::sqrt(-2.0 * std::log(u)) * std::cos(2 * kPi * Uniform());
}

uint64_t Mix(uint64_t a, uint64_t b) {
  Rng rng(a ^ (b * 0x9e3779b97f4a7c15ULL));
  rng.Next();
  return rng.Next();
}

uint64_t HashString(const std::string& text) {
  uint64_t h = 0xcbf29ce484222325ULL;  // FNV-1a
  for (unsigned char c : text) h = (h ^ c) * 0x100000001b3ULL;
  return h;
}

std::string MakeUid(uint64_t seed, const std::string& role, uint64_t index) {
  Rng rng(Mix(Mix(seed, HashString(role)), index));
  unsigned __int128 value = (static_cast<unsigned __int128>(rng.Next()) << 64) | rng.Next();
  // At least 5 digits, so that NBIA folder names can take the last five.
  if (value < 100000) value += 100000;
  std::string digits;
  while (value > 0) {
    digits.push_back(static_cast<char>('0' + static_cast<int>(value % 10)));
    value /= 10;
  }
  std::reverse(digits.begin(), digits.end());
  return "2.25." + digits;
}

bool Abnormality::HasTrap(const std::string& trap) const {
  return std::find(traps.begin(), traps.end(), trap) != traps.end();
}

std::string Image::Subject() const {
  return absl::StrCat(kind == Kind::kMass ? "Mass" : "Calc", train ? "-Training_" : "-Test_",
                      patient_id, "_", side, "_", view);
}

Plan BuildPlan(const PlanOptions& options) {
  Plan plan;
  plan.seed = options.seed;
  Rng rng(Mix(options.seed, HashString("plan")));
  int next_id = 1 + rng.Int(0, 2);
  AddPatients(Kind::kMass, options.cases, std::nullopt, options, rng, next_id, plan);
  // A few calcification cases, so that readers of all four CSV files have rows to read.
  const int calc_rows = std::max(2, options.cases / 10);
  const int calc_test_rows = std::max(1, calc_rows / 4);
  AddPatients(Kind::kCalc, calc_rows - calc_test_rows, true, options, rng, next_id, plan);
  AddPatients(Kind::kCalc, calc_test_rows, false, options, rng, next_id, plan);
  AddTraps(options.trap_rate, rng, plan);
  return plan;
}

FilePaths CsvPaths(const Image& image, const Abnormality& a) {
  const std::string roi = absl::StrCat(image.Subject(), "_", a.id, "/", a.roi_study_uid, "/");
  FilePaths paths;
  paths.image =
      absl::StrCat(image.Subject(), "/", image.study_uid, "/", image.series_uid, "/000000.dcm");
  paths.crop = absl::StrCat(roi, a.crop_series_uid, "/000000.dcm");
  paths.mask = a.mask_in_crop_series ? absl::StrCat(roi, a.crop_series_uid, "/000001.dcm")
                                     : absl::StrCat(roi, a.mask_series_uid, "/000000.dcm");
  return paths;
}

FilePaths NbiaPaths(const Image& image, const Abnormality& a) {
  const std::string roi =
      absl::StrCat("CBIS-DDSM/", image.Subject(), "_", a.id, "/", a.roi_study_date, "-DDSM-NA-",
                   LastDigits(a.roi_study_uid), "/");
  FilePaths paths;
  paths.image = absl::StrCat("CBIS-DDSM/", image.Subject(), "/", image.study_date, "-DDSM-",
                             LastDigits(image.study_uid), "/1.000000-full mammogram images-",
                             LastDigits(image.series_uid), "/1-1.dcm");
  if (a.mask_in_crop_series) {
    const std::string series =
        absl::StrCat(roi, "1.000000-ROI mask images-", LastDigits(a.crop_series_uid), "/");
    paths.crop = series + "1-1.dcm";
    paths.mask = series + "1-2.dcm";
  } else {
    paths.crop =
        absl::StrCat(roi, "1.000000-cropped images-", LastDigits(a.crop_series_uid), "/1-1.dcm");
    paths.mask =
        absl::StrCat(roi, "1.000000-ROI mask images-", LastDigits(a.mask_series_uid), "/1-1.dcm");
  }
  return paths;
}

namespace {

// A JPEG name as the Kaggle copy has them ("1-204.jpg"): its number follows no rule a reader
// could use, so it comes from the file's SOP UID; `taken` is a name already in the folder.
std::string KaggleJpegName(const std::string& sop_uid, const std::string& taken = "") {
  uint64_t number = HashString(sop_uid) % 999 + 1;
  std::string name = absl::StrFormat("1-%03d.jpg", number);
  if (name == taken) name = absl::StrFormat("1-%03d.jpg", number % 999 + 1);
  return name;
}

}  // namespace

FilePaths KaggleCbisPaths(const Image& image, const Abnormality& a) {
  FilePaths paths;
  paths.image = absl::StrCat("jpeg/", image.series_uid, "/", KaggleJpegName(image.sop_uid));
  const std::string crop_name = KaggleJpegName(a.crop_sop_uid);
  paths.crop = absl::StrCat("jpeg/", a.crop_series_uid, "/", crop_name);
  paths.mask =
      a.mask_in_crop_series
          ? absl::StrCat("jpeg/", a.crop_series_uid, "/", KaggleJpegName(a.mask_sop_uid, crop_name))
          : absl::StrCat("jpeg/", a.mask_series_uid, "/", KaggleJpegName(a.mask_sop_uid));
  return paths;
}

FilePaths PathsFor(Layout layout, const Image& image, const Abnormality& abnormality) {
  switch (layout) {
    case Layout::kCsv:
      return CsvPaths(image, abnormality);
    case Layout::kNbia:
      return NbiaPaths(image, abnormality);
    case Layout::kKaggleCbis:
      return KaggleCbisPaths(image, abnormality);
    case Layout::kMias:   // not CBIS-DDSM layouts: synth_mias.h, synth_vindr.h,
    case Layout::kVindr:  // synth_inbreast.h and synth_cmmd.h plan their own
    case Layout::kInbreast:
    case Layout::kCmmd:
      return {};
  }
  return {};
}

std::string CsvCell(const std::string& text) {
  if (text.find_first_of(",\"\r\n") == std::string::npos) return text;
  std::string quoted = "\"";
  for (char c : text) {
    if (c == '"') quoted.push_back('"');
    quoted.push_back(c);
  }
  quoted.push_back('"');
  return quoted;
}

std::string CaseDescriptionFileName(Kind kind, bool train) {
  return absl::StrCat(kind == Kind::kMass ? "mass" : "calc", "_case_description_",
                      train ? "train" : "test", "_set.csv");
}

std::string CaseDescriptionCsv(const Plan& plan, Kind kind, bool train) {
  std::string out = absl::StrCat(kind == Kind::kMass ? kMassHeader : kCalcHeader, "\r\n");
  bool first_row = true;
  for (const Image& image : plan.images) {
    if (image.kind != kind || image.train != train) continue;
    for (const Abnormality& a : image.abnormalities) {
      const FilePaths paths = CsvPaths(image, a);
      std::string crop = paths.crop;
      std::string mask = paths.mask;
      if (a.HasTrap(kTrapSwapColumns)) std::swap(crop, mask);
      // The real files break some ROI mask cells with a newline inside the quotes; the first
      // row of every file does, so that no reader gets away without handling it.
      if (a.quoted_newline || first_row) mask += "\n";
      first_row = false;
      const std::vector<std::string> cells = {image.patient_id,
                                              Cell(image.density),
                                              image.side,
                                              image.view,
                                              Cell(a.id),
                                              kind == Kind::kMass ? "mass" : "calcification",
                                              a.shape_or_type,
                                              a.margins_or_distribution,
                                              Cell(a.assessment),
                                              a.pathology,
                                              Cell(a.subtlety),
                                              paths.image,
                                              crop,
                                              mask};
      std::vector<std::string> quoted;
      for (const std::string& cell : cells) quoted.push_back(CsvCell(cell));
      absl::StrAppend(&out, absl::StrJoin(quoted, ","), "\r\n");
    }
  }
  return out;
}

std::string NbiaMetadataCsv(const Plan& plan) {
  constexpr char kSecondaryCapture[] = "1.2.840.10008.5.1.4.1.1.7";
  std::string out =
      "Series UID,Collection,Subject ID,Study UID,Study Date,Series Description,Modality,"
      "SOP Class UID,Number of Images,File Location\r\n";
  auto add = [&](const std::string& series, const std::string& subject, const std::string& study,
                 const std::string& date, const std::string& description, int count,
                 const std::string& file) {
    const std::string folder = "./" + file.substr(0, file.rfind('/'));
    const std::vector<std::string> cells = {series,      "CBIS-DDSM", subject, study,
                                            date,        description, "MG",    kSecondaryCapture,
                                            Cell(count), folder};
    std::vector<std::string> quoted;
    for (const std::string& cell : cells) quoted.push_back(CsvCell(cell));
    absl::StrAppend(&out, absl::StrJoin(quoted, ","), "\r\n");
  };
  for (const Image& image : plan.images) {
    for (size_t j = 0; j < image.abnormalities.size(); ++j) {
      const Abnormality& a = image.abnormalities[j];
      const FilePaths paths = NbiaPaths(image, a);
      if (j == 0) {
        add(image.series_uid, image.Subject(), image.study_uid, image.study_date,
            "full mammogram images", 1, paths.image);
      }
      const std::string roi_subject = absl::StrCat(image.Subject(), "_", a.id);
      if (a.mask_in_crop_series) {
        add(a.crop_series_uid, roi_subject, a.roi_study_uid, a.roi_study_date, "ROI mask images", 2,
            paths.crop);
      } else {
        add(a.crop_series_uid, roi_subject, a.roi_study_uid, a.roi_study_date, "cropped images", 1,
            paths.crop);
        add(a.mask_series_uid, roi_subject, a.roi_study_uid, a.roi_study_date, "ROI mask images", 1,
            paths.mask);
      }
    }
  }
  return out;
}

std::string KaggleDicomInfoCsv(const Plan& plan) {
  std::string out = "image_path,PatientID,SeriesInstanceUID,SeriesDescription\n";
  auto add = [&](const std::string& file, const std::string& patient, const std::string& series,
                 const std::string& description) {
    const std::vector<std::string> cells = {"CBIS-DDSM/" + file, patient, series, description};
    std::vector<std::string> quoted;
    for (const std::string& cell : cells) quoted.push_back(CsvCell(cell));
    absl::StrAppend(&out, absl::StrJoin(quoted, ","), "\n");
  };
  for (const Image& image : plan.images) {
    for (size_t j = 0; j < image.abnormalities.size(); ++j) {
      const Abnormality& a = image.abnormalities[j];
      const FilePaths paths = KaggleCbisPaths(image, a);
      if (j == 0 && !image.missing) {
        add(paths.image, image.Subject(), image.series_uid, "full mammogram images");
      }
      // The copy's rows tell the crop from the mask even in a shared series (the listing cited in
      // data_formats/datasets/kaggle_cbis.md gives each file its own description).
      const std::string roi_subject = absl::StrCat(image.Subject(), "_", a.id);
      add(paths.crop, roi_subject, a.crop_series_uid, "cropped images");
      if (!a.HasTrap(kTrapMissingMask)) {
        add(paths.mask, roi_subject, a.mask_series_uid, "ROI mask images");
      }
    }
  }
  return out;
}

}  // namespace mammo::synth
