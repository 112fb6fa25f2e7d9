// An index of the DICOM files under a folder by SeriesInstanceUID and PatientID, built from
// the headers only (no pixel data is read), so that files are found whatever the folder
// layout (the CSV's paths or an NBIA download).
//
//   ASSIGN_OR_RETURN(DicomIndex index, DicomIndex::Build("CBIS-DDSM", /*threads=*/2));
//   for (const IndexedFile* f : index.BySeries(uid)) ...
#ifndef MAMMO_LIB_CBIS_DICOM_INDEX_H_
#define MAMMO_LIB_CBIS_DICOM_INDEX_H_

#include <map>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "lib/dicom/dicom.h"

namespace mammo::cbis {

struct IndexedFile {
  std::string path;
  DicomHeader header;
};

class DicomIndex {
 public:
  // Reads the header of every regular file under `root` whose name ends in ".dcm" (any
  // case), on `threads` threads. Files whose header does not read are kept in unreadable()
  // with their error instead of failing the build. Fails only when `root` is not a folder.
  static absl::StatusOr<DicomIndex> Build(const std::string& root, int threads);

  // Files in path order (deterministic whatever the thread count).
  std::vector<const IndexedFile*> BySeries(const std::string& series_uid) const;
  std::vector<const IndexedFile*> ByPatient(const std::string& patient_id) const;

  size_t size() const { return files_.size(); }
  const std::vector<std::pair<std::string, std::string>>& unreadable() const { return unreadable_; }

 private:
  std::vector<IndexedFile> files_;  // sorted by path
  std::multimap<std::string, size_t> by_series_;
  std::multimap<std::string, size_t> by_patient_;
  std::vector<std::pair<std::string, std::string>> unreadable_;  // path, error
};

}  // namespace mammo::cbis

#endif  // MAMMO_LIB_CBIS_DICOM_INDEX_H_
