// npuc disasm: print a .npub container as assembly text that assembles back to the same container.
#include "Command.h"

#include "npu/isa/Assembler.h"

#include <fstream>
#include <iostream>

namespace npuc {

static int runDisasm(const Command &Self, const Args &A) {
  if (A.Positional.size() != 1)
    return usageError(Self, A.Positional.empty()
                                ? "missing the container (FILE.npub)"
                                : "expected one container, got " + std::to_string(A.Positional.size()));
  auto P = npu::isa::readContainerFile(A.Positional[0]);
  if (!P)
    return fail(P.message());
  std::string Text = npu::isa::disassemble(*P);
  if (!A.has("-o")) {
    std::cout << Text;
    return ExitOk;
  }
  std::string Out = A.get("-o");
  std::ofstream OS(Out, std::ios::binary | std::ios::trunc);
  if (!OS)
    return fail(Out + ": cannot create the output file");
  OS << Text;
  OS.close();
  if (!OS)
    return fail(Out + ": write error");
  return ExitOk;
}

const Command DisasmCommand = {
    "disasm",
    "Print a .npub container as assembly text",
    "npuc disasm FILE.npub [-o OUT.s]",
    "Reads and verifies the container (a truncated, corrupted or foreign file is an error) and prints\n"
    "its directives, data, micro-ops and instructions as assembly that 'npuc asm' turns back into\n"
    "an identical container, for the config embedded in it.\n\n"
    "examples:\n"
    "  npuc disasm gemm.npub\n"
    "  npuc disasm gemm.npub -o gemm.s\n",
    {{"-o", true, "write the text to this file instead of standard output"}},
    runDisasm,
};

} // namespace npuc
