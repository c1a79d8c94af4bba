// The dedup-uops backend pass. The lowerings append every micro-op LOAD's kernels to the DRAM table afresh;
// this pass rebuilds the table, LOAD by LOAD, so that each kernel is stored once where it can be: a LOAD's
// first kernel is read from its first copy in the table (one inside an earlier LOAD of several kernels
// included); a further kernel of the same LOAD must follow the entries before it (one transfer fills them
// all), so it is appended after them, and they are first copied to the table's end unless they are there.
#include "DedupUops.h"

#include <algorithm>
#include <map>
#include <set>

namespace npu::backend {

namespace {

bool isUopLoad(const TileInsn &T) {
  return T.Tensor == UopTable && T.I.opcode() == isa::Opcode::Load && T.I.memType() == isa::MemType::Uop;
}

/// The [begin, end) micro-op buffer range a GEMM or ALU instruction runs ({0, 0} for other instructions).
std::pair<int64_t, int64_t> uopRange(const isa::Instruction &I) {
  if (I.opcode() == isa::Opcode::Gemm)
    return {I.Gemm.UopBegin, I.Gemm.UopEnd};
  if (I.opcode() == isa::Opcode::Alu)
    return {I.Alu.UopBegin, I.Alu.UopEnd};
  return {0, 0};
}

/// Where the kernels of the uop LOAD at Insns[L] start and end in the buffer: the ends of the ranges the
/// GEMM/ALU instructions after it run inside its rows, until a later uop LOAD overwrites any of them.
std::vector<int64_t> kernelCuts(const TileProgram &P, size_t L) {
  const isa::MemFields &M = P.Insns[L].I.Mem;
  const int64_t Begin = M.SramBase, End = M.SramBase + M.XSize;
  std::set<int64_t> Cuts = {Begin, End};
  for (size_t J = L + 1; J < P.Insns.size(); ++J) {
    const isa::Instruction &I = P.Insns[J].I;
    if (isUopLoad(P.Insns[J]) && I.Mem.SramBase < End && Begin < I.Mem.SramBase + I.Mem.XSize)
      break;
    auto [B, E] = uopRange(I);
    if (B < E && Begin <= B && E <= End)
      Cuts.insert({B, E});
  }
  return {Cuts.begin(), Cuts.end()};
}

class DedupUopsPass : public BackendPass {
public:
  const char *name() const override { return "dedup-uops"; }

  Status run(BackendState &S) override {
    TileProgram &P = S.Program;
    const uint64_t Rb = S.Config.D.UopRowBytes;
    using Kernel = std::vector<int64_t>;
    std::vector<isa::MicroOp> Table;
    std::map<Kernel, uint64_t> First; // kernel -> its first entry in the new table
    for (size_t L = 0; L < P.Insns.size(); ++L) {
      if (!isUopLoad(P.Insns[L]))
        continue;
      TileInsn &T = P.Insns[L];
      const uint64_t From = T.Offset / Rb, Size = uint64_t(T.I.Mem.XSize);
      if (T.Offset % Rb || From + Size > P.Uops.size())
        return makeError("instruction ", L, " (node \"", T.Node, "\") loads micro-ops ", From, "..",
                         From + Size, " of a ", P.Uops.size(), "-entry table");
      const std::vector<int64_t> Cuts = kernelCuts(P, L);
      const int64_t Sram = T.I.Mem.SramBase;
      auto Append = [&](int64_t Begin, int64_t End) { // buffer rows [Begin, End) of this LOAD, to the table
        Table.insert(Table.end(), P.Uops.begin() + long(From) + (Begin - Sram),
                     P.Uops.begin() + long(From) + (End - Sram));
      };
      uint64_t At = Table.size(), Loaded = 0; // where this LOAD reads, and how many entries so far
      for (size_t C = 0; C + 1 < Cuts.size(); ++C) {
        Kernel K;
        for (int64_t R = Cuts[C]; R < Cuts[C + 1]; ++R) {
          const isa::MicroOp &U = P.Uops[size_t(int64_t(From) + R - Sram)];
          K.insert(K.end(), {U.Dst, U.Src, U.Wgt});
        }
        if (C == 0) { // the first kernel: its first copy, or a new one
          auto [It, New] = First.try_emplace(std::move(K), Table.size());
          if (New)
            Append(Cuts[0], Cuts[1]);
          At = It->second;
        } else {
          // Each further kernel follows the LOAD's entries, which move to the table's end unless they are
          // there already.
          if (At + Loaded != Table.size()) {
            const std::vector<isa::MicroOp> Before(Table.begin() + long(At),
                                                   Table.begin() + long(At + Loaded));
            At = Table.size();
            Table.insert(Table.end(), Before.begin(), Before.end());
          }
          First.try_emplace(std::move(K), Table.size());
          Append(Cuts[C], Cuts[C + 1]);
        }
        Loaded += uint64_t(Cuts[C + 1] - Cuts[C]);
      }
      T.Offset = At * Rb;
    }
    P.Uops = std::move(Table);
    return Status::ok();
  }
};

} // namespace

std::unique_ptr<BackendPass> createDedupUopsPass() { return std::make_unique<DedupUopsPass>(); }

} // namespace npu::backend
