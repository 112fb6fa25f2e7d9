#include "tools/dcm2png/dcm2png_lib.h"

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>
#include <opencv2/core.hpp>
#include <opencv2/imgproc.hpp>
#include <set>
#include <sstream>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "data_formats/record.pb.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "lib/csv/csv.h"
#include "lib/dicom/dicom_testing.h"
#include "lib/image/codec.h"
#include "lib/records/shard_reader.h"
#include "tools/synth/synth_lib.h"

namespace mammo::dcm2png {
namespace {

namespace fs = std::filesystem;
using testing::DicomSpec;
using ::testing::HasSubstr;
using testing::WriteTestDicom;

std::string ReadAll(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

// The reject reason a synth truth row's `traps` should give: that of the first (trap, reason)
// pair whose trap is among them, pairs in the order the adapter meets the traps; empty if none.
std::string ExpectedReason(const std::string& traps,
                           const std::vector<std::pair<std::string, std::string>>& reasons) {
  for (const auto& [trap, reason] : reasons) {
    if (absl::StrContains(traps, trap)) return reason;
  }
  return "";
}

bool Same(const cv::Mat& a, const cv::Mat& b) {
  return a.size() == b.size() && a.type() == b.type() && cv::countNonZero(a != b) == 0;
}

// round(255 * (v - min) / (max - min)), computed independently of the library.
cv::Mat HandMinMax(const cv::Mat& in) {
  double lo, hi;
  cv::minMaxLoc(in, &lo, &hi);
  cv::Mat out(in.size(), CV_8U);
  for (int r = 0; r < in.rows; ++r)
    for (int c = 0; c < in.cols; ++c)
      out.at<uint8_t>(r, c) =
          static_cast<uint8_t>(std::floor(255.0 * (in.at<uint16_t>(r, c) - lo) / (hi - lo) + 0.5));
  return out;
}

cv::Mat Full(int seed) {
  cv::Mat m(30, 40, CV_16U);
  for (int r = 0; r < m.rows; ++r)
    for (int c = 0; c < m.cols; ++c)
      m.at<uint16_t>(r, c) = static_cast<uint16_t>(1000 + seed * 7 + (r * 40 + c) * 10);
  return m;
}

cv::Mat Mask(cv::Size size, cv::Rect lesion) {
  cv::Mat m(size, CV_8U, cv::Scalar(0));
  m(lesion).setTo(255);
  return m;
}

cv::Mat Crop() { return cv::Mat(6, 8, CV_16U, cv::Scalar(30000)); }

// One DICOM file of the synthetic tree: where the CSV puts it, and its NBIA folder.
struct TreeFile {
  std::string csv_path;  // SUBJECT/STUDY/SERIES/NAME
  std::string nbia_series_description;
  std::string nbia_name;  // 1-1.dcm or 1-2.dcm
  cv::Mat pixels;
  std::string series_description;  // what the header says (sometimes wrong, as in the real set)
  bool truncate = false;
};

constexpr char kMassHeader[] =
    "patient_id,breast_density,left or right breast,image view,abnormality id,abnormality type,"
    "mass shape,mass margins,assessment,pathology,subtlety,image file path,"
    "cropped image file path,ROI mask file path\r\n";

class TreeTest : public ::testing::Test {
 protected:
  const std::string p1 = "Mass-Training_P_00001_LEFT_CC/1.2.3.100.11111/1.2.3.200.22222/000000.dcm";
  const std::string p1_1_crop =
      "Mass-Training_P_00001_LEFT_CC_1/1.2.3.101.33333/1.2.3.201.44444/000000.dcm";
  const std::string p1_1_mask =
      "Mass-Training_P_00001_LEFT_CC_1/1.2.3.101.33333/1.2.3.201.44444/000001.dcm";
  const std::string p1_2_crop =
      "Mass-Training_P_00001_LEFT_CC_2/1.2.3.102.55555/1.2.3.202.66666/000000.dcm";
  const std::string p1_2_mask =
      "Mass-Training_P_00001_LEFT_CC_2/1.2.3.102.55555/1.2.3.203.77777/000000.dcm";
  const std::string p4 =
      "Mass-Training_P_00004_RIGHT_MLO/1.2.3.104.10101/1.2.3.204.20202/000000.dcm";
  const std::string p4_1_crop =
      "Mass-Training_P_00004_RIGHT_MLO_1/1.2.3.105.30303/1.2.3.205.40404/000000.dcm";
  const std::string p4_1_mask =
      "Mass-Training_P_00004_RIGHT_MLO_1/1.2.3.105.30303/1.2.3.205.40404/000001.dcm";
  const std::string p5 = "Mass-Training_P_00005_LEFT_CC/1.2.3.106.50505/1.2.3.206.60606/000000.dcm";
  const std::string p5_1_crop =
      "Mass-Training_P_00005_LEFT_CC_1/1.2.3.107.70707/1.2.3.207.80808/000000.dcm";
  const std::string p5_1_mask =
      "Mass-Training_P_00005_LEFT_CC_1/1.2.3.107.70707/1.2.3.207.80808/000001.dcm";
  const std::string t10 = "Mass-Test_P_00010_LEFT_MLO/1.2.3.110.90909/1.2.3.210.12121/000000.dcm";
  const std::string t10_1_crop =
      "Mass-Test_P_00010_LEFT_MLO_1/1.2.3.111.13131/1.2.3.211.14141/000000.dcm";
  const std::string t10_1_mask =
      "Mass-Test_P_00010_LEFT_MLO_1/1.2.3.111.13131/1.2.3.211.14141/000001.dcm";

  const cv::Mat mask_1_1 = Mask({40, 30}, {5, 5, 10, 8});
  const cv::Mat mask_1_2 = Mask({40, 30}, {20, 10, 6, 6});
  const cv::Mat mask_4_1 = Mask({20, 15}, {2, 2, 5, 5});  // half the image's size
  const cv::Mat mask_5_1 = Mask({40, 30}, {1, 1, 3, 3});
  const cv::Mat mask_10_1 = Mask({40, 30}, {30, 20, 4, 4});

  std::vector<TreeFile> Files() const {
    return {
        {p1, "full mammogram images", "1-1.dcm", Full(1), "full mammogram images"},
        {p1_1_crop, "ROI mask images", "1-1.dcm", Crop(), "cropped images"},
        {p1_1_mask, "ROI mask images", "1-2.dcm", mask_1_1, "ROI mask images"},
        // The series descriptions lie here, and the CSV swaps the columns (see Csvs()).
        {p1_2_crop, "cropped images", "1-1.dcm", Crop(), "ROI mask images"},
        {p1_2_mask, "ROI mask images", "1-1.dcm", mask_1_2, "cropped images"},
        {p4, "full mammogram images", "1-1.dcm", Full(4), "full mammogram images"},
        {p4_1_crop, "ROI mask images", "1-1.dcm", Crop(), "cropped images"},
        {p4_1_mask, "ROI mask images", "1-2.dcm", mask_4_1, "ROI mask images"},
        {p5, "full mammogram images", "1-1.dcm", Full(5), "full mammogram images",
         /*truncate=*/true},
        {p5_1_crop, "ROI mask images", "1-1.dcm", Crop(), "cropped images"},
        {p5_1_mask, "ROI mask images", "1-2.dcm", mask_5_1, "ROI mask images"},
        {t10, "full mammogram images", "1-1.dcm", Full(10), "full mammogram images"},
        {t10_1_crop, "ROI mask images", "1-1.dcm", Crop(), "cropped images"},
        {t10_1_mask, "ROI mask images", "1-2.dcm", mask_10_1, "ROI mask images"},
    };
  }

  std::vector<std::string> Csvs() const {
    const std::string dir = ::testing::TempDir() + "/csv";
    fs::create_directories(dir);
    const std::string train = dir + "/mass_case_description_train_set.csv";
    const std::string test = dir + "/mass_case_description_test_set.csv";
    std::ofstream(train, std::ios::binary)
        << kMassHeader << "P_00001,3,LEFT,CC,1,mass,IRREGULAR,SPICULATED,5,MALIGNANT,4," << p1
        << "," << p1_1_crop << ",\"" << p1_1_mask << "\n\"\r\n"
        << "P_00001,3,LEFT,CC,2,mass,OVAL,CIRCUMSCRIBED,3,BENIGN_WITHOUT_CALLBACK,0," << p1 << ","
        << p1_2_mask << "," << p1_2_crop << "\r\n"
        << "P_00004,2,RIGHT,MLO,1,mass,ROUND,OBSCURED,4,BENIGN,3," << p4 << "," << p4_1_crop << ","
        << p4_1_mask << "\r\n"
        << "P_00005,1,LEFT,CC,1,mass,LOBULATED,ILL_DEFINED,4,MALIGNANT,5," << p5 << "," << p5_1_crop
        << "," << p5_1_mask << "\r\n";
    std::ofstream(test, std::ios::binary)
        << kMassHeader << "P_00010,4,LEFT,MLO,1,mass,OVAL,CIRCUMSCRIBED,2,BENIGN,2," << t10 << ","
        << t10_1_crop << "," << t10_1_mask << "\r\n";
    return {train, test};
  }

  // Writes the tree under `root` in the CSV's layout or the NBIA downloader's.
  void WriteTree(const std::string& root, bool nbia) const {
    for (const TreeFile& f : Files()) {
      std::vector<std::string> parts;
      std::stringstream stream(f.csv_path);
      for (std::string part; std::getline(stream, part, '/');) parts.push_back(part);
      DicomSpec spec;
      spec.patient_id = parts[0];
      spec.study_uid = parts[1];
      spec.series_uid = parts[2];
      spec.series_description = f.series_description;
      std::string path = root + "/" + f.csv_path;
      if (nbia) {
        path = root + "/CBIS-DDSM/" + parts[0] + "/07-20-2016-DDSM-" +
               parts[1].substr(parts[1].size() - 5) + "/1.000000-" + f.nbia_series_description +
               "-" + parts[2].substr(parts[2].size() - 5) + "/" + f.nbia_name;
      }
      fs::create_directories(fs::path(path).parent_path());
      ASSERT_TRUE(WriteTestDicom(path, f.pixels, spec).ok()) << path;
      if (f.truncate) {
        const std::string bytes = ReadAll(path);
        std::ofstream(path, std::ios::binary | std::ios::trunc)
            << bytes.substr(0, bytes.size() - 500);
      }
    }
  }

  DatasetOptions Options(const std::string& name, bool nbia, int threads) const {
    const std::string root = ::testing::TempDir() + "/" + name + "_root";
    if (!fs::exists(root)) WriteTree(root, nbia);
    DatasetOptions options;
    options.csv_files = Csvs();
    options.root = root;
    options.output = ::testing::TempDir() + "/" + name + "_out/records@3";
    options.threads = threads;
    return options;
  }

  // dcm2png --dataset `dataset` --root `root` --output TEMP/<name>_out/records@1.
  static DatasetOptions OneShardOptions(DatasetKind dataset, const std::string& root,
                                        const std::string& name) {
    DatasetOptions options;
    options.dataset = dataset;
    options.root = root;
    options.output = ::testing::TempDir() + "/" + name + "_out/records@1";
    return options;
  }

  // What a synthetic tree of another dataset's layout gives through dcm2png --dataset.
  struct SynthRun {
    absl::Status status;  // of synth, dcm2png and reading the truth
    DatasetSummary summary;
    std::map<std::string, Record> records;  // by id
    std::string rejects;                    // the rejects file
    csv::CsvTable truth;                    // synth_truth.csv
    size_t Column(const char* name) const { return truth.RequireColumn(name).value(); }
  };

  // synth --layout `layout` with `cases`, width x height images and `trap_rate`, into an
  // emptied TEMP/<name>_root (the options' output), on two threads.
  static synth::SynthOptions TreeOptions(const std::string& name, synth::Layout layout, int cases,
                                         double trap_rate, int width = 240, int height = 400) {
    synth::SynthOptions synth;
    synth.output = ::testing::TempDir() + "/" + name + "_root";
    fs::remove_all(synth.output);
    synth.layout = layout;
    synth.plan.cases = cases;
    synth.plan.width = width;
    synth.plan.height = height;
    synth.plan.trap_rate = trap_rate;
    synth.threads = 2;
    return synth;
  }

  // TreeOptions' tree (240 x 400 images), then dcm2png --dataset `dataset` into
  // TEMP/<name>_out/records@2 on two threads.
  static SynthRun SynthAndConvert(const std::string& name, synth::Layout layout,
                                  DatasetKind dataset, int cases, double trap_rate) {
    const synth::SynthOptions synth = TreeOptions(name, layout, cases, trap_rate);
    const std::string& root = synth.output;
    SynthRun run;
    run.status = synth::Synthesize(synth);
    if (!run.status.ok()) return run;
    DatasetOptions options;
    options.dataset = dataset;
    options.root = root;
    options.output = ::testing::TempDir() + "/" + name + "_out/records@2";
    options.threads = 2;
    std::ostringstream log;
    absl::StatusOr<DatasetSummary> summary = ConvertDataset(options, log);
    absl::StatusOr<csv::CsvTable> truth = csv::ReadCsv(root + "/synth_truth.csv");
    run.status = summary.ok() ? truth.status() : summary.status();
    if (!run.status.ok()) return run;
    run.summary = *std::move(summary);
    run.truth = *std::move(truth);
    for (Record& r : ReadRecords(options.output)) run.records[r.id()] = std::move(r);
    run.rejects = ReadAll(::testing::TempDir() + "/" + name + "_out/records.rejects.tsv");
    return run;
  }

  static std::vector<Record> ReadRecords(const std::string& spec) {
    std::vector<Record> records;
    auto reader = ShardReader::Open({spec});
    EXPECT_TRUE(reader.ok()) << reader.status();
    if (!reader.ok()) return records;
    Record record;
    while (true) {
      auto got = (*reader)->Next(&record);
      EXPECT_TRUE(got.ok()) << got.status();
      if (!got.ok() || !*got) break;
      records.push_back(record);
    }
    return records;
  }
};

TEST_F(TreeTest, CsvLayoutGivesTheDocumentedRecordsAndRejects) {
  DatasetOptions options = Options("csv", /*nbia=*/false, 2);
  std::ostringstream log;
  auto summary = ConvertDataset(options, log);
  ASSERT_TRUE(summary.ok()) << summary.status();
  EXPECT_EQ(summary->written, 4u);
  EXPECT_EQ(summary->rejected, (std::map<std::string, uint64_t>{{"corrupt_dicom", 1}}));
  EXPECT_THAT(log.str(),
              HasSubstr("warning: Mass-Training_P_00004_RIGHT_MLO_1: mask 20x15, image 40x30"));
  EXPECT_THAT(log.str(),
              HasSubstr("wrote 4 records to " + options.output + "; rejected 1 (corrupt_dicom 1)"));
  const std::string rejects = ReadAll(::testing::TempDir() + "/csv_out/records.rejects.tsv");
  EXPECT_THAT(rejects,
              HasSubstr("id\treason\tdetail\nMass-Training_P_00005_LEFT_CC_1\tcorrupt_dicom\t"));
  EXPECT_THAT(rejects, HasSubstr("000000.dcm: not a readable DICOM file"));

  std::vector<Record> records = ReadRecords(options.output);
  ASSERT_EQ(records.size(), 4u);
  const Record& r = records[0];
  EXPECT_EQ(r.id(), "Mass-Training_P_00001_LEFT_CC_1");
  EXPECT_EQ(r.lesion_id(), r.id());
  EXPECT_EQ(r.image_id(), "Mass-Training_P_00001_LEFT_CC");
  EXPECT_EQ(r.patient_id(), "P_00001");
  EXPECT_EQ(r.label(), MALIGNANT);
  EXPECT_EQ(r.pathology(), "MALIGNANT");
  EXPECT_EQ(r.split(), TRAIN);
  EXPECT_EQ(r.attributes().view(), "CC");
  EXPECT_EQ(r.attributes().laterality(), "LEFT");
  EXPECT_EQ(r.attributes().breast_density(), 3);
  EXPECT_EQ(r.attributes().assessment(), 5);
  EXPECT_EQ(r.attributes().subtlety(), 4);
  EXPECT_EQ(r.attributes().abnormality_type(), "mass");
  EXPECT_EQ(r.attributes().mass_shape(), "IRREGULAR");
  EXPECT_EQ(r.attributes().mass_margins(), "SPICULATED");
  EXPECT_EQ(r.attributes().dataset_split(), "train");
  ASSERT_EQ(r.provenance_size(), 1);
  EXPECT_EQ(r.provenance(0).stage(), "dcm2png");
  auto image = DecodeImage(r.image());
  ASSERT_TRUE(image.ok());
  EXPECT_TRUE(Same(*image, HandMinMax(Full(1))));
  ASSERT_EQ(r.masks_size(), 1);
  EXPECT_TRUE(Same(*DecodeImage(r.masks(0)), mask_1_1));

  // Swapped CSV columns and lying series descriptions: the mask is still found by pixels.
  EXPECT_EQ(records[1].id(), "Mass-Training_P_00001_LEFT_CC_2");
  EXPECT_EQ(records[1].label(), BENIGN);
  EXPECT_EQ(records[1].pathology(), "BENIGN_WITHOUT_CALLBACK");
  EXPECT_EQ(records[1].attributes().subtlety(), 0);
  EXPECT_TRUE(Same(*DecodeImage(records[1].masks(0)), mask_1_2));

  // The small mask is rescaled to the image with nearest neighbour.
  EXPECT_EQ(records[2].id(), "Mass-Training_P_00004_RIGHT_MLO_1");
  cv::Mat rescaled;
  cv::resize(mask_4_1, rescaled, cv::Size(40, 30), 0, 0, cv::INTER_NEAREST);
  EXPECT_TRUE(Same(*DecodeImage(records[2].masks(0)), rescaled));

  EXPECT_EQ(records[3].id(), "Mass-Test_P_00010_LEFT_MLO_1");
  EXPECT_EQ(records[3].split(), TEST);
  EXPECT_EQ(records[3].attributes().dataset_split(), "test");
}

TEST_F(TreeTest, NbiaLayoutGivesIdenticalRecords) {
  std::ostringstream log;
  DatasetOptions csv = Options("csv2", false, 2);
  DatasetOptions nbia = Options("nbia", true, 2);
  csv.process.clahe = nbia.process.clahe = true;
  ASSERT_TRUE(ConvertDataset(csv, log).ok());
  auto summary = ConvertDataset(nbia, log);
  ASSERT_TRUE(summary.ok()) << summary.status();
  EXPECT_EQ(summary->rejected, (std::map<std::string, uint64_t>{{"corrupt_dicom", 1}}));
  std::vector<Record> a = ReadRecords(csv.output);
  std::vector<Record> b = ReadRecords(nbia.output);
  ASSERT_EQ(a.size(), 4u);
  ASSERT_EQ(b.size(), a.size());
  for (size_t i = 0; i < a.size(); ++i)
    EXPECT_EQ(a[i].SerializeAsString(), b[i].SerializeAsString()) << a[i].id();
}

TEST_F(TreeTest, ThreadCountDoesNotChangeTheBytes) {
  std::ostringstream log;
  DatasetOptions one = Options("t1", false, 1);
  DatasetOptions two = Options("t2", true, 2);
  DatasetOptions three = Options("t3", false, 3);
  for (DatasetOptions* o : {&one, &two, &three}) {
    o->process.clahe = true;
    ASSERT_TRUE(ConvertDataset(*o, log).ok());
  }
  for (int shard = 0; shard < 3; ++shard) {
    const std::string name = "/records-0000" + std::to_string(shard) + "-of-00003.rec";
    const std::string want = ReadAll(::testing::TempDir() + "/t1_out" + name);
    EXPECT_FALSE(want.empty());
    EXPECT_EQ(ReadAll(::testing::TempDir() + "/t2_out" + name), want);
    EXPECT_EQ(ReadAll(::testing::TempDir() + "/t3_out" + name), want);
  }
}

TEST_F(TreeTest, MaskMismatchSkipAndStrict) {
  std::ostringstream log;
  DatasetOptions options = Options("skip", false, 2);
  options.mask_mismatch = MaskMismatch::kSkip;
  auto summary = ConvertDataset(options, log);
  ASSERT_TRUE(summary.ok()) << summary.status();
  EXPECT_EQ(summary->written, 3u);
  EXPECT_EQ(summary->rejected,
            (std::map<std::string, uint64_t>{{"corrupt_dicom", 1}, {"mask_size_mismatch", 1}}));
  EXPECT_THAT(
      ReadAll(::testing::TempDir() + "/skip_out/records.rejects.tsv"),
      HasSubstr(
          "Mass-Training_P_00004_RIGHT_MLO_1\tmask_size_mismatch\tmask 20x15, image 40x30\n"));

  options.strict = true;
  summary = ConvertDataset(options, log);
  EXPECT_EQ(summary.status().code(), absl::StatusCode::kDataLoss);
  EXPECT_THAT(summary.status().message(), HasSubstr("2 cases rejected and --strict is set"));
  EXPECT_EQ(ReadRecords(options.output).size(), 3u);  // everything was still written
}

TEST_F(TreeTest, MissingFilesAreRejectedNotFatal) {
  std::ostringstream log;
  DatasetOptions options = Options("missing", false, 1);
  fs::remove(options.root + "/" + p4);
  fs::remove(options.root + "/" + t10_1_mask);
  // A file whose header does not read is not in the index; the CSV path still reaches it,
  // so both of its cases say why.
  std::ofstream(options.root + "/" + p1, std::ios::binary | std::ios::trunc)
      << std::string(4000, 'x');
  auto summary = ConvertDataset(options, log);
  ASSERT_TRUE(summary.ok()) << summary.status();
  EXPECT_EQ(summary->rejected,
            (std::map<std::string, uint64_t>{
                {"corrupt_dicom", 3}, {"image_not_found", 1}, {"mask_not_found", 1}}));
  EXPECT_EQ(summary->unreadable_files, 1u);
  EXPECT_EQ(summary->written, 0u);
  EXPECT_THAT(log.str(), HasSubstr("1 unreadable files under --root"));
}

// The Kaggle JPEG copy as synth writes it, traps included, against synth's truth: every
// abnormality is a record with the true ids, patient, label and split and a mask whose box is
// the true one (JPEG blurs its edge by a pixel or two), or a reject for its trap.
TEST_F(TreeTest, KaggleCbisRecordsMatchSynthTruthAndTrapsAreRejected) {
  const SynthRun run =
      SynthAndConvert("kaggle", synth::Layout::kKaggleCbis, DatasetKind::kKaggleCbis, 40, 0.1);
  ASSERT_TRUE(run.status.ok()) << run.status;
  auto column = [&](const char* name) { return run.Column(name); };
  std::map<std::string, int> expected_rejects;
  int expected_records = 0;
  for (const csv::CsvRow& row : run.truth.rows) {
    const auto& c = row.cells;
    const std::string id = c[column("subject")] + "_" + c[column("abnormality id")];
    const std::string traps = c[column("traps")];
    std::string reason;
    if (absl::StrContains(traps, "missing_image")) reason = "image_not_found";
    if (absl::StrContains(traps, "corrupt_image")) reason = "corrupt_jpeg";
    if (reason.empty() && absl::StrContains(traps, "missing_mask")) reason = "mask_not_found";
    if (!reason.empty()) {
      ++expected_rejects[reason];
      EXPECT_EQ(run.records.count(id), 0u) << id;
      EXPECT_THAT(run.rejects, HasSubstr(absl::StrCat(id, "\t", reason, "\t"))) << id;
      continue;
    }
    ++expected_records;
    ASSERT_EQ(run.records.count(id), 1u) << id << " (" << traps << ")";
    const Record& r = run.records.at(id);
    EXPECT_EQ(r.lesion_id(), id);
    EXPECT_EQ(r.image_id(), c[column("subject")]);
    EXPECT_EQ(r.patient_id(), c[column("patient_id")]);
    EXPECT_EQ(r.pathology(), c[column("pathology")]);
    EXPECT_EQ(r.label(), c[column("label")] == "malignant" ? MALIGNANT : BENIGN) << id;
    EXPECT_EQ(r.split(), c[column("split")] == "train" ? TRAIN : TEST);
    if (absl::StrContains(traps, "subtlety_zero")) {
      EXPECT_EQ(r.attributes().subtlety(), 0);
    }
    const int width = std::stoi(c[column("image_width")]);
    const int height = std::stoi(c[column("image_height")]);
    EXPECT_EQ(r.image().width(), static_cast<uint32_t>(width));
    EXPECT_EQ(r.image().height(), static_cast<uint32_t>(height));
    ASSERT_EQ(r.masks_size(), 1) << id;
    auto mask = DecodeImage(r.masks(0));
    ASSERT_TRUE(mask.ok());
    ASSERT_EQ(mask->size(), cv::Size(width, height)) << id;
    const cv::Rect box = cv::boundingRect(*mask);
    const cv::Rect want(std::stoi(c[column("bbox_x")]), std::stoi(c[column("bbox_y")]),
                        std::stoi(c[column("bbox_width")]), std::stoi(c[column("bbox_height")]));
    // A mask drawn at another size (the mask_size trap) is rescaled, which moves its edge more.
    const int slack = absl::StrContains(traps, "mask_size") ? width / 25 + 2 : 2;
    EXPECT_LE(std::abs(box.x - want.x), slack) << id;
    EXPECT_LE(std::abs(box.y - want.y), slack) << id;
    EXPECT_LE(std::abs(box.br().x - want.br().x), slack) << id;
    EXPECT_LE(std::abs(box.br().y - want.br().y), slack) << id;
  }
  EXPECT_EQ(run.summary.written, static_cast<uint64_t>(expected_records));
  EXPECT_EQ(run.records.size(), static_cast<size_t>(expected_records));
  EXPECT_EQ(run.summary.rejected,
            (std::map<std::string, uint64_t>(expected_rejects.begin(), expected_rejects.end())));
  for (const char* reason : {"image_not_found", "corrupt_jpeg", "mask_not_found"}) {
    EXPECT_GT(expected_rejects[reason], 0) << reason << ": the trap was not planted";
  }
  EXPECT_THAT(run.rejects, HasSubstr("truncated JPEG (no end-of-image marker)"));
}

// A dicom_info.csv row whose JPEG is gone, and one that names no folder: the first image's
// rows are rejected with the path, the bad row is a warning with its line, the rest converts.
TEST_F(TreeTest, KaggleCbisMissingJpegAndBadDicomInfoRow) {
  const synth::SynthOptions synth =
      TreeOptions("kaggle_missing", synth::Layout::kKaggleCbis, 8, 0, 120, 200);
  const std::string& root = synth.output;
  ASSERT_TRUE(synth::Synthesize(synth).ok());
  const synth::Plan plan = synth::BuildPlan(synth.plan);
  const synth::Image& first = plan.images.front();
  const std::string gone = root + "/" + synth::KaggleCbisPaths(first, first.abnormalities[0]).image;
  ASSERT_TRUE(fs::remove(gone));
  const std::string info = root + "/csv/dicom_info.csv";
  const std::string info_text = ReadAll(info);
  const int bad_line = static_cast<int>(std::count(info_text.begin(), info_text.end(), '\n')) + 1;
  std::ofstream(info, std::ios::app) << "bad.jpg,P,1.2.3,full mammogram images\n";
  // A case row short of cells is rejected alone, with its file and line.
  std::ofstream(root + "/csv/mass_case_description_train_set.csv", std::ios::app)
      << "P_09999,2,LEFT\r\n";

  DatasetOptions options;
  options.dataset = DatasetKind::kKaggleCbis;
  options.root = root;
  options.output = ::testing::TempDir() + "/kaggle_missing_out/records@1";
  std::ostringstream log;
  auto summary = ConvertDataset(options, log);
  ASSERT_TRUE(summary.ok()) << summary.status();
  EXPECT_THAT(log.str(), HasSubstr(absl::StrCat("dicom_info.csv:", bad_line,
                                                ": image_path 'bad.jpg' has no folder")));
  size_t rows = 0;
  for (const synth::Image& image : plan.images) rows += image.abnormalities.size();
  EXPECT_EQ(summary->rejected,
            (std::map<std::string, uint64_t>{{"bad_csv_row", 1},
                                             {"image_not_found", first.abnormalities.size()}}));
  EXPECT_EQ(summary->written, rows - first.abnormalities.size());
  const std::string rejects =
      ReadAll(::testing::TempDir() + "/kaggle_missing_out/records.rejects.tsv");
  EXPECT_THAT(rejects, HasSubstr(absl::StrCat(first.Subject(), "_1\timage_not_found\t", gone)));
  EXPECT_THAT(rejects, ::testing::ContainsRegex(
                           "\nmass_case_description_train_set.csv:[0-9]+\tbad_csv_row\t"
                           "mass_case_description_train_set.csv:[0-9]+: 3 fields, but the header "
                           "has 14 \\(.*/csv/mass_case_description_train_set.csv:[0-9]+\\)\n"));
}

// mini-MIAS as synth writes it, traps included, against synth's truth: every lesion row is a
// record with the true ids, patient, label and a disc mask whose box and centre are the true
// ones (y flipped from Info.txt's bottom origin), or a reject for its trap, naming the line.
TEST_F(TreeTest, MiasRecordsMatchSynthTruthAndTrapsAreRejected) {
  const std::string root = ::testing::TempDir() + "/mias_root";
  fs::remove_all(root);
  synth::SynthOptions synth;
  synth.output = root;
  synth.layout = synth::Layout::kMias;
  synth.plan.cases = 16;
  synth.plan.trap_rate = 0.05;
  synth.threads = 2;
  ASSERT_TRUE(synth::Synthesize(synth).ok());

  DatasetOptions options;
  options.dataset = DatasetKind::kMias;
  options.root = root;
  options.output = ::testing::TempDir() + "/mias_out/records@2";
  options.threads = 2;
  std::ostringstream log;
  auto summary = ConvertDataset(options, log);
  ASSERT_TRUE(summary.ok()) << summary.status();
  std::map<std::string, Record> records;
  for (Record& r : ReadRecords(options.output)) records[r.id()] = std::move(r);
  const std::string rejects = ReadAll(::testing::TempDir() + "/mias_out/records.rejects.tsv");

  auto truth = csv::ReadCsv(root + "/synth_truth.csv");
  ASSERT_TRUE(truth.ok()) << truth.status();
  auto column = [&](const char* name) { return truth->RequireColumn(name).value(); };
  std::map<std::string, uint64_t> expected_rejects;
  int expected_records = 0, trailing_spaces = 0;
  for (const csv::CsvRow& row : truth->rows) {
    const auto& c = row.cells;
    const std::string id = c[column("lesion_id")];
    const std::string traps = c[column("traps")];
    // The row's own trouble is found before its image is opened, the centre checked after.
    std::string reason;
    if (absl::StrContains(traps, "centre_outside")) reason = "box_outside_image";
    if (absl::StrContains(traps, "missing_image")) reason = "image_not_found";
    if (absl::StrContains(traps, "bad_severity")) reason = "bad_info_row";
    if (absl::StrContains(traps, "no_coordinates") || absl::StrContains(traps, "note_token")) {
      reason = "no_coordinates";
    }
    if (absl::StrContains(traps, "norm")) reason = "normal_image";
    if (!reason.empty()) {
      ++expected_rejects[reason];
      EXPECT_EQ(records.count(id), 0u) << id;
      // Row-level reasons name Info.txt's line; a missing image names its path.
      EXPECT_THAT(rejects, ::testing::ContainsRegex(absl::StrCat(
                               id, "\t", reason, "\t",
                               reason == "image_not_found" ? ".*all-mias/" : "Info.txt:[0-9]+: ")))
          << id;
      continue;
    }
    ++expected_records;
    if (absl::StrContains(traps, "trailing_spaces")) ++trailing_spaces;
    ASSERT_EQ(records.count(id), 1u) << id << " (" << traps << ")";
    const Record& r = records.at(id);
    EXPECT_EQ(r.lesion_id(), id);
    EXPECT_EQ(r.image_id(), c[column("refnum")]);
    EXPECT_EQ(r.patient_id(), c[column("patient_id")]);
    EXPECT_EQ(r.pathology(), c[column("severity")]);
    EXPECT_EQ(r.label(), c[column("label")] == "malignant" ? MALIGNANT : BENIGN) << id;
    EXPECT_EQ(r.split(), SPLIT_NONE);
    EXPECT_EQ(r.attributes().laterality(), c[column("laterality")]);
    EXPECT_EQ(r.attributes().abnormality_type(), c[column("class")]);
    EXPECT_EQ(r.image().width(), 1024u);
    EXPECT_EQ(r.image().height(), 1024u);
    ASSERT_EQ(r.masks_size(), 1) << id;
    auto mask = DecodeImage(r.masks(0));
    ASSERT_TRUE(mask.ok());
    ASSERT_EQ(mask->size(), cv::Size(1024, 1024)) << id;
    const cv::Rect want(std::stoi(c[column("bbox_x")]), std::stoi(c[column("bbox_y")]),
                        std::stoi(c[column("bbox_width")]), std::stoi(c[column("bbox_height")]));
    EXPECT_EQ(cv::boundingRect(*mask), want) << id;
    const cv::Point centre(std::stoi(c[column("x")]), std::stoi(c[column("row")]));
    EXPECT_EQ(mask->at<uint8_t>(centre), 255) << id;
    if (want.width == want.height) {  // not clipped: the disc's mean is its centre
      const cv::Moments m = cv::moments(*mask, true);
      EXPECT_NEAR(m.m10 / m.m00, centre.x, 0.5) << id;
      EXPECT_NEAR(m.m01 / m.m00, centre.y, 0.5) << id;
    }
  }
  EXPECT_EQ(summary->written, static_cast<uint64_t>(expected_records));
  EXPECT_EQ(records.size(), static_cast<size_t>(expected_records));
  EXPECT_EQ(summary->rejected, expected_rejects);
  for (const char* reason :
       {"normal_image", "no_coordinates", "bad_info_row", "box_outside_image", "image_not_found"}) {
    EXPECT_GT(expected_rejects[reason], 0u) << reason << ": the trap was not planted";
  }
  EXPECT_GT(trailing_spaces, 0);
  // mdb005's two rows are two lesions, each a record or a reject of its own.
  for (const char* id : {"mdb005_1", "mdb005_2"}) {
    EXPECT_TRUE(records.count(id) == 1 || absl::StrContains(rejects, absl::StrCat(id, "\t"))) << id;
  }
}

// Bad input written by hand: a bad ref mid-file is rejected with its line (only the first line
// may be a header), a truncated and a 16-bit PGM are rejected, and the rest converts.
TEST_F(TreeTest, MiasBadRowsAndBadPgmsAreRejectedWithFileAndLine) {
  const std::string root = ::testing::TempDir() + "/mias_bad_root";
  fs::remove_all(root);
  fs::create_directories(root + "/all-mias");
  const std::string pixels(64 * 48, '\x40');
  auto write = [&](const std::string& name, const std::string& bytes) {
    std::ofstream(root + "/" + name, std::ios::binary) << bytes;
  };
  write("all-mias/mdb001.pgm", "P5\n# a comment\n64 48\n255\n" + pixels);
  write("all-mias/mdb002.pgm", "P5\n64 48\n255\n" + pixels.substr(100));
  write("all-mias/mdb003.pgm", "P5\n64 48\n65535\n" + pixels + pixels);
  write("Info.txt",
        "mdb001 G CIRC B 10 40 5 \r\n\nmdb002 F SPIC M 5 5 3\nREFNUM BG CLASS\n"
        "mdb003 D MISC B 5 5 3\nmdb001 G CIRC M 10 x 5\n");
  DatasetOptions options = OneShardOptions(DatasetKind::kMias, root, "mias_bad");
  std::ostringstream log;
  auto summary = ConvertDataset(options, log);
  ASSERT_TRUE(summary.ok()) << summary.status();
  const std::vector<Record> records = ReadRecords(options.output);
  ASSERT_EQ(records.size(), 1u);
  EXPECT_EQ(records[0].id(), "mdb001_1");
  EXPECT_EQ(records[0].patient_id(), "mias_001");
  EXPECT_EQ(records[0].attributes().laterality(), "RIGHT");
  auto mask = DecodeImage(records[0].masks(0));
  ASSERT_TRUE(mask.ok());
  // y = 40 from the bottom of 48 rows is row 7; radius 5 clips at the top.
  EXPECT_EQ(cv::boundingRect(*mask), cv::Rect(5, 2, 11, 11));
  const std::string rejects = ReadAll(::testing::TempDir() + "/mias_bad_out/records.rejects.tsv");
  EXPECT_THAT(rejects, HasSubstr("mdb002_1\tcorrupt_pgm\t"));
  EXPECT_THAT(rejects, HasSubstr("truncated PGM"));
  EXPECT_THAT(rejects, HasSubstr("mdb003_1\tunsupported_pgm\t"));
  EXPECT_THAT(rejects, HasSubstr("Info.txt:4\tbad_info_row\tInfo.txt:4: 'REFNUM' is not mdbNNN"));
  EXPECT_THAT(rejects, HasSubstr("mdb001_2\tbad_info_row\tInfo.txt:6: centre and radius"));
  options.csv_files = {"x.csv"};
  EXPECT_FALSE(ConvertDataset(options, log).ok());
}

// VinDr-Mammo as synth writes it, traps included, against synth's truth: every box with a
// BI-RADS is a record with the true ids, study as patient, BI-RADS label and official split,
// and a filled mask whose box is the true one; every other row is a reject naming its line.
TEST_F(TreeTest, VindrRecordsMatchSynthTruthAndTrapsAreRejected) {
  const SynthRun run =
      SynthAndConvert("vindr", synth::Layout::kVindr, DatasetKind::kVindr, 8, 0.05);
  ASSERT_TRUE(run.status.ok()) << run.status;
  auto column = [&](const char* name) { return run.Column(name); };
  std::map<std::string, uint64_t> expected_rejects;
  int expected_records = 0, several_categories = 0;
  for (const csv::CsvRow& row : run.truth.rows) {
    const auto& c = row.cells;
    const std::string id = c[column("lesion_id")];
    const std::string traps = c[column("traps")];
    // The row's own trouble is found before its image is opened, the box checked after.
    const std::string reason = ExpectedReason(traps, {{"no_finding", "no_finding"},
                                                      {"no_birads", "no_birads"},
                                                      {"bad_coordinate", "bad_csv_row"},
                                                      {"missing_image", "image_not_found"},
                                                      {"box_outside", "box_outside_image"}});
    if (!reason.empty()) {
      ++expected_rejects[reason];
      EXPECT_EQ(run.records.count(id), 0u) << id;
      EXPECT_THAT(
          run.rejects,
          ::testing::ContainsRegex(absl::StrCat(
              id, "\t", reason, "\t",
              reason == "image_not_found" ? ".*/images/" : "finding_annotations.csv:[0-9]+: ")))
          << id;
      continue;
    }
    ++expected_records;
    ASSERT_EQ(run.records.count(id), 1u) << id << " (" << traps << ")";
    const Record& r = run.records.at(id);
    EXPECT_EQ(r.lesion_id(), id);
    EXPECT_EQ(r.image_id(), c[column("image_id")]);
    EXPECT_EQ(r.patient_id(), c[column("study_id")]);
    EXPECT_EQ(r.pathology(), c[column("finding_birads")]);
    EXPECT_EQ(r.label(), c[column("label")] == "malignant" ? MALIGNANT : BENIGN) << id;
    EXPECT_EQ(r.split(), c[column("split")] == "training" ? TRAIN : TEST);
    EXPECT_EQ(r.attributes().dataset_split(), c[column("split")]);
    EXPECT_EQ(r.attributes().laterality(), c[column("laterality")] == "L" ? "LEFT" : "RIGHT");
    EXPECT_EQ(r.attributes().view(), c[column("view")]);
    EXPECT_EQ(r.attributes().abnormality_type(), c[column("categories")]);
    EXPECT_EQ(r.attributes().assessment(), c[column("finding_birads")].back() - '0');
    if (absl::StrContains(traps, "several_categories")) ++several_categories;
    const int width = std::stoi(c[column("image_width")]);
    const int height = std::stoi(c[column("image_height")]);
    ASSERT_EQ(r.masks_size(), 1) << id;
    auto mask = DecodeImage(r.masks(0));
    ASSERT_TRUE(mask.ok());
    ASSERT_EQ(mask->size(), cv::Size(width, height)) << id;
    const cv::Rect want(std::stoi(c[column("bbox_x")]), std::stoi(c[column("bbox_y")]),
                        std::stoi(c[column("bbox_width")]), std::stoi(c[column("bbox_height")]));
    EXPECT_EQ(cv::boundingRect(*mask), want) << id;
    EXPECT_EQ(cv::countNonZero(*mask), want.area()) << id << ": the box is filled";
  }
  EXPECT_EQ(run.summary.written, static_cast<uint64_t>(expected_records));
  EXPECT_EQ(run.records.size(), static_cast<size_t>(expected_records));
  EXPECT_EQ(run.summary.rejected, expected_rejects);
  for (const char* reason :
       {"no_finding", "no_birads", "bad_csv_row", "box_outside_image", "image_not_found"}) {
    EXPECT_GT(expected_rejects[reason], 0u) << reason << ": the trap was not planted";
  }
  EXPECT_GT(several_categories, 0);
  EXPECT_THAT(run.rejects, HasSubstr("'12O.5 "));
}

// A finding row short of cells is rejected alone, named by its line; the rest is converted.
TEST_F(TreeTest, VindrShortRowIsRejectedWithItsLine) {
  const synth::SynthOptions synth =
      TreeOptions("vindr_short", synth::Layout::kVindr, 1, 0, 120, 200);
  const std::string& root = synth.output;
  ASSERT_TRUE(synth::Synthesize(synth).ok());
  const std::string findings = root + "/finding_annotations.csv";
  const std::string text = ReadAll(findings);
  const int line = static_cast<int>(std::count(text.begin(), text.end(), '\n')) + 1;
  std::ofstream(findings, std::ios::app) << "a,b,c\n";
  const DatasetOptions options = OneShardOptions(DatasetKind::kVindr, root, "vindr_short");
  std::ostringstream log;
  auto summary = ConvertDataset(options, log);
  ASSERT_TRUE(summary.ok()) << summary.status();
  EXPECT_GT(summary->written, 0u);
  EXPECT_EQ(summary->rejected["bad_csv_row"], 1u);
  EXPECT_THAT(ReadAll(::testing::TempDir() + "/vindr_short_out/records.rejects.tsv"),
              HasSubstr(absl::StrCat("finding_annotations.csv:", line,
                                     "_1\tbad_csv_row\tfinding_annotations.csv:", line,
                                     ": 3 fields, but the header has 16")));
}

// INbreast as synth writes it, traps included, against synth's truth: every outline ROI is a
// record with the true ids, the DICOM name's hash as patient, the BI-RADS label and string, and
// the filled outline as mask on the DICOM's own size; every other image or ROI is a reject
// naming its file and line.
TEST_F(TreeTest, InbreastRecordsMatchSynthTruthAndTrapsAreRejected) {
  const SynthRun run =
      SynthAndConvert("inbreast", synth::Layout::kInbreast, DatasetKind::kInbreast, 10, 0.05);
  ASSERT_TRUE(run.status.ok()) << run.status;
  auto column = [&](const char* name) { return run.Column(name); };
  // An image-level trouble rejects the image once, whatever its number of ROIs.
  std::set<std::pair<std::string, std::string>> expected_rejects;
  int expected_records = 0, second_size = 0, missing_keys = 0;
  for (const csv::CsvRow& row : run.truth.rows) {
    const auto& c = row.cells;
    const std::string file = c[column("file_name")];
    const std::string traps = c[column("traps")];
    const std::string csv_where = absl::StrCat("INbreast.csv:", c[column("csv_line")]);
    std::string id = c[column("lesion_id")], reason, detail;
    // In the order the adapter meets them: the CSV row, the XML, the ROI, the DICOM, the points.
    if (absl::StrContains(traps, "bad_csv_row")) {
      id = csv_where;
      reason = "bad_csv_row";
      detail = csv_where + ": 7 fields, but the header has 8";
    } else if (absl::StrContains(traps, "bad_xml")) {
      id = file;
      reason = "bad_xml";
      detail = absl::StrCat("AllXML/", file, ".xml:[0-9]+: not well-formed XML");
    } else if (absl::StrContains(traps, "no_xml")) {
      reason = "no_outline";
      detail = absl::StrCat(csv_where, ": no AllXML/", file, ".xml");
    } else if (absl::StrContains(traps, "point_roi")) {
      reason = "no_polygon";
      detail = absl::StrCat("AllXML/", file, ".xml:[0-9]+: ROI 1 \\(Calcification\\): 1 points");
    } else if (absl::StrContains(traps, "missing_image")) {
      reason = "image_not_found";
      detail = absl::StrCat(csv_where, ": AllDICOMs/ has no ", file, "_");
    } else if (absl::StrContains(traps, "outline_outside")) {
      reason = "outline_outside_image";
      detail = absl::StrCat("AllXML/", file, ".xml:[0-9]+: ROI 1: point \\([0-9.]+, [0-9.]+\\) ",
                            "is outside the [0-9]+x[0-9]+ image");
    }
    if (!reason.empty()) {
      expected_rejects.insert({id, reason});
      EXPECT_EQ(run.records.count(c[column("lesion_id")]), 0u) << id;
      EXPECT_THAT(run.rejects,
                  ::testing::ContainsRegex(absl::StrCat(id, "\t", reason, "\t", detail)))
          << id;
      continue;
    }
    ++expected_records;
    ASSERT_EQ(run.records.count(id), 1u) << id << " (" << traps << ")";
    const Record& r = run.records.at(id);
    EXPECT_EQ(r.lesion_id(), id);
    EXPECT_EQ(r.image_id(), file);
    EXPECT_EQ(r.patient_id(), c[column("patient_id")]);
    EXPECT_EQ(r.pathology(), c[column("birads")]);
    EXPECT_EQ(r.label(), c[column("label")] == "malignant" ? MALIGNANT : BENIGN) << id;
    EXPECT_EQ(r.split(), SPLIT_NONE);
    EXPECT_EQ(r.attributes().laterality(), c[column("laterality")] == "L" ? "LEFT" : "RIGHT");
    EXPECT_EQ(r.attributes().view(), c[column("view")]);
    EXPECT_EQ(r.attributes().abnormality_type(), c[column("roi_name")]);
    EXPECT_EQ(r.attributes().assessment(), c[column("birads")][0] - '0');
    second_size += absl::StrContains(traps, "second_size");
    missing_keys += absl::StrContains(traps, "missing_keys");
    ASSERT_EQ(r.masks_size(), 1) << id;
    auto mask = DecodeImage(r.masks(0));
    ASSERT_TRUE(mask.ok());
    ASSERT_EQ(mask->size(),
              cv::Size(std::stoi(c[column("image_width")]), std::stoi(c[column("image_height")])))
        << id;
    EXPECT_EQ(cv::boundingRect(*mask),
              cv::Rect(std::stoi(c[column("bbox_x")]), std::stoi(c[column("bbox_y")]),
                       std::stoi(c[column("bbox_width")]), std::stoi(c[column("bbox_height")])))
        << id;
  }
  EXPECT_EQ(run.summary.written, static_cast<uint64_t>(expected_records));
  EXPECT_EQ(run.records.size(), static_cast<size_t>(expected_records));
  std::map<std::string, uint64_t> by_reason;
  for (const auto& [id, reason] : expected_rejects) ++by_reason[reason];
  EXPECT_EQ(run.summary.rejected, by_reason);
  for (const char* reason : {"bad_csv_row", "bad_xml", "no_outline", "no_polygon",
                             "image_not_found", "outline_outside_image"}) {
    EXPECT_GT(by_reason[reason], 0u) << reason << ": the trap was not planted";
  }
  EXPECT_GT(second_size, 0);
  EXPECT_GT(missing_keys, 0);
}

// INbreast's CSV and XML written by hand: BI-RADS 4a is MALIGNANT with "4a" kept, "ML" is MLO;
// a bad Bi-Rads, a bad point and a CSV without a column are named with file and line.
TEST_F(TreeTest, InbreastBadRowsAreRejectedWithFileAndLine) {
  const std::string root = ::testing::TempDir() + "/inbreast_bad_root";
  fs::remove_all(root);
  fs::create_directories(root + "/AllXML");
  fs::create_directories(root + "/AllDICOMs");
  const cv::Mat pixels = Full(3);  // 40 x 30
  ASSERT_TRUE(
      WriteTestDicom(root + "/AllDICOMs/111_abc_MG_L_ML_ANON.dcm", pixels, DicomSpec{}).ok());
  ASSERT_TRUE(
      WriteTestDicom(root + "/AllDICOMs/222_abc_MG_L_CC_ANON.dcm", pixels, DicomSpec{}).ok());
  ASSERT_TRUE(WriteTestDicom(root + "/AllDICOMs/notes.dcm", pixels, DicomSpec{}).ok());
  auto write = [&](const std::string& name, const std::string& bytes) {
    std::ofstream(root + "/" + name, std::ios::binary) << bytes;
  };
  auto plist = [](const std::string& points) {
    return "<plist><dict><key>Images</key><array><dict><key>ROIs</key><array>\n<dict>"
           "<key>Name</key><string>Mass</string><key>Point_px</key><array>" +
           points + "</array></dict>\n</array></dict></array></dict></plist>\n";
  };
  write("AllXML/111.xml", plist("<string>(5.4, 6)</string><string>(20, 6)</string>"
                                "<string>(20, 25.6)</string><string>(5, 25)</string>"));
  write("AllXML/222.xml", plist("<string>(5, 6)</string><string>(x, 6)</string>"));
  write("AllXML/333.xml", plist(""));
  write("INbreast.csv",
        "Patient ID;Patient age;Laterality;View;Acquisition date;File Name;ACR;Bi-Rads\n"
        ";;L;ML;200901;111;3;4a\n;;L;CC;200901;222;2;3\n;;R;CC;200901;333;2;7\n"
        ";;R;CC;200901;abc;2;2\n");
  const DatasetOptions options = OneShardOptions(DatasetKind::kInbreast, root, "inbreast_bad");
  std::ostringstream log;
  auto summary = ConvertDataset(options, log);
  ASSERT_TRUE(summary.ok()) << summary.status();
  const std::vector<Record> records = ReadRecords(options.output);
  ASSERT_EQ(records.size(), 1u);
  EXPECT_EQ(records[0].id(), "111_1");
  EXPECT_EQ(records[0].patient_id(), "abc");
  EXPECT_EQ(records[0].label(), MALIGNANT);
  EXPECT_EQ(records[0].pathology(), "4a");
  EXPECT_EQ(records[0].attributes().assessment(), 4);
  EXPECT_EQ(records[0].attributes().breast_density(), 3);
  EXPECT_EQ(records[0].attributes().view(), "MLO");
  auto mask = DecodeImage(records[0].masks(0));
  ASSERT_TRUE(mask.ok());
  EXPECT_EQ(cv::boundingRect(*mask), cv::Rect(5, 6, 16, 21));  // (5.4, 6) to (20, 25.6)
  const std::string rejects =
      ReadAll(::testing::TempDir() + "/inbreast_bad_out/records.rejects.tsv");
  EXPECT_THAT(rejects, HasSubstr("222_1\tbad_xml\tAllXML/222.xml:2: ROI 1: line 2: Point_px "
                                 "value '(x, 6)' is not (x, y)"));
  EXPECT_THAT(rejects, HasSubstr("333\tbad_csv_row\tINbreast.csv:4: Bi-Rads '7' is "
                                 "not 1-6 (4a-4c)"));
  EXPECT_THAT(rejects, HasSubstr("INbreast.csv:5\tbad_csv_row\tINbreast.csv:5: File Name 'abc'"));
  write("INbreast.csv", "Laterality;View;File Name;ACR\nL;CC;111;2\n");
  auto no_column = ConvertDataset(options, log);
  EXPECT_THAT(std::string(no_column.status().message()),
              HasSubstr("INbreast.csv:1: the header lacks column 'bi-rads'"));
}

// CMMD as synth writes it, against synth's truth: every image of a breast with a clinical row
// is a record with the id <ID1>_<side>_<view> (the side from the header, whatever the file
// order), the breast's label, and no mask; every other image or row is a reject.
TEST_F(TreeTest, CmmdRecordsMatchSynthTruthAndTrapsAreRejected) {
  const SynthRun run = SynthAndConvert("cmmd", synth::Layout::kCmmd, DatasetKind::kCmmd, 12, 0.1);
  ASSERT_TRUE(run.status.ok()) << run.status;
  auto column = [&](const char* name) { return run.Column(name); };
  std::map<std::string, uint64_t> expected_rejects;
  int expected_records = 0, mixed = 0, sixteen_bit = 0;
  for (const csv::CsvRow& row : run.truth.rows) {
    const auto& c = row.cells;
    const std::string id = c[column("id")];
    const std::string traps = c[column("traps")];
    const std::string reason = ExpectedReason(traps, {{"no_laterality", "no_laterality"},
                                                      {"bad_classification", "bad_csv_row"},
                                                      {"missing_image", "image_not_found"},
                                                      {"unlabelled_breast", "unlabelled_breast"}});
    if (!reason.empty()) {
      ++expected_rejects[reason];
      EXPECT_EQ(run.records.count(id), 0u) << id;
      // An image without a side is named by its path: its id is unknown.
      if (reason != "no_laterality") {
        EXPECT_THAT(run.rejects, HasSubstr(absl::StrCat(id, "\t", reason, "\t"))) << id;
      }
      continue;
    }
    ++expected_records;
    ASSERT_EQ(run.records.count(id), 1u) << id << " (" << traps << ")";
    const Record& r = run.records.at(id);
    EXPECT_EQ(r.image_id(), id);
    EXPECT_EQ(r.patient_id(), c[column("patient_id")]);
    EXPECT_EQ(r.pathology(), c[column("classification")]);
    EXPECT_EQ(r.label(), c[column("label")] == "malignant" ? MALIGNANT : BENIGN) << id;
    EXPECT_EQ(r.split(), SPLIT_NONE);
    EXPECT_EQ(r.attributes().laterality(), c[column("side")] == "L" ? "LEFT" : "RIGHT");
    EXPECT_EQ(r.attributes().view(), c[column("view")]);
    EXPECT_EQ(r.masks_size(), 0) << id;
    mixed += absl::StrContains(traps, "mixed_patient");
    sixteen_bit += absl::StrContains(traps, "sixteen_bit");
  }
  EXPECT_EQ(run.summary.written, static_cast<uint64_t>(expected_records));
  EXPECT_EQ(run.records.size(), static_cast<size_t>(expected_records));
  EXPECT_EQ(run.summary.rejected, expected_rejects);
  for (const char* reason :
       {"unlabelled_breast", "image_not_found", "bad_csv_row", "no_laterality"}) {
    EXPECT_GT(expected_rejects[reason], 0u) << reason << ": the trap was not planted";
  }
  EXPECT_GE(mixed, 4);  // the first patient's four images, two benign and two malignant
  EXPECT_EQ(sixteen_bit, 2);
  EXPECT_THAT(run.rejects, ::testing::ContainsRegex(
                               "\tno_laterality\t[^\t]*/1-[0-9]\\.dcm: ImageLaterality '' is "));
}

// The clinical table written by hand, ','-separated: a short row and a repeated breast are
// rejected with their lines, the rest converted; a table without a column fails the run.
TEST_F(TreeTest, CmmdBadClinicalRowsAreRejectedWithFileAndLine) {
  const synth::SynthOptions synth = TreeOptions("cmmd_bad", synth::Layout::kCmmd, 1, 0);
  const std::string& root = synth.output;
  ASSERT_TRUE(synth::Synthesize(synth).ok());
  auto write = [&](const std::string& bytes) {
    std::ofstream(root + "/CMMD_clinicaldata_revision.csv", std::ios::binary) << bytes;
  };
  write(
      "ID1,LeftRight,Age,number,abnormality,classification,subtype\n"
      "D1-0001,L,44,1,mass,Malignant,\nD1-0001,R,44,1,mass\nD1-0001,L,44,1,mass,Benign,\n");
  const DatasetOptions options = OneShardOptions(DatasetKind::kCmmd, root, "cmmd_bad");
  std::ostringstream log;
  auto summary = ConvertDataset(options, log);
  ASSERT_TRUE(summary.ok()) << summary.status();
  const std::vector<Record> records = ReadRecords(options.output);
  ASSERT_EQ(records.size(), 2u);
  EXPECT_EQ(records[0].label(), MALIGNANT);
  EXPECT_EQ(records[0].attributes().laterality(), "LEFT");
  const std::string rejects = ReadAll(::testing::TempDir() + "/cmmd_bad_out/records.rejects.tsv");
  EXPECT_THAT(rejects,
              HasSubstr("CMMD_clinicaldata_revision.csv:3\tbad_csv_row\t"
                        "CMMD_clinicaldata_revision.csv:3: 5 fields, but the header has 7"));
  EXPECT_THAT(rejects, HasSubstr("D1-0001_L\tbad_csv_row\tCMMD_clinicaldata_revision.csv:4: "
                                 "repeats the breast of line 2"));
  EXPECT_THAT(rejects, HasSubstr("D1-0001_R_CC\tunlabelled_breast\t"));
  write("ID1;LeftRight;Age\nD1-0001;L;44\n");
  EXPECT_THAT(std::string(ConvertDataset(options, log).status().message()),
              HasSubstr("CMMD_clinicaldata_revision.csv:1: the header lacks column 'abnormality'"));
}

// Boxes on new images (pipelines/predict.mk): one unlabelled record per good row, the mask the
// filled box, the given or the default id; bad rows and boxes outside the image are rejects
// naming the CSV line, and the run goes on.
TEST_F(TreeTest, BoxesGiveUnlabelledRecordsAndRejectBadRowsWithTheLine) {
  const std::string root = ::testing::TempDir() + "/boxes_root";
  fs::remove_all(root);
  fs::create_directories(root + "/case1");
  ASSERT_TRUE(WriteTestDicom(root + "/case1/RCC.dcm", Full(1), {}).ok());
  const std::string csv = ::testing::TempDir() + "/rois.csv";
  std::ofstream(csv) << "file,x,y,width,height,id,patient,note\n"
                        "case1/RCC.dcm,5,6,10,8,,p1,ignored\n"
                        "case1/RCC.dcm,0,0,40,30,whole,p1,\n"
                        "case1/RCC.dcm,35,6,10,8,,p1,\n"
                        "case1/RCC.dcm,5,six,10,8,,p1,\n"
                        "case1/missing.dcm,5,6,10,8,,p1,\n";
  DatasetOptions options;
  options.dataset = DatasetKind::kBoxes;
  options.csv_files = {csv};
  options.root = root;
  options.output = ::testing::TempDir() + "/boxes_out/records@1";
  std::ostringstream log;
  auto summary = ConvertDataset(options, log);
  ASSERT_TRUE(summary.ok()) << summary.status();
  const std::vector<Record> records = ReadRecords(options.output);
  ASSERT_EQ(records.size(), 2u);
  EXPECT_EQ(records[0].id(), "case1/RCC.dcm_1");
  EXPECT_EQ(records[0].image_id(), "case1/RCC.dcm");
  EXPECT_EQ(records[0].patient_id(), "p1");
  EXPECT_EQ(records[0].label(), LABEL_UNSPECIFIED);
  EXPECT_EQ(records[0].split(), SPLIT_NONE);
  auto mask = DecodeImage(records[0].masks(0));
  ASSERT_TRUE(mask.ok());
  EXPECT_EQ(cv::boundingRect(*mask), cv::Rect(5, 6, 10, 8));
  EXPECT_EQ(cv::countNonZero(*mask), 10 * 8);
  EXPECT_EQ(records[1].id(), "whole");
  const std::string rejects = ReadAll(::testing::TempDir() + "/boxes_out/records.rejects.tsv");
  EXPECT_THAT(rejects, HasSubstr("case1/RCC.dcm_3\tbox_outside_image\trois.csv:4: box x 35"));
  EXPECT_THAT(rejects, HasSubstr("case1/RCC.dcm_4\tbad_csv_row\trois.csv:5: box '5 six 10 8'"));
  EXPECT_THAT(rejects, HasSubstr("case1/missing.dcm_1\timage_not_found\trois.csv:6: "));
  // --split puts every record in one split, and says so in the provenance.
  options.split = TEST;
  options.output = ::testing::TempDir() + "/boxes_test_out/records@1";
  ASSERT_TRUE(ConvertDataset(options, log).ok());
  const std::vector<Record> tested = ReadRecords(options.output);
  ASSERT_EQ(tested.size(), 2u);
  EXPECT_EQ(tested[1].split(), TEST);
  EXPECT_THAT(tested[1].provenance(0).DebugString(), HasSubstr("\"split\""));
  EXPECT_EQ(*ParseSplitOverride("dataset"), std::nullopt);
  EXPECT_EQ(*ParseSplitOverride("train"), TRAIN);
  EXPECT_THAT(ParseSplitOverride("tests").status().message(), HasSubstr("--split must be"));
  options.csv_files = {};
  EXPECT_THAT(ConvertDataset(options, log).status().message(), HasSubstr("takes one --csv"));
}

// Masks instead of boxes: a mask DICOM's nonzero pixels (here 0/1, 16-bit) are the lesion, as
// 0/255; a mask of another size, an empty one and a missing one are rejects with the line; a
// row without a mask in a table without box columns is a bad row.
TEST_F(TreeTest, BoxesTableTakesMaskDicomsInstead) {
  const std::string root = ::testing::TempDir() + "/masks_root";
  fs::remove_all(root);
  fs::create_directories(root + "/case1");
  ASSERT_TRUE(WriteTestDicom(root + "/case1/RCC.dcm", Full(1), {}).ok());
  cv::Mat lesion = cv::Mat::zeros(30, 40, CV_16U);
  lesion(cv::Rect(7, 9, 12, 5)).setTo(1);
  lesion.at<uint16_t>(20, 30) = 1;  // any shape, not only a rectangle
  ASSERT_TRUE(WriteTestDicom(root + "/case1/RCC_mask.dcm", lesion, {}).ok());
  ASSERT_TRUE(
      WriteTestDicom(root + "/case1/small_mask.dcm", cv::Mat(10, 10, CV_8U, cv::Scalar(255)), {})
          .ok());
  ASSERT_TRUE(
      WriteTestDicom(root + "/case1/empty_mask.dcm", cv::Mat(30, 40, CV_8U, cv::Scalar(0)), {})
          .ok());
  const std::string csv = ::testing::TempDir() + "/masks.csv";
  std::ofstream(csv) << "file,mask,id\n"
                        "case1/RCC.dcm,case1/RCC_mask.dcm,m1\n"
                        "case1/RCC.dcm,case1/small_mask.dcm,m2\n"
                        "case1/RCC.dcm,case1/empty_mask.dcm,m3\n"
                        "case1/RCC.dcm,case1/gone.dcm,m4\n"
                        "case1/RCC.dcm,,m5\n";
  DatasetOptions options = OneShardOptions(DatasetKind::kBoxes, root, "masks");
  options.csv_files = {csv};
  std::ostringstream log;
  auto summary = ConvertDataset(options, log);
  ASSERT_TRUE(summary.ok()) << summary.status();
  const std::vector<Record> records = ReadRecords(options.output);
  ASSERT_EQ(records.size(), 1u);
  EXPECT_EQ(records[0].id(), "m1");
  auto mask = DecodeImage(records[0].masks(0));
  ASSERT_TRUE(mask.ok());
  cv::Mat expected = cv::Mat::zeros(30, 40, CV_8U);
  expected(cv::Rect(7, 9, 12, 5)).setTo(255);
  expected.at<uint8_t>(20, 30) = 255;
  EXPECT_EQ(cv::countNonZero(*mask != expected), 0);
  const std::string rejects = ReadAll(::testing::TempDir() + "/masks_out/records.rejects.tsv");
  EXPECT_THAT(rejects, HasSubstr("m2\tmask_size_mismatch\tmasks.csv:3: mask case1/small_mask.dcm "
                                 "is 10x10, the image 40x30"));
  EXPECT_THAT(rejects, HasSubstr("m3\tempty_mask\tmasks.csv:4: "));
  EXPECT_THAT(rejects, HasSubstr("m4\tmask_not_found\tmasks.csv:5: "));
  EXPECT_THAT(rejects, HasSubstr("m5\tbad_csv_row\tmasks.csv:6: no mask, and the table has no "
                                 "box columns"));
}

TEST(ConvertFileTest, MinMaxBitsSixteenMonochrome1AndFlagChecks) {
  const std::string dir = ::testing::TempDir();
  const cv::Mat pixels = (cv::Mat_<uint16_t>(2, 3) << 100, 600, 1100, 350, 101, 1099);
  ASSERT_TRUE(WriteTestDicom(dir + "/one.dcm", pixels, {}).ok());
  std::ostringstream log;
  FileOptions options;
  ASSERT_TRUE(ConvertFile(dir + "/one.dcm", dir + "/one.png", options, log).ok());
  auto png = DecodeImageFile(ReadAll(dir + "/one.png"), "one.png");
  ASSERT_TRUE(png.ok());
  EXPECT_TRUE(Same(*png, (cv::Mat_<uint8_t>(2, 3) << 0, 128, 255, 64, 0, 255)));
  EXPECT_FALSE(fs::exists(dir + "/one.png.tmp"));

  options.bits = 16;
  ASSERT_TRUE(ConvertFile(dir + "/one.dcm", dir + "/one16.png", options, log).ok());
  EXPECT_TRUE(Same(*DecodeImageFile(ReadAll(dir + "/one16.png"), "one16.png"), pixels));

  DicomSpec mono1;
  mono1.photometric = "MONOCHROME1";
  ASSERT_TRUE(WriteTestDicom(dir + "/mono1.dcm", pixels, mono1).ok());
  options.bits = 8;
  ASSERT_TRUE(ConvertFile(dir + "/mono1.dcm", dir + "/mono1.png", options, log).ok());
  EXPECT_TRUE(
      Same(*DecodeImageFile(ReadAll(dir + "/mono1.png"), "mono1.png"),
           (cv::Mat_<uint8_t>(2, 3) << 255, 128, 0, 191, 255, 0)));  // round(255*(max-v)/range)

  options.voi = true;  // no window in the file: min-max, with a note
  ASSERT_TRUE(ConvertFile(dir + "/one.dcm", dir + "/voi.png", options, log).ok());
  EXPECT_THAT(log.str(), HasSubstr("has no VOI window or LUT; using min-max"));

  options.bits = 16;
  EXPECT_EQ(ConvertFile(dir + "/one.dcm", dir + "/x.png", options, log).code(),
            absl::StatusCode::kInvalidArgument);
  options = FileOptions();
  options.process.clahe_tiles = 0;
  EXPECT_EQ(ConvertFile(dir + "/one.dcm", dir + "/x.png", options, log).code(),
            absl::StatusCode::kInvalidArgument);
  options = FileOptions();
  options.process.read.max_pixels = 5;
  EXPECT_EQ(ConvertFile(dir + "/one.dcm", dir + "/x.png", options, log).code(),
            absl::StatusCode::kResourceExhausted);
  EXPECT_FALSE(fs::exists(dir + "/x.png"));
}

}  // namespace
}  // namespace mammo::dcm2png
