// A hand-built program shared by the runtime and CLI tests: one int8 tile product on a 1x16x16 core.
// On the default config, Y[o] = sum_k X[k] * W[o][k] stored as int32, with X and W as input bindings and Y as
// the output.
#pragma once

#include "npu/isa/Program.h"

#include <cstdint>
#include <vector>

namespace npu::tiletest {

constexpr uint64_t XAddr = 64, WAddr = 128, YAddr = 512, UopAddr = 1024;

inline isa::TensorBinding ioBinding(std::string Name, bool IsInput, std::string DType,
                                    std::vector<int64_t> Shape, uint64_t Address) {
  isa::TensorBinding B;
  B.Name = std::move(Name);
  B.IsInput = IsInput;
  B.DType = std::move(DType);
  B.Shape = std::move(Shape);
  B.Address = Address;
  return B;
}

inline isa::Instruction memInsn(isa::Opcode Op, isa::MemType M, int64_t Sram, uint64_t Dram) {
  isa::Instruction I;
  I.H.Op = int64_t(Op);
  I.Mem.Mem = int64_t(M);
  I.Mem.SramBase = Sram;
  I.Mem.DramBase = int64_t(Dram);
  I.Mem.YSize = 1, I.Mem.XSize = 1, I.Mem.XStride = 1;
  return I;
}

inline isa::Instruction gemmInsn(bool Reset) {
  isa::Instruction I;
  I.H.Op = int64_t(isa::Opcode::Gemm);
  I.Gemm.Reset = Reset;
  I.Gemm.UopBegin = 0, I.Gemm.UopEnd = 1, I.Gemm.LoopOut = 1, I.Gemm.LoopIn = 1;
  return I;
}

/// The program for config C (whose core must be 1x16x16 int8). X and W, when given, are embedded as segments.
inline isa::Program tileProgram(const HardwareConfig &C, const std::vector<int8_t> &X = {},
                                const std::vector<int8_t> &W = {}) {
  isa::Program P;
  P.Config = C;
  P.UopBase = UopAddr;
  P.Uops = {isa::MicroOp{}};
  P.DramBytes = 2048;
  P.IO = {ioBinding("X", true, "int8", {1, 16}, XAddr), ioBinding("W", true, "int8", {16, 16}, WAddr),
          ioBinding("Y", false, "int32", {1, 16}, YAddr)};
  if (!X.empty())
    P.Segments.push_back(isa::Segment{"X", XAddr, std::vector<uint8_t>(X.begin(), X.end())});
  if (!W.empty())
    P.Segments.push_back(isa::Segment{"W", WAddr, std::vector<uint8_t>(W.begin(), W.end())});
  using isa::MemType;
  using isa::Opcode;
  isa::Instruction LoadUop = memInsn(Opcode::Load, MemType::Uop, 0, UopAddr);
  isa::Instruction LoadX = memInsn(Opcode::Load, MemType::Input, 0, XAddr);
  isa::Instruction LoadW = memInsn(Opcode::Load, MemType::Weight, 0, WAddr);
  LoadW.H.PushNext = 1; // l2c: inputs and weights are in place
  isa::Instruction Mac = gemmInsn(false);
  Mac.H.PopPrev = 1;  // wait for the loads
  Mac.H.PushNext = 1; // c2s: the accumulator is ready
  isa::Instruction Store = memInsn(Opcode::Store, MemType::Acc, 0, YAddr);
  Store.H.PopPrev = 1;
  Store.H.PushPrev = 1; // s2c: the result is in DRAM
  isa::Instruction Finish;
  Finish.H.Op = int64_t(Opcode::Finish);
  Finish.H.PopNext = 1;
  P.Insns = {LoadUop, LoadX, LoadW, gemmInsn(true), Mac, Store, Finish};
  return P;
}

/// The reference product, in plain loops.
inline std::vector<int32_t> tileReference(const std::vector<int8_t> &X, const std::vector<int8_t> &W) {
  std::vector<int32_t> Y(16, 0);
  for (int O = 0; O < 16; ++O)
    for (int K = 0; K < 16; ++K)
      Y[O] += int32_t(X[K]) * int32_t(W[O * 16 + K]);
  return Y;
}

} // namespace npu::tiletest
