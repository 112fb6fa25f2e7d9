// The preprocessing behind a record's pixels, read from its provenance: the run-wide
// parameters of dcm2png and roicrop, which training tools copy into run.json so that
// prediction on new images can repeat them (pipelines/predict.mk).
//
//   for (const auto& [name, value] : PreprocessingParameters(record)) ...  // "roicrop.size", "320"
#ifndef MAMMO_LIB_RECORDS_PREPROCESSING_H_
#define MAMMO_LIB_RECORDS_PREPROCESSING_H_

#include <string>
#include <utility>
#include <vector>

#include "data_formats/record.pb.h"

namespace mammo {

// "STAGE.NAME" and value for every parameter of the record's dcm2png and roicrop provenance
// entries, in provenance order, except those that describe one record or one dataset rather
// than the processing (roicrop's crop and mask boxes, aspect, interpolation and region; dcm2png's
// dataset, split, mask handling and mask_rescaled note): new images must match the rest.
std::vector<std::pair<std::string, std::string>> PreprocessingParameters(const Record& record);

}  // namespace mammo

#endif  // MAMMO_LIB_RECORDS_PREPROCESSING_H_
