#include "tools/synth/synth_lib.h"

#include <dcmtk/dcmdata/dctk.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>
#include <regex>
#include <set>
#include <sstream>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "lib/dicom/dicom.h"
#include "tools/synth/synth_cmmd.h"
#include "tools/synth/synth_inbreast.h"
#include "tools/synth/synth_mias.h"
#include "tools/synth/synth_plan.h"
#include "tools/synth/synth_render.h"
#include "tools/synth/synth_vindr.h"

namespace mammo::synth {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;
using ::testing::StartsWith;

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

std::string TestDir(const std::string& name) {
  const std::string dir =
      absl::StrCat(::testing::TempDir(), "/",
                   ::testing::UnitTest::GetInstance()->current_test_info()->name(), "_", name);
  fs::remove_all(dir);
  return dir;
}

PlanOptions SmallPlan(int cases) {
  PlanOptions options;
  options.cases = cases;
  options.width = 240;
  options.height = 400;
  return options;
}

// A small set in `layout` with every trap, in a fresh folder named after the test and `name`.
SynthOptions LayoutOptions(const std::string& name, Layout layout, int cases) {
  SynthOptions options;
  options.output = TestDir(name);
  options.plan = SmallPlan(cases);
  options.plan.trap_rate = 0.05;
  options.layout = layout;
  return options;
}

TEST(PlanTest, MassCsvHasTheExactHeaderCrlfAndAQuotedNewline) {
  const Plan plan = BuildPlan(SmallPlan(40));
  const std::string csv = CaseDescriptionCsv(plan, Kind::kMass, true);
  EXPECT_THAT(csv, StartsWith("patient_id,breast_density,left or right breast,image "
                              "view,abnormality id,abnormality type,"
                              "mass shape,mass margins,assessment,pathology,subtlety,image file "
                              "path,cropped image file "
                              "path,ROI mask file path\r\n"));
  EXPECT_THAT(
      CaseDescriptionCsv(plan, Kind::kCalc, false),
      StartsWith("patient_id,breast density,left or right breast,image view,abnormality "
                 "id,abnormality type,calc type,calc distribution,assessment,pathology,"
                 "subtlety,image file path,cropped image file path,ROI mask file path\r\n"));
  // Every line break outside quotes is CRLF; the ones inside quotes are bare.
  bool quoted = false;
  int quoted_newlines = 0;
  for (size_t i = 0; i < csv.size(); ++i) {
    if (csv[i] == '"') quoted = !quoted;
    if (csv[i] != '\n') continue;
    if (quoted) {
      ++quoted_newlines;
    } else {
      ASSERT_GT(i, 0u);
      EXPECT_EQ(csv[i - 1], '\r') << "bare LF at byte " << i;
    }
  }
  EXPECT_GT(quoted_newlines, 0);
  EXPECT_THAT(csv, HasSubstr(".dcm\n\"\r\n"));
}

TEST(PlanTest, RowsCountsPathsAndSplitsLookLikeCbisDdsm) {
  const Plan plan = BuildPlan(SmallPlan(120));
  int mass_rows = 0;
  std::set<std::string> train, test, uids;
  bool mixed_image = false, second_abnormality = false;
  std::map<std::string, std::set<std::string>> pathologies;
  const std::regex uid_syntax("2\\.25\\.[1-9][0-9]*");
  for (const Image& image : plan.images) {
    if (image.kind == Kind::kMass) mass_rows += static_cast<int>(image.abnormalities.size());
    (image.train ? train : test).insert(absl::StrCat(image.kind == Kind::kMass, image.patient_id));
    EXPECT_TRUE(std::regex_match(image.patient_id, std::regex("P_[0-9]{5}")));
    std::set<std::string> labels;
    for (const Abnormality& a : image.abnormalities) {
      labels.insert(a.Malignant() ? "m" : "b");
      pathologies[a.pathology].insert(a.shape_or_type);
      second_abnormality |= a.id == 2;
      for (const std::string& uid :
           {a.roi_study_uid, a.crop_series_uid, a.crop_sop_uid, a.mask_sop_uid}) {
        EXPECT_TRUE(std::regex_match(uid, uid_syntax)) << uid;
        EXPECT_LE(uid.size(), 64u);
      }
      uids.insert(a.crop_sop_uid);
      uids.insert(a.mask_sop_uid);
      const FilePaths csv = CsvPaths(image, a);
      EXPECT_THAT(csv.image, StartsWith(image.Subject() + "/" + image.study_uid + "/"));
      EXPECT_THAT(csv.crop, StartsWith(absl::StrCat(image.Subject(), "_", a.id, "/")));
      EXPECT_EQ(csv.mask.substr(csv.mask.size() - 10),
                a.mask_in_crop_series ? "000001.dcm" : "000000.dcm");
      const FilePaths nbia = NbiaPaths(image, a);
      EXPECT_THAT(nbia.image,
                  HasSubstr("-DDSM-" + image.study_uid.substr(image.study_uid.size() - 5) +
                            "/1.000000-full mammogram images-"));
      EXPECT_THAT(nbia.image, StartsWith("CBIS-DDSM/" + image.Subject() + "/"));
    }
    mixed_image |= labels.size() == 2;
    uids.insert(image.sop_uid);
    EXPECT_TRUE(std::regex_match(image.study_uid, uid_syntax)) << image.study_uid;
  }
  EXPECT_EQ(mass_rows, 120);
  for (const std::string& patient : train) EXPECT_EQ(test.count(patient), 0u) << patient;
  EXPECT_FALSE(test.empty());
  EXPECT_TRUE(mixed_image);
  EXPECT_TRUE(second_abnormality);
  EXPECT_EQ(pathologies.size(), 3u);
  size_t sops = 0;
  for (const Image& image : plan.images) sops += 1 + 2 * image.abnormalities.size();
  EXPECT_EQ(uids.size(), sops) << "SOP instance UIDs must be unique";
  EXPECT_EQ(plan.images[0].Subject().rfind("Mass-Training_P_", 0), 0u);
}

TEST(PlanTest, BothViewsShowTheSameLesions) {
  const Plan plan = BuildPlan(SmallPlan(60));
  std::map<std::string, std::vector<const Image*>> by_breast;
  for (const Image& image : plan.images) {
    by_breast[absl::StrCat(image.kind == Kind::kMass, image.patient_id, image.side)].push_back(
        &image);
  }
  int pairs = 0;
  for (const auto& [breast, images] : by_breast) {
    if (images.size() != 2 || images[1]->abnormalities.size() != images[0]->abnormalities.size())
      continue;
    ++pairs;
    EXPECT_EQ(images[0]->view, "CC");
    EXPECT_EQ(images[1]->view, "MLO");
    for (size_t j = 0; j < images[0]->abnormalities.size(); ++j) {
      EXPECT_EQ(images[0]->abnormalities[j].shape_seed, images[1]->abnormalities[j].shape_seed);
      EXPECT_EQ(images[0]->abnormalities[j].pathology, images[1]->abnormalities[j].pathology);
    }
  }
  EXPECT_GT(pairs, 10);
}

TEST(PlanTest, TrapsAreDrawnAtTheRateAndOnlyWhenAsked) {
  PlanOptions options = SmallPlan(100);
  options.trap_rate = 0.05;
  std::map<std::string, int> counts;
  for (const Image& image : BuildPlan(options).images) {
    for (const Abnormality& a : image.abnormalities) {
      for (const std::string& trap : a.traps) ++counts[trap];
      EXPECT_EQ(a.subtlety == 0, a.HasTrap(kTrapSubtletyZero));
    }
  }
  for (const char* trap : {kTrapSwapColumns, kTrapMaskSize, kTrapMissingMask, kTrapSubtletyZero}) {
    EXPECT_EQ(counts[trap], 5) << trap;
  }
  EXPECT_GE(counts[kTrapCorruptImage], 1);
  EXPECT_GE(counts[kTrapMissingImage], 1);

  options.trap_rate = 0;
  for (const Image& image : BuildPlan(options).images) {
    EXPECT_FALSE(image.corrupt || image.missing);
    for (const Abnormality& a : image.abnormalities) EXPECT_TRUE(a.traps.empty());
  }
}

TEST(PlanTest, TheSeedDecidesEverything) {
  PlanOptions options = SmallPlan(30);
  const Plan a = BuildPlan(options), b = BuildPlan(options);
  EXPECT_EQ(CaseDescriptionCsv(a, Kind::kMass, true), CaseDescriptionCsv(b, Kind::kMass, true));
  EXPECT_EQ(NbiaMetadataCsv(a), NbiaMetadataCsv(b));
  options.seed = 43;
  EXPECT_NE(CaseDescriptionCsv(a, Kind::kMass, true),
            CaseDescriptionCsv(BuildPlan(options), Kind::kMass, true));
  EXPECT_EQ(MakeUid(1, "study", 7), MakeUid(1, "study", 7));
  EXPECT_NE(MakeUid(1, "study", 7), MakeUid(1, "series", 7));
}

TEST(PlanTest, SwappedColumnsTrapSwapsCropAndMaskCells) {
  PlanOptions options = SmallPlan(40);
  options.trap_rate = 0.1;
  const Plan plan = BuildPlan(options);
  for (const Image& image : plan.images) {
    for (const Abnormality& a : image.abnormalities) {
      if (!a.HasTrap(kTrapSwapColumns)) continue;
      const FilePaths paths = CsvPaths(image, a);
      const std::string csv = CaseDescriptionCsv(plan, image.kind, image.train);
      EXPECT_THAT(csv, HasSubstr(absl::StrCat(paths.image, ",", paths.mask, ",")));
    }
  }
}

double Solidity(const cv::Mat& mask) {
  std::vector<std::vector<cv::Point>> contours;
  cv::findContours(mask.clone(), contours, cv::RETR_EXTERNAL, cv::CHAIN_APPROX_NONE);
  double area = 0;
  std::vector<cv::Point> all;
  for (const auto& contour : contours) {
    area += cv::contourArea(contour);
    all.insert(all.end(), contour.begin(), contour.end());
  }
  std::vector<cv::Point> hull;
  cv::convexHull(all, hull);
  return area / cv::contourArea(hull);
}

TEST(RenderTest, MasksAreBinaryOfTheImageSizeAndShapesFollowTheLabel) {
  PlanOptions options = SmallPlan(80);
  options.trap_rate = 0.05;
  const Plan plan = BuildPlan(options);
  double solidity[2] = {0, 0};
  int count[2] = {0, 0};
  for (const Image& image : plan.images) {
    if (image.kind != Kind::kMass) continue;
    const RenderedImage r = Render(image);
    ASSERT_EQ(r.pixels.type(), CV_16U);
    ASSERT_EQ(r.pixels.size(), cv::Size(image.width, image.height));
    double lo, hi;
    cv::minMaxLoc(r.pixels, &lo, &hi);
    EXPECT_EQ(lo, 0);
    EXPECT_EQ(hi, 65535);
    ASSERT_EQ(r.rois.size(), image.abnormalities.size());
    for (size_t j = 0; j < r.rois.size(); ++j) {
      const RenderedRoi& roi = r.rois[j];
      const Abnormality& a = image.abnormalities[j];
      ASSERT_EQ(roi.mask.type(), CV_8U);
      ASSERT_EQ(roi.crop.type(), CV_16U);
      const int binary = cv::countNonZero(roi.mask == 0) + cv::countNonZero(roi.mask == 255);
      EXPECT_EQ(binary, static_cast<int>(roi.mask.total()))
          << "mask holds values besides 0 and 255";
      if (a.HasTrap(kTrapMaskSize)) {
        EXPECT_EQ(roi.mask.cols, static_cast<int>(std::lround(image.width * 0.87)));
        continue;
      }
      EXPECT_EQ(roi.mask.size(), r.pixels.size());
      EXPECT_EQ(cv::boundingRect(roi.mask), roi.bbox);
      EXPECT_GE(roi.crop.cols, roi.bbox.width);
      EXPECT_LT(roi.crop.total(), roi.mask.total() / 4);
      solidity[a.Malignant()] += Solidity(roi.mask);
      ++count[a.Malignant()];
    }
  }
  ASSERT_GT(count[0], 10);
  ASSERT_GT(count[1], 10);
  const double benign = solidity[0] / count[0], malignant = solidity[1] / count[1];
  EXPECT_GT(benign, 0.93);
  EXPECT_LT(malignant, benign - 0.05) << "benign " << benign << " malignant " << malignant;
}

TEST(RenderTest, RenderingIsDeterministic) {
  const Plan plan = BuildPlan(SmallPlan(4));
  const RenderedImage a = Render(plan.images[0]), b = Render(plan.images[0]);
  EXPECT_EQ(cv::countNonZero(a.pixels != b.pixels), 0);
  EXPECT_EQ(cv::countNonZero(a.rois[0].mask != b.rois[0].mask), 0);
}

TEST(DicomTest, WrittenFilesReadBackWithDcmtk) {
  const std::string dir = TestDir("dicom");
  fs::create_directories(dir);
  cv::Mat pixels(5, 7, CV_16U);
  for (int i = 0; i < 35; ++i) pixels.at<uint16_t>(i / 7, i % 7) = static_cast<uint16_t>(i * 1900);
  const std::string path = dir + "/a.dcm";
  ASSERT_TRUE(
      WriteDicom(path, pixels,
                 {"Mass-Test_P_00017_RIGHT_MLO", "2.25.1", "2.25.2", "2.25.3", kSeriesFull, 1}, {})
          .ok());
  EXPECT_FALSE(fs::exists(path + ".tmp"));
  DcmFileFormat file;
  ASSERT_TRUE(file.loadFile(path.c_str()).good());
  DcmDataset& d = *file.getDataset();
  auto text = [&](const DcmTagKey& key) {
    OFString value;
    d.findAndGetOFString(key, value);
    return std::string(value.c_str());
  };
  EXPECT_EQ(text(DCM_PatientID), "Mass-Test_P_00017_RIGHT_MLO");
  EXPECT_EQ(text(DCM_SOPClassUID), "1.2.840.10008.5.1.4.1.1.7");
  EXPECT_EQ(text(DCM_Modality), "MG");
  EXPECT_EQ(text(DCM_PhotometricInterpretation), "MONOCHROME2");
  EXPECT_EQ(text(DCM_SeriesDescription), "full mammogram images");
  EXPECT_EQ(text(DCM_SOPInstanceUID), "2.25.3");
  EXPECT_FALSE(d.tagExists(DCM_PatientName));
  EXPECT_EQ(file.getDataset()->getOriginalXfer(), EXS_LittleEndianExplicit);
  Uint16 bits = 0, rows = 0, columns = 0;
  d.findAndGetUint16(DCM_BitsStored, bits);
  d.findAndGetUint16(DCM_Rows, rows);
  d.findAndGetUint16(DCM_Columns, columns);
  EXPECT_EQ(bits, 16);
  EXPECT_EQ(rows, 5);
  EXPECT_EQ(columns, 7);
  const Uint16* data = nullptr;
  ASSERT_TRUE(d.findAndGetUint16Array(DCM_PixelData, data).good());
  EXPECT_EQ(data[34], 34 * 1900);

  const std::string broken = dir + "/b.dcm";
  ASSERT_TRUE(WriteDicom(broken, pixels, {"x", "2.25.1", "2.25.2", "2.25.4", kSeriesFull, 1},
                         {.truncate = true})
                  .ok());
  EXPECT_LT(fs::file_size(broken), fs::file_size(path));

  // JPEG 2000: the same pixels back through lib/dicom.
  const std::string j2k = dir + "/c.dcm";
  ASSERT_TRUE(WriteDicom(j2k, pixels, {"x", "2.25.1", "2.25.2", "2.25.5", kSeriesFull, 1},
                         {.jpeg2000 = true})
                  .ok());
  DcmFileFormat compressed;
  ASSERT_TRUE(compressed.loadFile(j2k.c_str()).good());
  EXPECT_EQ(compressed.getDataset()->getOriginalXfer(), EXS_JPEG2000LosslessOnly);
  absl::StatusOr<DicomPixels> decoded = ReadDicomPixels(j2k, {});
  ASSERT_TRUE(decoded.ok()) << decoded.status();
  EXPECT_EQ(cv::countNonZero(decoded->pixels != pixels), 0);
}

std::map<std::string, std::string> Tree(const std::string& root) {
  std::map<std::string, std::string> files;
  for (const auto& entry : fs::recursive_directory_iterator(root)) {
    if (entry.is_regular_file())
      files[fs::relative(entry.path(), root).string()] = ReadFile(entry.path().string());
  }
  return files;
}

TEST(SynthesizeTest, WritesEveryFileTheCsvNamesUnlessATrapRemovesIt) {
  SynthOptions options;
  options.output = TestDir("csv");
  options.plan = SmallPlan(24);
  options.plan.trap_rate = 0.05;
  ASSERT_TRUE(Synthesize(options).ok());
  const Plan plan = BuildPlan(options.plan);
  for (const Image& image : plan.images) {
    for (const Abnormality& a : image.abnormalities) {
      const FilePaths paths = CsvPaths(image, a);
      EXPECT_EQ(fs::exists(options.output + "/" + paths.image), !image.missing) << paths.image;
      EXPECT_TRUE(fs::exists(options.output + "/" + paths.crop)) << paths.crop;
      EXPECT_EQ(fs::exists(options.output + "/" + paths.mask), !a.HasTrap(kTrapMissingMask))
          << paths.mask;
    }
  }
  const auto files = Tree(options.output);
  for (const auto& [name, bytes] : files) EXPECT_FALSE(absl::EndsWith(name, ".tmp")) << name;
  for (const char* name :
       {"mass_case_description_train_set.csv", "mass_case_description_test_set.csv",
        "calc_case_description_train_set.csv", "calc_case_description_test_set.csv",
        "synth_truth.csv"}) {
    EXPECT_EQ(files.count(name), 1u) << name;
  }
  EXPECT_EQ(files.count("metadata.csv"), 0u);
  EXPECT_THAT(files.at("synth_truth.csv"), HasSubstr("missing_mask"));
}

TEST(SynthesizeTest, SameSeedSameBytesWhateverTheThreads) {
  SynthOptions options;
  options.plan = SmallPlan(12);
  const std::string one = TestDir("one"), three = TestDir("three");
  options.output = one;
  options.threads = 1;
  ASSERT_TRUE(Synthesize(options).ok());
  options.output = three;
  options.threads = 3;
  ASSERT_TRUE(Synthesize(options).ok());
  const auto files = Tree(one);
  EXPECT_GT(files.size(), 30u);
  EXPECT_TRUE(files == Tree(three));
}

TEST(SynthesizeTest, NbiaLayoutWritesMetadataAndDownloaderFolders) {
  SynthOptions options;
  options.output = TestDir("nbia");
  options.plan = SmallPlan(6);
  options.layout = Layout::kNbia;
  ASSERT_TRUE(Synthesize(options).ok());
  const auto files = Tree(options.output);
  ASSERT_EQ(files.count("metadata.csv"), 1u);
  EXPECT_THAT(files.at("metadata.csv"), StartsWith("Series UID,Collection,Subject ID,Study UID,"));
  int full = 0;
  for (const auto& [name, bytes] : files) {
    if (absl::StrContains(name, "/1.000000-full mammogram images-")) {
      ++full;
      EXPECT_TRUE(absl::EndsWith(name, "/1-1.dcm")) << name;
    }
  }
  EXPECT_GT(full, 0);
}

TEST(SynthesizeTest, KaggleLayoutWritesJpegsByUidAndDicomInfo) {
  const SynthOptions options = LayoutOptions("kaggle", Layout::kKaggleCbis, 24);
  ASSERT_TRUE(Synthesize(options).ok());
  const auto files = Tree(options.output);
  for (const char* name :
       {"csv/mass_case_description_train_set.csv", "csv/dicom_info.csv", "synth_truth.csv"}) {
    EXPECT_EQ(files.count(name), 1u) << name;
  }
  const std::string& info = files.at("csv/dicom_info.csv");
  EXPECT_THAT(info, StartsWith("image_path,PatientID,SeriesInstanceUID,SeriesDescription\n"));
  // The CSVs keep the DICOM paths; only their UIDs lead to the JPEGs.
  EXPECT_THAT(files.at("csv/mass_case_description_train_set.csv"), HasSubstr("/000000.dcm"));
  const Plan plan = BuildPlan(options.plan);
  int shared = 0;
  for (const Image& image : plan.images) {
    for (const Abnormality& a : image.abnormalities) {
      const FilePaths paths = KaggleCbisPaths(image, a);
      EXPECT_THAT(paths.image, StartsWith(absl::StrCat("jpeg/", image.series_uid, "/1-")));
      EXPECT_EQ(files.count(paths.image), image.missing ? 0u : 1u) << paths.image;
      EXPECT_EQ(absl::StrContains(info, "CBIS-DDSM/" + paths.image), !image.missing);
      EXPECT_EQ(files.count(paths.mask), a.HasTrap(kTrapMissingMask) ? 0u : 1u) << paths.mask;
      ASSERT_EQ(files.count(paths.crop), 1u) << paths.crop;
      EXPECT_NE(paths.crop, paths.mask);
      if (a.mask_in_crop_series) ++shared;
      if (image.missing || image.corrupt || a.HasTrap(kTrapMissingMask)) continue;
      const std::string& bytes = files.at(paths.image);
      const cv::Mat full =
          cv::imdecode(std::vector<uchar>(bytes.begin(), bytes.end()), cv::IMREAD_UNCHANGED);
      EXPECT_EQ(full.size(), cv::Size(image.width, image.height));
      // The mask went through the lossy coder: mostly 0 and 255, some values between.
      const std::string& mask_bytes = files.at(paths.mask);
      const cv::Mat mask = cv::imdecode(std::vector<uchar>(mask_bytes.begin(), mask_bytes.end()),
                                        cv::IMREAD_UNCHANGED);
      ASSERT_EQ(mask.type(), CV_8U);
      EXPECT_GT(cv::countNonZero(mask > 128), 0);
    }
  }
  EXPECT_GT(shared, 0);
  for (const Image& image : plan.images) {
    if (!image.corrupt) continue;
    const std::string& bytes = files.at(KaggleCbisPaths(image, image.abnormalities[0]).image);
    EXPECT_FALSE(absl::EndsWith(bytes, "\xff\xd9")) << "a truncated JPEG has no end marker";
  }
}

// mini-MIAS: the real file's first rows' shapes (mdb001 a lesion, mdb003 NORM, mdb005 two
// rows), every trap planted, y written from the bottom, PGM files of 1024 x 1024.
TEST(SynthesizeTest, MiasLayoutWritesInfoTxtAndPgms) {
  SynthOptions options;
  options.output = TestDir("mias");
  options.plan.cases = 14;
  options.plan.trap_rate = 0.05;
  options.layout = Layout::kMias;
  ASSERT_TRUE(Synthesize(options).ok());
  const auto files = Tree(options.output);
  const std::string& info = files.at("Info.txt");
  EXPECT_THAT(info, StartsWith("REFNUM BG CLASS SEVERITY X Y RADIUS\nmdb001 "));
  EXPECT_THAT(info, testing::ContainsRegex("\nmdb003 [FGD] NORM\n"));
  EXPECT_THAT(info, testing::ContainsRegex("\nmdb005 [^\n]*\nmdb005 "));
  const std::vector<MiasImage> plan = BuildMiasPlan(options.plan);
  std::map<std::string, int> traps;
  for (const MiasImage& image : plan) {
    const std::string pgm = absl::StrCat("all-mias/", image.Ref(), ".pgm");
    EXPECT_EQ(files.count(pgm), image.missing ? 0u : 1u) << pgm;
    for (const MiasRow& row : image.rows) {
      for (const std::string& trap : row.traps) ++traps[trap];
    }
    if (image.missing) continue;
    const std::string& bytes = files.at(pgm);
    EXPECT_THAT(bytes, StartsWith("P5\n1024 1024\n255\n"));
    EXPECT_EQ(bytes.size(), 17u + 1024u * 1024u);
  }
  for (const char* trap :
       {kMiasTrapNorm, kMiasTrapNoCoordinates, kMiasTrapNoteToken, kMiasTrapBadSeverity,
        kMiasTrapCentreOutside, kMiasTrapTrailingSpaces, kMiasTrapMissingImage}) {
    EXPECT_GT(traps[trap], 0) << trap;
  }
  // The truth's centre row and Info.txt's y add up to 1023 on a plain row.
  const std::string& truth = files.at("synth_truth.csv");
  std::smatch row;
  ASSERT_TRUE(std::regex_search(truth, row,
                                std::regex("\n(mdb\\d+),\\1_(\\d),[^,]*,[^,]*,"
                                           "(\\w+),([BM]),\\w+,none,(\\d+),(\\d+),(\\d+),")));
  EXPECT_THAT(info, HasSubstr(absl::StrCat(row[1].str(), " ")));
  EXPECT_THAT(info,
              HasSubstr(absl::StrCat(" ", row[3].str(), " ", row[4].str(), " ", row[5].str(), " ",
                                     1023 - std::stoi(row[6].str()), " ", row[7].str(), "\n")));
}

// VinDr-Mammo: four images per study under images/<study_id>/<image_id>.dicom, a `No Finding`
// row for an image without a box, categories as Python list text, every trap planted.
TEST(SynthesizeTest, VindrLayoutWritesCsvsAndDicomByHash) {
  const SynthOptions options = LayoutOptions("vindr", Layout::kVindr, 6);
  ASSERT_TRUE(Synthesize(options).ok());
  const auto files = Tree(options.output);
  const std::string& findings = files.at("finding_annotations.csv");
  EXPECT_THAT(files.at("breast-level_annotations.csv"), StartsWith("study_id,series_id,image_id,"));
  EXPECT_THAT(findings, HasSubstr(",\"['Mass', 'Skin Retraction']\",BI-RADS 4,"));
  EXPECT_THAT(findings, HasSubstr(",['Suspicious Lymph Node'],,"));
  EXPECT_THAT(findings, HasSubstr(",['No Finding'],,,,,,test\n"));
  const std::vector<VindrImage> plan = BuildVindrPlan(options.plan);
  ASSERT_EQ(plan.size(), 24u);
  std::map<std::string, int> traps;
  for (const VindrImage& image : plan) {
    EXPECT_EQ(image.image_id.size(), 32u);
    const std::string path = absl::StrCat("images/", image.study_id, "/", image.image_id, ".dicom");
    EXPECT_EQ(files.count(path), image.missing ? 0u : 1u) << path;
    for (const VindrFinding& f : image.findings) {
      for (const std::string& trap : f.traps) ++traps[trap];
    }
  }
  for (const char* trap : {kVindrTrapNoBirads, kVindrTrapSeveralCategories, kVindrTrapBoxOutside,
                           kVindrTrapBadCoordinate, kVindrTrapMissingImage}) {
    EXPECT_GT(traps[trap], 0) << trap;
  }
}

// INbreast: DICOM names with the File Name and patient hash, ';'-separated CSV with 4a/4b/4c,
// plist XML only for images with ROIs, every trap planted; the plist of the first image lacks
// the statistics keys but still has Name and Point_px.
TEST(SynthesizeTest, InbreastLayoutWritesCsvXmlAndDicomByFileName) {
  const SynthOptions options = LayoutOptions("inbreast", Layout::kInbreast, 8);
  ASSERT_TRUE(Synthesize(options).ok());
  const auto files = Tree(options.output);
  EXPECT_THAT(files.at("INbreast.csv"),
              StartsWith("Patient ID;Patient age;Laterality;View;Acquisition date;File Name;ACR;"
                         "Bi-Rads\n;;L;CC;200901;"));
  const std::vector<InbreastImage> plan = BuildInbreastPlan(options.plan);
  std::map<std::string, int> traps;
  for (const InbreastImage& image : plan) {
    EXPECT_THAT(image.DicomName(),
                testing::MatchesRegex("[0-9]{8}_[0-9a-f]{16}_MG_[LR]_(CC|ML)_ANON\\.dcm"));
    const std::string dicom = "AllDICOMs/" + image.DicomName();
    EXPECT_EQ(files.count(dicom), image.HasTrap(kInbreastTrapMissingImage) ? 0u : 1u) << dicom;
    const std::string xml = absl::StrCat("AllXML/", image.file_name, ".xml");
    EXPECT_EQ(files.count(xml), image.rois.empty() ? 0u : 1u) << xml;
    for (const std::string& trap : image.traps) ++traps[trap];
    for (const InbreastRoi& roi : image.rois) {
      for (const std::string& trap : roi.traps) ++traps[trap];
    }
    if (image.rois.empty()) ++traps[kInbreastTrapNoXml];
  }
  for (const char* trap : {kInbreastTrapNoXml, kInbreastTrapPointRoi, kInbreastTrapMissingKeys,
                           kInbreastTrapSecondSize, kInbreastTrapBadXml, kInbreastTrapBadCsvRow,
                           kInbreastTrapOutlineOutside, kInbreastTrapMissingImage}) {
    EXPECT_GT(traps[trap], 0) << trap;
  }
  const std::string& first = files.at(absl::StrCat("AllXML/", plan.front().file_name, ".xml"));
  EXPECT_THAT(first, HasSubstr("<key>Name</key>\n\t\t\t\t\t<string>Mass</string>"));
  EXPECT_THAT(first, testing::ContainsRegex("<key>Point_px</key>\n\t+<array>\n\t+<string>\\("
                                            "[0-9]+\\.[0-9]+, [0-9]+\\.[0-9]+\\)</string>"));
  EXPECT_THAT(first, testing::Not(HasSubstr("<key>Area</key>")));
  EXPECT_THAT(files.at("INbreast.csv"), testing::ContainsRegex(";4[abc]\n"));
}

// CMMD: NBIA folders with files numbered regardless of side, the side and view only in the
// headers, the clinical CSV ';'-separated with one row per labelled breast, every trap planted.
TEST(SynthesizeTest, CmmdLayoutWritesNbiaTreeAndClinicalCsv) {
  const SynthOptions options = LayoutOptions("cmmd", Layout::kCmmd, 8);
  ASSERT_TRUE(Synthesize(options).ok());
  const auto files = Tree(options.output);
  const std::string& clinical = files.at(kCmmdClinicalCsv);
  EXPECT_THAT(clinical,
              StartsWith("ID1;LeftRight;Age;number;abnormality;classification;subtype\nD1-0001;"));
  EXPECT_THAT(clinical,
              testing::ContainsRegex("\nD2-0001;[LR];[0-9]+;1;[a-z]+;Malignant;[A-Za-z]"));
  int dicoms = 0;
  for (const auto& [path, bytes] : files) {
    if (!absl::EndsWith(path, ".dcm")) continue;
    ++dicoms;
    EXPECT_THAT(path, testing::MatchesRegex("manifest-[0-9]+/CMMD/D[12]-[0-9]{4}/[^/]+/[^/]+/"
                                            "1-[1-4]\\.dcm"));
  }
  const std::vector<CmmdPatient> plan = BuildCmmdPlan(options.plan);
  int expected_dicoms = 0;
  std::map<std::string, int> traps;
  for (const CmmdPatient& patient : plan) {
    for (const CmmdBreast& breast : patient.breasts) {
      if (!breast.missing) expected_dicoms += 2;
      if (!breast.has_row) ++traps[kCmmdTrapUnlabelled];
      if (breast.missing) ++traps[kCmmdTrapMissingImage];
      if (breast.classification == "Unknown") ++traps[kCmmdTrapBadClassification];
      if (breast.images.front().no_laterality) ++traps[kCmmdTrapNoLaterality];
    }
  }
  EXPECT_EQ(dicoms, expected_dicoms);
  for (const char* trap : {kCmmdTrapUnlabelled, kCmmdTrapMissingImage, kCmmdTrapBadClassification,
                           kCmmdTrapNoLaterality}) {
    EXPECT_GT(traps[trap], 0) << trap;
  }
  EXPECT_EQ(plan.front().breasts.size(), 2u);
  EXPECT_NE(plan.front().breasts[0].classification, plan.front().breasts[1].classification);
}

TEST(OptionsTest, ErrorsNameTheFlag) {
  SynthOptions options;
  EXPECT_THAT(std::string(ValidateOptions(options).message()), HasSubstr("--output"));
  options.output = "/tmp/x";
  options.plan.cases = 0;
  EXPECT_THAT(std::string(ValidateOptions(options).message()), HasSubstr("--cases"));
  options.plan.cases = 5;
  options.plan.trap_rate = 0.5;
  EXPECT_THAT(std::string(ValidateOptions(options).message()), HasSubstr("--trap_rate"));
  options.plan.trap_rate = 0.05;
  options.plan.width = 10;
  EXPECT_THAT(std::string(ValidateOptions(options).message()), HasSubstr("--width"));
  options.plan.width = 600;
  EXPECT_TRUE(ValidateOptions(options).ok());
  EXPECT_FALSE(ParseLayout("tree").ok());
  EXPECT_EQ(ParseLayout("nbia").value(), Layout::kNbia);
  EXPECT_EQ(ParseLayout("kaggle_cbis").value(), Layout::kKaggleCbis);
  EXPECT_EQ(ParseLayout("mias").value(), Layout::kMias);
  EXPECT_EQ(ParseLayout("inbreast").value(), Layout::kInbreast);
  EXPECT_EQ(ParseLayout("cmmd").value(), Layout::kCmmd);
  EXPECT_EQ(ParseLayout("vindr").value(), Layout::kVindr);
  options.output = "/proc/synth_cannot_write_here";
  EXPECT_FALSE(Synthesize(options).ok());
}

}  // namespace
}  // namespace mammo::synth
