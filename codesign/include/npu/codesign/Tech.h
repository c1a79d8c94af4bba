// Technology figures (configs/tech/*.yaml) and the area and energy models built on them: the area of a config
// (MAC array, ALU lanes, SRAM) and the energy of a run from its operation counts (docs/codesign.md).
#pragma once

#include "npu/config/HardwareConfig.h"
#include "npu/isa/Program.h"
#include "npu/sim/FuncSim.h"
#include "npu/support/Status.h"

#include <string>
#include <utility>
#include <vector>

namespace npu::hw {
struct AreaReport;
}

namespace npu::codesign {

/// Per-operation energies (pJ) and areas (um^2) of one process node, with their sources.
struct TechModel {
  std::string Name, Source;
  double Int8MulPj = 0, Int8AddPj = 0, Int32AddPj = 0, Int32MulPj = 0;
  std::vector<std::pair<double, double>> SramPj64; ///< (array bytes, pJ per 64-bit access), ascending
  double DramPj64 = 0;                             ///< pJ per 64 bits moved to or from DRAM
  double Int8MulUm2 = 0, Int8AddUm2 = 0, Int32AddUm2 = 0, Int32MulUm2 = 0;
  double SramBitUm2 = 0;          ///< one bit cell
  double SramArrayEfficiency = 1; ///< cells' share of an array's area (the rest is periphery)
  double TransistorUm2 = 0;       ///< for --area yosys: area per transistor of the Yosys estimate

  /// A multiplier of A x B bits: the 8-bit figure scaled by A*B/64 up to 8x8, else the 32-bit one by A*B/1024.
  double mulPj(unsigned A, unsigned B) const;
  double mulUm2(unsigned A, unsigned B) const;
  /// An adder of Bits: the 8-bit figure scaled by Bits/8 up to 8, else the 32-bit one by Bits/32.
  double addPj(unsigned Bits) const;
  double addUm2(unsigned Bits) const;
  /// pJ per byte read or written in an SRAM array of Bytes (log-log interpolation of SramPj64, / 8).
  double sramPjPerByte(double Bytes) const;
};

/// Reads a technology file (configs/tech/45nm.yaml documents the keys). Errors name file, line and key.
Expected<TechModel> loadTech(const std::string &Path);
Expected<TechModel> parseTech(const std::string &Text, const std::string &SourceName);
/// configs/tech/45nm.yaml as built into the tools.
const TechModel &defaultTech();

/// Area of a config in um^2, by part.
struct AreaBreakdown {
  std::string Method; ///< "tech" (per-operation areas) or "yosys" (transistors of npuc hw area)
  double MacArray = 0, AluLanes = 0, Sram = 0;
  std::vector<std::pair<std::string, double>> SramByBuffer; ///< uop, inp, wgt, acc, out
  double total() const { return MacArray + AluLanes + Sram; }
  std::string toJson() const;
};

/// MAC array: batch x block_in x block_out multipliers (input x weight bits) and accumulator adders; ALU
/// lanes: an accumulator-wide adder and multiplier (requant) each; SRAM: the buffers' bits / efficiency.
AreaBreakdown configArea(const HardwareConfig &C, const TechModel &T);
/// The same with the datapath from Yosys's transistor counts (PE and ALU lane) times TransistorUm2.
AreaBreakdown yosysArea(const HardwareConfig &C, const TechModel &T, const hw::AreaReport &R);

/// Energy of one run in pJ, by part, and the SRAM traffic it was computed from.
struct EnergyBreakdown {
  double Mac = 0, Alu = 0, Sram = 0, Dram = 0;
  struct Buffer {
    std::string Name;
    uint64_t ReadBytes = 0, WriteBytes = 0;
    double Pj = 0;
  };
  std::vector<Buffer> Buffers; ///< uop, inp, wgt, acc, out
  double total() const { return Mac + Alu + Sram + Dram; }
  /// {"tech": ..., "total_pj": ..., "mac_pj": ..., ..., "sram": {"inp": {...}, ...}}
  std::string toJson(const TechModel &T) const;
};

/// Energy of a run from its operation counts: MACs (multiply + accumulate), ALU lane operations (one
/// accumulator-wide add each), SRAM bytes per buffer derived from the counts (docs/codesign.md) and DRAM bytes.
EnergyBreakdown runEnergy(const sim::SimStats &S, const HardwareConfig &C, const TechModel &T);

/// The operation counts of P without running it (programs are straight-line): instructions, micro-ops,
/// MACs, ALU lane operations and DRAM bytes per buffer, equal to the functional simulator's (tested);
/// padding rows and tokens are left at 0.
sim::SimStats staticCounts(const std::vector<const isa::Program *> &Programs);

/// The JSON object Object with `"Key": Value` (Value: JSON text) as its last member, written as jsonText (the
/// other members keep their order and values); Object unchanged when it is no object or Value no JSON.
std::string addJsonMember(const std::string &Object, const std::string &Key, const std::string &Value);

} // namespace npu::codesign
