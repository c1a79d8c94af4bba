// npuc asm: assemble a text program for a hardware config into a .npub container.
#include "Command.h"
#include "MemoryOption.h"

#include "npu/isa/Assembler.h"

#include <iostream>

namespace npuc {

static int runAsm(const Command &Self, const Args &A) {
  if (A.Positional.size() != 1)
    return usageError(Self, A.Positional.empty()
                                ? "missing the assembly file (FILE.s)"
                                : "expected one assembly file, got " + std::to_string(A.Positional.size()));
  if (!A.has("--config"))
    return usageError(Self, "missing --config FILE.yaml (the config the program is assembled for)");
  if (!A.has("-o"))
    return usageError(Self, "missing -o OUT.npub");
  auto Limit = maxMemoryOption(A);
  if (!Limit)
    return usageError(Self, Limit.message());
  auto C = npu::loadHardwareConfig(A.get("--config"));
  if (!C)
    return fail(C.message());
  auto P = npu::isa::assembleFile(A.Positional[0], *C, *Limit);
  if (!P)
    return fail(P.message());
  std::string Out = A.get("-o");
  if (npu::Status S = npu::isa::writeContainerFile(*P, Out); !S)
    return fail(S.message());
  std::cout << "wrote " << Out << ": " << P->Insns.size() << " instructions, " << P->Uops.size()
            << " micro-ops, " << P->IO.size() << " I/O tensors, " << P->DramBytes << " bytes of DRAM (config "
            << C->Name << ", hash " << C->shortHash() << ")\n";
  return ExitOk;
}

const Command AsmCommand = {
    "asm",
    "Assemble a text program into a .npub container",
    "npuc asm FILE.s --config FILE.yaml -o OUT.npub [--max-memory SIZE]",
    "Assembles FILE.s for the given hardware config: field widths, buffer sizes and the config hash\n"
    "embedded in the container all come from the config. Errors name the line and field\n"
    "(a value wider than its field is an error, never truncated). The syntax is in docs/assembly.md.\n\n"
    "example:\n"
    "  npuc asm gemm.s --config configs/default.yaml -o gemm.npub\n",
    {{"--config", true, "hardware config (YAML) to assemble for (required)"},
     {"-o", true, "output container (required)"},
     MaxMemoryOption},
    runAsm,
};

} // namespace npuc
