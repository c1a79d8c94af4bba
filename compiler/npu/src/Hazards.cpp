// Footprints of instructions on the shared buffers and the interval map of latest readers and writers.
#include "Hazards.h"

#include <algorithm>

namespace npu::backend::hazard {

using isa::MemType;
using isa::Opcode;

namespace {

/// [min, max + 1) of field + i * Out + j * In over the loops and the micro-ops (factors are unsigned).
template <typename GetField>
std::pair<int64_t, int64_t> loopHull(const std::vector<isa::MicroOp> &Uops, int64_t Begin, int64_t End,
                                     int64_t LoopOut, int64_t LoopIn, int64_t FOut, int64_t FIn,
                                     GetField Get) {
  int64_t Lo = INT64_MAX, Hi = INT64_MIN;
  for (int64_t U = Begin; U < End && U < int64_t(Uops.size()); ++U) {
    const int64_t V = Get(Uops[size_t(U)]);
    Lo = std::min(Lo, V);
    Hi = std::max(Hi, V + (LoopOut - 1) * FOut + (LoopIn - 1) * FIn + 1);
  }
  return {Lo, Hi};
}

void accWrite(const HardwareConfig &C, std::pair<int64_t, int64_t> D, std::vector<Access> &Out) {
  if (D.first >= D.second)
    return;
  Out.push_back({Acc, D.first, D.second, true});
  // The out buffer mirrors the first OutputDepth accumulator rows.
  const int64_t OutHi = std::min(D.second, int64_t(C.D.OutputDepth));
  if (D.first < OutHi)
    Out.push_back({hazard::Out, D.first, OutHi, true});
}

} // namespace

void bufferAccesses(const HardwareConfig &C, const isa::Instruction &I, const std::vector<isa::MicroOp> &Uops,
                    std::vector<Access> &Out) {
  switch (I.opcode()) {
  case Opcode::Load: {
    const isa::MemFields &M = I.Mem;
    const int64_t Rows = (M.PadTop + M.YSize + M.PadBottom) * (M.PadLeft + M.XSize + M.PadRight);
    if ((M.YSize == 0 && M.XSize == 0) || Rows == 0)
      return;
    const MemType T = I.memType();
    if (T == MemType::Input || T == MemType::Weight || T == MemType::Acc)
      Out.push_back({T == MemType::Input    ? Inp
                     : T == MemType::Weight ? Wgt
                                            : Acc,
                     M.SramBase, M.SramBase + Rows, true});
    return;
  }
  case Opcode::Store: {
    const isa::MemFields &M = I.Mem;
    if (M.YSize * M.XSize == 0)
      return;
    Out.push_back(
        {I.memType() == MemType::Acc ? Acc : hazard::Out, M.SramBase, M.SramBase + M.YSize * M.XSize, false});
    return;
  }
  case Opcode::Gemm: {
    const isa::GemmFields &G = I.Gemm;
    if (G.LoopOut * G.LoopIn * (G.UopEnd - G.UopBegin) <= 0)
      return;
    if (!G.Reset) {
      auto S = loopHull(Uops, G.UopBegin, G.UopEnd, G.LoopOut, G.LoopIn, G.SrcOut, G.SrcIn,
                        [](const isa::MicroOp &U) { return U.Src; });
      auto W = loopHull(Uops, G.UopBegin, G.UopEnd, G.LoopOut, G.LoopIn, G.WgtOut, G.WgtIn,
                        [](const isa::MicroOp &U) { return U.Wgt; });
      if (S.first < S.second)
        Out.push_back({Inp, S.first, S.second, false});
      if (W.first < W.second)
        Out.push_back({Wgt, W.first, W.second, false});
    }
    accWrite(C,
             loopHull(Uops, G.UopBegin, G.UopEnd, G.LoopOut, G.LoopIn, G.DstOut, G.DstIn,
                      [](const isa::MicroOp &U) { return U.Dst; }),
             Out);
    return;
  }
  case Opcode::Alu: {
    const isa::AluFields &A = I.Alu;
    if (A.LoopOut * A.LoopIn * (A.UopEnd - A.UopBegin) <= 0)
      return;
    accWrite(C,
             loopHull(Uops, A.UopBegin, A.UopEnd, A.LoopOut, A.LoopIn, A.DstOut, A.DstIn,
                      [](const isa::MicroOp &U) { return U.Dst; }),
             Out);
    return;
  }
  default:
    return;
  }
}

std::pair<int64_t, int64_t> dramExtent(const HardwareConfig &C, const isa::Instruction &I) {
  const isa::MemFields &M = I.Mem;
  if (M.YSize * M.XSize == 0)
    return {0, 0};
  const int64_t Rb = int64_t(isa::rowBytes(C, I.memType()));
  return {0, ((M.YSize - 1) * M.XStride + M.XSize) * Rb};
}

void AccessMap::split(int64_t X) {
  auto It = M.upper_bound(X);
  if (It == M.begin())
    return;
  --It;
  if (It->first < X && X < It->second.End) {
    Cell Right = It->second;
    It->second.End = X;
    M.emplace_hint(std::next(It), X, Right);
  }
}

void AccessMap::conflicts(const Access &A, unsigned Own, PerQueue &Need) const {
  auto It = M.upper_bound(A.Lo);
  if (It != M.begin() && std::prev(It)->second.End > A.Lo)
    --It;
  for (; It != M.end() && It->first < A.Hi; ++It)
    for (unsigned Q = 0; Q < NumQueues; ++Q) {
      if (Q == Own)
        continue;
      Need[Q] = std::max(Need[Q], It->second.W[Q]);
      if (A.Write)
        Need[Q] = std::max(Need[Q], It->second.R[Q]);
    }
}

void AccessMap::record(const Access &A, unsigned Q, int64_t Pos) {
  if (A.Lo >= A.Hi)
    return;
  split(A.Lo);
  split(A.Hi);
  int64_t Cur = A.Lo;
  auto It = M.lower_bound(A.Lo);
  while (Cur < A.Hi) {
    if (It == M.end() || It->first > Cur) {
      const int64_t End = It == M.end() ? A.Hi : std::min(A.Hi, It->first);
      It = M.emplace_hint(It, Cur, Cell{End, NoneYet, NoneYet});
    }
    (A.Write ? It->second.W : It->second.R)[Q] = Pos;
    Cur = It->second.End;
    ++It;
  }
}

PerQueue AccessMap::latestReads() const {
  PerQueue R = NoneYet;
  for (const auto &[Lo, C] : M)
    R = maxOf(R, C.R);
  return R;
}

} // namespace npu::backend::hazard
