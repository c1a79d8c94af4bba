// Fusion groups of the host path: a Conv/Gemm/MatMul followed by per-channel and elementwise epilogue nodes.
#include "Program.h"

#include <algorithm>

namespace npu::host {

using namespace ir;

namespace {

/// The only node using V (none when V is a graph output or has several uses).
int soleUser(const Program &P, ValueId V) {
  if (P.Uses[static_cast<size_t>(V)] != 1 || std::find(P.G.Outputs.begin(), P.G.Outputs.end(), V) != P.G.Outputs.end())
    return -1;
  const auto &Nodes = P.G.nodes();
  for (size_t K = 0; K < Nodes.size(); ++K)
    if (!P.Folded[K] && std::find(Nodes[K].Inputs.begin(), Nodes[K].Inputs.end(), V) != Nodes[K].Inputs.end())
      return static_cast<int>(K);
  return -1;
}

bool isF32(const Program &P, ValueId V) { return V != NoValue && P.type(V).Elem == ElemType::Float32; }

/// True when Other broadcasts to Out as one value per channel (dim 1) or per tensor.
bool perChannelShape(const Shape &Out, const Shape &Other) {
  if (Other.size() > Out.size())
    return false;
  size_t Off = Out.size() - Other.size();
  for (size_t D = 0; D < Other.size(); ++D) {
    size_t OD = D + Off;
    if (Other[D] != 1 && !(OD == 1 && Other[D] == Out[1]))
      return false;
  }
  return true;
}

/// Whether node N can be folded into the epilogue of a kernel producing V (f32, shape Out).
bool fusible(const Program &P, const Node &N, ValueId V, bool ChannelOk) {
  const Shape &Out = P.type(V).Dims;
  if (N.Outputs.empty() || !isF32(P, N.Outputs[0]) || P.type(N.Outputs[0]).Dims != Out)
    return false;
  if (N.OpType == "Relu")
    return true;
  if (N.OpType == "LeakyRelu")
    return true;
  if (N.OpType == "Clip")
    return (!N.hasInput(1) || P.known(N.Inputs[1])) && (!N.hasInput(2) || P.known(N.Inputs[2]));
  if (N.OpType == "BatchNormalization") {
    if (!ChannelOk || N.Inputs[0] != V || N.getInt("training_mode", 0) != 0 || Out.size() < 2 || N.Outputs.size() > 1)
      return false;
    for (size_t I = 1; I <= 4; ++I)
      if (!P.known(N.Inputs[I]))
        return false;
    return true;
  }
  if (N.OpType == "Add" || (N.OpType == "Sum" && N.Inputs.size() == 2)) {
    if (N.Inputs[0] == N.Inputs[1])
      return false;
    ValueId Other = N.Inputs[0] == V ? N.Inputs[1] : N.Inputs[0];
    if (!isF32(P, Other))
      return false;
    const Shape &OS = P.type(Other).Dims;
    return OS == Out || (ChannelOk && perChannelShape(Out, OS)) || shapeNumElements(OS) == 1;
  }
  return false;
}

bool isAnchor(const Program &P, const Node &N) {
  if (N.OpType != "Conv" && N.OpType != "Gemm" && N.OpType != "MatMul" && N.OpType != "npu.FusedConv" &&
      N.OpType != "npu.FusedGemm")
    return false;
  if (!isF32(P, N.Inputs[0]) || !isF32(P, N.Outputs[0]))
    return false;
  size_t R = P.type(N.Outputs[0]).Dims.size();
  return N.OpType == "Conv" || N.OpType == "npu.FusedConv" ? R >= 3 : R >= 2;
}

} // namespace

void planFusion(Program &P) {
  const auto &Nodes = P.G.nodes();
  for (size_t K = 0; K < Nodes.size(); ++K) {
    if (P.Folded[K] || P.FusedInto[K] >= 0 || !isAnchor(P, Nodes[K]))
      continue;
    ValueId V = Nodes[K].Outputs[0];
    // Per-channel epilogues index dim 1: the GEMM rows of a Conv, the columns of a 2-D Gemm/MatMul.
    bool ChannelOk = Nodes[K].OpType == "Conv" || Nodes[K].OpType == "npu.FusedConv" || P.type(V).Dims.size() == 2;
    for (;;) {
      int U = soleUser(P, V);
      if (U < 0 || P.FusedInto[static_cast<size_t>(U)] >= 0 || !fusible(P, Nodes[static_cast<size_t>(U)], V, ChannelOk))
        break;
      P.FusedInto[static_cast<size_t>(U)] = static_cast<int>(K);
      V = Nodes[static_cast<size_t>(U)].Outputs[0];
    }
  }
}

} // namespace npu::host
