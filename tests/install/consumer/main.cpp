// A program outside the project, built against an installed npu: loads a config file given by path, prints its
// name and peak MACs per cycle, and runs a one-GEMM program on the functional simulator through the runtime.
#include "npu/config/HardwareConfig.h"
#include "npu/isa/Assembler.h"
#include "npu/runtime/Device.h"

#include <iostream>
#include <vector>

// One micro-op, one GEMM iteration: batch x block_in x block_out multiply-accumulates.
static const char *const OneGemm = R"(
.uops at 0x0
uop dst=0 src=0 wgt=0
load.uop sram=0 dram=uops y=1 x=1 stride=1
gemm uop_begin=0 uop_end=1 loop_out=1 loop_in=1
finish
)";

int main(int Argc, char **Argv) {
  if (Argc != 2) {
    std::cerr << "usage: npu-consumer CONFIG.yaml\n";
    return 2;
  }
  auto C = npu::loadHardwareConfig(Argv[1]);
  if (!C) {
    std::cerr << "npu-consumer: " << C.message() << "\n";
    return 1;
  }
  std::cout << "config " << C->Name << "\n";
  std::cout << "peak_macs_per_cycle " << C->D.PeakMacsPerCycle << "\n";
  auto P = npu::isa::assemble(OneGemm, *C, "one-gemm.s");
  if (!P) {
    std::cerr << "npu-consumer: " << P.message() << "\n";
    return 1;
  }
  auto Dram = P->dramImage(); // the micro-op table the GEMM runs
  if (!Dram) {
    std::cerr << "npu-consumer: " << Dram.message() << "\n";
    return 1;
  }
  npu::runtime::FuncDevice Func(*C);
  auto R = Func.run(*P, *Dram);
  if (!R) {
    std::cerr << "npu-consumer: " << R.message() << "\n";
    return 1;
  }
  std::cout << "func_macs " << R->Stats.Macs << "\n";
  return 0;
}
