// Quantization report: operator counts and the int8 graph's error against the float graph (reference runs).
#include "QuantReport.h"

#include "npu/compiler/ops/OpRegistry.h"
#include "npu/compiler/ref/Interpreter.h"
#include "npu/compiler/support/Try.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <map>
#include <set>

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

/// Signal-to-quantization-noise ratio in dB of accumulated sums; +inf when the noise is zero.
double sqnrDb(double Signal, double Noise) {
  if (Noise <= 0)
    return INFINITY;
  if (Signal <= 0)
    return -INFINITY;
  return 10 * std::log10(Signal / Noise);
}

} // namespace

std::map<ValueId, ValueId> int8Counterparts(const Graph &Float, const Graph &Quant) {
  std::map<ValueId, ValueId> M;
  for (size_t I = 0; I < Quant.numValues(); ++I) {
    ValueId V = ValueId(I);
    const std::string &Name = Quant.value(V).Name;
    const ElemType E = Quant.type(V).Elem;
    if (!Quant.type(V).Quant || (E != ElemType::Int8 && E != ElemType::Int16) || Name.size() < 3 ||
        Name.compare(Name.size() - 2, 2, "_q") != 0)
      continue;
    ValueId F = Float.findValue(Name.substr(0, Name.size() - 2));
    if (F != NoValue && Float.type(F).Elem == ElemType::Float32)
      M[V] = F;
  }
  return M;
}

namespace {

double scaleOf(const QuantParams &Q) { return Q.Scales.empty() ? 1.0 : Q.Scales[0]; }
double zeroPointOf(const QuantParams &Q) { return Q.ZeroPoints.empty() ? 0.0 : double(Q.ZeroPoints[0]); }

} // namespace

Tensor roundToGrid(const Tensor &F, const QuantParams &Q, ElemType E) {
  const double S = scaleOf(Q), Zp = zeroPointOf(Q);
  const double Lo = double(integerTypeMin(E)), Hi = double(integerTypeMax(E));
  Tensor T(E, F.shape());
  for (int64_t I = 0; I < F.numElements(); ++I)
    T.setDouble(I, std::clamp(std::nearbyint(F.getDouble(I) / S) + Zp, Lo, Hi));
  return T;
}

namespace {

/// Adds the squared error of the int8 tensor Q (grid P) against the float tensor F to Noise.
void addNoise(const Tensor &F, const Tensor &Q, const QuantParams &P, double &Noise) {
  const double S = scaleOf(P), Zp = zeroPointOf(P);
  for (int64_t I = 0; I < F.numElements(); ++I) {
    double D = F.getDouble(I) - (Q.getDouble(I) - Zp) * S;
    Noise += D * D;
  }
}

} // namespace

