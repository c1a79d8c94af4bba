// The verifier the backend pipeline runs between passes: the invariants of a tile program at its stage
// (operands and micro-op ranges, then table coverage, token balance and the DRAM layout as the passes that
// establish them have run). Errors name the instruction (and its node) or the tensor.
#include "npu/backend/BackendPass.h"

#include "PlanDram.h"

#include <algorithm>
#include <array>

namespace npu::backend {

namespace {

std::string where(const TileProgram &P, size_t I) {
  return "instruction " + std::to_string(I) + " (node \"" + P.Insns[I].Node + "\")";
}

Status checkTensors(const TileProgram &P) {
  const size_t N = P.Tensors.size();
  for (size_t K = 0; K < N; ++K) {
    const TileTensor &T = P.Tensors[K];
    if (T.AliasOf >= int(N) || T.AliasOf == int(K) || (T.AliasOf < 0 && T.AliasOf != -1))
      return makeError("tensor '", T.Name, "' lives in no tensor of the program");
    if (P.Tensors[aliasRoot(P, K)].AliasOf >= 0)
      return makeError("tensor '", T.Name, "' is an alias in a cycle");
    if (T.K == TileTensor::Const && T.Data.size() != T.Bytes)
      return makeError("constant '", T.Name, "' has ", T.Data.size(), " bytes of data, ", T.Bytes,
                       " declared");
  }
  return Status::ok();
}

/// DRAM operands name a tensor or the micro-op table (LOAD uop, whole entries); micro-op ranges of GEMM,
/// ALU and micro-op LOADs lie in the micro-op buffer. Marks the table entries some LOAD reads.
Status checkOperands(const TileProgram &P, const HardwareConfig &C, std::vector<bool> &Loaded) {
  const int64_t Depth = int64_t(C.D.UopDepth);
  const uint64_t Rb = C.D.UopRowBytes;
  for (size_t I = 0; I < P.Insns.size(); ++I) {
    const TileInsn &T = P.Insns[I];
    const isa::Opcode Op = T.I.opcode();
    const bool Mem = Op == isa::Opcode::Load || Op == isa::Opcode::Store;
    const bool UopLoad = Op == isa::Opcode::Load && T.I.memType() == isa::MemType::Uop;
    if (T.Tensor != -1 && !Mem)
      return makeError(where(P, I), ": a DRAM operand on an instruction that does not access DRAM");
    if (T.Tensor >= int(P.Tensors.size()) || (T.Tensor < 0 && T.Tensor != -1 && T.Tensor != UopTable))
      return makeError(where(P, I), ": DRAM operand names no tensor");
    if (T.Tensor == UopTable && !UopLoad)
      return makeError(where(P, I), ": only a LOAD of micro-ops reads the micro-op table");
    if (UopLoad && T.Tensor == UopTable) {
      const uint64_t From = T.Offset / Rb, Size = uint64_t(T.I.Mem.XSize);
      if (T.Offset % Rb || From + Size > P.Uops.size())
        return makeError(where(P, I), ": loads micro-ops ", From, "..", From + Size, " of a ", P.Uops.size(),
                         "-entry table");
      std::fill(Loaded.begin() + long(From), Loaded.begin() + long(From + Size), true);
    }
    if (UopLoad && T.I.Mem.SramBase + T.I.Mem.XSize > Depth)
      return makeError(where(P, I), ": micro-op rows ", T.I.Mem.SramBase, "..",
                       T.I.Mem.SramBase + T.I.Mem.XSize, " exceed the ", Depth, "-entry micro-op buffer");
    int64_t B = 0, E = 0;
    if (Op == isa::Opcode::Gemm)
      B = T.I.Gemm.UopBegin, E = T.I.Gemm.UopEnd;
    if (Op == isa::Opcode::Alu)
      B = T.I.Alu.UopBegin, E = T.I.Alu.UopEnd;
    if ((Op == isa::Opcode::Gemm || Op == isa::Opcode::Alu) && (B < 0 || B >= E || E > Depth))
      return makeError(where(P, I), ": micro-ops ", B, "..", E, " are not a range of the ", Depth,
                       "-entry micro-op buffer");
  }
  return Status::ok();
}

/// Every pop takes a token an earlier instruction pushed on the same FIFO, no token is left at the end, and
/// the one finish ends the program.
Status checkTokens(const TileProgram &P) {
  std::array<int64_t, 4> Count{};
  for (size_t I = 0; I < P.Insns.size(); ++I) {
    const isa::Instruction &In = P.Insns[I].I;
    if (In.opcode() == isa::Opcode::Finish && I + 1 != P.Insns.size())
      return makeError(where(P, I), ": finish before the end of the program");
    const unsigned Q = unsigned(In.queue());
    auto Fifo = [&](int64_t Flag, int From, int To) -> Expected<int> {
      const int F =
          From < 0 || To < 0 || From > 2 || To > 2 ? -1 : tokenFifoBetween(isa::Queue(From), isa::Queue(To));
      if (Flag && F < 0)
        return makeError(where(P, I), ": a token flag the ", isa::queueName(In.queue()),
                         " queue has no FIFO for");
      return Flag ? F : -1;
    };
    // Pops happen before the instruction runs, pushes after it.
    for (auto [Flag, From, To] : {std::array<int64_t, 3>{In.H.PopPrev, int(Q) - 1, int(Q)},
                                  std::array<int64_t, 3>{In.H.PopNext, int(Q) + 1, int(Q)}}) {
      auto F = Fifo(Flag, int(From), int(To));
      if (!F)
        return F.error();
      if (*F >= 0 && --Count[size_t(*F)] < 0)
        return makeError(where(P, I), ": pops ", tokenFifoName(unsigned(*F)), " with no token pushed before");
    }
    for (auto [Flag, From, To] : {std::array<int64_t, 3>{In.H.PushPrev, int(Q), int(Q) - 1},
                                  std::array<int64_t, 3>{In.H.PushNext, int(Q), int(Q) + 1}}) {
      auto F = Fifo(Flag, int(From), int(To));
      if (!F)
        return F.error();
      if (*F >= 0)
        ++Count[size_t(*F)];
    }
  }
  if (P.Insns.empty() || P.Insns.back().I.opcode() != isa::Opcode::Finish)
    return makeError("the program does not end with finish");
  for (unsigned F = 0; F < 4; ++F)
    if (Count[F])
      return makeError(Count[F], " token(s) pushed on ", tokenFifoName(F), " that no instruction pops");
  return Status::ok();
}

/// Regions of their own (constants, inputs, outputs, the micro-op table) are disjoint; temporaries overlap
/// none of them, nor a temporary live at the same time; aliases sit inside their tensor; all fit the DRAM.
Status checkLayout(const TileProgram &P, const HardwareConfig &C) {
  struct Region {
    uint64_t Begin, End;
    std::string Name;
    bool Temp;
    std::pair<size_t, size_t> Live;
  };
  const auto Live = liveRanges(P);
  std::vector<Region> Rs = {
      {P.UopAddress, P.UopAddress + P.Uops.size() * C.D.UopRowBytes, "@uops", false, {}}};
  for (size_t K = 0; K < P.Tensors.size(); ++K) {
    const TileTensor &T = P.Tensors[K];
    if (T.AliasOf < 0) {
      Rs.push_back({T.Address, T.Address + T.Bytes, T.Name, T.K == TileTensor::Temp, Live[K]});
      continue;
    }
    const TileTensor &In = P.Tensors[size_t(T.AliasOf)];
    if (T.Address != In.Address + T.AliasOffset || T.AliasOffset + T.Bytes > In.Bytes)
      return makeError("tensor '", T.Name, "' at 0x", std::hex, T.Address, " is not inside '", In.Name,
                       "' at 0x", In.Address, std::dec, " + ", T.AliasOffset);
  }
  const uint64_t Dram = planDramBytes(P, C);
  if (Dram > (uint64_t(1) << C.DramAddressBits))
    return makeError("the segment needs ", Dram, " bytes of DRAM, more than the ", C.DramAddressBits,
                     "-bit address space");
  std::sort(Rs.begin(), Rs.end(), [](const Region &A, const Region &B) { return A.Begin < B.Begin; });
  for (size_t A = 0; A < Rs.size(); ++A)
    for (size_t B = A + 1; B < Rs.size() && Rs[B].Begin < Rs[A].End; ++B) {
      const bool BothTemp = Rs[A].Temp && Rs[B].Temp;
      const bool Disjoint = Rs[A].Live.second < Rs[B].Live.first || Rs[B].Live.second < Rs[A].Live.first;
      if (Rs[B].Begin < Rs[B].End && (!BothTemp || !Disjoint))
        return makeError("DRAM regions of '", Rs[A].Name, "' and '", Rs[B].Name, "' overlap at 0x", std::hex,
                         Rs[B].Begin);
    }
  return Status::ok();
}

} // namespace

Status verifyBackendState(const BackendState &S) {
  const TileProgram &P = S.Program;
  NPU_TRY(checkTensors(P));
  std::vector<bool> Loaded(P.Uops.size(), false);
  NPU_TRY(checkOperands(P, S.Config, Loaded));
  if (S.hasRun("dedup-uops"))
    if (auto It = std::find(Loaded.begin(), Loaded.end(), false); It != Loaded.end())
      return makeError("micro-op table entry ", It - Loaded.begin(), " is loaded by no instruction");
  if (S.hasRun("insert-tokens"))
    NPU_TRY(checkTokens(P));
  if (S.hasRun("plan-dram"))
    NPU_TRY(checkLayout(P, S.Config));
  if (S.hasRun("emit"))
    NPU_TRY(S.Emitted.verify());
  return Status::ok();
}

} // namespace npu::backend
