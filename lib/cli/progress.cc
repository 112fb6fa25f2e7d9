#include "lib/cli/progress.h"

#include <unistd.h>

#include <cstdio>

#include "absl/flags/flag.h"
#include "absl/strings/str_format.h"
#include "lib/cli/cli.h"

ABSL_FLAG(std::string, progress, "auto",
          "Progress on stderr: auto (a live line when stderr is a terminal), always (a line "
          "every 5 seconds and a summary, for logs), never.");

namespace mammo::cli {
namespace {

std::string FormatDuration(double seconds) {
  const auto total = static_cast<int64_t>(seconds + 0.5);
  return absl::StrFormat("%d:%02d:%02d", total / 3600, (total / 60) % 60, total % 60);
}

}  // namespace

Progress::Progress(std::string unit, std::optional<uint64_t> total)
    : unit_(std::move(unit)), total_(total) {
  const std::string flag = absl::GetFlag(FLAGS_progress);
  if (flag == "never") {
    mode_ = Mode::kSilent;
  } else if (flag == "always") {
    mode_ = ::isatty(STDERR_FILENO) ? Mode::kTerminal : Mode::kLog;
  } else {
    mode_ = ::isatty(STDERR_FILENO) ? Mode::kTerminal : Mode::kSilent;
  }
  start_ = last_print_ = std::chrono::steady_clock::now();
}

void Progress::Add(uint64_t n) {
  done_ += n;
  if (mode_ == Mode::kSilent) return;
  const auto now = std::chrono::steady_clock::now();
  const auto interval =
      mode_ == Mode::kTerminal ? std::chrono::milliseconds(200) : std::chrono::milliseconds(5000);
  if (now - last_print_ < interval) return;
  last_print_ = now;
  Print(false);
}

void Progress::Print(bool final_line) {
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
  const double rate = seconds > 0 ? done_ / seconds : 0.0;
  std::string line;
  if (final_line) {
    line = absl::StrFormat("%s: %d %s in %.1f s (%.1f %s/s)", ToolName(), done_, unit_, seconds,
                           rate, unit_);
  } else if (total_.has_value() && *total_ > 0) {
    const double eta = rate > 0 ? (*total_ - std::min(done_, *total_)) / rate : 0.0;
    line = absl::StrFormat("%s: %d/%d %s (%.1f%%), %.1f %s/s, ETA %s", ToolName(), done_, *total_,
                           unit_, 100.0 * done_ / *total_, rate, unit_, FormatDuration(eta));
  } else {
    line = absl::StrFormat("%s: %d %s, %.1f %s/s", ToolName(), done_, unit_, rate, unit_);
  }
  if (mode_ == Mode::kTerminal) {
    std::fprintf(stderr, "\r\033[K%s%s", line.c_str(), final_line ? "\n" : "");
  } else {
    std::fprintf(stderr, "%s\n", line.c_str());
  }
  std::fflush(stderr);
}

void Progress::Finish() {
  if (finished_) return;
  finished_ = true;
  if (mode_ != Mode::kSilent) Print(true);
}

}  // namespace mammo::cli
