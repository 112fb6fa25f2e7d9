// Progress on stderr for long work: records done, rate and ETA.
//
//   Progress progress("records", expected_total);   // nullopt when unknown
//   for (...) { ...; progress.Add(1); }
//   progress.Finish();
//
// --progress=auto (default) rewrites one line on stderr when stderr is a terminal and says
// nothing otherwise; --progress=always prints a line every few seconds (for logs) and a
// summary at the end; --progress=never is silent.
#ifndef MAMMO_LIB_CLI_PROGRESS_H_
#define MAMMO_LIB_CLI_PROGRESS_H_

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>

#include "absl/flags/declare.h"

ABSL_DECLARE_FLAG(std::string, progress);

namespace mammo::cli {

class Progress {
 public:
  Progress(std::string unit, std::optional<uint64_t> total);
  void Add(uint64_t n = 1);
  void Finish();
  bool enabled() const { return mode_ != Mode::kSilent; }

 private:
  enum class Mode { kSilent, kTerminal, kLog };
  void Print(bool final_line);

  std::string unit_;
  std::optional<uint64_t> total_;
  Mode mode_;
  uint64_t done_ = 0;
  std::chrono::steady_clock::time_point start_;
  std::chrono::steady_clock::time_point last_print_;
  bool finished_ = false;
};

}  // namespace mammo::cli

#endif  // MAMMO_LIB_CLI_PROGRESS_H_
