#include "tools/augment/augment_lib.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <functional>
#include <map>
#include <memory>
#include <opencv2/core.hpp>
#include <set>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_split.h"
#include "data_formats/record.pb.h"
#include "lib/cli/cli.h"
#include "lib/cli/progress.h"
#include "lib/image/codec.h"
#include "lib/image/png_write.h"
#include "lib/parallel/ordered_map.h"
#include "lib/records/shard_reader.h"
#include "lib/records/shard_writer.h"
#include "lib/status/status_macros.h"

namespace mammo::augment {
namespace {

// Rng streams apart from the samples' (indices 0..N-1) for the split decisions.
constexpr uint64_t kSplitStream = ~0ULL;
constexpr uint64_t kFoldStream = ~0ULL - 1;
constexpr uint64_t kTestStream = ~0ULL - 2;

struct Source {
  Record record;   // complete for pass-through sources; without image and masks otherwise
  cv::Mat pixels;  // augmented sources only
};

enum SetIndex { kTrain = 0, kValid = 1, kTest = 2 };
constexpr Split kSplitOf[] = {TRAIN, VALID, TEST};

// The dataset's own split: the record's split field, else attributes.dataset_split; SPLIT_NONE
// where the dataset has none.
absl::StatusOr<Split> OfficialSplit(const Record& record, const std::string& where) {
  if (record.split() == TRAIN || record.split() == TEST) return record.split();
  if (record.split() == SPLIT_NONE) {
    const std::string& s = record.attributes().dataset_split();
    if (s == "train" || s == "test") return s == "train" ? TRAIN : TEST;
    return SPLIT_NONE;
  }
  return absl::FailedPreconditionError(
      absl::StrCat(where, ": record '", record.id(),
                   "': split must be TRAIN, TEST (the dataset's official split) or none, got ",
                   Split_Name(record.split())));
}

absl::StatusOr<std::vector<Source>> ReadSources(const std::vector<std::string>& inputs,
                                                std::vector<Split>* official) {
  ASSIGN_OR_RETURN(std::unique_ptr<ShardReader> reader, ShardReader::Open(inputs));
  std::vector<Source> sources;
  std::set<std::string> ids;
  Record record;
  while (true) {
    ASSIGN_OR_RETURN(bool got, reader->Next(&record));
    if (!got) break;
    const std::string where = reader->Position();
    if (record.id().empty() || !ids.insert(record.id()).second) {
      return absl::FailedPreconditionError(
          absl::StrCat(where, ": record id '", record.id(), "' is empty or not unique"));
    }
    ASSIGN_OR_RETURN(Split split, OfficialSplit(record, where));
    absl::StatusOr<cv::Mat> pixels = DecodeImage(record.image());
    if (!pixels.ok()) {
      return absl::DataLossError(
          absl::StrCat(where, ": record '", record.id(), "': ", pixels.status().message()));
    }
    if (pixels->type() != CV_8UC1) {
      return absl::FailedPreconditionError(
          absl::StrCat(where, ": record '", record.id(),
                       "': augment needs 8-bit grey images (roicrop's output), got ",
                       pixels->channels(), " channel(s) of ", record.image().bit_depth(), " bits"));
    }
    official->push_back(split);
    sources.push_back({record, *pixels});
  }
  if (sources.empty()) return absl::FailedPreconditionError("the inputs hold no records");
  return sources;
}

// The patients of the sources that `take` accepts, by label stratum (benign: no malignant
// record; malignant), each stratum in id order shuffled by `rng`: the draw depends on the
// patients alone, not on the input order.
std::array<std::vector<std::string>, 2> ShuffledStrata(const std::vector<Source>& sources,
                                                       const std::function<bool(size_t)>& take,
                                                       Rng& rng) {
  std::map<std::string, bool> malignant;
  for (size_t i = 0; i < sources.size(); ++i) {
    if (!take(i)) continue;
    bool& m = malignant[sources[i].record.patient_id()];
    m = m || sources[i].record.label() == MALIGNANT;
  }
  std::array<std::vector<std::string>, 2> strata;
  for (const auto& [patient, m] : malignant) strata[m].push_back(patient);
  for (auto& stratum : strata) {
    for (size_t i = stratum.size(); i > 1; --i) {
      std::swap(stratum[i - 1],
                stratum[static_cast<size_t>(rng.Int(0, static_cast<int64_t>(i) - 1))]);
    }
  }
  return strata;
}

// The patient protocol's draws of a side (valid from train, test from the records without an
// official split): among the patients of the sources whose split is `from`, per label stratum
// (a patient is MALIGNANT if any of its lesions is), round(fraction * patients) patients drawn
// without replacement.
std::set<std::string> DrawPatients(const std::vector<Source>& sources,
                                   const std::vector<Split>& split, Split from, double fraction,
                                   uint64_t seed, uint64_t stream) {
  Rng rng(seed, stream);
  std::set<std::string> drawn;
  for (const auto& stratum : ShuffledStrata(
           sources, [&](size_t i) { return split[i] == from; }, rng)) {
    const size_t n = static_cast<size_t>(std::llround(fraction * stratum.size()));
    drawn.insert(stratum.begin(), stratum.begin() + std::min(n, stratum.size()));
  }
  return drawn;
}

// Every patient's cross-validation fold: each label stratum shuffled, then dealt round-robin,
// the count going on from one stratum to the next, so folds differ by at most one patient and
// hold each label's share. The same for every fold asked for, so the folds' test splits
// partition the patients.
std::map<std::string, int> PatientFolds(const std::vector<Source>& sources, int folds,
                                        uint64_t seed) {
  Rng rng(seed, kFoldStream);
  std::map<std::string, int> fold;
  size_t dealt = 0;
  for (const auto& stratum : ShuffledStrata(
           sources, [](size_t) { return true; }, rng)) {
    for (const std::string& patient : stratum) fold[patient] = static_cast<int>(dealt++ % folds);
  }
  return fold;
}

void AppendProvenance(Record* record, const std::string& parent,
                      const std::vector<std::pair<std::string, std::string>>& parameters) {
  Provenance* p = record->add_provenance();
  p->set_stage("augment");
  p->set_tool("augment");
  p->set_tool_version(std::string(cli::kVersion));
  p->add_parent_ids(parent);
  for (const auto& [name, value] : parameters) {
    Parameter* parameter = p->add_parameters();
    parameter->set_name(name);
    parameter->set_value(value);
  }
}

absl::StatusOr<Image> Encode(const cv::Mat& pixels, Image::Encoding encoding) {
  if (encoding != Image::PNG) return EncodeImage(pixels, encoding);
  // Average: about 15% smaller files than Sub on these smooth, textured ROIs.
  ASSIGN_OR_RETURN(std::string bytes, EncodeGreyPng(pixels, PngFilter::kAverage));
  Image image;
  image.set_encoding(Image::PNG);
  image.set_width(pixels.cols);
  image.set_height(pixels.rows);
  image.set_channels(1);
  image.set_bit_depth(8);
  image.set_data(std::move(bytes));
  return image;
}

// The sources sample i may draw from: every one, or with balance those of its label.
struct Pool {
  std::vector<size_t> all;
  std::vector<size_t> by_label[2];  // benign, malignant
};

// Sample i: its source, its draws, the augmented record.
absl::StatusOr<Record> MakeSample(const Options& options, const std::vector<Source>& sources,
                                  const Pool& pool, uint64_t i, Split split) {
  Rng rng(options.seed, i);
  const std::vector<size_t>& from =
      options.balance && options.per_image == 0 ? pool.by_label[i % 2] : pool.all;
  const size_t source_index =
      options.per_image > 0
          ? from[i / options.per_image]
          : from[static_cast<size_t>(rng.Int(0, static_cast<int64_t>(from.size()) - 1))];
  const Source& source = sources[source_index];
  const Plan plan =
      MakePlan(options.ops, options.compat, source.pixels.cols, source.pixels.rows, rng);
  Record out = source.record;
  out.set_id(absl::StrFormat("%s#aug%06d", source.record.id(), i));
  out.set_split(split);
  ASSIGN_OR_RETURN(*out.mutable_image(), Encode(Apply(plan, source.pixels), options.encoding));
  std::vector<std::pair<std::string, std::string>> parameters = {{"sample", absl::StrCat(i)}};
  for (const Step& step : plan.steps) parameters.push_back(DescribeStep(step));
  AppendProvenance(&out, source.record.id(), parameters);
  return out;
}

// Tracks which sets each patient and lesion reached.
class SideTracker {
 public:
  // `r` as written: its last provenance entry is ours, whose parent is the source record,
  // which stands for the lesion when the record has no lesion id.
  void Add(const Record& r, SetIndex set) {
    malignant_[set] += r.label() == MALIGNANT;
    patients_[r.patient_id()] |= 1 << set;
    const std::string& source = r.provenance(r.provenance_size() - 1).parent_ids(0);
    lesions_[r.lesion_id().empty() ? "record " + source : r.lesion_id()] |= 1 << set;
  }
  Overlap Both(SetIndex a, SetIndex b) const {
    const int mask = (1 << a) | (1 << b);
    Overlap o;
    for (const auto& [_, m] : patients_) o.patients += (m & mask) == mask;
    for (const auto& [_, m] : lesions_) o.lesions += (m & mask) == mask;
    return o;
  }
  uint64_t Malignant(SetIndex set) const { return malignant_[set]; }

