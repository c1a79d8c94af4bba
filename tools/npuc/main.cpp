// npuc: the command-line driver of the NPU toolchain. Dispatches to the subcommands listed in Commands.def.
#include "Command.h"
#include "GitRevision.inc" // NPU_VERSION, NPU_GIT_REVISION (cmake/GitRevision.cmake, at build time)

#include <iostream>

using namespace npuc;

static const Command *const Commands[] = {
#define NPUC_COMMAND(Name) &Name##Command,
#include "Commands.def"
};

static std::string overview() {
  std::string S = "npuc - driver of the NPU compiler stack (configs, assembly, simulation)\n\n"
                  "usage: npuc <command> [arguments] [options]\n\ncommands:\n";
  for (const Command *C : Commands) {
    std::string Name = C->Name;
    S += "  " + Name + std::string(Name.size() < 10 ? 10 - Name.size() : 1, ' ') + C->Summary + "\n";
  }
  S += "  help      print this overview, or 'npuc help COMMAND' for one command\n\n"
       "Run 'npuc <command> --help' for a command's arguments, options and an example, e.g.\n"
       "  npuc config check configs/default.yaml\n\n"
       "Exit status: 0 success, 1 failure (message on stderr), 2 usage error.\n";
  return S;
}

static const Command *findCommand(const std::string &Name) {
  for (const Command *C : Commands)
    if (Name == C->Name)
      return C;
  return nullptr;
}

static int unknownCommand(const std::string &Name) {
  std::cerr << "npuc: error: unknown command '" << Name
            << "'\nhint: run 'npuc --help' for the list of commands\n";
  return ExitUsage;
}

int main(int Argc, char **Argv) {
  std::vector<std::string> Args(Argv + 1, Argv + Argc);
  if (Args.empty()) {
    std::cerr << "npuc: error: no command given\n\n" << overview();
    return ExitUsage;
  }
  const std::string &First = Args[0];
  if (First == "--help" || First == "-h") {
    std::cout << overview();
    return ExitOk;
  }
  if (First == "--version") {
    if (Args.size() > 1) {
      std::cerr << "npuc: error: --version takes no arguments\n";
      return ExitUsage;
    }
    std::cout << "npuc " NPU_VERSION " (git " NPU_GIT_REVISION ")\n";
    return ExitOk;
  }
  if (First == "help") {
    if (Args.size() == 1) {
      std::cout << overview();
      return ExitOk;
    }
    if (Args.size() > 2) {
      std::cerr << "npuc: error: help takes at most one command name\n";
      return ExitUsage;
    }
    const Command *C = findCommand(Args[1]);
    if (!C)
      return unknownCommand(Args[1]);
    std::cout << helpText(*C);
    return ExitOk;
  }
  const Command *C = findCommand(First);
  if (!C)
    return unknownCommand(First);
  return runCommand(*C, std::vector<std::string>(Args.begin() + 1, Args.end()));
}
