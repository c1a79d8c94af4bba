// layout: chains of NPU-eligible quantized operators (on the config's activation type, int8 or int16) move to
// the blocked layout [N/n, C/c, spatial..., n, c].
// Eligible (LayoutRules.cpp): npu.QConv (grouped ones with dense zero-filled weights), npu.QMatMul, npu.QAdd,
// npu.QMul, npu.QAvgPool, npu.QGlobalAvgPool, npu.QLeakyRelu, npu.QLut, MaxPool/Relu/npu.Requantize/Concat/
// Resize/Pad on the activation type, Flatten of [N, C, 1, 1] and flattens into a matmul.
// c = core.block_in where a GEMM reads and core.block_out where it writes; n = core.batch when it divides the
// batch. Conversions (npu.ToBlocked/FromBlocked) appear only where a chain meets the rest of the graph;
// npu.Reblock where block_out != block_in inside a chain.
#include "Layout.h"
#include "LayoutRules.h"
#include "LayoutFlatten.h"
#include "LayoutGroupConv.h"
#include "PassReport.h"
#include "../quant/QuantRewrite.h"

#include "npu/compiler/ops/BlockedLayout.h"
#include "npu/compiler/ops/OpRegistry.h"
#include "npu/compiler/ref/Interpreter.h"
#include "npu/compiler/support/Try.h"

#include <algorithm>
#include <array>
#include <map>
#include <numeric>
#include <optional>
#include <set>

namespace npu::passes {

using namespace ir;
using namespace layout;

namespace {


class Layout {
public:
  Layout(const Graph &Old, const HardwareConfig &C)
      : Old(Old), Config(C), BlockIn(int64_t(C.BlockIn)), BlockOut(int64_t(C.BlockOut)),
        Batch(int64_t(C.Batch)),
        Logical(Old.numValues(), NoValue), NativeC(Old.numValues(), 0) {
    for (size_t I = 0; I < Old.numValues(); ++I)
      OldNames.insert(Old.value(ValueId(I)).Name);
    for (const Node &N : Old.nodes())
      NodeNames.insert(N.Name);
  }

  int ConvertedNodes = 0;

  Expected<Graph> run() {
    std::vector<bool> Convert = chooseNodes();
    ConvertedNodes = int(std::count(Convert.begin(), Convert.end(), true));
    markDeadShuffles(Convert);
    New.Name = Old.Name;
    for (ValueId In : Old.Inputs)
      Logical[size_t(In)] = New.addInput(Old.value(In).Name, Old.type(In));
    for (size_t I = 0; I < Old.nodes().size(); ++I)
      if (!Dead[I])
        NPU_TRY(Convert[I] ? convertNode(Old.nodes()[I]) : copyNode(Old.nodes()[I]));
    for (ValueId Out : Old.Outputs) {
      NPU_ASSIGN(ValueId L, logical(Out));
      New.Outputs.push_back(L);
    }
    return std::move(New);
  }

private:
  const Graph &Old;
  const HardwareConfig &Config;
  Graph New;
  const int64_t BlockIn, BlockOut, Batch;
  std::vector<ValueId> Logical; ///< old value -> its plain form in the new graph
  std::vector<int64_t> NativeC; ///< old value -> c of the blocked form a converted node made (0: none)
  std::map<std::pair<ValueId, int64_t>, ValueId> Blocked; ///< (old value, c) -> blocked form
  std::set<std::string> OldNames, NodeNames;
  std::map<size_t, ChannelShuffle> Shuffles; ///< grouped conv node -> the channel shuffle it absorbs
  std::vector<bool> Dead;                    ///< shuffle nodes nothing reads once their convs absorbed them

