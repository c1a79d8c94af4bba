// Lowering driver: walks the program's nodes, lowers each node or fused group to kernels, else plans a fallback.
#include "LowerDriver.h"
#include "npu/compiler/ops/OpRegistry.h"

#include <cmath>
#include <set>

#include <llvm/IR/Verifier.h>
#include <llvm/Support/raw_ostream.h>

namespace npu::host {

using namespace ir;

std::string LowerCtx::kernelName(const std::string &Suffix) {
  const Node &N = node();
  return E.uniqueName("k_" + N.OpType + "_" + (N.Name.empty() ? std::string("n") : N.Name) + Suffix);
}

std::string_view baseOpType(const Node &N) {
  if (N.OpType == "npu.FusedConv")
    return "Conv";
  if (N.OpType == "npu.FusedGemm")
    return "Gemm";
  return N.OpType;
}

Expected<llvm::Value *> fusedActivation(KB &K, const Node &N, llvm::Value *V) {
  if (baseOpType(N) == N.OpType)
    return V;
  std::string Kind = N.getString("activation", "");
  auto &B = K.B;
  llvm::Type *T = V->getType();
  llvm::Value *Zero = llvm::ConstantFP::get(T, 0.0);
  if (Kind == "relu")
    return B.CreateSelect(B.CreateFCmpOGT(V, Zero), V, Zero);
  if (Kind == "leaky_relu")
    return B.CreateSelect(B.CreateFCmpOGE(V, Zero), V,
                          B.CreateFMul(llvm::ConstantFP::get(T, N.getFloat("act_alpha", 0.01f)), V));
  if (Kind == "clip") {
    llvm::Value *Lo = llvm::ConstantFP::get(T, N.getFloat("act_min", -INFINITY));
    llvm::Value *Hi = llvm::ConstantFP::get(T, N.getFloat("act_max", INFINITY));
    V = B.CreateSelect(B.CreateFCmpOLT(V, Lo), Lo, V);
    return B.CreateSelect(B.CreateFCmpOLT(Hi, V), Hi, V);
  }
  return makeError(describeNode(N), ": activation '", Kind, "' is not relu, leaky_relu or clip");
}

Error noCodegen(const LowerCtx &C, const std::string &Why) {
  return makeError("no host code generator for ", describeNode(C.node()), ": ", Why);
}

const LowerTable &lowerTable() {
  static const LowerTable T = [] {
    LowerTable R;
    addElementwiseLowering(R);
    addMovementLowering(R);
    addReduceLowering(R);
    addConvPoolLowering(R);
    addMatMulLowering(R);
    addQuantLowering(R);
    addNpuLowering(R);
    addQGemmLowering(R);
    return R;
  }();
  return T;
}

bool hasHostKernel(std::string_view OpType) { return lowerTable().count(OpType) != 0; }

namespace {

/// Lowers the nodes of Group as one step; on failure removes the functions made on the way.
Status tryLower(LowerCtx &C, const std::vector<const Node *> &Group, bool Fused) {
  C.Group = Group;
  C.Kernels.clear();
  Status S = Status::ok();
  if (Fused) {
    S = lowerFusedGemm(C);
  } else {
    auto It = lowerTable().find(Group[0]->OpType);
    S = It == lowerTable().end() ? Status(makeError("no host code generator for ", describeNode(*Group[0])))
                                 : It->second(C);
  }
  if (!S)
    for (const KernelOut &K : C.Kernels) {
      if (!K.Fresh)
        continue;
      if (llvm::Function *F = C.E.M.getFunction(K.Symbol))
        F->eraseFromParent();
      for (auto It = C.E.KernelBodies.begin(); It != C.E.KernelBodies.end();)
        It = It->second == K.Symbol ? C.E.KernelBodies.erase(It) : std::next(It);
    }
  return S;
}

} // namespace

Status lowerProgram(Program &P, ModuleEnv &E, const HostOptions &Opts, HostStats &Stats) {
  const auto &Nodes = P.G.nodes();
  if (Opts.Fuse && !E.T.Gpu)
    planFusion(P);
  std::vector<int> LastMember(Nodes.size(), -1);
  for (size_t K = 0; K < Nodes.size(); ++K)
    if (P.FusedInto[K] >= 0)
      LastMember[static_cast<size_t>(P.FusedInto[K])] = static_cast<int>(K);
  LowerCtx C(P, E);
  auto Single = [&](int K) -> Status {
    const Node &N = Nodes[static_cast<size_t>(K)];
    // Reshapes of a buffer reuse its memory (only kernels write buffers, never in place).
    static const std::set<std::string> Views = {"Reshape", "Flatten", "Squeeze", "Unsqueeze", "Identity", "Dropout"};
    if (Views.count(N.OpType) && !N.hasOutput(1) && !E.T.Gpu) {
      int In = P.slotOf(N.Inputs[0]), Out = P.slotOf(N.Outputs[0]);
      if (In > 0 && Out > 0 && P.Slots[static_cast<size_t>(Out)].Kind == SlotKind::Arena &&
          std::find(P.G.Outputs.begin(), P.G.Outputs.end(), N.Outputs[0]) == P.G.Outputs.end()) {
        P.Slots[static_cast<size_t>(Out)].AliasOf = In;
        ++Stats.AliasedNodes;
        return Status::ok();
      }
    }
    Status S = tryLower(C, {&N}, false);
    if (S) {
      for (const KernelOut &KO : C.Kernels) {
        Step St;
        St.Nodes = {K};
        St.Symbol = KO.Symbol;
        St.ArgSlots = KO.ArgSlots;
        St.WorkItems = KO.WorkItems;
        St.CostPerItem = KO.CostPerItem;
        St.ScratchBytes = KO.ScratchBytes;
        St.TempSlots = KO.TempSlots;
        P.Steps.push_back(St);
        P.ScratchBytes = std::max(P.ScratchBytes, KO.ScratchBytes);
      }
      ++Stats.Kernels;
      return Status::ok();
    }
    if (!Opts.AllowFallback)
      return S;
    Step St;
    St.Kind = StepKind::Fallback;
    St.Nodes = {K};
    P.Steps.push_back(St);
    ++Stats.FallbackNodes;
    Stats.FallbackOps.push_back(N.OpType);
    return Status::ok();
  };
  for (size_t K = 0; K < Nodes.size(); ++K) {
    if (P.Folded[K])
      continue;
    int Anchor = P.FusedInto[K] >= 0 ? P.FusedInto[K] : (LastMember[K] >= 0 ? static_cast<int>(K) : -1);
    if (Anchor < 0) {
      NPU_TRY(Single(static_cast<int>(K)));
      continue;
    }
    if (LastMember[static_cast<size_t>(Anchor)] != static_cast<int>(K))
      continue; // the group runs where its last member is
    std::vector<const Node *> Group = {&Nodes[static_cast<size_t>(Anchor)]};
    std::vector<int> Ids = {Anchor};
    for (size_t M = 0; M < Nodes.size(); ++M)
      if (P.FusedInto[M] == Anchor) {
        Group.push_back(&Nodes[M]);
        Ids.push_back(static_cast<int>(M));
      }
    if (tryLower(C, Group, true)) {
      for (const KernelOut &KO : C.Kernels) {
        Step St;
        St.Nodes = Ids;
        St.Symbol = KO.Symbol;
        St.ArgSlots = KO.ArgSlots;
        St.WorkItems = KO.WorkItems;
        St.CostPerItem = KO.CostPerItem;
        St.ScratchBytes = KO.ScratchBytes;
        St.TempSlots = KO.TempSlots;
        P.Steps.push_back(St);
        P.ScratchBytes = std::max(P.ScratchBytes, KO.ScratchBytes);
      }
      ++Stats.Kernels;
      Stats.FusedNodes += static_cast<int>(Ids.size()) - 1;
      for (size_t I = 0; I + 1 < Group.size(); ++I) // intermediates of the group never reach memory
        if (int S = P.slotOf(Group[I]->Outputs[0]); S > 0 && P.Slots[static_cast<size_t>(S)].Kind == SlotKind::Arena)
          P.Slots[static_cast<size_t>(S)].Kind = SlotKind::Unused;
      continue;
    }
    for (int Id : Ids) {
      P.FusedInto[static_cast<size_t>(Id)] = -1;
      NPU_TRY(Single(Id));
    }
  }
  // Constants no kernel reads (weights that were packed) are released.
  std::set<int> Used(E.UsedSlots.begin(), E.UsedSlots.end());
  for (const Step &S : P.Steps)
    if (S.Kind == StepKind::Fallback)
      for (int NI : S.Nodes)
        for (ValueId V : Nodes[static_cast<size_t>(NI)].Inputs)
          Used.insert(P.slotOf(V));
  for (ValueId V : P.G.Outputs)
    Used.insert(P.slotOf(V));
  for (size_t S = 0; S < P.Slots.size(); ++S)
    if (P.Slots[S].AliasOf > 0)
      Used.insert(P.Slots[S].AliasOf);
  for (size_t S = 1; S < P.Slots.size(); ++S) {
    Slot &Sl = P.Slots[S];
    if (Sl.Kind == SlotKind::Constant && !Sl.Raw && !Used.count(static_cast<int>(S))) {
      Sl.Kind = SlotKind::Unused;
      Sl.Data.reset();
      if (Sl.Value != ir::NoValue)
        P.Known[static_cast<size_t>(Sl.Value)].reset();
    }
  }
  std::string Err;
  llvm::raw_string_ostream OS(Err);
  if (llvm::verifyModule(E.M, &OS))
    return makeError("internal error: generated LLVM IR is invalid: ", OS.str().substr(0, 2000));
  return Status::ok();
}

} // namespace npu::host
