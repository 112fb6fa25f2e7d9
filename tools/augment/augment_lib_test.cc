#include "tools/augment/augment_lib.h"

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <opencv2/core.hpp>
#include <set>
#include <sstream>
#include <tuple>

#include "absl/strings/str_cat.h"
#include "data_formats/record.pb.h"
#include "gtest/gtest.h"
#include "lib/image/codec.h"
#include "lib/records/shard_reader.h"
#include "lib/records/shard_writer.h"

namespace mammo::augment {
namespace {

std::string TempDir() {
  const char* dir = std::getenv("TEST_TMPDIR");
  return dir ? dir : "/tmp";
}

// 24 training patients (half with a malignant lesion; one in `malignant_one_in` when given),
// 8 test patients; two lesions each, 48x40 8-bit ROIs. `official_split` false: all 32
// patients' records have none (SPLIT_NONE), as MIAS's and INbreast's.
std::string WriteSources(const std::string& name, int malignant_one_in = 2,
                         bool official_split = true) {
  const std::string spec = absl::StrCat(TempDir(), "/", name, "@2");
  auto writer = ShardWriter::Open(spec, {"roicrop", "roicrop", "test", {}});
  EXPECT_TRUE(writer.ok()) << writer.status();
  cv::RNG rng(5);
  for (int p = 0; p < 32; ++p) {
    for (int l = 0; l < 2; ++l) {
      Record r;
      const std::string patient = absl::StrCat("P_", p);
      r.set_id(absl::StrCat(patient, "_L", l));
      r.set_patient_id(patient);
      r.set_lesion_id(absl::StrCat(patient, "_lesion", l));
      r.set_image_id(absl::StrCat(patient, "_CC"));
      r.set_label(p % malignant_one_in == malignant_one_in - 1 ? MALIGNANT : BENIGN);
      r.set_split(!official_split ? SPLIT_NONE : p < 24 ? TRAIN : TEST);
      cv::Mat pixels(40, 48, CV_8U);
      rng.fill(pixels, cv::RNG::UNIFORM, 0, 256);
      *r.mutable_image() = *EncodeImage(pixels, Image::PNG);
      EXPECT_TRUE((*writer)->Write(r).ok());
    }
  }
  EXPECT_TRUE((*writer)->Close().ok());
  return spec;
}

std::vector<Record> ReadAll(const std::string& spec) {
  auto reader = ShardReader::Open({spec});
  EXPECT_TRUE(reader.ok()) << reader.status();
  std::vector<Record> records;
  Record r;
  while (*(*reader)->Next(&r)) records.push_back(r);
  return records;
}

std::string FileBytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

Options BaseOptions(const std::string& sources, const std::string& output) {
  Options o;
  o.inputs = {sources};
  // One folder per run, the same prefix in each: manifests name their files.
  const std::string dir = absl::StrCat(TempDir(), "/", output);
  std::filesystem::create_directories(dir);
  o.output = dir + "/aug";
  o.shards = 3;
  o.samples = 300;
  o.threads = 2;
  return o;
}

TEST(Patient, NoPatientOnTwoSidesTestUntouchedOnlyTrainAugmented) {
  const std::string sources = WriteSources("patient_src");
  const Options o = BaseOptions(sources, "patient");
  auto report = augment::Run(o);
  ASSERT_TRUE(report.ok()) << report.status();
  std::map<std::string, Record> by_id;
  for (const Record& r : ReadAll(sources)) by_id[r.id()] = r;

  std::set<std::string> patients[3];
  std::set<std::string> ids;
  const Split splits[] = {TRAIN, VALID, TEST};
  for (int s = 0; s < 3; ++s) {
    const char* names[] = {"_train", "_valid", "_test"};
    for (const Record& r : ReadAll(o.output + names[s])) {
      EXPECT_EQ(r.split(), splits[s]);
      EXPECT_TRUE(ids.insert(r.id()).second) << r.id();
      patients[s].insert(r.patient_id());
      const Provenance& p = r.provenance(r.provenance_size() - 1);
      EXPECT_EQ(p.stage(), "augment");
      ASSERT_EQ(p.parent_ids_size(), 1);
      ASSERT_TRUE(by_id.count(p.parent_ids(0))) << p.parent_ids(0);
      const Record& parent = by_id[p.parent_ids(0)];
      EXPECT_EQ(r.patient_id(), parent.patient_id());
      EXPECT_EQ(r.label(), parent.label());
      if (s == 0) {
        EXPECT_EQ(r.id().rfind(parent.id() + "#aug", 0), 0u) << r.id();
        EXPECT_EQ(p.parameters(0).name(), "sample");
        EXPECT_EQ(parent.split(), TRAIN);
      } else {
        // Valid and test are copies: same id, same image bytes.
        EXPECT_EQ(r.id(), parent.id());
        EXPECT_EQ(r.image().data(), parent.image().data());
      }
    }
  }
  EXPECT_EQ(report->train, 300u);
  EXPECT_EQ(report->test, 16u);  // all 8 test patients, 2 lesions each, unaugmented
  // 10% of 12 patients per label rounds to 1 per label: 2 patients, 4 records.
  EXPECT_EQ(report->valid, 4u);
  EXPECT_EQ(patients[1].size(), 2u);
  for (int a = 0; a < 3; ++a) {
    for (int b = a + 1; b < 3; ++b) {
      for (const std::string& p : patients[a]) EXPECT_EQ(patients[b].count(p), 0u) << p;
    }
  }
  EXPECT_EQ(report->train_test.patients, 0u);
  EXPECT_EQ(report->train_valid.patients, 0u);
  EXPECT_EQ(report->valid_test.lesions, 0u);
}

// Records without an official split: refused, naming the record and the flags, unless
// --test_fraction draws that share of their patients, per label, into test (unaugmented, no
// patient on two sides, the same draw for any thread count).
TEST(Patient, TestFractionSplitsRecordsWithoutAnOfficialSplit) {
  const std::string sources = WriteSources("unsplit_src", 2, /*official_split=*/false);
  Options o = BaseOptions(sources, "unsplit_refused");
  auto refused = augment::Run(o);
  ASSERT_FALSE(refused.ok());
  EXPECT_NE(refused.status().message().find("record 'P_0_L0' has no official split"),
            std::string::npos)
      << refused.status();
  EXPECT_NE(refused.status().message().find("--test_fraction"), std::string::npos);

  o = BaseOptions(sources, "unsplit");
  o.test_fraction = 0.25;
  auto report = augment::Run(o);
  ASSERT_TRUE(report.ok()) << report.status();
  std::set<std::string> patients[3];
  std::set<std::string> malignant_test;
  const char* names[] = {"_train", "_valid", "_test"};
  for (int s = 0; s < 3; ++s) {
    for (const Record& r : ReadAll(o.output + names[s])) {
      patients[s].insert(r.patient_id());
      if (s == 2 && r.label() == MALIGNANT) malignant_test.insert(r.patient_id());
    }
  }
  // 25% of 16 patients per label: 4 benign and 4 malignant patients, 2 lesions each.
  EXPECT_EQ(patients[2].size(), 8u);
  EXPECT_EQ(malignant_test.size(), 4u);
  EXPECT_EQ(report->test, 16u);
  // Valid: 10% of the 12 remaining patients per label rounds to 1 per label.
  EXPECT_EQ(patients[1].size(), 2u);
  for (int a = 0; a < 3; ++a) {
    for (int b = a + 1; b < 3; ++b) {
      for (const std::string& p : patients[a]) EXPECT_EQ(patients[b].count(p), 0u) << p;
    }
  }
  Options one_thread = BaseOptions(sources, "unsplit_one_thread");
  one_thread.test_fraction = 0.25;
  one_thread.threads = 1;
  ASSERT_TRUE(augment::Run(one_thread).ok());
  for (const char* name : names) {
    std::set<std::string> a, b;
    for (const Record& r : ReadAll(o.output + name)) a.insert(r.id());
    for (const Record& r : ReadAll(one_thread.output + name)) b.insert(r.id());
    EXPECT_EQ(a, b) << name;
  }
}

// --fold I/K: the K folds' test splits partition all 32 patients (official train and test
// alike), each fold holds 6 or 7 of them with both labels, and no patient of a fold's test is
// in its train or valid; the same seed deals the same folds whatever the fold asked for.
TEST(CrossValidation, FoldsPartitionThePatientsByLabel) {
  const std::string sources = WriteSources("cv_src");
  constexpr int kFolds = 5;
  std::map<std::string, int> test_fold;
  for (int fold = 0; fold < kFolds; ++fold) {
    SCOPED_TRACE(fold);
    Options o = BaseOptions(sources, absl::StrCat("cv", fold));
    o.folds = kFolds;
    o.fold = fold;
    auto report = augment::Run(o);
    ASSERT_TRUE(report.ok()) << report.status();
    EXPECT_EQ(report->train_test.patients, 0u);
    EXPECT_EQ(report->valid_test.patients, 0u);
    EXPECT_EQ(report->train_valid.patients, 0u);
    std::set<std::string> patients;
    int malignant = 0;
    for (const Record& r : ReadAll(o.output + "_test")) {
      EXPECT_EQ(r.split(), TEST);
      if (patients.insert(r.patient_id()).second) malignant += r.label() == MALIGNANT;
      auto [it, inserted] = test_fold.emplace(r.patient_id(), fold);
      EXPECT_TRUE(inserted || it->second == fold) << r.patient_id() << " tested in two folds";
    }
    // 16 patients per label dealt round-robin over 5 folds: 3 or 4 of each per fold.
    EXPECT_GE(patients.size(), 6u);
    EXPECT_LE(patients.size(), 7u);
    EXPECT_GE(malignant, 3);
    EXPECT_LE(malignant, 4);
    EXPECT_EQ(report->test, 2 * patients.size());  // every lesion of the fold, unaugmented
  }
  EXPECT_EQ(test_fold.size(), 32u);  // every patient tested exactly once

  // The same fold again: the same bytes; another seed: other folds.
  Options again = BaseOptions(sources, "cv2_again");
  again.folds = kFolds;
  again.fold = 2;
  ASSERT_TRUE(augment::Run(again).ok());
  for (const char* set : {"_train-00000-of-00003.rec", "_test-00000-of-00003.rec"}) {
    EXPECT_EQ(FileBytes(again.output + set), FileBytes(absl::StrCat(TempDir(), "/cv2/aug", set)));
  }
  Options reseeded = again;
  reseeded.output = BaseOptions(sources, "cv2_seed").output;
  reseeded.seed = 99;
  ASSERT_TRUE(augment::Run(reseeded).ok());
  EXPECT_NE(FileBytes(reseeded.output + "_test-00000-of-00003.rec"),
            FileBytes(again.output + "_test-00000-of-00003.rec"));
}

TEST(ParseSplitFlags, FoldIsIOfK) {
  Options options;
  ASSERT_TRUE(ParseSplitFlags("patient", 0.1, 0, "0.8,0.1", "2/5", &options).ok());
  EXPECT_EQ(options.fold, 2);
  EXPECT_EQ(options.folds, 5);
  for (const char* bad : {"5/5", "0/1", "-1/3", "2", "a/b", "1/2/3"}) {
    Options o;
    EXPECT_EQ(ParseSplitFlags("patient", 0.1, 0, "0.8,0.1", bad, &o).message(),
              absl::StrCat("--fold must be I/K, fold I of K >= 2 folds with 0 <= I < K, not '", bad,
                           "'"));
  }
  Options paper;
  EXPECT_EQ(ParseSplitFlags("paper", 0.1, 0, "0.8,0.1", "0/5", &paper).message(),
            "--fold splits by patient: it goes with --protocol patient, not paper");
}

TEST(Paper, OverlapIsReported) {
  const std::string sources = WriteSources("paper_src");
  Options o = BaseOptions(sources, "paper");
  o.protocol = Protocol::kPaper;
  o.samples = 400;
  auto report = augment::Run(o);
  ASSERT_TRUE(report.ok()) << report.status();
  EXPECT_EQ(report->train, 320u);
  EXPECT_EQ(report->valid, 40u);
  EXPECT_EQ(report->test, 40u);
  // Recount from the files: lesions on both train and test sides.
  std::set<std::string> train, test;
  for (const Record& r : ReadAll(o.output + "_train")) train.insert(r.lesion_id());
  for (const Record& r : ReadAll(o.output + "_test")) test.insert(r.lesion_id());
  uint64_t both = 0;
  for (const std::string& l : test) both += train.count(l);
  EXPECT_GT(both, 0u);
  EXPECT_EQ(report->train_test.lesions, both);
  EXPECT_GT(report->train_test.patients, 0u);
  EXPECT_NE(FormatReport(*report).find("train&test"), std::string::npos);
}

TEST(Determinism, SameBytesForOneAndTwoThreads) {
  const std::string sources = WriteSources("det_src");
  for (Protocol protocol : {Protocol::kPatient, Protocol::kPaper}) {
    Options one = BaseOptions(sources, "det1");
    one.protocol = protocol;
    one.threads = 1;
    Options two = BaseOptions(sources, "det2");
    two.protocol = protocol;
    two.threads = 2;
    ASSERT_TRUE(augment::Run(one).ok());
    ASSERT_TRUE(augment::Run(two).ok());
    for (const char* set : {"_train", "_valid", "_test"}) {
      for (int shard = 0; shard < 3; ++shard) {
        const std::string file = absl::StrCat(set, "-0000", shard, "-of-00003.rec");
        const std::string a = FileBytes(one.output + file);
        EXPECT_FALSE(a.empty()) << file;
        EXPECT_EQ(a, FileBytes(two.output + file)) << file;
      }
      EXPECT_EQ(FileBytes(absl::StrCat(one.output, set, ".manifest.json")),
                FileBytes(absl::StrCat(two.output, set, ".manifest.json")));
    }
  }
}

TEST(Determinism, AnotherSeedOtherBytes) {
  const std::string sources = WriteSources("seed_src");
  Options a = BaseOptions(sources, "seed_a");
  Options b = BaseOptions(sources, "seed_b");
  b.seed = 2;
  ASSERT_TRUE(augment::Run(a).ok());
  ASSERT_TRUE(augment::Run(b).ok());
  EXPECT_NE(FileBytes(a.output + "_train-00000-of-00003.rec"),
            FileBytes(b.output + "_train-00000-of-00003.rec"));
}

TEST(PerImage, EverySourceKTimes) {
  const std::string sources = WriteSources("per_src");
  Options o = BaseOptions(sources, "per");
  o.samples = 0;
  o.per_image = 3;
  o.valid_fraction = 0;
  auto report = augment::Run(o);
  ASSERT_TRUE(report.ok()) << report.status();
  EXPECT_EQ(report->train, 48u * 3);
  std::map<std::string, int> copies;
  for (const Record& r : ReadAll(o.output + "_train")) ++copies[r.provenance(0).parent_ids(0)];
  EXPECT_EQ(copies.size(), 48u);
  for (const auto& [id, n] : copies) EXPECT_EQ(n, 3) << id;
}

// A quarter of the sources are malignant, yet with --balance (the default) 2000 samples under
// the paper's protocol are 1000 of each class (+-1), and every set within 1% of 50/50.
TEST(Balance, HalfOfEachClassInEverySetUnderThePapersProtocol) {
  const std::string sources = WriteSources("balance_sources", 4);
  Options o = BaseOptions(sources, "balance_paper");
  o.protocol = Protocol::kPaper;
  o.samples = 2000;
  o.encoding = Image::RAW;
  const absl::StatusOr<Report> report = augment::Run(o);
  ASSERT_TRUE(report.ok()) << report.status();
  EXPECT_EQ(report->train + report->valid + report->test, 2000u);
  EXPECT_NEAR(report->train_malignant + report->valid_malignant + report->test_malignant, 1000, 1);
  for (const auto& [name, n, malignant] :
       {std::tuple{"train", report->train, report->train_malignant},
        std::tuple{"valid", report->valid, report->valid_malignant},
        std::tuple{"test", report->test, report->test_malignant}}) {
    ASSERT_GT(n, 0u) << name;
    EXPECT_NEAR(static_cast<double>(malignant) / static_cast<double>(n), 0.5, 0.01) << name;
  }
  // What was written agrees with the report.
  int malignant_written = 0;
  for (const Record& r : ReadAll(o.output + "_test@3")) malignant_written += r.label() == MALIGNANT;
  EXPECT_EQ(static_cast<uint64_t>(malignant_written), report->test_malignant);
}

// --balance=false draws sources uniformly: the augmented training set keeps the sources' mix
// (a quarter malignant); the patient protocol's valid and test are never resampled.
TEST(Balance, OffKeepsTheSourcesMix) {
  const std::string sources = WriteSources("unbalanced_sources", 4);
  Options o = BaseOptions(sources, "balance_off");
  o.samples = 800;
  o.balance = false;
  const absl::StatusOr<Report> off = augment::Run(o);
  ASSERT_TRUE(off.ok()) << off.status();
  EXPECT_NEAR(static_cast<double>(off->train_malignant) / 800.0, 0.25, 0.06);
  o.balance = true;
  const absl::StatusOr<Report> on = augment::Run(o);
  ASSERT_TRUE(on.ok()) << on.status();
  EXPECT_EQ(on->train_malignant, 400u);
  EXPECT_EQ(on->test_malignant, off->test_malignant);  // test passes through unchanged
  EXPECT_NE(FormatReport(*on).find("train 800 (400 malignant)"), std::string::npos)
      << FormatReport(*on);
}

TEST(Balance, RefusesToBalanceOneClass) {
  const std::string sources = WriteSources("benign_only", 1000);  // no malignant patient
  Options o = BaseOptions(sources, "balance_one_class");
  const absl::StatusOr<Report> report = augment::Run(o);
  EXPECT_EQ(report.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_NE(report.status().message().find("no malignant one; pass --balance=false"),
            std::string::npos)
      << report.status();
  o.balance = false;
  EXPECT_TRUE(augment::Run(o).ok());
}

TEST(Errors, NamesTheRecord) {
  const std::string spec = absl::StrCat(TempDir(), "/bad@1");
  {
    auto writer = ShardWriter::Open(spec, {"roicrop", "roicrop", "test", {}});
    ASSERT_TRUE(writer.ok());
    Record r;
    r.set_id("roi_7");
    r.set_split(VALID);
    *r.mutable_image() = *EncodeImage(cv::Mat(8, 8, CV_8U, cv::Scalar(1)), Image::PNG);
    ASSERT_TRUE((*writer)->Write(r).ok());
    ASSERT_TRUE((*writer)->Close().ok());
  }
  Options o = BaseOptions(spec, "bad_out");
  auto report = augment::Run(o);
  ASSERT_FALSE(report.ok());
  EXPECT_NE(report.status().message().find("record 'roi_7': split must be TRAIN, TEST"),
            std::string::npos)
      << report.status();
  EXPECT_NE(report.status().message().find("bad-00000-of-00001.rec"), std::string::npos)
      << report.status();
}

TEST(ParsePaperSplit, SharesOrAnErrorNamingTheFlag) {
  Options options;
  ASSERT_TRUE(ParsePaperSplit("0.7,0.1", &options).ok());
  EXPECT_EQ(options.paper_train, 0.7);
  EXPECT_EQ(options.paper_valid, 0.1);
  for (const char* bad : {"0.7", "0.7,0.4", "0,0.1", "a,b", "0.7,-0.1", "0.5,0.1,0.1"}) {
    const absl::Status status = ParsePaperSplit(bad, &options);
    EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument) << bad;
    EXPECT_NE(status.message().find("--paper_split"), std::string::npos) << bad;
  }
}

TEST(ParseSamplingFlags, ExactlyOneCountAndAKnownEncoding) {
  Options options;
  ASSERT_TRUE(ParseSamplingFlags(0, 4, "raw", &options).ok());
  EXPECT_EQ(options.per_image, 4u);
  EXPECT_EQ(options.encoding, Image::RAW);
  ASSERT_TRUE(ParseSamplingFlags(100, 0, "png", &options).ok());
  EXPECT_EQ(options.samples, 100u);
  EXPECT_EQ(options.encoding, Image::PNG);
  EXPECT_EQ(ParseSamplingFlags(0, 0, "png", &options).message(),
            "give exactly one of --samples and --per_image");
  EXPECT_EQ(ParseSamplingFlags(5, 5, "png", &options).code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(ParseSamplingFlags(1ull << 32, 0, "png", &options).message(), "--samples is too large");
  EXPECT_EQ(ParseSamplingFlags(5, 0, "jpeg", &options).message(), "--encoding must be png or raw");
}

TEST(ParseSplitFlags, ProtocolAndFractions) {
  Options options;
  ASSERT_TRUE(ParseSplitFlags("paper", 0.2, 0, "0.8,0.1", "", &options).ok());
  EXPECT_EQ(options.protocol, Protocol::kPaper);
  EXPECT_EQ(options.valid_fraction, 0.2);
  EXPECT_EQ(ParseSplitFlags("lesion", 0.1, 0, "0.8,0.1", "", &options).message(),
            "--protocol must be patient or paper");
  EXPECT_EQ(ParseSplitFlags("patient", 1.0, 0, "0.8,0.1", "", &options).message(),
            "--valid_fraction must be in [0, 1)");
  EXPECT_EQ(ParseSplitFlags("patient", 0.1, 1.0, "0.8,0.1", "", &options).message(),
            "--test_fraction must be in [0, 1)");
  EXPECT_EQ(ParseSplitFlags("paper", 0.1, 0.2, "0.8,0.1", "", &options).message(),
            "--test_fraction draws test patients: it goes with --protocol patient, not paper");
  EXPECT_EQ(ParseSplitFlags("patient", 0.1, 0.2, "0.8,0.1", "1/5", &options).message(),
            "--test_fraction and --fold both choose the test patients: give one");
  ASSERT_TRUE(ParseSplitFlags("patient", 0.1, 0.25, "0.8,0.1", "", &options).ok());
  EXPECT_EQ(options.test_fraction, 0.25);
}

TEST(FormatReport, WarnsOfLeakageUnderThePapersProtocolOnly) {
  Report report;
  report.train_test.patients = 3;
  report.train_test.lesions = 4;
  EXPECT_EQ(FormatReport(report).find("LEAKAGE"), std::string::npos);
  EXPECT_NE(FormatReport(report, Protocol::kPaper)
                .find("LEAKAGE: 3 patients and 4 lesions are in both train and test."),
            std::string::npos);
}

}  // namespace
}  // namespace mammo::augment
