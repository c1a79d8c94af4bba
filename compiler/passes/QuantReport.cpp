// Quantization report: operator counts and the int8 graph's error against the float graph (reference runs).
#include "QuantReport.h"

#include "npu/compiler/ref/Interpreter.h"
#include "npu/compiler/support/Try.h"

#include <algorithm>
#include <cmath>
#include <map>

namespace npu::passes {

using namespace ir;

namespace {

/// Index of the largest element of row R of a [rows, Cols] view.
int64_t argmaxRow(const Tensor &T, int64_t R, int64_t Cols) {
  int64_t Best = 0;
  for (int64_t C = 1; C < Cols; ++C)
    if (T.getDouble(R * Cols + C) > T.getDouble(R * Cols + Best))
      Best = C;
  return Best;
}

} // namespace

Expected<std::vector<OutputError>> compareGraphs(const Graph &Float, const Graph &Quant,
                                                 const std::vector<CalibSet> &Sets) {
  std::vector<OutputError> Errs(Float.Outputs.size());
  for (size_t K = 0; K < Errs.size(); ++K) {
    Errs[K].Name = Float.value(Float.Outputs[K]).Name;
    Errs[K].MinRef = INFINITY;
    Errs[K].MaxRef = -INFINITY;
  }
  for (const CalibSet &S : Sets) {
    NPU_ASSIGN(std::vector<Tensor> F, ref::interpret(Float, S.Inputs));
    NPU_ASSIGN(std::vector<Tensor> Q, ref::interpret(Quant, S.Inputs));
    if (F.size() != Q.size())
      return makeError("the quantized graph has ", Q.size(), " outputs, the float graph ", F.size());
    for (size_t K = 0; K < F.size(); ++K) {
      if (F[K].shape() != Q[K].shape())
        return makeError("output ", K, " changed shape in quantization");
      OutputError &E = Errs[K];
      for (int64_t I = 0; I < F[K].numElements(); ++I) {
        double A = F[K].getDouble(I), B = Q[K].getDouble(I);
        E.MaxAbsError = std::max(E.MaxAbsError, std::fabs(A - B));
        E.MinRef = std::min(E.MinRef, A);
        E.MaxRef = std::max(E.MaxRef, A);
      }
      int64_t Cols = F[K].rank() ? F[K].shape().back() : 1;
      if (Cols < 2)
        continue;
      for (int64_t R = 0; R < F[K].numElements() / Cols; ++R) {
        E.Top1Agree += argmaxRow(F[K], R, Cols) == argmaxRow(Q[K], R, Cols);
        ++E.Top1Total;
      }
    }
  }
  return Errs;
}

Status writeQuantReport(std::ostream &OS, const Graph &Float, const Graph &Quant,
                        const std::vector<CalibSet> &Sets) {
  std::map<std::string, int> Npu, Int8Plain, FloatOps;
  int Boundaries = 0;
  for (const Node &N : Quant.nodes()) {
    if (N.OpType == "QuantizeLinear" || N.OpType == "DequantizeLinear")
      ++Boundaries;
    else if (N.OpType.rfind("npu.", 0) == 0)
      ++Npu[N.OpType];
    else if (N.hasOutput(0) && Quant.type(N.Outputs[0]).Elem == ElemType::Int8)
      ++Int8Plain[N.OpType];
    else
      ++FloatOps[N.OpType];
  }
  auto List = [](const std::map<std::string, int> &M) {
    std::string S;
    for (const auto &[Op, C] : M)
      S += (S.empty() ? "" : ", ") + Op + " x" + std::to_string(C);
    return S.empty() ? std::string("none") : S;
  };
  OS << "quantize: npu operators: " << List(Npu) << "\n";
  OS << "quantize: int8 operators: " << List(Int8Plain) << "\n";
  OS << "quantize: float operators left: " << List(FloatOps) << "; " << Boundaries
     << " QuantizeLinear/DequantizeLinear at the int8 boundaries\n";
  if (Sets.empty())
    return Status::ok();
  NPU_ASSIGN(std::vector<OutputError> Errs, compareGraphs(Float, Quant, Sets));
  for (const OutputError &E : Errs) {
    OS << "quantize: output '" << E.Name << "': max abs error " << E.MaxAbsError << " (float values in ["
       << E.MinRef << ", " << E.MaxRef << "])";
    if (E.Top1Total)
      OS << ", top-1 agreement " << E.Top1Agree << "/" << E.Top1Total;
    OS << "\n";
  }
  return Status::ok();
}

} // namespace npu::passes