  /// Eligible nodes, grouped into chains through the values they pass; chains without an anchor stay.
  std::vector<bool> chooseNodes() {
    const size_t NN = Old.nodes().size();
    std::vector<bool> Elig(NN);
    std::vector<size_t> Parent(NN), Producer(Old.numValues(), SIZE_MAX);
    std::iota(Parent.begin(), Parent.end(), 0);
    auto Find = [&](size_t X) {
      while (Parent[X] != X)
        X = Parent[X] = Parent[Parent[X]];
      return X;
    };
    for (size_t I = 0; I < NN; ++I) {
      const Node &N = Old.nodes()[I];
      Elig[I] = eligible(Old, N, Config);
      for (ValueId Out : N.Outputs)
        if (Out != NoValue)
          Producer[size_t(Out)] = I;
      std::vector<ValueId> Ins = N.Inputs;
      if (Elig[I] && N.OpType == "npu.QConv" && N.getInt("group", 1) != 1) {
        // A grouped conv after a channel shuffle reads the shuffle's source with permuted weights.
        if (auto S = channelShuffle(Old, N.Inputs[0], Producer);
            S && groupedConvFits(Old, N, Config, &S->Perm)) {
          Ins[0] = S->Source;
          Shuffles[I] = *S;
        }
      }
      if (!Elig[I])
        continue;
      for (ValueId In : Ins)
        if (In != NoValue && Producer[size_t(In)] != SIZE_MAX && Elig[Producer[size_t(In)]])
          Parent[Find(I)] = Find(Producer[size_t(In)]);
    }
    std::set<size_t> Anchored;
    for (size_t I = 0; I < NN; ++I)
      if (Elig[I] && isAnchor(Old.nodes()[I]))
        Anchored.insert(Find(I));
    std::vector<bool> Convert(NN);
    for (size_t I = 0; I < NN; ++I)
      Convert[I] = Elig[I] && Anchored.count(Find(I));
    return Convert;
  }

  /// Drops the absorbed shuffles of converted convs (only converted convs absorb) when no other node or graph
  /// output reads their values.
  void markDeadShuffles(std::vector<bool> &Convert) {
    Dead.assign(Old.nodes().size(), false);
    for (auto It = Shuffles.begin(); It != Shuffles.end();)
      It = Convert[It->first] ? std::next(It) : Shuffles.erase(It);
    std::vector<int> Readers(Old.numValues(), 0);
    for (const Node &N : Old.nodes())
      for (ValueId V : N.Inputs)
        if (V != NoValue)
          ++Readers[size_t(V)];
    for (ValueId V : Old.Outputs)
      Readers[size_t(V)] += 2;
    std::map<ValueId, int> Absorbed;
    for (const auto &[I, S] : Shuffles)
      ++Absorbed[Old.nodes()[I].Inputs[0]];
    for (const auto &[I, S] : Shuffles) {
      const ValueId V = Old.nodes()[I].Inputs[0];
      const ValueId U = Old.nodes()[S.Nodes[0]].Outputs[0], T = Old.nodes()[S.Nodes[1]].Outputs[0];
      if (Readers[size_t(V)] == Absorbed[V] && Readers[size_t(U)] == 1 && Readers[size_t(T)] == 1)
        for (size_t K : S.Nodes)
          Dead[K] = true;
    }
  }

  std::string freshName(const std::string &Base) const {
    std::string Name = Base;
    for (int K = 1; OldNames.count(Name) || New.findValue(Name) != NoValue; ++K)
      Name = Base + "_" + std::to_string(K);
    return Name;
  }
  /// A node name no old or new node has.
  std::string nodeName(const std::string &Base) {
    std::string Name = Base;
    for (int K = 1; NodeNames.count(Name); ++K)
      Name = Base + "_" + std::to_string(K);
    NodeNames.insert(Name);
    return Name;
  }
  int64_t batchBlock(const Shape &D) const { return D[0] % Batch == 0 ? Batch : 1; }
  int64_t padValue(ValueId V) const { return zeroPoint(Old, V); }
  TensorType blockedType(ValueId V, int64_t C) const {
    TensorType T = Old.type(V);
    T.Dims = blockLogical(T.Dims, batchBlock(T.Dims), C)->dims();
    return T;
  }

  Expected<ValueId> logical(ValueId V) {
    if (Logical[size_t(V)] != NoValue)
      return Logical[size_t(V)];
    const Value &OV = Old.value(V);
    if (OV.Kind == ValueKind::Constant) {
      Logical[size_t(V)] = New.addConstant(OV.Name, OV.Data, OV.Type);
    } else if (NativeC[size_t(V)]) {
      // The plain form keeps the old name, so graph outputs and host operators see the same tensor.
      ValueId L = New.addValue(OV.Name, *OV.Type);
      Node &N = New.addNode("npu.FromBlocked", {Blocked[{V, NativeC[size_t(V)]}]}, {L});
      N.Name = nodeName("from_blocked_" + OV.Name);
      N.setAttr("shape", OV.Type->Dims);
      Logical[size_t(V)] = L;
    } else {
      return makeError("internal error: value '", OV.Name, "' has no form after layout");
    }
    return Logical[size_t(V)];
  }

