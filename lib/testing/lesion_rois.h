// Synthetic ROI records with one bright disc (the lesion) in a known quadrant, for tests of
// where a model looks (Grad-CAM): malignant lesions brighter than benign ones, on a noisy
// background, so that a head trained on them raises the malignant logit on the lesion.
//
//   Record roi = mammo::testing::LesionRoi("r7", /*side=*/64, /*quadrant=*/2, MALIGNANT, 7);
#ifndef MAMMO_LIB_TESTING_LESION_ROIS_H_
#define MAMMO_LIB_TESTING_LESION_ROIS_H_

#include <cstdint>
#include <string>

#include "data_formats/record.pb.h"

namespace mammo::testing {

// Quadrants are numbered 0 top-left, 1 top-right, 2 bottom-left, 3 bottom-right.
// A side x side 8-bit grey PNG record (id, patient_id = id, label); `seed` draws the noise and
// the disc's offset inside its quadrant.
Record LesionRoi(const std::string& id, int side, int quadrant, Label label, uint64_t seed);

}  // namespace mammo::testing

#endif  // MAMMO_LIB_TESTING_LESION_ROIS_H_
