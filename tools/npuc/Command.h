// What every npuc subcommand shares: its description, option parsing, and the exit-code conventions.
#pragma once

#include "npu/config/HardwareConfig.h"

#include <map>
#include <string>
#include <vector>

namespace npuc {

/// Exit status: 0 success, 1 a failure (message on stderr), 2 a usage error (bad flags or arguments).
enum ExitCode { ExitOk = 0, ExitFailure = 1, ExitUsage = 2 };

struct OptionSpec {
  const char *Name; ///< "--config", "-o"
  bool TakesValue;
  const char *Help;
  bool Repeatable = false; ///< may be given several times (Args::getAll)
};

struct Args;

struct Command {
  const char *Name;
  const char *Summary; ///< one line for `npuc --help`
  const char *Usage;   ///< synopsis, without the leading "usage: "
  const char *Details; ///< what it does, with an example; printed by `npuc NAME --help`
  std::vector<OptionSpec> Options;
  int (*Run)(const Command &Self, const Args &A);
};

/// Parsed command line of one subcommand: positional arguments and option values ("" for flags).
struct Args {
  std::vector<std::string> Positional;
  std::map<std::string, std::string> Values;            ///< the last value of each option
  std::map<std::string, std::vector<std::string>> All; ///< every value, for repeatable options
  bool has(const std::string &Option) const { return Values.count(Option) != 0; }
  std::string get(const std::string &Option, const std::string &Default = "") const {
    auto It = Values.find(Option);
    return It == Values.end() ? Default : It->second;
  }
  std::vector<std::string> getAll(const std::string &Option) const {
    auto It = All.find(Option);
    return It == All.end() ? std::vector<std::string>() : It->second;
  }
};

/// Full help text of a command.
std::string helpText(const Command &C);
/// Parses Argv against C.Options and runs C; handles --help/-h and reports usage errors.
int runCommand(const Command &C, const std::vector<std::string> &Argv);

/// Prints "npuc: error: MESSAGE" and returns ExitFailure.
int fail(const std::string &Message);
/// Prints the error, the command's synopsis and a hint, and returns ExitUsage.
int usageError(const Command &C, const std::string &Message);
/// configs/default.yaml as it was when npuc was built: the design point used when --config is not given.
npu::Expected<npu::HardwareConfig> bundledDefaultConfig();

/// V as a finite number (the whole text), or false.
bool parseNumber(const std::string &V, double &Out);

#define NPUC_COMMAND(Name) extern const Command Name##Command;
#include "Commands.def"

} // namespace npuc