  /// V in the blocked layout with channel block C: made by a chain node, reblocked, or converted at entry.
  Expected<ValueId> blocked(ValueId V, int64_t C) {
    if (auto It = Blocked.find({V, C}); It != Blocked.end())
      return It->second;
    const Value &OV = Old.value(V);
    const Shape &D = OV.Type->Dims;
    Node N;
    N.Name = nodeName("to_blocked_" + OV.Name + "_c" + std::to_string(C));
    if (NativeC[size_t(V)]) {
      N.OpType = "npu.Reblock";
      N.Inputs = {Blocked[{V, NativeC[size_t(V)]}]};
      N.setAttr("block_c", C);
      N.setAttr("channels", D[1]);
    } else {
      N.OpType = "npu.ToBlocked";
      NPU_ASSIGN(ValueId L, logical(V));
      N.Inputs = {L};
      N.setAttr("block_n", batchBlock(D));
      N.setAttr("block_c", C);
    }
    N.setAttr("pad_value", padValue(V));
    ValueId R;
    if (OV.Kind == ValueKind::Constant) {
      // A constant operand is blocked now rather than at run time.
      N.Outputs = {0};
      NPU_ASSIGN(std::vector<Tensor> Out, ref::runNode(N, {OV.Data.get()}));
      R = New.addConstant(freshName(OV.Name + "_blk"), std::move(Out[0]));
    } else {
      R = New.addValue(freshName(OV.Name + "_blk"), blockedType(V, C));
      New.addNode(N.OpType, N.Inputs, {R}, N.Name).Attrs = N.Attrs;
    }
    Blocked[{V, C}] = R;
    return R;
  }

  /// Input K of N blocked with C; a constant operand of npu.QAdd is first broadcast to the output's shape.
  Expected<ValueId> operand(const Node &N, size_t K, int64_t C) {
    const ValueId V = N.Inputs[K];
    const Shape &To = Old.type(N.Outputs[0]).Dims;
    if ((N.OpType != "npu.QAdd" && N.OpType != "npu.QMul") || !isConstant(Old, V) || Old.type(V).Dims == To)
      return blocked(V, C);
    Node E;
    E.OpType = "Expand";
    E.Outputs = {0};
    Tensor Dims = Tensor::fromInt64s(To);
    NPU_ASSIGN(std::vector<Tensor> Full, ref::runNode(E, {Old.value(V).Data.get(), &Dims}));
    Node B;
    B.OpType = "npu.ToBlocked";
    B.Outputs = {0};
    B.setAttr("block_n", batchBlock(To));
    B.setAttr("block_c", C);
    B.setAttr("pad_value", padValue(V));
    NPU_ASSIGN(std::vector<Tensor> Out, ref::runNode(B, {&Full[0]}));
    TensorType T = Old.type(V);
    T.Dims = Out[0].shape();
    return New.addConstant(freshName(Old.value(V).Name + "_blk"),
                           std::make_shared<const Tensor>(std::move(Out[0])), T);
  }

  /// C of V's blocked form if a chain node made it; else what an ALU operator works in (block_out).
  int64_t nativeOrOut(ValueId V) const { return NativeC[size_t(V)] ? NativeC[size_t(V)] : BlockOut; }

  Status copyNode(const Node &N) {
    std::vector<ValueId> Ins, Outs;
    for (ValueId In : N.Inputs) {
      if (In == NoValue) {
        Ins.push_back(NoValue);
        continue;
      }
      NPU_ASSIGN(ValueId L, logical(In));
      Ins.push_back(L);
    }
    for (ValueId Out : N.Outputs) {
      ValueId R = Out == NoValue ? NoValue : New.addValue(Old.value(Out).Name, Old.type(Out));
      if (Out != NoValue)
        Logical[size_t(Out)] = R;
      Outs.push_back(R);
    }
    Node &M = New.addNode(N.OpType, Ins, Outs, N.Name);
    M.Attrs = N.Attrs;
    return Status::ok();
  }

  /// Bias padded with zeros and per-channel multipliers padded with 0 to the padded channel count.
  void padChannels(Node &M, const Node &N, int64_t Padded) {
    if (N.findAttr("multiplier")) { // an int32 result has none
      std::vector<int64_t> Mult = N.getInts("multiplier");
      if (Mult.size() > 1)
        Mult.resize(size_t(Padded), 0);
      M.setAttr("multiplier", Mult);
    }
    if (M.Inputs.size() > 2 && M.Inputs[2] != NoValue) {
      const Tensor &B = *Old.value(N.Inputs[2]).Data;
      Tensor P(ElemType::Int32, {Padded});
      for (int64_t I = 0; I < B.numElements(); ++I)
        P.data<int32_t>()[I] = B.data<int32_t>()[I];
      M.Inputs[2] = New.addConstant(freshName(Old.value(N.Inputs[2]).Name + "_blk"), std::move(P));
    }
  }

