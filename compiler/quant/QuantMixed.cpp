// Mixed precision: a greedy search from the worst output back for the layers to leave float (QuantMixed.h).
#include "QuantMixed.h"

#include "npu/compiler/check/Fidelity.h"
#include "npu/compiler/ops/Flops.h"
#include "npu/compiler/ops/OpRegistry.h"
#include "npu/compiler/ref/Interpreter.h"
#include "npu/compiler/support/Try.h"

#include <cstdio>
#include <limits>
#include <map>
#include <optional>

namespace npu::passes {

using namespace ir;

namespace {

/// Operators whose quantized form computes (and so rounds) something of its own; the others the search walks
/// through (they pass their input's grid on, or stay float anyway).
bool isArithmetic(const Node &N) {
  static const std::set<std::string> Ops = {"Conv", "npu.FusedConv", "BatchNormalization", "MatMul", "Gemm",
                                            "npu.FusedGemm", "Add", "Sum", "Mul", "AveragePool",
                                            "GlobalAveragePool"};
  return Ops.count(N.OpType) != 0;
}

/// The worst SQNR of any output on any set, and where.
struct Worst {
  double Db = std::numeric_limits<double>::infinity();
  size_t Output = 0, Set = 0;
};

class Search {
public:
  Search(const Graph &Float, const std::vector<CalibSet> &Sets) : Float(Float), Sets(Sets) {
    for (size_t K = 0; K < Float.nodes().size(); ++K)
      for (ValueId V : Float.nodes()[K].Outputs)
        if (V != NoValue)
          Producer[V] = K;
  }

  Status init() {
    for (const CalibSet &S : Sets) {
      NPU_ASSIGN(std::vector<Tensor> F, ref::interpret(Float, S.Inputs));
      Refs.push_back(std::move(F));
    }
    return Status::ok();
  }

  /// The worst output SQNR of the quantization keeping K float, on held-out sets (QuantMixed.h).
  Expected<Worst> measure(const QuantizeExcept &Quantize, const std::set<size_t> &K) const {
    Worst W;
    const bool Folds = Sets.size() >= 2;
    std::optional<Graph> Shared;
    for (size_t S = 0; S < Sets.size(); ++S) {
      if (Folds || !Shared) {
        NPU_ASSIGN(Graph G, Quantize(K, Folds ? S : Sets.size()));
        Shared = std::move(G);
      }
      NPU_ASSIGN(std::vector<Tensor> Q, ref::interpret(*Shared, Sets[S].Inputs));
      for (size_t O = 0; O < Q.size() && O < Refs[S].size(); ++O) {
        // What npuc check reports for the output (check::measureFidelity).
        const double Db = check::measureFidelity(Q[O], Refs[S][O]).SqnrDb;
        if (Db < W.Db)
          W = {Db, O, S};
      }
    }
    return W;
  }

  /// The quantized arithmetic layers nearest output K: reached from it through pass-through operators and
  /// layers already float.
  std::vector<size_t> frontier(size_t K, const std::set<size_t> &KeepFloat) const {
    std::vector<size_t> Found;
    std::set<ValueId> Seen;
    std::vector<ValueId> Work = {Float.Outputs[K]};
    while (!Work.empty()) {
      const ValueId V = Work.back();
      Work.pop_back();
      auto It = Producer.find(V);
      if (!Seen.insert(V).second || It == Producer.end())
        continue;
      const Node &N = Float.nodes()[It->second];
      if (isArithmetic(N) && !KeepFloat.count(It->second)) {
        Found.push_back(It->second);
        continue;
      }
      for (ValueId In : N.Inputs)
        if (In != NoValue && Float.value(In).Kind != ValueKind::Constant)
          Work.push_back(In);
    }
    return Found;
  }

