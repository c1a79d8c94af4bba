// The emit backend pass: the planned tile program becomes an isa::Program. Symbolic DRAM operands become
// addresses (tensor or micro-op table address + offset), constants become data segments, the segment's
// inputs and outputs become tensor bindings, and each instruction keeps the graph node it was made for.
#include "EmitProgram.h"

#include "PlanDram.h"

namespace npu::backend {

namespace {

class EmitPass : public BackendPass {
public:
  const char *name() const override { return "emit"; }

  Status run(BackendState &S) override {
    const TileProgram &P = S.Program;
    isa::Program Prog;
    Prog.Config = S.Config;
    Prog.UopBase = P.UopAddress;
    Prog.DramBytes = planDramBytes(P, S.Config);
    for (const TileTensor &T : P.Tensors) {
      if (T.K == TileTensor::Const)
        Prog.Segments.push_back({T.Name, T.Address, T.Data});
      if (T.K == TileTensor::Input || T.K == TileTensor::Output) {
        isa::TensorBinding B;
        B.Name = T.Name;
        B.IsInput = T.K == TileTensor::Input;
        B.DType = T.DType;
        B.Shape = T.Shape;
        B.Address = T.Address;
        B.Layout = "NCHWnc";
        Prog.IO.push_back(B);
      }
    }
    Prog.Uops = P.Uops;
    for (const TileInsn &T : P.Insns) {
      isa::Instruction Insn = T.I;
      if (T.Tensor == UopTable)
        Insn.Mem.DramBase = int64_t(Prog.UopBase + T.Offset);
      else if (T.Tensor >= 0)
        Insn.Mem.DramBase = int64_t(P.Tensors[size_t(T.Tensor)].Address + T.Offset);
      Prog.Insns.push_back(Insn);
    }
    for (size_t I = 0; I < P.Insns.size(); ++I)
      if (!P.Insns[I].Node.empty())
        Prog.setNode(I, P.Insns[I].Node);
    if (!Prog.InsnNode.empty())
      Prog.InsnNode.resize(Prog.Insns.size(), isa::Program::NoNode);
    Prog.Meta.push_back({"tool", "npuc compile"});
    if (Status St = Prog.verify(); !St)
      return St;
    S.Emitted = std::move(Prog);
    return Status::ok();
  }
};

} // namespace

std::unique_ptr<BackendPass> createEmitPass() { return std::make_unique<EmitPass>(); }

} // namespace npu::backend
