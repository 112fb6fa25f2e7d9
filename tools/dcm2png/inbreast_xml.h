// INbreast's lesion outlines (data_formats/datasets/inbreast.md): AllXML/<File Name>.xml, an
// Apple property list exported by OsiriX, one dict per ROI with its Name and Point_px.
//
//   ASSIGN_OR_RETURN(std::vector<InbreastRoi> rois,
//                    ParseInbreastXml(text, "AllXML/22678622.xml"));
//
// Values are found by their keys (a plist dict is <key>K</key> followed by its value), never by
// position: loaders that index children by position break when an export lacks a key.
#ifndef MAMMO_TOOLS_DCM2PNG_INBREAST_XML_H_
#define MAMMO_TOOLS_DCM2PNG_INBREAST_XML_H_

#include <opencv2/core.hpp>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace mammo::dcm2png {

struct InbreastRoi {
  int index = 0;                    // the ROI's place in the file, from 1, over every Images entry
  int line = 0;                     // the line of its <dict>, for messages
  std::string name;                 // "Mass", "Calcification", ...; empty when the dict has no Name
  std::vector<cv::Point2d> points;  // Point_px, (x, y) in pixels, x first
  // Set when the ROI's own data is unusable (a point that is not "(x, y)", no Point_px): the
  // reason for people; the file's other ROIs are still good.
  std::string problem;
};

// The ROIs of a plist's Images[*].ROIs[*], in file order. DataLoss "SOURCE:LINE: ..." when the
// text is not well-formed XML, or is not a plist dict holding an Images array.
absl::StatusOr<std::vector<InbreastRoi>> ParseInbreastXml(absl::string_view text,
                                                          const std::string& source);

}  // namespace mammo::dcm2png

#endif  // MAMMO_TOOLS_DCM2PNG_INBREAST_XML_H_
