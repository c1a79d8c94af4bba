// The synthetic benchmark programs (see Programs.h).
#include "Programs.h"

#include <algorithm>
#include <random>

namespace npubench {

using namespace npu;
using isa::Instruction;
using isa::MemType;
using isa::Opcode;

namespace {

Instruction mem(Opcode Op, MemType M, int64_t Sram, uint64_t Dram, int64_t Y, int64_t X, int64_t Stride) {
  Instruction I;
  I.H.Op = int64_t(Op);
  I.Mem = {.Mem = int64_t(M),
           .SramBase = Sram,
           .DramBase = int64_t(Dram),
           .YSize = Y,
           .XSize = X,
           .XStride = Stride};
  return I;
}

Instruction withTokens(Instruction I, bool PopPrev, bool PopNext, bool PushPrev, bool PushNext) {
  I.H.PopPrev = PopPrev;
  I.H.PopNext = PopNext;
  I.H.PushPrev = PushPrev;
  I.H.PushNext = PushNext;
  return I;
}

Instruction gemm(bool Reset, int64_t Begin, int64_t End, int64_t Out, int64_t In, int64_t DstOut,
                 int64_t SrcOut, int64_t WgtIn) {
  Instruction I;
  I.H.Op = int64_t(Opcode::Gemm);
  I.Gemm = {.Reset = Reset,
            .UopBegin = Begin,
            .UopEnd = End,
            .LoopOut = Out,
            .LoopIn = In,
            .DstOut = DstOut,
            .SrcOut = SrcOut,
            .WgtIn = WgtIn};
  return I;
}

Instruction alu(isa::AluOp Op, int64_t Begin, int64_t End, int64_t Out, int64_t Imm, int64_t Imm2,
                int64_t Shift) {
  Instruction I;
  I.H.Op = int64_t(Opcode::Alu);
  I.Alu = {.AluOp = int64_t(Op),
           .UseImm = 1,
           .UopBegin = Begin,
           .UopEnd = End,
           .LoopOut = Out,
           .LoopIn = 1,
           .DstOut = 1,
           .Imm = Imm,
           .Imm2 = Imm2,
           .Shift = Shift};
  return I;
}

Instruction finish(bool PopNext) {
  Instruction I;
  I.H.Op = int64_t(Opcode::Finish);
  I.H.PopNext = PopNext;
  return I;
}

isa::Segment randomSegment(const std::string &Name, uint64_t Address, uint64_t Bytes) {
  std::mt19937 Rng(uint32_t(Address + Bytes));
  isa::Segment S{Name, Address, std::vector<uint8_t>(Bytes)};
  for (uint8_t &B : S.Data)
    B = uint8_t(Rng());
  return S;
}

uint64_t alignUp(uint64_t V) { return (V + 4095) / 4096 * 4096; }

} // namespace

isa::Program pipelinedMatmul(const HardwareConfig &C, int64_t Tiles, int64_t Rows, int64_t K) {
  const DerivedConfig &D = C.D;
  isa::Program P;
  P.Config = C;
  const uint64_t InBytes = uint64_t(Tiles * Rows * K) * D.InputRowBytes,
                 WBytes = uint64_t(K) * D.WeightRowBytes;
  const uint64_t WAddr = alignUp(InBytes), OutAddr = alignUp(WAddr + WBytes);
  P.Segments.push_back(randomSegment("inp", 0, InBytes));
  P.Segments.push_back(randomSegment("wgt", WAddr, WBytes));
  P.UopBase = alignUp(OutAddr + uint64_t(Tiles * Rows) * D.OutputRowBytes);
  for (int64_t S = 0; S < 2; ++S)
    for (int64_t Kk = 0; Kk < K; ++Kk)
      P.Uops.push_back(isa::MicroOp{S * Rows, S * Rows * K + Kk, Kk});
  for (int64_t S = 0; S < 2; ++S)
    P.Uops.push_back(isa::MicroOp{S * Rows, 0, 0});
  P.DramBytes = alignUp(P.UopBase + P.uopTableBytes());
  auto &I = P.Insns;
  I.push_back(withTokens(mem(Opcode::Load, MemType::Weight, 0, WAddr, 1, K, K), false, false, false, true));
  const int64_t NU = int64_t(P.Uops.size());
  I.push_back(
      withTokens(mem(Opcode::Load, MemType::Uop, 0, P.UopBase, 1, NU, NU), true, false, false, false));
  for (int64_t T = 0; T < Tiles; ++T) {
    const int64_t S = T % 2;
    const bool Reuse = T >= 2;
    I.push_back(withTokens(mem(Opcode::Load, MemType::Input, S * Rows * K,
                               uint64_t(T * Rows * K) * D.InputRowBytes, 1, Rows * K, Rows * K),
                           false, Reuse, false, true));
    I.push_back(withTokens(gemm(true, S * K, S * K + 1, Rows, 1, 1, 0, 0), true, Reuse, false, false));
    I.push_back(withTokens(gemm(false, S * K, S * K + K, Rows, 1, 1, K, 0), false, false, true, false));
    I.push_back(withTokens(alu(isa::AluOp::Requant, 2 * K + S, 2 * K + S + 1, Rows, 77, 3, 10), false, false,
                           false, true));
    I.push_back(withTokens(mem(Opcode::Store, MemType::Output, S * Rows,
                               OutAddr + uint64_t(T * Rows) * D.OutputRowBytes, 1, Rows, Rows),
                           true, false, true, false));
  }
  // Drain the WAR tokens nobody popped.
  for (int64_t S = 0; S < std::min<int64_t>(2, Tiles); ++S)
    I.push_back(withTokens(mem(Opcode::Load, MemType::Input, 0, 0, 0, 0, 0), false, true, false, false));
  I.push_back(withTokens(mem(Opcode::Load, MemType::Acc, 0, 0, 0, 0, 0), false, Tiles >= 2, false, false));
  I.push_back(finish(true));
  return P;
}

isa::Program gemmBound(const HardwareConfig &C, uint64_t Macs) {
  const DerivedConfig &D = C.D;
  const int64_t KT = 8;
  const int64_t MT = std::min<int64_t>(32, int64_t(D.InputDepth) / KT);
  const int64_t NT = std::min<int64_t>({32, int64_t(D.WeightDepth) / KT, int64_t(D.AccDepth) / MT});
  isa::Program P;
  P.Config = C;
  const uint64_t InBytes = uint64_t(MT * KT) * D.InputRowBytes, WBytes = uint64_t(NT * KT) * D.WeightRowBytes;
  P.Segments.push_back(randomSegment("inp", 0, InBytes));
  P.Segments.push_back(randomSegment("wgt", InBytes, WBytes));
  P.UopBase = InBytes + WBytes;
  for (int64_t K = 0; K < KT; ++K)
    P.Uops.push_back(isa::MicroOp{0, K, K});
  P.DramBytes = alignUp(P.UopBase + P.uopTableBytes());
  P.Insns = {
      withTokens(mem(Opcode::Load, MemType::Input, 0, 0, 1, MT * KT, MT * KT), false, false, false, true),
      withTokens(mem(Opcode::Load, MemType::Weight, 0, InBytes, 1, NT * KT, NT * KT), false, false, false,
                 true),
      withTokens(mem(Opcode::Load, MemType::Uop, 0, P.UopBase, 1, KT, KT), true, false, false, false)};
  Instruction G = gemm(false, 0, KT, MT, NT, NT, KT, KT);
  G.Gemm.DstIn = 1;
  const uint64_t PerGemm = uint64_t(MT * NT * KT) * D.PeakMacsPerCycle;
  const uint64_t Reps = std::max<uint64_t>(1, Macs / PerGemm);
  P.Insns.push_back(withTokens(G, true, false, false, false));
  for (uint64_t R = 1; R < Reps; ++R)
    P.Insns.push_back(G);
  P.Insns.push_back(finish(false));
  return P;
}

isa::Program dmaBound(const HardwareConfig &C, int64_t N) {
  const DerivedConfig &D = C.D;
  isa::Program P;
  P.Config = C;
  const int64_t Rows = 64, X = 4;
  const uint64_t InAddr = 0, AccAddr = alignUp(Rows * X * D.InputRowBytes);
  const uint64_t OutAddr = alignUp(AccAddr + Rows * X * D.AccRowBytes);
  P.Segments.push_back(randomSegment("inp", InAddr, Rows * X * D.InputRowBytes));
  P.Segments.push_back(randomSegment("acc", AccAddr, Rows * X * D.AccRowBytes));
  P.DramBytes = alignUp(OutAddr + Rows * X * D.OutputRowBytes);
  for (int64_t I = 0; I < N; ++I) {
    const int64_t R = I % Rows;
    P.Insns.push_back(
        withTokens(mem(Opcode::Load, MemType::Input, R * X, InAddr + R * X * D.InputRowBytes, 1, X, X), false,
                   false, false, true));
    P.Insns.push_back(
        withTokens(mem(Opcode::Load, MemType::Acc, R * X, AccAddr + R * X * D.AccRowBytes, 1, X, X), true,
                   I > 0, false, true));
    P.Insns.push_back(
        withTokens(mem(Opcode::Store, MemType::Output, R * X, OutAddr + R * X * D.OutputRowBytes, 1, X, X),
                   true, false, true, false));
  }
  P.Insns.push_back(finish(true));
  return P;
}

isa::Program aluBound(const HardwareConfig &C, int64_t N) {
  const DerivedConfig &D = C.D;
  isa::Program P;
  P.Config = C;
  const int64_t Rows = std::min<int64_t>(256, int64_t(D.AccDepth));
  P.Segments.push_back(randomSegment("acc", 0, uint64_t(Rows) * D.AccRowBytes));
  P.UopBase = alignUp(uint64_t(Rows) * D.AccRowBytes);
  P.Uops.push_back(isa::MicroOp{0, 0, 0});
  P.DramBytes = alignUp(P.UopBase + P.uopTableBytes());
  P.Insns.push_back(mem(Opcode::Load, MemType::Uop, 0, P.UopBase, 1, 1, 1));
  P.Insns.push_back(mem(Opcode::Load, MemType::Acc, 0, 0, 1, Rows, Rows));
  const isa::AluOp Ops[] = {isa::AluOp::Add, isa::AluOp::Max, isa::AluOp::Mul};
  for (int64_t I = 0; I < N; ++I)
    P.Insns.push_back(alu(Ops[I % 3], 0, 1, Rows, I % 3 == 2 ? 1 : 3, 0, 0));
  P.Insns.push_back(alu(isa::AluOp::Requant, 0, 1, Rows, 5, 0, 8));
  P.Insns.push_back(
      withTokens(mem(Opcode::Store, MemType::Output, 0, 0, 1, Rows, Rows), false, false, false, false));
  P.Insns.back().H.PopPrev = 1;
  P.Insns[P.Insns.size() - 2].H.PushNext = 1;
  P.Insns.back().H.PushPrev = 1;
  P.Insns.push_back(finish(true));
  return P;
}

} // namespace npubench
