// synth: what a synthetic CBIS-DDSM data set holds, decided from the seed before any pixel
// is drawn: patients, views, abnormalities, labels, UIDs, traps, and the text of the CSVs.
// Rendering and writing (synth_render, synth_lib) only read this plan, so the same seed
// gives the same data set whatever the layout or the number of threads.
#ifndef MAMMO_TOOLS_SYNTH_SYNTH_PLAN_H_
#define MAMMO_TOOLS_SYNTH_SYNTH_PLAN_H_

#include <cstdint>
#include <string>
#include <vector>

namespace mammo::synth {

// splitmix64-based generator: its output is fixed by this code, unlike the standard
// library's distributions, so data sets do not change with the compiler.
class Rng {
 public:
  explicit Rng(uint64_t seed) : state_(seed) {}
  uint64_t Next();
  double Uniform();  // [0, 1)
  double Uniform(double lo, double hi);
  int Int(int lo, int hi);  // [lo, hi], both included
  double Normal();          // mean 0, deviation 1
  bool Chance(double p) { return Uniform() < p; }

 private:
  uint64_t state_;
};

// A 64-bit value mixing `a` and `b`, for seeding independent streams.
uint64_t Mix(uint64_t a, uint64_t b);
uint64_t HashString(const std::string& text);

// A UID under the 2.25 root (a 128-bit decimal number), fixed by the seed, a role and an index.
std::string MakeUid(uint64_t seed, const std::string& role, uint64_t index);

enum class Kind { kMass, kCalc };
// kCsv: the files at the CSVs' paths; kNbia: the NBIA Data Retriever's folders; kKaggleCbis:
// the Kaggle JPEG copy (data_formats/datasets/kaggle_cbis.md): csv/ with the four CSVs and
// dicom_info.csv, jpeg/<SeriesInstanceUID>/1-<n>.jpg; kMias: mini-MIAS (synth_mias.h), kVindr:
// VinDr-Mammo (synth_vindr.h), kInbreast: INbreast (synth_inbreast.h) and kCmmd: CMMD
// (synth_cmmd.h), which have plans of their own.
enum class Layout { kCsv, kNbia, kKaggleCbis, kMias, kVindr, kInbreast, kCmmd };

inline constexpr char kBenign[] = "BENIGN";
inline constexpr char kBenignWithoutCallback[] = "BENIGN_WITHOUT_CALLBACK";
inline constexpr char kMalignant[] = "MALIGNANT";

// Trap names as written in synth_truth.csv.
inline constexpr char kTrapSwapColumns[] = "swap_crop_mask_columns";
inline constexpr char kTrapMaskSize[] = "mask_size";
inline constexpr char kTrapMissingCrop[] = "missing_crop";
inline constexpr char kTrapMissingMask[] = "missing_mask";
inline constexpr char kTrapSubtletyZero[] = "subtlety_zero";
inline constexpr char kTrapCorruptImage[] = "corrupt_image";
inline constexpr char kTrapMissingImage[] = "missing_image";

// Where the lesion sits, in the breast's own frame: `depth` from the chest wall and
// `lateral` across, as fractions of the silhouette's semi-axes; `radius` as a fraction of
// the image width.
struct LesionGeometry {
  double depth = 0;
  double lateral = 0;
  double radius = 0;
  double rotation = 0;  // radians
};

struct Abnormality {
  int id = 1;  // 1-based, per image; the same lesion has the same id in CC and MLO
  std::string pathology;
  std::string shape_or_type;            // mass shape / calc type
  std::string margins_or_distribution;  // mass margins / calc distribution
  int assessment = 0;
  int subtlety = 0;
  uint64_t shape_seed = 0;  // the same in both views: the lesion looks alike in CC and MLO
  LesionGeometry geometry;
  std::string roi_study_uid, crop_series_uid, mask_series_uid, crop_sop_uid, mask_sop_uid;
  bool mask_in_crop_series = true;  // crop 000000.dcm and mask 000001.dcm in one series
  bool quoted_newline = false;      // the CSV's ROI mask cell ends with a newline
  std::string roi_study_date;       // MM-DD-YYYY, for the NBIA folder
  std::vector<std::string> traps;   // those that apply to this row (image traps included)