  /// The zero tail of a blocked Concat (inputs from Lead on) as one constant of the channel blocks the output
  /// has beyond its leading inputs' blocks (none when the zeros fit in the last input's padding lanes).
  void zeroBlocks(Node &M, const Node &N, size_t Lead, const Shape &YDims, int64_t C) {
    int64_t Blocks = YDims[1];
    for (size_t K = 0; K < Lead; ++K)
      Blocks -= (Old.type(N.Inputs[K]).Dims[1] + C - 1) / C;
    if (Blocks <= 0)
      return;
    Shape D = YDims;
    D[1] = Blocks;
    Tensor Z(Old.type(N.Inputs[Lead]).Elem, D);
    if (const int64_t Zp = zeroPoint(Old, N.Outputs[0])) // int8: the only type with nonzero zero points here
      std::fill(Z.data<int8_t>(), Z.data<int8_t>() + Z.numElements(), int8_t(Zp));
    const ValueId V = New.addConstant(freshName(Old.value(N.Inputs[Lead]).Name + "_blk"), std::move(Z));
    New.value(V).Type->Quant = Old.type(N.Inputs[Lead]).Quant;
    M.Inputs.push_back(V);
  }

  /// A matmul's weights [K, Nout], with the rows permuted when its input is a relabeled flatten.
  Tensor matMulWeights(const Node &N, const Tensor &W) const {
    for (const Node &P : Old.nodes())
      if (P.hasOutput(0) && P.Outputs[0] == N.Inputs[0])
        if (auto F = flattenIntoMatMul(Old, P); F && NativeC[size_t(N.Inputs[0])])
          return permuteFlattenRows(W, *F, BlockIn);
    return W;
  }

