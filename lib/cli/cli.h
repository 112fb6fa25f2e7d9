// Conventions shared by every tool: flag parsing, --help, one-line errors and exit codes.
//
//   ABSL_FLAG(std::string, input, "", "...");     // at global scope in main.cc
//   int main(int argc, char** argv) {
//     std::vector<std::string> args = mammo::cli::ParseCommandLine(argc, argv, kUsage);
//     if (absl::GetFlag(FLAGS_input).empty()) return mammo::cli::UsageError("--input is required");
//     absl::Status status = mammo::tool::Run(...);
//     return mammo::cli::Finish(status);   // prints "tool: message" and maps the exit code
//   }
//
// Exit codes (documented in every tool's --help):
//   0 success; 1 usage error (bad flag or argument); 2 bad or unreadable input or output data;
//   3 internal error.
// Status codes map to them: InvalidArgument -> 1; NotFound, DataLoss, FailedPrecondition,
// OutOfRange, AlreadyExists, PermissionDenied, ResourceExhausted, Unavailable, Unimplemented -> 2;
// others -> 3.
#ifndef MAMMO_LIB_CLI_CLI_H_
#define MAMMO_LIB_CLI_CLI_H_

#include <array>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace mammo::cli {

enum ExitCode : int {
  kExitOk = 0,
  kExitUsage = 1,
  kExitBadData = 2,
  kExitInternal = 3,
};

// The exit-code paragraph that every tool's usage string ends with.
inline constexpr absl::string_view kExitCodeHelp =
    "Exit codes: 0 success, 1 usage error, 2 bad or unreadable input or output data, "
    "3 internal error.";

// The project's version, printed by --version and written into manifests.
inline constexpr absl::string_view kVersion = "0.1.0";

// Parses the flags and returns the positional arguments (argv[0] excluded). `usage` starts
// with "Usage: TOOL [OPTION]... FILE..." and teaches with an example. --help prints it and the
// tool's flags and exits 0; an unknown flag prints an error and exits 1.
std::vector<std::string> ParseCommandLine(int argc, char** argv, absl::string_view usage);

// The tool's name, as invoked (basename of argv[0]).
const std::string& ToolName();

int ExitCodeFor(const absl::Status& status);

// Prints "TOOL: MESSAGE" (one line) on stderr unless the status is OK; returns the exit code.
int Finish(const absl::Status& status);

// Prints "TOOL: MESSAGE" and a hint to --help; returns kExitUsage.
int UsageError(absl::string_view message);

// 0 means "all cores".
int ResolveThreads(int requested);

// Every value of a flag given several times, --NAME=V or --NAME V (also with one dash), in
// order, up to "--". Abseil keeps only the last occurrence; flags meant to be repeated
// (augment's --op, dcm2png's --csv) read them all here, before ParseCommandLine.
std::vector<std::string> RepeatedFlagValues(int argc, char** argv, absl::string_view name);

// "0.485,0.456,0.406" -> {0.485, 0.456, 0.406}, for per-channel flags and run.json fields;
// InvalidArgument quoting the text unless it is three finite numbers.
absl::StatusOr<std::array<float, 3>> ParseTriple(const std::string& text);

}  // namespace mammo::cli

#endif  // MAMMO_LIB_CLI_CLI_H_