  std::string outputName(size_t K) const { return Float.value(Float.Outputs[K]).Name; }

private:
  const Graph &Float;
  const std::vector<CalibSet> &Sets;
  std::map<ValueId, size_t> Producer;
  std::vector<std::vector<Tensor>> Refs; ///< per set, the float graph's outputs
};

/// How far behind the layers nearest the output the search looks, how many layers per level it tries, and the
/// gain a layer must bring at each level: one behind a layer that stays int8 cuts the NPU segment in two (two
/// more host/NPU switches), so it must bring a whole dB.
constexpr int MaxLevels = 2;
constexpr size_t MaxCandidates = 4;
constexpr double MinGainDb[MaxLevels] = {0.1, 1.0};

std::string dbText(double Db) {
  char Buf[32];
  std::snprintf(Buf, sizeof Buf, "%.1f dB", Db);
  return Buf;
}

} // namespace

Expected<Graph> chooseMixedPrecision(const Graph &Float, const std::vector<CalibSet> &Sets, double TargetDb,
                                     const QuantizeExcept &Quantize, std::ostream *Report, size_t MaxLayers) {
  Search S(Float, Sets);
  NPU_TRY(S.init());
  std::set<size_t> KeepFloat;
  NPU_ASSIGN(Worst W, S.measure(Quantize, KeepFloat));
  auto Where = [&](const Worst &X) {
    return dbText(X.Db) + " (" + S.outputName(X.Output) + ", " + Sets[X.Set].Dir + ")";
  };
  if (Report)
    *Report << "quantize: mixed precision: worst output SQNR " << Where(W) << ", "
            << (Sets.size() >= 2 ? "each set held out of the calibration" : "on the one calibration set")
            << "; target " << dbText(TargetDb) << "\n";
  std::string Stop;
  while (W.Db < TargetDb) {
    if (KeepFloat.size() >= MaxLayers) {
      Stop = "after " + std::to_string(MaxLayers) + " layers";
      break;
    }
    // Each candidate is tried: the layer that lifts the worst output most is kept float. The layers nearest the
    // output first; only when none of them lifts it, the ones behind them (a layer whose own rounding is not
    // what the output loses, e.g. one with an int32 result, does not end the search).
    std::optional<size_t> Pick;
    Worst PickW;
    std::set<size_t> Walk = KeepFloat;
    for (int Level = 0; Level < MaxLevels && !Pick; ++Level) {
      PickW = W;
      PickW.Db += MinGainDb[Level];
      const std::vector<size_t> Near = S.frontier(W.Output, Walk);
      for (size_t I = 0; I < Near.size() && I < MaxCandidates; ++I) {
        std::set<size_t> Trial = KeepFloat;
        Trial.insert(Near[I]);
        // A layer whose float form does not quantize or run is no candidate; the report says why.
        Expected<Worst> TW = S.measure(Quantize, Trial);
        if (!TW && Report)
          *Report << "quantize: mixed precision: " << describeNode(Float.nodes()[Near[I]])
                  << " cannot stay float: " << TW.message() << "\n";
        if (TW && TW->Db > PickW.Db)
          Pick = Near[I], PickW = *TW;
      }
      Walk.insert(Near.begin(), Near.end());
    }
    if (!Pick) {
      Stop = "no quantized layer feeding " + S.outputName(W.Output) + " raises it";
      break;
    }
    if (Report)
      *Report << "quantize: mixed precision: " << describeNode(Float.nodes()[*Pick]) << " stays float: worst "
              << dbText(W.Db) << " -> " << Where(PickW) << "\n";
    KeepFloat.insert(*Pick);
    W = PickW;
  }
  if (Report) {
    double Flops = 0;
    for (size_t N : KeepFloat)
      Flops += nodeFlops(Float, Float.nodes()[N]);
    const double Total = graphFlops(Float);
    char Buf[160];
    std::snprintf(Buf, sizeof Buf, "%zu layer%s float (%.2f MFLOP, %.1f %% of the model's operations, on the host)",
                  KeepFloat.size(), KeepFloat.size() == 1 ? "" : "s", Flops / 1e6,
                  Total > 0 ? 100 * Flops / Total : 0.0);
    *Report << "quantize: mixed precision: " << Buf << "; worst output SQNR " << dbText(W.Db) << ": target "
            << (Stop.empty() ? "reached" : "not reached, " + Stop) << "\n";
  }
  return Quantize(KeepFloat, Sets.size());
}

} // namespace npu::passes