 private:
  uint64_t malignant_[3] = {0, 0, 0};
  std::map<std::string, int> patients_, lesions_;
};

// Which sources are augmented (the pool) and which pass through to valid or test: the paper
// protocol pools them all; the patient protocol keeps TEST and a share of the training
// patients (valid) apart.
absl::Status AssignSources(const std::vector<Source>& sources, const std::vector<Split>& official,
                           const Options& options, std::vector<size_t>* pool,
                           std::vector<std::pair<size_t, SetIndex>>* passthrough) {
  if (options.protocol == Protocol::kPaper) {
    for (size_t i = 0; i < sources.size(); ++i) pool->push_back(i);
    return absl::OkStatus();
  }
  if (options.folds > 0) {
    // The official split gives way to the folds: fold `fold` is TEST, every other patient TRAIN.
    const std::map<std::string, int> fold = PatientFolds(sources, options.folds, options.seed);
    std::vector<Split> by_fold(sources.size());
    for (size_t i = 0; i < sources.size(); ++i) {
      by_fold[i] = fold.at(sources[i].record.patient_id()) == options.fold ? TEST : TRAIN;
    }
    Options without_folds = options;
    without_folds.folds = 0;
    return AssignSources(sources, by_fold, without_folds, pool, passthrough);
  }
  std::vector<Split> split = official;
  if (options.test_fraction > 0) {
    const std::set<std::string> test = DrawPatients(
        sources, official, SPLIT_NONE, options.test_fraction, options.seed, kTestStream);
    for (size_t i = 0; i < sources.size(); ++i) {
      if (split[i] == SPLIT_NONE)
        split[i] = test.count(sources[i].record.patient_id()) ? TEST : TRAIN;
    }
  }
  std::map<std::string, Split> first_split;
  for (size_t i = 0; i < sources.size(); ++i) {
    const std::string& patient = sources[i].record.patient_id();
    if (split[i] == SPLIT_NONE) {
      return absl::FailedPreconditionError(absl::StrCat(
          "record '", sources[i].record.id(),
          "' has no official split (its dataset has none): pass --test_fraction F to draw that "
          "share of such patients into test, or --fold I/K for cross-validation"));
    }
    auto [it, inserted] = first_split.emplace(patient, split[i]);
    if (!inserted && it->second != split[i]) {
      return absl::FailedPreconditionError(
          absl::StrCat("patient '", patient,
                       "' has records in both the official TRAIN and TEST splits (record '",
                       sources[i].record.id(), "'): the patient protocol needs them disjoint"));
    }
  }
  const std::set<std::string> valid =
      DrawPatients(sources, split, TRAIN, options.valid_fraction, options.seed, kSplitStream);
  for (size_t i = 0; i < sources.size(); ++i) {
    if (split[i] == TEST) {
      passthrough->push_back({i, kTest});
    } else if (valid.count(sources[i].record.patient_id())) {
      passthrough->push_back({i, kValid});
    } else {
      pool->push_back(i);
    }
  }
  return absl::OkStatus();
}

// The sources to augment (all, and by label), their masks dropped (augmented records carry
// none), and the passed-through ones, their pixels released.
absl::StatusOr<Pool> PoolSources(const Options& options, const std::vector<Split>& official,
                                 std::vector<Source>* sources,
                                 std::vector<std::pair<size_t, SetIndex>>* passthrough) {
  Pool pool;
  RETURN_IF_ERROR(AssignSources(*sources, official, options, &pool.all, passthrough));
  if (pool.all.empty())
    return absl::FailedPreconditionError("no records left to augment (no TRAIN records?)");
  for (size_t i : pool.all) {
    (*sources)[i].record.clear_image();
    (*sources)[i].record.clear_masks();
    pool.by_label[(*sources)[i].record.label() == MALIGNANT ? 1 : 0].push_back(i);
  }
  for (const auto& [i, set] : *passthrough) (*sources)[i].pixels.release();
  if (options.balance && options.per_image == 0 &&
      (pool.by_label[0].empty() || pool.by_label[1].empty())) {
    return absl::FailedPreconditionError(absl::StrCat(
        "--balance draws half the samples from each class, and the records to augment hold no ",
        pool.by_label[0].empty() ? "benign" : "malignant", " one; pass --balance=false"));
  }
  return pool;
}

// The paper protocol's split by augmented image: the set of each of the n samples, from a
// seeded permutation; with balance, of each label's samples apart (even and odd i), so every
// set is half of each class.
std::vector<uint8_t> PaperSampleSets(const Options& options, uint64_t n) {
  const bool stratify = options.balance && options.per_image == 0;
  std::vector<std::vector<uint32_t>> groups(stratify ? 2 : 1);
  for (uint64_t i = 0; i < n; ++i) groups[stratify ? i % 2 : 0].push_back(static_cast<uint32_t>(i));
  Rng rng(options.seed, kSplitStream);
  std::vector<uint8_t> sample_set(n);
  for (std::vector<uint32_t>& order : groups) {
    const uint64_t size = order.size();
    for (uint64_t i = size; i > 1; --i)
      std::swap(order[i - 1], order[rng.Int(0, static_cast<int64_t>(i) - 1)]);
    const uint64_t n_train = static_cast<uint64_t>(std::llround(options.paper_train * size));
    const uint64_t n_valid =
        std::min(size - n_train, static_cast<uint64_t>(std::llround(options.paper_valid * size)));
    for (uint64_t k = 0; k < size; ++k) {
      sample_set[order[k]] = k < n_train ? kTrain : k < n_train + n_valid ? kValid : kTest;
    }
  }
  return sample_set;
}

// The manifests' stage: every option that shapes the output, sorted by name.
StageInfo AugmentStage(const Options& options) {
  StageInfo stage{"augment",
                  "augment",
                  std::string(cli::kVersion),
                  {{"augmentor_compat", options.compat ? "true" : "false"},
                   {"encoding", options.encoding == Image::RAW ? "raw" : "png"},
                   {"ops", DescribeOps(options.ops)},
                   {"protocol", options.protocol == Protocol::kPaper ? "paper" : "patient"},
                   {"seed", absl::StrCat(options.seed)}}};
  if (options.per_image > 0) {
    stage.parameters.push_back({"per_image", absl::StrCat(options.per_image)});
  } else {
    stage.parameters.push_back({"samples", absl::StrCat(options.samples)});
    stage.parameters.push_back({"balance", options.balance ? "true" : "false"});
  }
  if (options.protocol == Protocol::kPaper) {
    stage.parameters.push_back(
        {"split", absl::StrCat(options.paper_train, ",", options.paper_valid)});
  } else {
    stage.parameters.push_back({"valid_fraction", absl::StrCat(options.valid_fraction)});
    if (options.test_fraction > 0) {
      stage.parameters.push_back({"test_fraction", absl::StrCat(options.test_fraction)});
    }
    if (options.folds > 0) {
      stage.parameters.push_back({"fold", absl::StrCat(options.fold, "/", options.folds)});
    }
  }
  std::sort(stage.parameters.begin(), stage.parameters.end());
  return stage;
}

}  // namespace

absl::StatusOr<Report> Run(const Options& options) {
  if (options.shards < 1) return absl::InvalidArgumentError("--shards must be at least 1");
  // Samples run in parallel; OpenCV's own threads inside each warp would only compete with them.
  cv::setNumThreads(1);
  if ((options.samples > 0) == (options.per_image > 0)) {
    return absl::InvalidArgumentError("give exactly one of --samples and --per_image");
  }
  std::vector<Split> official;
  ASSIGN_OR_RETURN(std::vector<Source> sources, ReadSources(options.inputs, &official));

  std::vector<std::pair<size_t, SetIndex>> passthrough;
  ASSIGN_OR_RETURN(const Pool pool, PoolSources(options, official, &sources, &passthrough));

  const uint64_t n = options.per_image > 0 ? options.per_image * pool.all.size() : options.samples;
  if (n > 0xffffffffULL) {
    return absl::InvalidArgumentError(absl::StrCat(n, " samples: at most 2^32 - 1 per run"));
  }
  const std::vector<uint8_t> sample_set =
      options.protocol == Protocol::kPaper ? PaperSampleSets(options, n) : std::vector<uint8_t>();
  const StageInfo stage = AugmentStage(options);
  std::unique_ptr<ShardWriter> writers[3];
  const char* names[] = {"_train@", "_valid@", "_test@"};
  for (int s = 0; s < 3; ++s) {
    ASSIGN_OR_RETURN(
        writers[s], ShardWriter::Open(absl::StrCat(options.output, names[s], options.shards), stage,
                                      options.task));
  }

  Report report;
  report.sources = sources.size();
  SideTracker sides;
  // The records in the order they are written: the passed-through ones, then the samples. A
  // task writes only its slice of them; sample i draws from Rng(seed, i) whoever computes it,
  // so the parts merge into the bytes of one run.
  const uint64_t passed = passthrough.size();
  const auto [begin, end] = options.task.Slice(passed + n);
  cli::Progress progress("records", end - begin);
  for (uint64_t k = begin; k < std::min(end, passed); ++k) {
    const auto& [i, set] = passthrough[k];
    Record record = sources[i].record;
    record.set_split(kSplitOf[set]);
    AppendProvenance(&record, record.id(), {{"augmented", "no"}});
    RETURN_IF_ERROR(writers[set]->Write(record));
    sides.Add(record, set);
    progress.Add();
  }

  // Samples computed in parallel, written in sample order: the bytes do not depend on the
  // thread count, and at most a window of 4 samples per thread is resident.
  auto set_of = [&](uint64_t i) {
    return sample_set.empty() ? kTrain : static_cast<SetIndex>(sample_set[i]);
  };
  const uint64_t first = std::max(begin, passed) - passed;
  const uint64_t last = std::max(end, passed) - passed;
  RETURN_IF_ERROR(OrderedMapIndices<Record>(
      {std::max(1, options.threads)}, last - first,
      [&](size_t k) {
        return MakeSample(options, sources, pool, first + k, kSplitOf[set_of(first + k)]);
      },
      [&](size_t k, Record record) -> absl::Status {
        RETURN_IF_ERROR(writers[set_of(first + k)]->Write(record));
        sides.Add(record, set_of(first + k));
        progress.Add();
        return absl::OkStatus();
      }));
  for (auto& w : writers) RETURN_IF_ERROR(w->Close());
  progress.Finish();
  report.train = writers[kTrain]->records_written();
  report.valid = writers[kValid]->records_written();
  report.test = writers[kTest]->records_written();
  report.train_malignant = sides.Malignant(kTrain);
  report.valid_malignant = sides.Malignant(kValid);
  report.test_malignant = sides.Malignant(kTest);
  report.train_test = sides.Both(kTrain, kTest);
  report.train_valid = sides.Both(kTrain, kValid);
  report.valid_test = sides.Both(kValid, kTest);
  return report;
}

std::string FormatReport(const Report& r, Protocol protocol) {
  std::string text = absl::StrFormat(
      "%d sources -> train %d (%d malignant), valid %d (%d), test %d (%d) records; "
      "patients/lesions on both sides: train&test %d/%d, train&valid %d/%d, valid&test %d/%d\n",
      r.sources, r.train, r.train_malignant, r.valid, r.valid_malignant, r.test, r.test_malignant,
      r.train_test.patients, r.train_test.lesions, r.train_valid.patients, r.train_valid.lesions,
      r.valid_test.patients, r.valid_test.lesions);
  if (protocol == Protocol::kPaper) {
    absl::StrAppend(&text, "augment: WARNING: LEAKAGE: ", r.train_test.patients, " patients and ",
                    r.train_test.lesions, " lesions are in both train and test.\n");
  }
  return text;
}

absl::Status ParsePaperSplit(const std::string& text, Options* options) {
  const std::vector<std::string> shares = absl::StrSplit(text, ',');
  if (shares.size() != 2 || !absl::SimpleAtod(shares[0], &options->paper_train) ||
      !absl::SimpleAtod(shares[1], &options->paper_valid) || options->paper_train <= 0 ||
      options->paper_valid < 0 || options->paper_train + options->paper_valid > 1) {
    return absl::InvalidArgumentError(
        "--paper_split must be TRAIN,VALID with shares summing to at most 1");
  }
  return absl::OkStatus();
}

absl::Status ParseSamplingFlags(uint64_t samples, uint64_t per_image, const std::string& encoding,
                                Options* options) {
  if ((samples > 0) == (per_image > 0)) {
    return absl::InvalidArgumentError("give exactly one of --samples and --per_image");
  }
  // The samples are shuffled as 32-bit indices.
  if (samples > 0xffffffffULL) return absl::InvalidArgumentError("--samples is too large");
  options->samples = samples;
  options->per_image = per_image;
  if (encoding == "raw") {
    options->encoding = Image::RAW;
  } else if (encoding == "png") {
    options->encoding = Image::PNG;
  } else {
    return absl::InvalidArgumentError("--encoding must be png or raw");
  }
  return absl::OkStatus();
}

absl::Status ParseSplitFlags(const std::string& protocol, double valid_fraction,
                             double test_fraction, const std::string& paper_split,
                             const std::string& fold, Options* options) {
  if (protocol == "paper") {
    options->protocol = Protocol::kPaper;
  } else if (protocol == "patient") {
    options->protocol = Protocol::kPatient;
  } else {
    return absl::InvalidArgumentError("--protocol must be patient or paper");
  }
  if (!(valid_fraction >= 0 && valid_fraction < 1)) {
    return absl::InvalidArgumentError("--valid_fraction must be in [0, 1)");
  }
  options->valid_fraction = valid_fraction;
  if (!(test_fraction >= 0 && test_fraction < 1)) {
    return absl::InvalidArgumentError("--test_fraction must be in [0, 1)");
  }
  if (test_fraction > 0 && options->protocol != Protocol::kPatient) {
    return absl::InvalidArgumentError(
        "--test_fraction draws test patients: it goes with --protocol patient, not paper");
  }
  if (test_fraction > 0 && !fold.empty()) {
    return absl::InvalidArgumentError(
        "--test_fraction and --fold both choose the test patients: give one");
  }
  options->test_fraction = test_fraction;
  if (!fold.empty()) {
    const std::vector<std::string> parts = absl::StrSplit(fold, '/');
    if (parts.size() != 2 || !absl::SimpleAtoi(parts[0], &options->fold) ||
        !absl::SimpleAtoi(parts[1], &options->folds) || options->folds < 2 || options->fold < 0 ||
        options->fold >= options->folds) {
      return absl::InvalidArgumentError(absl::StrCat(
          "--fold must be I/K, fold I of K >= 2 folds with 0 <= I < K, not '", fold, "'"));
    }
    if (options->protocol != Protocol::kPatient) {
      return absl::InvalidArgumentError(
          "--fold splits by patient: it goes with --protocol patient, not paper");
    }
  }
  return ParsePaperSplit(paper_split, options);
}

}  // namespace mammo::augment
