// Floating-point operation counts of Graph IR nodes (see Flops.h for the rule and why it is simple).
#include "npu/compiler/ops/Flops.h"
#include "npu/compiler/ops/FusedOps.h"

#include <algorithm>
#include <string_view>

namespace npu::ir {

namespace {

/// Elements of value V, or 0 when it is absent or has no static shape.
double elements(const Graph &G, ValueId V) {
  if (V == NoValue || !G.value(V).Type)
    return 0;
  const int64_t N = shapeNumElements(G.type(V).Dims);
  return N > 0 ? double(N) : 0;
}

/// Dimension K of value V (negative K counts from the end), or 0 when unknown.
double dim(const Graph &G, ValueId V, int K) {
  if (V == NoValue || !G.value(V).Type)
    return 0;
  const Shape &D = G.type(V).Dims;
  const int At = K < 0 ? int(D.size()) + K : K;
  return At >= 0 && At < int(D.size()) && D[size_t(At)] > 0 ? double(D[size_t(At)]) : 0;
}

bool oneOf(std::string_view Op, std::initializer_list<std::string_view> Names) {
  return std::find(Names.begin(), Names.end(), Op) != Names.end();
}

/// Ops that only move, copy or relabel elements.
bool movesOnly(std::string_view Op) {
  return oneOf(Op, {"Reshape",
                    "Flatten",
                    "Squeeze",
                    "Unsqueeze",
                    "Transpose",
                    "Concat",
                    "Split",
                    "Slice",
                    "Gather",
                    "GatherElements",
                    "GatherND",
                    "Identity",
                    "Shape",
                    "Size",
                    "Expand",
                    "Pad",
                    "Tile",
                    "DepthToSpace",
                    "SpaceToDepth",
                    "Dropout",
                    "ConstantOfShape",
                    "npu.ToBlocked",
                    "npu.FromBlocked",
                    "npu.Reblock"});
}

/// Multiply-accumulates of a convolution: every output element sums weight-size / output-channels products
/// (ConvTranspose: every input element feeds weight-size / input-channels outputs).
double convMacs(const Graph &G, const Node &N, bool Transposed) {
  const double Weights = N.hasInput(1) ? elements(G, N.Inputs[1]) : 0, Lead = dim(G, N.Inputs[1], 0);
  if (Lead == 0)
    return 0;
  return (Transposed ? elements(G, N.Inputs[0]) : elements(G, N.Outputs[0])) * Weights / Lead;
}

} // namespace

double nodeFlops(const Graph &G, const Node &N) {
  std::string_view Op = N.OpType;
  if (std::string_view Base = fusedBaseOp(Op); !Base.empty())
    Op = Base;
  if (N.Outputs.empty() || !N.hasOutput(0) || movesOnly(Op))
    return 0;
  const double Out = elements(G, N.Outputs[0]);
  if (oneOf(Op, {"Conv", "ConvInteger", "npu.QConv"}))
    return 2 * convMacs(G, N, false);
  if (Op == "ConvTranspose")
    return 2 * convMacs(G, N, true);
  if (Op == "Gemm") // A is [M, K] or, with transA, [K, M]
    return 2 * Out * dim(G, N.Inputs[0], N.getInt("transA", 0) ? 0 : 1);
  if (oneOf(Op, {"MatMul", "MatMulInteger", "npu.QMatMul"}))
    return 2 * Out * dim(G, N.Inputs[0], -1);
  if (oneOf(Op, {"MaxPool", "AveragePool", "LpPool", "npu.MaxPool", "npu.QAvgPool"})) {
    double Window = 1;
    for (int64_t K : N.getInts("kernel_shape"))
      Window *= double(std::max<int64_t>(K, 1));
    return Out * Window;
  }
  if (Op.rfind("Reduce", 0) == 0 || Op.find("Global") != std::string_view::npos || Op == "ArgMax" || Op == "ArgMin")
    return elements(G, N.Inputs[0]);
  return Out;
}

double graphFlops(const Graph &G) {
  double Sum = 0;
  for (const Node &N : G.nodes())
    Sum += nodeFlops(G, N);
  return Sum;
}

} // namespace npu::ir
