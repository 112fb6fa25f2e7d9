#include "tools/predict/predict_lib.h"

#include <sys/stat.h>

#include <cmath>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "lib/records/shard_writer.h"
#include "lib/train/checkpoint.h"
#include "lib/train/head.h"
#include "lib/train/run_config.h"
#include "lib/train/trainer.h"

namespace mammo::predict {
namespace {

using ::testing::HasSubstr;

std::string Temp(const std::string& name) { return absl::StrCat(::testing::TempDir(), "/", name); }

std::string Slurp(const std::string& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

constexpr int kWidth = 3;

float Feature(int i, int d) { return static_cast<float>((i * 7 + d * 3) % 11) / 5.0f - 1.0f; }

// Five feature records: TRAIN, VALID, TEST and two without a split, alternating labels.
// A non-empty `precision` goes into each record's embed provenance, as embed writes bf16.
std::string WriteFeatures(const std::string& name, const std::string& precision = "") {
  const std::string spec = Temp(name + "@1");
  auto writer = ShardWriter::Open(spec, StageInfo{"embed", "test", "0", {}}).value();
  const Split splits[] = {TRAIN, VALID, TEST, SPLIT_NONE, SPLIT_NONE};
  for (int i = 0; i < 5; ++i) {
    Record record;
    record.set_id(absl::StrCat("r", i));
    record.set_patient_id(absl::StrCat("P", i));
    record.set_lesion_id(absl::StrCat("L", i));
    record.set_label(i % 2 == 0 ? MALIGNANT : BENIGN);
    record.set_split(splits[i]);
    record.mutable_attributes()->set_view(i % 2 == 0 ? "CC" : "MLO");
    record.mutable_attributes()->set_breast_density(i + 1);
    for (int d = 0; d < kWidth; ++d) record.add_features(Feature(i, d));
    Provenance* step = record.add_provenance();
    step->set_stage("embed");
    Parameter* model = step->add_parameters();
    model->set_name("model");
    model->set_value("test");
    if (!precision.empty()) {
      Parameter* p = step->add_parameters();
      p->set_name("precision");
      p->set_value(precision);
    }
    EXPECT_TRUE(writer->Write(record).ok());
  }
  EXPECT_TRUE(writer->Close().ok());
  return spec;
}

// A run folder as tl_train leaves it: run.json and a head checkpoint with seeded weights.
train::HeadOptions WriteRun(const std::string& dir, const std::string& precision = "") {
  mkdir(dir.c_str(), 0755);
  train::HeadOptions head_options;
  head_options.in_features = kWidth;
  head_options.hidden = {4};
  head_options.dropout = 0.5;  // must be off in predict
  torch::manual_seed(11);
  train::Head head(head_options);
  train::FeatureSet set;
  set.features = torch::zeros({2, kWidth});
  set.labels = torch::tensor({0.0f, 1.0f});
  set.ids = {"a", "b"};
  set.patient_ids = {"a", "b"};
  set.lesion_ids = {"a", "b"};
  set.splits = {TRAIN, VALID};
  train::TrainOptions training;
  training.run_dir = dir;
  training.max_epochs = 1;
  training.learning_rate = 0.1;
  EXPECT_TRUE(train::TrainHead(head, set, set, training).ok());
  train::RunConfig config;
  config.run_name = "test-TL";
  config.stage = "tl_train";
  config.features_source = "embed: test";
  config.head = head_options;
  config.precision = precision;
  EXPECT_TRUE(train::WriteRunConfig(dir + "/run.json", config).ok());
  return head_options;
}

// The head's output for one record, from its parameters with plain arithmetic in double:
// sigmoid(w2 . relu(W1 x + b1) + b2).
double HeadProbability(const std::vector<torch::Tensor>& p, int i) {
  const torch::Tensor w1 = p[0].to(torch::kFloat64), b1 = p[1].to(torch::kFloat64);
  const torch::Tensor w2 = p[2].to(torch::kFloat64), b2 = p[3].to(torch::kFloat64);
  double logit = b2[0].item<double>();
  for (int h = 0; h < w1.size(0); ++h) {
    double z = b1[h].item<double>();
    for (int d = 0; d < kWidth; ++d) z += w1[h][d].item<double>() * Feature(i, d);
    logit += w2[0][h].item<double>() * std::max(0.0, z);
  }
  return 1.0 / (1.0 + std::exp(-logit));
}

TEST(PredictLibTest, CsvColumnsRowsAndTheHeadsProbabilities) {
  const std::string run = Temp("run");
  const train::HeadOptions head_options = WriteRun(run);
  Options options;
  options.run_dir = run;
  options.checkpoint = "last.pt";
  options.inputs = {WriteFeatures("feats")};
  options.output = Temp("predictions.csv");
  const absl::Status status = predict::Run(options);
  ASSERT_TRUE(status.ok()) << status;

  train::Head head(head_options);
  ASSERT_TRUE(train::LoadHeadWeights(run + "/last.pt", head).ok());
  std::vector<torch::Tensor> parameters;
  for (const auto& p : head->named_parameters()) parameters.push_back(p.value().detach());
  ASSERT_EQ(parameters.size(), 4u);  // dense1 weight and bias, logit weight and bias

  const std::vector<std::string> lines =
      absl::StrSplit(Slurp(options.output), '\n', absl::SkipEmpty());
  ASSERT_EQ(lines.size(), 6u);  // the header and five records
  EXPECT_EQ(lines[0],
            "id,patient_id,lesion_id,split,label,probability,view,breast_density,assessment,"
            "subtlety,mass_shape,mass_margins");
  const char* splits[] = {"train", "valid", "test", "none", "none"};
  std::vector<double> probabilities;
  for (int i = 0; i < 5; ++i) {
    const std::vector<std::string> f = absl::StrSplit(lines[i + 1], ',');
    ASSERT_EQ(f.size(), 12u) << lines[i + 1];
    // The records' attributes: record i has view CC or MLO and density i + 1, the rest unknown.
    EXPECT_EQ(f[6], i % 2 == 0 ? "CC" : "MLO");
    EXPECT_EQ(f[7], absl::StrCat(i + 1));
    EXPECT_EQ(f[8], "");
    EXPECT_EQ(f[0], absl::StrCat("r", i));
    EXPECT_EQ(f[1], absl::StrCat("P", i));
    EXPECT_EQ(f[2], absl::StrCat("L", i));
    EXPECT_EQ(f[3], splits[i]);
    EXPECT_EQ(f[4], i % 2 == 0 ? "1" : "0");
    double p = 0;
    ASSERT_TRUE(absl::SimpleAtod(f[5], &p)) << f[5];
    // float32 arithmetic in the head against double here, printed to 9 digits.
    EXPECT_NEAR(p, HeadProbability(parameters, i), 1e-6) << lines[i + 1];
    probabilities.push_back(p);
  }
  // Different records, different probabilities: the head is not a constant.
  EXPECT_NE(probabilities[0], probabilities[1]);
}

// --calibrate fits on the valid rows and maps every row; the CSV keeps the head's probability
// and names the method. Here 12 records, the first 8 valid (both classes), the rest test.
TEST(PredictLibTest, CalibrateFitsOnValidAndMapsEveryRow) {
  const std::string run = Temp("run_calibrate");
  WriteRun(run);
  const std::string spec = Temp("feats_calibrate@1");
  auto writer = ShardWriter::Open(spec, StageInfo{"embed", "test", "0", {}}).value();
  for (int i = 0; i < 12; ++i) {
    Record record;
    record.set_id(absl::StrCat("c", i));
    record.set_patient_id(absl::StrCat("P", i));
    record.set_label(i % 3 == 0 ? MALIGNANT : BENIGN);
    record.set_split(i < 8 ? VALID : TEST);
    for (int d = 0; d < kWidth; ++d) record.add_features(Feature(i, d));
    Provenance* step = record.add_provenance();
    step->set_stage("embed");
    ASSERT_TRUE(writer->Write(record).ok());
  }
  ASSERT_TRUE(writer->Close().ok());
  Options options;
  options.run_dir = run;
  options.checkpoint = "last.pt";
  options.inputs = {spec};
  options.output = Temp("calibrated.csv");
  options.calibrate = metrics::Recalibration::kIsotonic;
  const absl::Status status = predict::Run(options);
  ASSERT_TRUE(status.ok()) << status;

  const std::vector<std::string> lines =
      absl::StrSplit(Slurp(options.output), '\n', absl::SkipEmpty());
  ASSERT_EQ(lines.size(), 13u);
  EXPECT_EQ(lines[0],
            "id,patient_id,lesion_id,split,label,probability,uncalibrated_probability,calibration,"
            "view,breast_density,assessment,subtlety,mass_shape,mass_margins");
  std::vector<std::vector<std::string>> rows;
  std::vector<int> valid_labels;
  std::vector<double> valid_raw;
  for (size_t i = 1; i < lines.size(); ++i) {
    rows.push_back(absl::StrSplit(lines[i], ','));
    ASSERT_EQ(rows.back().size(), 14u) << lines[i];
    EXPECT_EQ(rows.back()[7], "isotonic");
    double raw = 0;
    ASSERT_TRUE(absl::SimpleAtod(rows.back()[6], &raw));
    if (rows.back()[3] == "valid") {
      valid_labels.push_back(rows.back()[4] == "1" ? 1 : 0);
      valid_raw.push_back(raw);
    }
  }
  // The map, fitted here on the valid rows' own columns, gives every row's probability.
  absl::StatusOr<metrics::Recalibration> map =
      metrics::FitRecalibration(metrics::Recalibration::kIsotonic, valid_labels, valid_raw);
  ASSERT_TRUE(map.ok()) << map.status();
  for (const std::vector<std::string>& row : rows) {
    double calibrated = 0, raw = 0;
    ASSERT_TRUE(absl::SimpleAtod(row[5], &calibrated) && absl::SimpleAtod(row[6], &raw));
    EXPECT_NEAR(calibrated, map->Apply(raw), 1e-8) << row[0];
  }

  // Inputs without valid rows of both classes, and a task slice, are refused.
  options.inputs = {WriteFeatures("feats_one_valid")};  // one valid record
  EXPECT_THAT(predict::Run(options).message(), HasSubstr("valid rows are 1 (0 malignant)"));
  options.task = Task{.index = 0, .count = 2};
  options.output = Temp("part0.csv");
  EXPECT_THAT(predict::Run(options).message(), HasSubstr("a --task slice lacks"));
}

// Without --checkpoint predict takes the weights the run ended with: best.pt, or last.pt for
// a run whose run.json says restore_best false (--restore_best=false); older run.json files
// without the field mean best.pt.
TEST(PredictLibTest, DefaultCheckpointIsTheOneTheRunEndedWith) {
  const std::string run = Temp("run-final");
  const train::HeadOptions head_options = WriteRun(run);
  {  // best.pt unlike last.pt
    train::Head other(head_options);
    ASSERT_TRUE(train::SaveCheckpoint(run + "/best.pt", *other, nullptr, nullptr).ok());
  }
  const auto predict = [&](const std::string& checkpoint, const std::string& name) {
    Options options;
    options.run_dir = run;
    options.checkpoint = checkpoint;
    options.inputs = {WriteFeatures("feats-final")};
    options.output = Temp(name);
    const absl::Status status = predict::Run(options);
    EXPECT_TRUE(status.ok()) << status;
    return Slurp(options.output);
  };
  const std::string best = predict("best.pt", "best.csv");
  const std::string last = predict("last.pt", "last.csv");
  ASSERT_NE(best, last);
  EXPECT_EQ(predict("", "default-old.csv"), best);  // restore_best true
  train::RunConfig config = train::ReadRunConfig(run + "/run.json").value();
  config.restore_best = false;
  ASSERT_TRUE(train::WriteRunConfig(run + "/run.json", config).ok());
  EXPECT_EQ(predict("", "default-last.csv"), last);
}

TEST(PredictLibTest, TaskPartsJoinIntoTheWholeCsvAndSayTheyAreComplete) {
  const std::string run = Temp("run_tasks");
  WriteRun(run);
  Options options;
  options.run_dir = run;
  options.inputs = {WriteFeatures("feats_tasks")};
  options.output = Temp("whole.csv");
  ASSERT_TRUE(predict::Run(options).ok());
  std::string joined;
  for (int i = 0; i < 2; ++i) {  // 5 records: 2 + 3
    Options part = options;
    part.task = Task{i, 2};
    part.output = Temp(absl::StrCat("part", i, ".csv"));
    const absl::Status status = predict::Run(part);
    ASSERT_TRUE(status.ok()) << status;
    const std::string csv = Slurp(part.output);
    joined += i == 0 ? csv : csv.substr(csv.find('\n') + 1);
    const std::string manifest = Slurp(TaskFileManifestPath(part.output));
    EXPECT_THAT(manifest, HasSubstr(absl::StrCat("\"index\": ", i)));
    EXPECT_THAT(manifest, HasSubstr(absl::StrCat("\"rows\": ", i == 0 ? 2 : 3)));
  }
  EXPECT_EQ(joined, Slurp(options.output));  // byte for byte

  Options to_stdout = options;
  to_stdout.task = Task{0, 2};
  to_stdout.output = "-";
  EXPECT_THAT(std::string(predict::Run(to_stdout).message()), HasSubstr("its own --output"));
}

TEST(PredictLibTest, RefusesFeaturesOfAnotherPrecisionUnlessAllowed) {
  for (const auto& [trained, embedded] : {std::pair{"", "bf16"}, std::pair{"bf16", ""}}) {
    SCOPED_TRACE(absl::StrCat("trained '", trained, "', embedded '", embedded, "'"));
    const std::string run = Temp(absl::StrCat("run_", trained, "_", embedded));
    WriteRun(run, trained);
    Options options;
    options.run_dir = run;
    options.checkpoint = "last.pt";
    options.inputs = {WriteFeatures(absl::StrCat("feats_", trained, "_", embedded), embedded)};
    options.output = Temp("mismatch.csv");
    const absl::Status refused = predict::Run(options);
    EXPECT_EQ(refused.code(), absl::StatusCode::kFailedPrecondition);
    EXPECT_THAT(refused.message(), HasSubstr("--allow_precision_mismatch"));
    options.allow_precision_mismatch = true;
    EXPECT_TRUE(predict::Run(options).ok());
  }
  // The same precision on both sides needs no flag.
  const std::string run = Temp("run_bf16_bf16");
  WriteRun(run, "bf16");
  Options options;
  options.run_dir = run;
  options.checkpoint = "last.pt";
  options.inputs = {WriteFeatures("feats_bf16_bf16", "bf16")};
  options.output = Temp("match.csv");
  EXPECT_TRUE(predict::Run(options).ok());
}

TEST(PredictLibTest, RefusesAFolderWithoutRunJson) {
  const std::string dir = Temp("not_a_run");
  mkdir(dir.c_str(), 0755);
  Options options;
  options.run_dir = dir;
  options.inputs = {WriteFeatures("feats2")};
  options.output = Temp("never.csv");
  const absl::Status status = predict::Run(options);
  EXPECT_EQ(status.code(), absl::StatusCode::kNotFound);
  EXPECT_THAT(status.message(), HasSubstr("not_a_run/run.json: missing (is this a run folder?)"));
  struct stat st;
  EXPECT_NE(stat(options.output.c_str(), &st), 0) << "no CSV may be written";
}

TEST(PredictLibTest, PrintsTheRunsPreprocessingAndRefusesARunWithout) {
  const std::string dir = Temp("preprocessed_run");
  mkdir(dir.c_str(), 0755);
  train::RunConfig config;
  config.run_name = "inception_v3-mixed5-TL";
  config.stage = "tl_train";
  config.head.in_features = kWidth;
  config.model = "inception_v3";
  config.image_size = 160;
  config.layer = "mixed5";
  config.weights = "none";
  config.mean = config.std = "0.5,0.5,0.5";
  ASSERT_TRUE(train::WriteRunConfig(dir + "/run.json", config).ok());
  absl::StatusOr<std::string> lines = PreprocessingLines(dir);
  EXPECT_EQ(lines.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(lines.status().message(), HasSubstr("records no preprocessing"));

  config.preprocessing = {{"dcm2png.clahe", "true"}, {"roicrop.size", "320"}};
  ASSERT_TRUE(train::WriteRunConfig(dir + "/run.json", config).ok());
  lines = PreprocessingLines(dir);
  ASSERT_TRUE(lines.ok()) << lines.status();
  EXPECT_EQ(*lines,
            "dcm2png.clahe=true\nroicrop.size=320\nembed.model=inception_v3\n"
            "embed.image_size=160\nembed.layer=mixed5\nembed.precision=fp32\n");
}

}  // namespace
}  // namespace mammo::predict
