// Area of the RTL's datapath elements from Yosys: one GEMM processing element and one ALU lane synthesized for
// a config (cells and `stat -tech cmos` transistors), cached by config hash and RTL source hash, beside the SRAM
// bit counts.
#pragma once

#include "npu/config/HardwareConfig.h"
#include "npu/support/Status.h"

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace npu::hw {

/// One synthesized module.
struct CellArea {
  std::string Module;       ///< npu_gemm_pe or npu_alu_lane
  uint64_t Cells = 0;       ///< Yosys generic gates after `synth`
  uint64_t Transistors = 0; ///< `stat -tech cmos` estimate
};

struct AreaReport {
  std::string ConfigName, ConfigHash;
  CellArea Pe, AluLane;
  uint64_t PeCount = 0;   ///< batch x block_out processing elements (each a block_in-deep dot product)
  uint64_t LaneCount = 0; ///< alu.lanes
  std::vector<std::pair<std::string, uint64_t>> SramBits; ///< per buffer: uop, inp, wgt, acc, out, lut
  bool FromCache = false;

  uint64_t datapathTransistors() const {
    return PeCount * Pe.Transistors + LaneCount * AluLane.Transistors;
  }
  uint64_t sramBits() const;
  /// For people: one line per element and buffer, and the totals.
  std::string summary() const;
  std::string toJson() const;
};

struct AreaOptions {
  std::string RtlDir;       ///< hw/rtl with npu_gemm_pe.sv and npu_alu_lane.sv ("" = the source tree's)
  std::string CacheDir;     ///< "" = $XDG_CACHE_HOME/npu/area or ~/.cache/npu/area
  bool UseCache = true;     ///< read a cached result for the config hash
  std::string Yosys = "yosys";
};

/// Synthesizes the PE and the ALU lane for C with Yosys (a few seconds each), or reads them from the cache.
/// Errors name the missing tool or the Yosys log.
Expected<AreaReport> estimateArea(const HardwareConfig &C, const AreaOptions &O = {});

} // namespace npu::hw