  Status convertNode(const Node &N) {
    const std::string &Op = N.OpType;
    const bool Gemm = Op == "npu.QConv" || Op == "npu.QMatMul";
    // A constant first operand of npu.QAdd takes the layout of the activation beside it.
    const bool Binary = Op == "npu.QAdd" || Op == "npu.QMul";
    const ValueId Lead = Binary && isConstant(Old, N.Inputs[0]) ? N.Inputs[1] : N.Inputs[0];
    const int64_t InC = Gemm ? BlockIn : Op == "Concat" ? BlockOut : nativeOrOut(Lead);
    const int64_t OutC = Gemm ? BlockOut : InC;
    const size_t Index = size_t(&N - Old.nodes().data());
    const ChannelShuffle *Shuffle = Shuffles.count(Index) ? &Shuffles.at(Index) : nullptr;
    NPU_ASSIGN(ValueId X, Shuffle ? blocked(Shuffle->Source, InC) : operand(N, 0, InC));
    ValueId Y =
        New.addValue(freshName(Old.value(N.Outputs[0]).Name + "_blk"), blockedType(N.Outputs[0], OutC));
    Node M;
    M.OpType = Op == "MaxPool" ? "npu.MaxPool" : Op;
    M.Inputs = {X};
    M.Attrs = N.Attrs;
    if (Gemm) {
      const Value &W = Old.value(N.Inputs[1]);
      if (W.Kind != ValueKind::Constant)
        return makeError(describeNode(N), ": weights are not a constant");
      Tensor WB = Op == "npu.QConv"
                      ? blockConvWeights(
                            permuteInputs(expandGroups(*W.Data, N.getInt("group", 1)), Shuffle), BlockOut,
                            BlockIn)
                      : blockMatMulWeights(matMulWeights(N, *W.Data), BlockOut, BlockIn);
      const int64_t Padded = WB.shape()[0] * BlockOut;
      M.Inputs.push_back(New.addConstant(freshName(W.Name + "_blk"), std::move(WB)));
      if (N.hasInput(2)) {
        if (Old.value(N.Inputs[2]).Kind != ValueKind::Constant)
          return makeError(describeNode(N), ": bias is not a constant");
        M.Inputs.push_back(N.Inputs[2]);
      }
      padChannels(M, N, Padded);
    } else if (Op == "Concat") {
      const size_t Lead = concatLead(Old, N);
      for (size_t K = 1; K < Lead; ++K) {
        NPU_ASSIGN(ValueId B, operand(N, K, InC));
        M.Inputs.push_back(B);
      }
      if (Lead < N.Inputs.size())
        zeroBlocks(M, N, Lead, New.type(Y).Dims, InC);
    } else if (Binary) {
      for (size_t K = 1; K < N.Inputs.size(); ++K) {
        NPU_ASSIGN(ValueId B, operand(N, K, InC));
        M.Inputs.push_back(B);
      }
    } else if (Op == "Flatten" || Op == "Reshape") {
      // Dropping unit spatial dims of [N/n, C/c, 1.., n, c] is a reshape of the blocked tensor; so is a flatten
      // into a matmul, whose rows are then (C/c, H, W) blocks (its weights are permuted to match).
      if (flattenIntoMatMul(Old, N))
        New.value(Y).Type->Dims = relabeledDims(New.type(X).Dims);
      M.OpType = "Reshape";
      M.Attrs.clear();
      M.Inputs.push_back(New.addConstant(freshName(Old.value(N.Outputs[0]).Name + "_blk_shape"),
                                         Tensor::fromInt64s(New.type(Y).Dims)));
    } else if (Op == "Resize") {
      // The blocked tensor [N/n, C/c, H, W, n, c] replicates the same two dims: nearest with scales 1, 1, fh, fw,
      // 1, 1 (asymmetric floor: o / f, as the node's modes gave).
      const auto F = upsampleFactors(Old, N);
      M.Attrs.clear();
      M.setAttr("mode", std::string("nearest"));
      M.setAttr("coordinate_transformation_mode", std::string("asymmetric"));
      M.setAttr("nearest_mode", std::string("floor"));
      Tensor S(ElemType::Float32, {6});
      for (int64_t D = 0; D < 6; ++D)
        S.setDouble(D, D == 2 ? double((*F)[0]) : D == 3 ? double((*F)[1]) : 1.0);
      M.Inputs.push_back(NoValue);
      M.Inputs.push_back(New.addConstant(freshName(Old.value(N.Outputs[0]).Name + "_blk_scales"), std::move(S)));
    } else if (Op == "Pad") {
      // Zero pads of H and W of the blocked tensor [N/n, C/c, H, W, n, c]: the same Pad with six dims.
      const auto P = spatialZeroPads(Old, N, Config);
      M.Attrs.clear();
      M.Inputs.push_back(New.addConstant(freshName(Old.value(N.Outputs[0]).Name + "_blk_pads"),
                                         Tensor::fromInt64s({0, 0, (*P)[0], (*P)[1], 0, 0, 0, 0, (*P)[2], (*P)[3], 0, 0})));
    } else if (Op == "MaxPool") {
      const Shape &XD = Old.type(N.Inputs[0]).Dims;
      M.Attrs.clear();
      NPU_TRY(setWindowAttrs(M, N, Shape(XD.begin() + 2, XD.end()), N.getInts("kernel_shape"), false));
      M.setAttr("ceil_mode", N.getInt("ceil_mode", 0));
    }
    if (Op != "npu.QAdd" && Op != "Relu" && Op != "npu.Requantize" && Op != "npu.QLeakyRelu" &&
        Op != "npu.QLut" && Op != "Concat" && M.OpType != "Reshape" && Op != "Resize" &&
        Op != "Pad")
      M.setAttr("layout", std::string("blocked"));
    New.addNode(M.OpType, M.Inputs, {Y}, N.Name).Attrs = M.Attrs;
    NativeC[size_t(N.Outputs[0])] = OutC;
    Blocked[{N.Outputs[0], OutC}] = Y;
    return Status::ok();
  }
};

class LayoutPass : public Pass {
public:
  const char *name() const override { return "layout"; }
  Status run(ir::Graph &G, const PassOptions &Opts) override {
    if (!Opts.Config)
      return makeError("no hardware config (--config FILE.yaml): the blocked layout follows core.batch, "
                       "core.block_in and core.block_out");
    Layout L(G, *Opts.Config);
    NPU_ASSIGN(Graph R, L.run());
    auto Count = [&](const char *Op) {
      return std::to_string(
          std::count_if(R.nodes().begin(), R.nodes().end(), [&](const Node &N) { return N.OpType == Op; }));
    };
    const HardwareConfig &C = *Opts.Config;
    reportPass(Opts, "layout", G.nodes().size(), R.nodes().size(),
               std::to_string(L.ConvertedNodes) +
                   " operators in the blocked layout (core.batch=" + std::to_string(C.Batch) +
                   ", block_in=" + std::to_string(C.BlockIn) + ", block_out=" + std::to_string(C.BlockOut) +
                   "); " + Count("npu.ToBlocked") + " npu.ToBlocked, " + Count("npu.FromBlocked") +
                   " npu.FromBlocked, " + Count("npu.Reblock") + " npu.Reblock");
    G = std::move(R);
    return Status::ok();
  }
};

} // namespace

std::unique_ptr<Pass> createLayoutPass() { return std::make_unique<LayoutPass>(); }

} // namespace npu::passes
