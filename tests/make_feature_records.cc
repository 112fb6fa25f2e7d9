// Test helper: writes feature records (as `embed` would) drawn from two Gaussian clusters,
// so that training tools can be tested end to end without images or a backbone.
// Usage: make_feature_records OUTPUT_SPEC N_TRAIN N_VALID N_TEST DIM SEPARATION SEED [NAN_AT]
// NAN_AT: the index of a record whose first feature is NaN (the bad-input matrix's
// "NaN loss during training" row); none by default.
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <random>
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "lib/records/shard_writer.h"

int main(int argc, char** argv) {
  if (argc != 8 && argc != 9) {
    std::fprintf(
        stderr,
        "Usage: make_feature_records OUTPUT_SPEC N_TRAIN N_VALID N_TEST DIM SEPARATION SEED "
        "[NAN_AT]\n");
    return 1;
  }
  const int counts[3] = {std::atoi(argv[2]), std::atoi(argv[3]), std::atoi(argv[4])};
  const mammo::Split splits[3] = {mammo::TRAIN, mammo::VALID, mammo::TEST};
  const int dim = std::atoi(argv[5]);
  const double separation = std::atof(argv[6]);
  std::mt19937_64 rng(std::strtoull(argv[7], nullptr, 10));
  const int nan_at = argc == 9 ? std::atoi(argv[8]) : -1;
  std::normal_distribution<float> noise(0.0f, 1.0f);
  auto writer = mammo::ShardWriter::Open(argv[1], {"embed", "make_feature_records", "test", {}});
  if (!writer.ok()) {
    std::fprintf(stderr, "%s\n", writer.status().ToString().c_str());
    return 2;
  }
  int patient = 0;
  for (int s = 0; s < 3; ++s) {
    for (int i = 0; i < counts[s]; ++i, ++patient) {
      mammo::Record r;
      const bool malignant = rng() % 2 == 0;
      r.set_id(absl::StrFormat("P_%05d_1", patient));
      r.set_patient_id(absl::StrFormat("P_%05d", patient));
      r.set_lesion_id(r.id());
      r.set_label(malignant ? mammo::MALIGNANT : mammo::BENIGN);
      r.set_split(splits[s]);
      for (int d = 0; d < dim; ++d) {
        r.add_features(noise(rng) +
                       static_cast<float>(malignant ? separation / 2 : -separation / 2));
      }
      if (patient == nan_at) r.set_features(0, std::nanf(""));
      mammo::Provenance* p = r.add_provenance();
      p->set_stage("embed");
      mammo::Parameter* model = p->add_parameters();
      model->set_name("model");
      model->set_value("toy");
      if (!(*writer)->Write(r).ok()) return 2;
    }
  }
  return (*writer)->Close().ok() ? 0 : 2;
}
