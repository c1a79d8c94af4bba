// LOAD and STORE: 2-D strided DMA between DRAM rows and on-chip buffer rows, with LOAD's zero padding; the
// per-opcode dispatch to the executors.
#include "npu/sim/Exec.h"

#include <algorithm>

namespace npu::sim {

using isa::MemType;

const char *bufferName(MemType M) {
  switch (M) {
  case MemType::Uop:
    return "micro-op buffer";
  case MemType::Input:
    return "input buffer";
  case MemType::Weight:
    return "weight buffer";
  case MemType::Acc:
    return "accumulator buffer";
  case MemType::Output:
    return "output buffer";
  case MemType::Lut:
    return "lookup table";
  }
  return "?";
}

namespace {

/// Checks buffer rows [Sram, Sram + Count) and DRAM bytes [Base, Base + ((Y-1)*Stride + X) * RowBytes).
Status checkTransfer(const ExecContext &X, MemType M, uint64_t Sram, uint64_t Count, uint64_t Base,
                     uint64_t Y, uint64_t XSize, uint64_t Stride) {
  const uint64_t Depth = isa::bufferDepth(X.C, M);
  const uint64_t End = mulAddSat(1, Count, Sram);
  if (End > Depth)
    return makeError(bufferName(M), " row ", End - 1, " is out of bounds: depth ", Depth,
                     " (the transfer covers rows ", Sram, "..", End - 1, ")");
  const uint64_t Span = mulAddSat(mulAddSat(Y - 1, Stride, XSize), isa::rowBytes(X.C, M), 0);
  const uint64_t DramEnd = mulAddSat(1, Span, Base);
  if (DramEnd > X.Dram.size())
    return makeError("DRAM bytes [", Base, ", ", DramEnd, ") for the ", bufferName(M),
                     " lie outside the program's DRAM of ", X.Dram.size(), " bytes");
  return Status::ok();
}

/// Calls F(buffer row, DRAM element or nullptr for padding) for every row of a padded LOAD, in order.
template <typename F> void forEachLoadRow(ExecContext &X, const isa::MemFields &M, F &&Fn) {
  const uint64_t Rb = isa::rowBytes(X.C, MemType(M.Mem));
  const uint64_t Rows = M.PadTop + M.YSize + M.PadBottom, Cols = M.PadLeft + M.XSize + M.PadRight;
  for (uint64_t R = 0; R < Rows; ++R) {
    const bool PadRow = R < uint64_t(M.PadTop) || R >= uint64_t(M.PadTop + M.YSize);
    for (uint64_t C = 0; C < Cols; ++C) {
      const uint64_t Dst = M.SramBase + R * Cols + C;
      if (PadRow || C < uint64_t(M.PadLeft) || C >= uint64_t(M.PadLeft + M.XSize)) {
        Fn(Dst, nullptr);
        continue;
      }
      const uint64_t Elem = (R - M.PadTop) * M.XStride + (C - M.PadLeft);
      Fn(Dst, X.Dram.data() + M.DramBase + Elem * Rb);
    }
  }
}

/// Padding elements get Pad (pad_value for the input buffer, whose zero point it is; 0 elsewhere).
template <typename T>
void loadRows(ExecContext &X, const isa::MemFields &M, RowArray<T> &A, unsigned Bits, int64_t Pad = 0) {
  forEachLoadRow(X, M, [&](uint64_t Dst, const uint8_t *Src) {
    T *Row = A.row(Dst);
    if (Src)
      decodeRow(Src, Bits, A.RowElems, Row);
    else
      std::fill(Row, Row + A.RowElems, T(Pad));
  });
}

} // namespace

Status executeLoad(ExecContext &X, const isa::Instruction &I) {
  const isa::MemFields &M = I.Mem;
  const MemType T = I.memType();
  if (M.YSize == 0)
    return Status::ok();
  const uint64_t Rows = M.PadTop + M.YSize + M.PadBottom, Cols = M.PadLeft + M.XSize + M.PadRight;
  const uint64_t Count = mulAddSat(Rows, Cols, 0);
  NPU_TRY(checkTransfer(X, T, M.SramBase, Count, M.DramBase, M.YSize, M.XSize, M.XStride));

  switch (T) {
  case MemType::Uop:
    forEachLoadRow(X, M, [&](uint64_t Dst, const uint8_t *Src) {
      X.S.Uops[Dst] = Src ? isa::decodeUop(X.L, Src) : isa::MicroOp{};
    });
    break;
  case MemType::Input:
    std::visit([&](auto &A) { loadRows(X, M, A, X.C.inputBits(), M.PadValue); }, X.S.Inp);
    break;
  case MemType::Weight:
    std::visit([&](auto &A) { loadRows(X, M, A, X.C.weightBits()); }, X.S.Wgt);
    break;
  case MemType::Acc:
    loadRows(X, M, X.S.Acc, X.C.accBits());
    break;
  case MemType::Output:
    return makeError("load cannot target the output buffer");
  case MemType::Lut:
    forEachLoadRow(X, M, [&](uint64_t Dst, const uint8_t *Src) { X.S.Lut[Dst] = Src ? int8_t(*Src) : 0; });
    break;
  }
  const uint64_t Elems = uint64_t(M.YSize) * uint64_t(M.XSize);
  X.Stats.BytesLoaded[unsigned(T)] += Elems * isa::rowBytes(X.C, T);
  X.Stats.PaddingRowsWritten += Count - Elems;
  return Status::ok();
}

namespace {

template <typename T>
void storeRows(ExecContext &X, const isa::MemFields &M, const RowArray<T> &A, unsigned Bits) {
  const uint64_t Rb = isa::rowBytes(X.C, MemType(M.Mem));
  for (uint64_t R = 0; R < uint64_t(M.YSize); ++R)
    for (uint64_t C = 0; C < uint64_t(M.XSize); ++C)
      encodeRow(A.row(M.SramBase + R * M.XSize + C), Bits, A.RowElems,
                X.Dram.data() + M.DramBase + (R * M.XStride + C) * Rb);
}

} // namespace

Status executeStore(ExecContext &X, const isa::Instruction &I) {
  const isa::MemFields &M = I.Mem;
  const MemType T = I.memType();
  if (M.YSize == 0)
    return Status::ok();
  const uint64_t Count = mulAddSat(M.YSize, M.XSize, 0);
  NPU_TRY(checkTransfer(X, T, M.SramBase, Count, M.DramBase, M.YSize, M.XSize, M.XStride));
  if (T == MemType::Output)
    std::visit([&](const auto &A) { storeRows(X, M, A, X.C.outputBits()); }, X.S.Out);
  else if (T == MemType::Acc)
    storeRows(X, M, X.S.Acc, X.C.accBits());
  else
    return makeError("store reads the out or acc buffer, not the ", bufferName(T));
  X.Stats.BytesStored[unsigned(T)] += Count * isa::rowBytes(X.C, T);
  return Status::ok();
}

Status executeInstruction(ExecContext &X, const isa::Instruction &I) {
  SimStats &St = X.Stats;
  switch (I.opcode()) {
  case isa::Opcode::Load:
    ++St.Loads;
    return executeLoad(X, I);
  case isa::Opcode::Store:
    ++St.Stores;
    return executeStore(X, I);
  case isa::Opcode::Gemm:
    ++St.Gemms;
    return executeGemm(X, I);
  case isa::Opcode::Alu:
    ++St.Alus;
    return executeAlu(X, I);
  case isa::Opcode::Finish:
    ++St.Finishes;
    return Status::ok();
  }
  return makeError("invalid opcode ", I.H.Op);
}

} // namespace npu::sim
