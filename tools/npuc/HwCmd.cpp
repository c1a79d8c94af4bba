// npuc hw area: Yosys area of the RTL's processing element and ALU lane for a config, beside its SRAM bits.
#include "Command.h"

#include "npu/config/HardwareConfig.h"
#include "npu/hw/Area.h"

#include <iostream>

namespace npuc {

static int runHw(const Command &Self, const Args &A) {
  if (A.Positional.empty() || A.Positional[0] != "area")
    return usageError(Self, A.Positional.empty() ? "missing the action: area"
                                                 : "unknown action '" + A.Positional[0] + "' (expected area)");
  // --config as every command takes it; the older positional FILE.yaml is still read.
  if (A.Positional.size() > 2 || (A.Positional.size() == 2 && A.has("--config")))
    return usageError(Self, "area takes one config: --config FILE.yaml|NAME");
  if (A.Positional.size() != 2 && !A.has("--config"))
    return usageError(Self, "missing --config FILE.yaml|NAME (the config whose datapath is synthesized)");
  auto C = npu::loadHardwareConfig(A.has("--config") ? A.get("--config") : A.Positional[1]);
  if (!C)
    return fail(C.message());
  npu::hw::AreaOptions O;
  O.UseCache = !A.has("--no-cache");
  std::cerr << "npuc: synthesizing npu_gemm_pe and npu_alu_lane with Yosys (cached by config and RTL hash)...\n";
  auto R = npu::hw::estimateArea(*C, O);
  if (!R)
    return fail(R.message());
  std::cout << (A.has("--json") ? R->toJson() : R->summary());
  return ExitOk;
}

const Command HwCommand = {
    "hw",
    "Hardware figures of a config: Yosys area of the PE and the ALU lane, SRAM bits",
    "npuc hw area --config FILE.yaml|NAME [--json] [--no-cache]",
    "'area' generates the RTL package for the config, synthesizes one GEMM processing element\n"
    "(hw/rtl/npu_gemm_pe.sv: a block_in-deep dot product at the configured widths) and one tensor-ALU\n"
    "lane (hw/rtl/npu_alu_lane.sv) with Yosys (`synth`, then `stat -tech cmos`), and prints their cell\n"
    "counts and transistor estimates times their counts in the design, beside the SRAM bits of every\n"
    "buffer and the ALU's lookup table. Results are cached by the config hash and the hash of the two\n"
    "synthesized sources in $XDG_CACHE_HOME/npu/area (or ~/.cache/npu/area).\n"
    "Needs Debian's yosys. These are relative figures for co-design (generic gates, no technology\n"
    "library, no SRAM macros).\n\n"
    "example:\n"
    "  npuc hw area --config default\n",
    {{"--config", true, "hardware config (YAML file or shipped name; `npuc hw area FILE.yaml` also works)"},
     {"--json", false, "print the figures as one JSON object"},
     {"--no-cache", false, "synthesize again even when the result is cached"}},
    runHw,
};

} // namespace npuc