Expected<std::vector<LayerError>> compareLayers(const Graph &Float, const Graph &Quant,
                                                const std::vector<CalibSet> &Sets) {
  const std::map<ValueId, ValueId> FloatOf = int8Counterparts(Float, Quant);
  std::map<ValueId, size_t> Index;
  std::vector<LayerError> Layers;
  std::map<ValueId, const Node *> Producer;
  for (const Node &N : Quant.nodes())
    for (ValueId V : N.Outputs)
      if (V != NoValue) {
        Producer[V] = &N;
        if (FloatOf.count(V)) {
          Index[V] = Layers.size();
          Layers.push_back({Float.value(FloatOf.at(V)).Name, N.OpType});
        }
      }
  std::set<ValueId> Wanted;
  for (const auto &[Q, F] : FloatOf)
    Wanted.insert(F);
  for (const CalibSet &S : Sets) {
    std::map<ValueId, Tensor> FloatVals, QuantVals;
    NPU_TRY(runObserved(Float, S.Inputs, [&](ValueId V, const Tensor &T) {
      if (Wanted.count(V))
        FloatVals.emplace(V, T);
    }));
    Status LocalErr = Status::ok();
    NPU_TRY(runObserved(Quant, S.Inputs, [&](ValueId V, const Tensor &T) {
      QuantVals.emplace(V, T);
      auto It = Index.find(V);
      if (It == Index.end())
        return;
      LayerError &L = Layers[It->second];
      const Tensor &F = FloatVals.at(FloatOf.at(V));
      if (F.numElements() != T.numElements())
        return;
      const QuantParams &P = *Quant.type(V).Quant;
      const double Scale = scaleOf(P), Zp = zeroPointOf(P);
      const ElemType E = Quant.type(V).Elem;
      const double Hi = double(integerTypeMax(E)) + 0.5, Lo = double(integerTypeMin(E)) - 0.5;
      for (int64_t I = 0; I < F.numElements(); ++I) {
        double A = F.getDouble(I);
        L.Signal += A * A;
        L.Clipped += A > (Hi - Zp) * Scale || A < (Lo - Zp) * Scale;
        ++L.Count;
      }
      addNoise(F, T, P, L.Noise);
      addNoise(F, roundToGrid(F, P, E), P, L.RoundNoise);
      // The node alone: its int8 inputs replaced by their float values rounded to the same grids.
      const Node &N = *Producer.at(V);
      std::vector<Tensor> Rounded(N.Inputs.size());
      std::vector<const Tensor *> Ins;
      for (size_t K = 0; K < N.Inputs.size(); ++K) {
        ValueId In = N.Inputs[K];
        auto FIt = In == NoValue ? FloatOf.end() : FloatOf.find(In);
        if (FIt != FloatOf.end() && FloatVals.count(FIt->second)) {
          Rounded[K] = roundToGrid(FloatVals.at(FIt->second), *Quant.type(In).Quant, Quant.type(In).Elem);
          Ins.push_back(&Rounded[K]);
        } else if (In == NoValue) {
          Ins.push_back(nullptr);
        } else if (Quant.value(In).Data) {
          Ins.push_back(Quant.value(In).Data.get());
        } else {
          Ins.push_back(&QuantVals.at(In));
        }
      }
      auto Outs = ref::runNode(N, Ins);
      if (!Outs) {
        LocalErr = Outs.error().withContext(describeNode(N));
        return;
      }
      for (size_t O = 0; O < N.Outputs.size(); ++O)
        if (N.Outputs[O] == V)
          addNoise(F, (*Outs)[O], P, L.LocalNoise);
    }));
    NPU_TRY(LocalErr);
  }
  for (LayerError &L : Layers) {
    L.SqnrDb = sqnrDb(L.Signal, L.Noise);
    L.RoundSqnrDb = sqnrDb(L.Signal, L.RoundNoise);
    L.LocalSqnrDb = sqnrDb(L.Signal, L.LocalNoise);
  }
  return Layers;
}

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
                        const std::vector<CalibSet> &Sets, const std::string &SetsName) {
  std::map<std::string, int> Npu, Int8Plain, FloatOps;
  int Boundaries = 0;
  for (const Node &N : Quant.nodes()) {
    if (N.OpType == "QuantizeLinear" || N.OpType == "DequantizeLinear")
      ++Boundaries;
    else if (N.OpType.rfind("npu.", 0) == 0)
      ++Npu[N.OpType];
    else if (N.hasOutput(0) &&
             (Quant.type(N.Outputs[0]).Elem == ElemType::Int8 || Quant.type(N.Outputs[0]).Elem == ElemType::Int16))
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
  NPU_ASSIGN(std::vector<LayerError> Layers, compareLayers(Float, Quant, Sets));
  OS << "quantize: per-layer SQNR (dB) of the int8 tensors against the float graph on the " << SetsName
     << " sets:\n"
        "  'sqnr' the int8 graph's tensor; 'local' the node alone, fed its float inputs rounded to their int8\n"
        "  grids; 'round' the float tensor rounded to its own grid (the best its scale allows)\n"
        "     sqnr   local   round  clipped  tensor (operator)\n";
  char Line[80];
  for (const LayerError &L : Layers) {
    std::snprintf(Line, sizeof Line, "  %7.1f %7.1f %7.1f  %6.2f%%  ", L.SqnrDb, L.LocalSqnrDb, L.RoundSqnrDb,
                  L.Count ? 100.0 * double(L.Clipped) / double(L.Count) : 0.0);
    OS << Line << L.Name << " (" << L.OpType << ")\n";
  }
  return Status::ok();
}

} // namespace npu::passes