  bool HasTrap(const std::string& trap) const;
  bool Malignant() const { return pathology == kMalignant; }
};

struct Image {
  Kind kind = Kind::kMass;
  bool train = true;
  std::string patient_id;  // P_00001
  std::string side;        // LEFT or RIGHT
  std::string view;        // CC or MLO
  int density = 2;         // 1..4
  int width = 0, height = 0;
  uint64_t render_seed = 0;
  std::string study_uid, series_uid, sop_uid, study_date;
  bool corrupt = false;  // the full image's file is truncated
  bool missing = false;  // the full image's file is not written
  std::vector<Abnormality> abnormalities;

  // Mass-Training_P_00001_LEFT_CC
  std::string Subject() const;
};

struct PlanOptions {
  int cases = 200;  // mass rows (abnormalities) over train and test
  int width = 600, height = 1000;
  bool full_size = false;  // sizes drawn per image from the real set's range instead
  uint64_t seed = 42;
  double trap_rate = 0.05;
};

struct Plan {
  uint64_t seed = 0;
  std::vector<Image> images;  // masses first, then calcifications; CSV order within each
};

Plan BuildPlan(const PlanOptions& options);

// Draws, for the other datasets' layouts, lesion j of `lesions` in one breast: its subtlety,
// shape seed and place (several lesions of a breast at different depths), its radius in
// [min_radius, max_radius) of the breast.
void DrawPlacement(Rng& rng, int j, int lesions, double min_radius, double max_radius,
                   Abnormality& a);

// Picks round(rate * n) of n items (at least one when rate > 0) for each of `kinds` traps in
// turn, each item trapped at most once, so that every kind of trap shows up even in a small
// data set.
std::vector<std::vector<size_t>> PickTrapped(size_t n, size_t kinds, double rate, Rng& rng);

// Paths relative to the output folder, as the files are written in `layout`.
struct FilePaths {
  std::string image, crop, mask;
};
FilePaths CsvPaths(const Image& image, const Abnormality& abnormality);
FilePaths NbiaPaths(const Image& image, const Abnormality& abnormality);
FilePaths KaggleCbisPaths(const Image& image, const Abnormality& abnormality);
FilePaths PathsFor(Layout layout, const Image& image, const Abnormality& abnormality);

// The mass header exactly as in CBIS-DDSM; the calc header spells density with a space.
inline constexpr char kMassHeader[] =
    "patient_id,breast_density,left or right breast,image view,abnormality id,abnormality "
    "type,mass shape,mass margins,assessment,pathology,subtlety,image file path,cropped image "
    "file path,ROI mask file path";
inline constexpr char kCalcHeader[] =
    "patient_id,breast density,left or right breast,image view,abnormality id,abnormality "
    "type,calc type,calc distribution,assessment,pathology,subtlety,image file path,cropped "
    "image file path,ROI mask file path";

// mass_case_description_train_set.csv and the three others, CRLF-terminated.
std::string CaseDescriptionCsv(const Plan& plan, Kind kind, bool train);
std::string CaseDescriptionFileName(Kind kind, bool train);

// The NBIA downloader's metadata.csv: one row per series, those whose files a trap removed or
// truncated included, as a download that failed halfway would list them.
std::string NbiaMetadataCsv(const Plan& plan);

// The Kaggle copy's csv/dicom_info.csv: one row per JPEG, with only the columns that
// data_formats/datasets/kaggle_cbis.md confirms and a reader needs (image_path, PatientID,
// SeriesInstanceUID, SeriesDescription); image_path carries the copy's "CBIS-DDSM/" prefix,
// which the archive lacks. The files a trap leaves out (missing image or mask) have no row.
std::string KaggleDicomInfoCsv(const Plan& plan);

// A CSV cell: quoted when it holds a comma, a quote or a line break.
std::string CsvCell(const std::string& text);

}  // namespace mammo::synth

#endif  // MAMMO_TOOLS_SYNTH_SYNTH_PLAN_H_
