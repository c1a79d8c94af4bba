// Option parsing, help formatting and error reporting shared by the npuc subcommands.
#include "Command.h"

#include <cmath>
#include <cstdlib>
#include <iostream>

namespace npuc {

int fail(const std::string &Message) {
  std::cerr << "npuc: error: " << Message << "\n";
  return ExitFailure;
}

npu::Expected<npu::HardwareConfig> bundledDefaultConfig() { return npu::defaultHardwareConfig(); }

bool parseNumber(const std::string &V, double &Out) {
  char *End = nullptr;
  Out = std::strtod(V.c_str(), &End);
  return !V.empty() && !*End && std::isfinite(Out);
}

int usageError(const Command &C, const std::string &Message) {
  std::cerr << "npuc: error: " << C.Name << ": " << Message << "\n"
            << "usage: " << C.Usage << "\n"
            << "hint: run 'npuc " << C.Name << " --help' for the options and an example\n";
  return ExitUsage;
}

std::string helpText(const Command &C) {
  std::string S = std::string("usage: ") + C.Usage + "\n\n" + C.Summary + ".\n\n" + C.Details;
  if (!C.Options.empty()) {
    S += "\noptions:\n";
    for (const OptionSpec &O : C.Options) {
      std::string Flag = std::string(O.Name) + (O.TakesValue ? " VALUE" : "");
      S += "  " + Flag + std::string(Flag.size() < 20 ? 20 - Flag.size() : 1, ' ') + O.Help + "\n";
    }
  }
  S += "  --help              print this help\n";
  return S;
}

int runCommand(const Command &C, const std::vector<std::string> &Argv) {
  Args A;
  for (size_t I = 0; I < Argv.size(); ++I) {
    const std::string &Arg = Argv[I];
    if (Arg == "--help" || Arg == "-h") {
      std::cout << helpText(C);
      return ExitOk;
    }
    if (Arg == "--") {
      A.Positional.insert(A.Positional.end(), Argv.begin() + I + 1, Argv.end());
      break;
    }
    if (Arg.size() < 2 || Arg[0] != '-') {
      A.Positional.push_back(Arg);
      continue;
    }
    std::string Name = Arg, Value;
    bool Inline = false;
    if (size_t Eq = Arg.find('='); Arg.rfind("--", 0) == 0 && Eq != std::string::npos) {
      Name = Arg.substr(0, Eq), Value = Arg.substr(Eq + 1), Inline = true;
    }
    const OptionSpec *Spec = nullptr;
    for (const OptionSpec &O : C.Options)
      if (Name == O.Name)
        Spec = &O;
    if (!Spec)
      return usageError(C, "unknown option '" + Name + "'");
    if (A.has(Name) && !Spec->Repeatable)
      return usageError(C, "option " + Name + " given twice");
    if (!Spec->TakesValue) {
      if (Inline)
        return usageError(C, "option " + Name + " takes no value");
      A.Values[Name] = "";
      continue;
    }
    if (!Inline) {
      // A following flag means the value was forgotten; taking the flag as the value would hide that.
      if (I + 1 >= Argv.size() || (Argv[I + 1].size() > 1 && Argv[I + 1][0] == '-'))
        return usageError(C, "option " + Name + " needs a value");
      Value = Argv[++I];
    }
    if (Value.empty())
      return usageError(C, "option " + Name + " needs a non-empty value");
    A.Values[Name] = Value;
    A.All[Name].push_back(Value);
  }
  return C.Run(C, A);
}

} // namespace npuc
