// npuc config check|show: validate hardware config files, or print one with its derived values.
#include "Command.h"

#include "npu/compiler/passes/Pass.h"
#include "npu/config/HardwareConfig.h"

#include <iostream>

namespace npuc {

static int runConfig(const Command &Self, const Args &A) {
  if (A.Positional.empty())
    return usageError(Self, "missing the action: check or show");
  const std::string &Action = A.Positional[0];
  if (Action != "check" && Action != "show")
    return usageError(Self, "unknown action '" + Action + "' (expected check or show)");
  std::vector<std::string> Files(A.Positional.begin() + 1, A.Positional.end());
  if (Files.empty())
    return usageError(Self, "missing the config file (FILE.yaml)");
  if (Action == "show" && Files.size() != 1)
    return usageError(Self, "show takes exactly one config file");

  int Exit = ExitOk;
  for (const std::string &File : Files) {
    auto C = npu::loadHardwareConfig(File);
    if (!C) {
      Exit = fail(C.message());
      continue;
    }
    if (Action == "show") {
      std::cout << C->describe();
      continue;
    }
    // Valid for the ISA and the simulators, but models could not be compiled for it: refused, with why.
    if (npu::Status S = npu::passes::checkQuantizeConfig(*C); !S) {
      Exit = fail(File + ": " + S.message() + "; the simulators run hand-written programs for it (npuc asm, "
                  "npuc run), the compiler does not target it yet");
      continue;
    }
    std::cout << File << ": ok (" << C->Name << ", hash " << C->shortHash() << ")\n";
  }
  return Exit;
}

const Command ConfigCommand = {
    "config",
    "Check or print hardware config files (YAML)",
    "npuc config check FILE.yaml... | npuc config show FILE.yaml",
    "'check' loads and validates each file: unknown keys, wrong types, values out of range and\n"
    "inconsistent sizes are reported with file:line:column and the key; a config the compiler cannot\n"
    "target (other than int8 or int4 weights, int32 accumulators and int8 or int16 inputs and outputs of\n"
    "one type) is refused with the reason. It prints\n"
    "'FILE: ok (NAME, hash HASH16)' per valid file and exits 1 if any file is invalid.\n"
    "'show' prints every key (defaults filled in), the derived values (buffer rows and depths, peak\n"
    "throughput) and the ISA field layout that follows from the config.\n\n"
    "examples:\n"
    "  npuc config check configs/default.yaml configs/edge.yaml\n"
    "  npuc config show configs/large.yaml\n",
    {},
    runConfig,
};

} // namespace npuc
