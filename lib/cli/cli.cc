#include "lib/cli/cli.h"

#include <unistd.h>

#include <cmath>
#include <cstdlib>
#include <iostream>
#include <map>
#include <thread>

#include "absl/flags/internal/usage.h"
#include "absl/flags/parse.h"
#include "absl/flags/reflection.h"
#include "absl/flags/usage.h"
#include "absl/flags/usage_config.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/str_split.h"

namespace mammo::cli {
namespace {

std::string& MutableToolName() {
  static std::string* name = new std::string("tool");
  return *name;
}

// --help lists the flags defined in tools' main files, in lib/cli (shared flags such as
// --progress) and in files named *_flags.cc that several tools share (for example
// lib/train/shared_training_flags.cc), not Abseil's own.
bool IsToolFlagFile(absl::string_view file) {
  return absl::StrContains(file, "tools/") || absl::StrContains(file, "lib/cli/") ||
         absl::EndsWith(file, "_flags.cc");
}

void PrintHelp(std::ostream& out) {
  out << absl::ProgramUsageMessage() << "\n\nOptions:\n";
  std::map<std::string, const absl::CommandLineFlag*> flags;
  for (const auto& [name, flag] : absl::GetAllFlags()) {
    if (IsToolFlagFile(flag->Filename())) flags.emplace(std::string(name), flag);
  }
  for (const auto& [name, flag] : flags) absl::flags_internal::FlagHelp(out, *flag);
}

}  // namespace

const std::string& ToolName() { return MutableToolName(); }

std::vector<std::string> ParseCommandLine(int argc, char** argv, absl::string_view usage) {
  std::string name = argc > 0 ? argv[0] : "tool";
  if (const size_t slash = name.rfind('/'); slash != std::string::npos) name.erase(0, slash + 1);
  MutableToolName() = name;

  absl::FlagsUsageConfig config;
  config.contains_help_flags = &IsToolFlagFile;
  config.contains_helpshort_flags = &IsToolFlagFile;
  config.version_string = [] { return absl::StrCat(ToolName(), " ", kVersion, "\n"); };
  config.normalize_filename = [](absl::string_view file) { return std::string(file); };
  absl::SetFlagsUsageConfig(config);
  absl::SetProgramUsageMessage(absl::StrCat(usage, "\n\n", kExitCodeHelp));

  // Abseil exits with status 1 after --help; asking for help is not an error, so it is
  // answered here, with status 0.
  for (int i = 1; i < argc; ++i) {
    const absl::string_view arg = argv[i];
    if (arg == "--") break;
    if (arg == "--help" || arg == "-help" || arg == "-h" || arg == "--helpfull") {
      PrintHelp(std::cout);
      std::exit(kExitOk);
    }
  }

  // "--output -" is this project's way to say stdout, but Abseil takes a value that starts
  // with '-' for a mistake and warns. Such pairs are joined into "--output=-" first (only
  // for flags that take a value: "--count -" means a bool flag and stdin).
  std::vector<std::string> joined;
  for (int i = 0; i < argc; ++i) {
    const absl::string_view arg = argv[i];
    if (arg == "--") {
      for (; i < argc; ++i) joined.emplace_back(argv[i]);
      break;
    }
    if (i + 1 < argc && absl::string_view(argv[i + 1]) == "-" && absl::StartsWith(arg, "--") &&
        !absl::StrContains(arg, '=')) {
      const absl::CommandLineFlag* flag = absl::FindCommandLineFlag(arg.substr(2));
      if (flag != nullptr && !flag->IsOfType<bool>()) {
        joined.push_back(absl::StrCat(arg, "=-"));
        ++i;
        continue;
      }
    }
    joined.emplace_back(arg);
  }
  std::vector<char*> joined_argv;
  for (std::string& arg : joined) joined_argv.push_back(arg.data());
  std::vector<char*> positional =
      absl::ParseCommandLine(static_cast<int>(joined_argv.size()), joined_argv.data());
  std::vector<std::string> args;
  for (size_t i = 1; i < positional.size(); ++i) args.emplace_back(positional[i]);
  return args;
}

int ExitCodeFor(const absl::Status& status) {
  switch (status.code()) {
    case absl::StatusCode::kOk:
      return kExitOk;
    case absl::StatusCode::kInvalidArgument:
      return kExitUsage;
    case absl::StatusCode::kNotFound:
    case absl::StatusCode::kDataLoss:
    case absl::StatusCode::kFailedPrecondition:
    case absl::StatusCode::kOutOfRange:
    case absl::StatusCode::kAlreadyExists:
    case absl::StatusCode::kPermissionDenied:
    case absl::StatusCode::kResourceExhausted:
    case absl::StatusCode::kUnavailable:
    // Unimplemented here always means an input in a format the tools do not read (a DICOM
    // transfer syntax, colour or float pixels): bad input data, not a bug.
    case absl::StatusCode::kUnimplemented:
      return kExitBadData;
    default:
      return kExitInternal;
  }
}

int Finish(const absl::Status& status) {
  if (!status.ok()) {
    // One line, whatever the message holds.
    std::cerr << ToolName() << ": "
              << absl::StrReplaceAll(status.message(), {{"\n", " "}, {"\r", " "}}) << "\n";
  }
  return ExitCodeFor(status);
}

int UsageError(absl::string_view message) {
  std::cerr << ToolName() << ": " << message << "\n"
            << "Try '" << ToolName() << " --help' for more information.\n";
  return kExitUsage;
}

int ResolveThreads(int requested) {
  if (requested > 0) return requested;
  const unsigned cores = std::thread::hardware_concurrency();
  return cores == 0 ? 1 : static_cast<int>(cores);
}

std::vector<std::string> RepeatedFlagValues(int argc, char** argv, absl::string_view name) {
  std::vector<std::string> values;
  for (int i = 1; i < argc; ++i) {
    const absl::string_view arg = argv[i];
    if (arg == "--") break;
    for (const absl::string_view dashes : {"--", "-"}) {
      const std::string bare = absl::StrCat(dashes, name);
      if (arg == bare && i + 1 < argc) {
        values.push_back(argv[++i]);
        break;
      }
      if (absl::StartsWith(arg, bare + "=")) {
        values.emplace_back(arg.substr(bare.size() + 1));
        break;
      }
    }
  }
  return values;
}

absl::StatusOr<std::array<float, 3>> ParseTriple(const std::string& text) {
  const std::vector<std::string> parts = absl::StrSplit(text, ',');
  std::array<float, 3> values;
  if (parts.size() != 3) {
    return absl::InvalidArgumentError(
        absl::StrCat("'", text, "': want three numbers, as in 0.5,0.5,0.5"));
  }
  for (int i = 0; i < 3; ++i) {
    if (!absl::SimpleAtof(parts[i], &values[i]) || !std::isfinite(values[i])) {
      return absl::InvalidArgumentError(
          absl::StrCat("'", text, "': '", parts[i], "' is not a number"));
    }
  }
  return values;
}

}  // namespace mammo::cli
