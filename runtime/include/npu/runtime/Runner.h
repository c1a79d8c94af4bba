// Running one program on a device: DRAM image, input binding, execution, output extraction.
#pragma once

#include "npu/isa/Program.h"
#include "npu/runtime/DType.h"
#include "npu/runtime/Device.h"

#include <optional>
#include <string>
#include <vector>

namespace npu::runtime {

struct RunOutcome {
  /// For each input binding, the position in the given inputs of the tensor written there; empty where the
  /// program's embedded data was kept.
  std::vector<std::optional<size_t>> InputSources;
  std::vector<NamedTensor> Outputs; ///< one per output binding, in order
  DeviceResult Result;
};

/// Builds P's DRAM image (refused when larger than Limit), writes Inputs (see bindInputs), runs it on D and
/// reads the outputs.
Expected<RunOutcome> runProgram(Device &D, const isa::Program &P, const std::vector<std::optional<NamedTensor>> &Inputs,
                                const MemoryLimit &Limit = {});

/// A few lines for people: instructions by opcode, MACs and ALU work, DRAM bytes per buffer, config
/// name+hash.
std::string formatStatsSummary(const sim::SimStats &S, const HardwareConfig &C);

} // namespace npu::runtime
