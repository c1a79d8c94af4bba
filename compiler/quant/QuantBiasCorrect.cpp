// Empirical bias correction: the mean per-channel error of each int8 conv / matmul output against the float
// graph, measured on the calibration sets, folded into its int32 bias (see QuantBiasCorrect.h).
#include "QuantBiasCorrect.h"
#include "QuantReport.h"

#include "npu/compiler/ref/Interpreter.h"
#include "npu/compiler/support/Try.h"

#include <cmath>
#include <map>
#include <set>

namespace npu::passes {

using namespace ir;

namespace {

/// A node whose bias gets corrected, with what the correction needs.
struct Target {
  size_t Node;
  ValueId Out, Float;
  int64_t Axis; ///< the channel axis of the output: 1 for a conv, the last for a matmul
  std::vector<double> Sum, Count;
};

std::vector<Target> findTargets(const Graph &Float, const Graph &Quant) {
  const std::map<ValueId, ValueId> FloatOf = int8Counterparts(Float, Quant);
  std::vector<Target> T;
  for (size_t I = 0; I < Quant.nodes().size(); ++I) {
    const Node &N = Quant.nodes()[I];
    const bool Conv = N.OpType == "npu.QConv";
    if ((!Conv && N.OpType != "npu.QMatMul") || N.Inputs.size() < 3 || N.Inputs[2] == NoValue ||
        !Quant.value(N.Inputs[2]).Data || !N.findAttr("multiplier"))
      continue;
    auto It = FloatOf.find(N.Outputs[0]);
    if (It == FloatOf.end())
      continue;
    const int64_t Rank = Quant.type(N.Outputs[0]).rank();
    T.push_back({I, N.Outputs[0], It->second, Conv ? 1 : Rank - 1, {}, {}});
  }
  return T;
}

/// Accumulates the per-channel error of one output tensor where neither side is clamped.
void accumulate(Target &T, const Node &N, const QuantParams &P, const Tensor &Q, const Tensor &F) {
  const Shape &D = Q.shape();
  const int64_t C = D[size_t(T.Axis)];
  int64_t Inner = 1;
  for (size_t K = size_t(T.Axis) + 1; K < D.size(); ++K)
    Inner *= D[K];
  T.Sum.resize(size_t(C), 0.0), T.Count.resize(size_t(C), 0.0);
  const double S = P.Scales[0], Zp = double(P.ZeroPoints.empty() ? 0 : P.ZeroPoints[0]);
  const int64_t Lo = N.getInt("act_min", -128), Hi = N.getInt("act_max", 127);
  for (int64_t I = 0; I < Q.numElements(); ++I) {
    const int64_t Q8 = Q.getInt64(I);
    const double Fv = F.getDouble(I), Fq = Fv / S + Zp;
    if (Q8 <= Lo || Q8 >= Hi || Fq <= double(Lo) || Fq >= double(Hi))
      continue;
    const size_t Ch = size_t((I / Inner) % C);
    T.Sum[Ch] += Fv - (double(Q8) - Zp) * S;
    T.Count[Ch] += 1;
  }
}

/// Adds the measured mean error to the bias, in accumulator units: one unit is S_y * M_o / 2^shift.
int applyCorrection(Graph &Quant, const Target &T) {
  Node &N = Quant.nodes()[T.Node];
  const QuantParams &P = *Quant.type(T.Out).Quant;
  std::vector<int64_t> M = N.getInts("multiplier");
  const int64_t Shift = N.getInt("shift", 1);
  Tensor Bias = *Quant.value(N.Inputs[2]).Data;
  int Changed = 0;
  for (int64_t O = 0; O < Bias.numElements() && O < int64_t(T.Sum.size()); ++O) {
    const int64_t Mo = M.size() == 1 ? M[0] : M[size_t(O)];
    if (Mo == 0 || T.Count[size_t(O)] == 0)
      continue;
    const double Unit = double(P.Scales[0]) * double(Mo) / std::ldexp(1.0, int(Shift));
    const double Delta = std::nearbyint(T.Sum[size_t(O)] / T.Count[size_t(O)] / Unit);
    const double NewB = std::clamp(Bias.getDouble(O) + Delta, -2147483648.0, 2147483647.0);
    Changed += NewB != Bias.getDouble(O);
    Bias.setDouble(O, NewB);
  }
  N.Inputs[2] = Quant.addConstant(Quant.uniqueName(Quant.value(N.Inputs[2]).Name + "_bc"), std::move(Bias));
  return Changed;
}

} // namespace

Status correctBias(const Graph &Float, Graph &Quant, const std::vector<CalibSet> &Sets, std::ostream *Report) {
  std::vector<Target> Targets = findTargets(Float, Quant);
  const std::map<ValueId, ValueId> FloatOf = int8Counterparts(Float, Quant);
  // Only nodes whose data input stands for a float tensor: they run alone on it, rounded to its grid.
  std::erase_if(Targets, [&](const Target &T) { return !FloatOf.count(Quant.nodes()[T.Node].Inputs[0]); });
  if (Targets.empty() || Sets.empty())
    return Status::ok();
  std::set<ValueId> Wanted;
  for (const Target &T : Targets) {
    Wanted.insert(T.Float);
    Wanted.insert(FloatOf.at(Quant.nodes()[T.Node].Inputs[0]));
  }
  for (const CalibSet &S : Sets) {
    std::map<ValueId, Tensor> FloatVals;
    NPU_TRY(runObserved(Float, S.Inputs, [&](ValueId V, const Tensor &T) {
      if (Wanted.count(V))
        FloatVals.emplace(V, T);
    }));
    for (Target &T : Targets) {
      const Node &N = Quant.nodes()[T.Node];
      const Tensor X = roundToGrid(FloatVals.at(FloatOf.at(N.Inputs[0])), *Quant.type(N.Inputs[0]).Quant,
                                   Quant.type(N.Inputs[0]).Elem);
      std::vector<const Tensor *> Ins = {&X};
      for (size_t K = 1; K < N.Inputs.size(); ++K)
        Ins.push_back(N.Inputs[K] == NoValue ? nullptr : Quant.value(N.Inputs[K]).Data.get());
      NPU_ASSIGN(std::vector<Tensor> Out, ref::runNode(N, Ins));
      accumulate(T, N, *Quant.type(T.Out).Quant, Out[0], FloatVals.at(T.Float));
    }
  }
  int Channels = 0;
  for (const Target &T : Targets)
    Channels += applyCorrection(Quant, T);
  if (Report)
    *Report << "quantize: bias correction: " << Targets.size() << " conv/matmul nodes, " << Channels
            << " channel biases moved\n";
  return Status::ok();
}

} // namespace npu::passes
