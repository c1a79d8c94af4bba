// Simulator test helpers: configs, instruction builders, a reference DRAM packer and a program runner.
#pragma once

#include "npu/config/HardwareConfig.h"
#include "npu/isa/Program.h"
#include "npu/sim/FuncSim.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <array>
#include <cstdint>
#include <random>
#include <string>
#include <vector>

namespace simtest {

using npu::HardwareConfig;
using npu::isa::AluOp;
using npu::isa::Instruction;
using npu::isa::MemType;
using npu::isa::MicroOp;
using npu::isa::Program;

/// configs/<Name>.yaml from the source tree.
HardwareConfig repoConfig(const std::string &Name);
/// Small configs written inline: "int4" (int4 input/weight/output, batch 2), "int16" (int16
/// input/weight/output), "acc16" (int8 data, int16 accumulator), "mixed" (int8 input, int4 weight, int16
/// output).
HardwareConfig inlineConfig(const std::string &Name);
/// Every config the data-path tests run on.
std::vector<std::string> allConfigNames();
HardwareConfig configByName(const std::string &Name);

struct Pads {
  int64_t Top = 0, Bottom = 0, Left = 0, Right = 0;
};
Instruction load(MemType M, int64_t Sram, int64_t Dram, int64_t Y, int64_t X, int64_t Stride, Pads P = {});
Instruction store(MemType M, int64_t Sram, int64_t Dram, int64_t Y, int64_t X, int64_t Stride);
/// GEMM with loops (LoopOut, LoopIn) and steps {dst_out, dst_in, src_out, src_in, wgt_out, wgt_in}.
Instruction gemm(bool Reset, int64_t UopBegin, int64_t UopEnd, int64_t LoopOut, int64_t LoopIn,
                 std::array<int64_t, 6> Steps);
/// ALU with loops (LoopOut, LoopIn) and steps {dst_out, dst_in, src_out, src_in}.
Instruction alu(AluOp Op, bool UseImm, int64_t UopBegin, int64_t UopEnd, int64_t LoopOut, int64_t LoopIn,
                std::array<int64_t, 4> Steps, int64_t Imm = 0, int64_t Imm2 = 0, int64_t Shift = 0);
Instruction finish();
/// Sets the four token flags.
Instruction tokens(Instruction I, bool PopPrev, bool PopNext, bool PushPrev, bool PushNext);

/// Reference DRAM packing, bit by bit: element i's bit j is DRAM bit i*Bits + j (little-endian).
std::vector<uint8_t> pack(const std::vector<int64_t> &Values, unsigned Bits);
std::vector<int64_t> unpack(const uint8_t *Bytes, unsigned Bits, size_t Count);
/// Two's-complement wrap of V to Bits (reference).
int64_t wrapTo(int64_t V, unsigned Bits);
/// Random values spanning a signed Bits-wide range, extremes included.
std::vector<int64_t> randomValues(std::mt19937 &Rng, size_t N, unsigned Bits);

/// Reference tile product: Out[b][o] = sum_k In[b][k] * W[o][k] in int64 (In is batch x block_in,
/// W block_out x block_in), not wrapped.
std::vector<int64_t> refTile(const HardwareConfig &C, const int64_t *In, const int64_t *W);

/// Adds tokens so that each instruction runs after the previous one (in program order) has finished: the
/// units otherwise run ahead of each other. A load<->store transition gets a token-only compute no-op in
/// between.
std::vector<Instruction> serialize(const std::vector<Instruction> &Insns);

/// Builds a program: DRAM regions laid out one after another, micro-ops at the end.
class ProgramBuilder {
public:
  explicit ProgramBuilder(const HardwareConfig &C);
  /// Adds an initialized region holding Values packed at Bits per element; returns its byte address.
  uint64_t data(const std::string &Name, const std::vector<int64_t> &Values, unsigned Bits);
  /// Reserves a zeroed region of Bytes; returns its byte address.
  uint64_t reserve(uint64_t Bytes);
  /// Sets the micro-op table and places it in DRAM.
  void uops(const std::vector<MicroOp> &U);
  /// A LOAD of the whole micro-op table into the micro-op buffer at row 0 (after uops()).
  Instruction loadUops() const;
  void add(const Instruction &I) { P.Insns.push_back(I); }
  /// Finalizes the program with ExtraBytes of DRAM after the last region. With Serialize, dependency tokens
  /// are added so that every instruction waits for the one before it (see serialize()).
  Program build(uint64_t ExtraBytes = 0, bool Serialize = true);

private:
  Program P;
  uint64_t Next = 64; // address 0 is left unused so that a stray zero address is not silently valid data
};

/// Runs P on its own initial DRAM image; Dram receives the final image.
npu::Expected<npu::sim::SimStats> runProgram(const Program &P, std::vector<uint8_t> &Dram);

} // namespace simtest
