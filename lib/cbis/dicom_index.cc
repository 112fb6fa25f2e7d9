#include "lib/cbis/dicom_index.h"

#include <algorithm>
#include <atomic>
#include <filesystem>
#include <thread>

#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"

namespace mammo::cbis {

absl::StatusOr<DicomIndex> DicomIndex::Build(const std::string& root, int threads) {
  namespace fs = std::filesystem;
  std::error_code error;
  if (!fs::is_directory(root, error)) {
    return absl::NotFoundError(absl::StrCat("--root ", root, ": not a folder"));
  }
  std::vector<std::string> paths;
  for (fs::recursive_directory_iterator
           it(root, fs::directory_options::follow_directory_symlink, error),
       end;
       !error && it != end; it.increment(error)) {
    if (it->is_regular_file(error) &&
        absl::EndsWith(absl::AsciiStrToLower(it->path().filename().string()), ".dcm")) {
      paths.push_back(it->path().string());
    }
  }
  if (error) return absl::DataLossError(absl::StrCat("--root ", root, ": ", error.message()));
  std::sort(paths.begin(), paths.end());

  // Each thread fills its own slots, so the result does not depend on scheduling.
  std::vector<absl::StatusOr<DicomHeader>> headers(paths.size(), absl::UnknownError("not read"));
  std::atomic<size_t> next{0};
  auto work = [&] {
    for (size_t i = next++; i < paths.size(); i = next++) headers[i] = ReadDicomHeader(paths[i]);
  };
  std::vector<std::thread> pool;
  for (int t = 1; t < std::max(1, threads); ++t) pool.emplace_back(work);
  work();
  for (std::thread& t : pool) t.join();

  DicomIndex index;
  for (size_t i = 0; i < paths.size(); ++i) {
    if (!headers[i].ok()) {
      index.unreadable_.emplace_back(paths[i], std::string(headers[i].status().message()));
      continue;
    }
    const size_t slot = index.files_.size();
    index.files_.push_back(IndexedFile{paths[i], *std::move(headers[i])});
    index.by_series_.emplace(index.files_[slot].header.series_uid, slot);
    index.by_patient_.emplace(index.files_[slot].header.patient_id, slot);
  }
  return index;
}

namespace {

std::vector<const IndexedFile*> Lookup(const std::multimap<std::string, size_t>& map,
                                       const std::vector<IndexedFile>& files,
                                       const std::string& key) {
  std::vector<const IndexedFile*> found;
  auto [begin, end] = map.equal_range(key);
  for (auto it = begin; it != end; ++it) found.push_back(&files[it->second]);
  return found;  // multimap keeps insertion order for equal keys: path order
}

}  // namespace

std::vector<const IndexedFile*> DicomIndex::BySeries(const std::string& series_uid) const {
  return Lookup(by_series_, files_, series_uid);
}

std::vector<const IndexedFile*> DicomIndex::ByPatient(const std::string& patient_id) const {
  return Lookup(by_patient_, files_, patient_id);
}

}  // namespace mammo::cbis
