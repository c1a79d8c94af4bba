// Lowering of npu.QLut on blocked int8: the 256-entry table is loaded once (LOAD lut), the rows are widened into
// the accumulators by the identity GEMM, mapped by alu.lut and stored from the out mirror (docs/npu-backend.md).
#include "AluRows.h"
#include "BlockedValue.h"
#include "Reblock.h"

#include <algorithm>

namespace npu::backend {

using isa::AluOp;
using isa::MemType;

Status canLowerLut(const ir::Graph &G, const ir::Node &N, const HardwareConfig &C) {
  if (C.inputBits() != 8 || C.outputBits() != 8)
    return makeError("the lookup table maps int8 activations; this config's are ", dtypeName(C.InputType), "/",
                     dtypeName(C.OutputType));
  if (N.getInts("table").size() != size_t(C.D.LutDepth))
    return makeError("table has ", N.getInts("table").size(), " entries, the NPU's holds ", C.D.LutDepth);
  NPU_TRY(checkSubRows(C));
  NPU_TRY(checkBlockedOperand(G, N.Inputs[0], C, int64_t(C.BlockOut)));
  return checkActType(G, N.Outputs[0], C);
}

Status lowerLut(Emitter &E, const ir::Graph &G, const ir::Node &N) {
  const HardwareConfig &C = E.config();
  NPU_TRY(canLowerLut(G, N, C));
  const RowTensor X = E.Values.at(N.Inputs[0]), Y = E.Values.at(N.Outputs[0]);
  const int64_t Rows = Y.rows();
  const int64_t T = rowTile(C, Rows, 1);
  // Named by its contents: nodes with the same table share one DRAM copy.
  std::vector<uint8_t> Table;
  std::string Name = "npu.lut.";
  for (int64_t V : N.getInts("table")) {
    Table.push_back(uint8_t(int8_t(V)));
    Name += "0123456789abcdef"[Table.back() >> 4], Name += "0123456789abcdef"[Table.back() & 15];
  }
  const int64_t Entries = int64_t(Table.size());
  E.load(MemType::Lut, 0, E.constant(Name, std::move(Table)), 0, 1, Entries, Entries);
  loadPlacementTiles(E);
  const uint64_t Orb = C.D.OutputRowBytes;
  for (int64_t R0 = 0; R0 < Rows; R0 += T) {
    const int64_t Tt = std::min(T, Rows - R0);
    loadActRows(E, 0, X.Tensor, R0, Tt);
    NPU_TRY(widenRows(E, 0, 0, Tt));
    NPU_TRY(rowsAlu(E, AluOp::Lut, 0, Tt, 0));
    E.storeOut(0, Y.Tensor, uint64_t(R0) * Orb, 1, Tt, Tt);
  }
  return Status::ok();
}

} // namespace npu::backend
