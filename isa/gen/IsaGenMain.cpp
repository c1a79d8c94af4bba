// npu-isagen: prints artifacts generated from the ISA spec and a config: the RTL package or the references.
//   npu-isagen sv CONFIG.yaml [-o FILE]      SystemVerilog package npu_isa_pkg (parameters, opcodes, fields)
//   npu-isagen doc CONFIG.yaml [-o FILE]     Markdown table of every instruction field for that config
//   npu-isagen schema [-o FILE]              Markdown reference of every hardware config key
#include "npu/config/HardwareConfig.h"
#include "npu/isa/Generators.h"

#include <fstream>
#include <iostream>
#include <string>

using namespace npu;

int main(int Argc, char **Argv) {
  std::string Mode = Argc > 1 ? Argv[1] : "";
  bool NeedsConfig = Mode == "sv" || Mode == "doc";
  if (!(NeedsConfig || Mode == "schema") || (NeedsConfig && Argc < 3)) {
    std::cerr << "usage: npu-isagen sv|doc CONFIG.yaml [-o FILE] | npu-isagen schema [-o FILE]\n"
                 "  sv      SystemVerilog package npu_isa_pkg for hw/ (config parameters, opcodes, fields)\n"
                 "  doc     Markdown reference of every instruction field for the config\n"
                 "  schema  Markdown reference of every hardware config key\n";
    return 2;
  }
  std::string Text;
  int OutArg = NeedsConfig ? 3 : 2;
  if (NeedsConfig) {
    auto C = loadHardwareConfig(Argv[2]);
    if (!C) {
      std::cerr << "error: " << C.message() << "\n";
      return 1;
    }
    Text = Mode == "sv" ? isa::generateSvPackage(*C) : isa::generateIsaDoc(*C);
  } else {
    Text = isa::generateConfigSchemaDoc();
  }
  if (Argc >= OutArg + 2 && std::string(Argv[OutArg]) == "-o") {
    std::ofstream Out(Argv[OutArg + 1]);
    Out << Text;
    if (!Out) {
      std::cerr << "error: cannot write " << Argv[OutArg + 1] << "\n";
      return 1;
    }
  } else {
    std::cout << Text;
  }
  return 0;
}
