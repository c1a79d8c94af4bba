// equalize: rescales the channels between two convolutions so that a per-tensor int8 activation scale suits
// every channel. For a conv P whose output Y feeds only convs C (Y their data input), and an activation that
// commutes with positive scaling (none, Relu, LeakyRelu), P(x)[i] / s_i followed by C with input channel i
// times s_i computes the same function. Depthwise-separable networks need it: a depthwise conv's channels
// span very different ranges, and a per-tensor scale sized for the widest leaves the narrow ones a few
// levels, which the 1x1 conv after it then amplifies (BlazeFace's conv2d_16: 10.7 dB on its own).
//
// With calibration data s_i balances the activation range a_i = max|Y_i| against the range r_i of the
// consumers' weights reading channel i: s_i = sqrt(a_i / r_i), so both become sqrt(a_i * r_i) (up to one
// common factor). Without data it is Nagel et al.'s data-free rule, with a_i the range of P's weights of
// channel i. Bias rows scale with P's weights; quantized models are left alone. Residual streams, which a pair
// cannot reach (a residual Add also reads them), are rescaled first (EqualizeStream.cpp).
#include "Equalize.h"
#include "Dataflow.h"
#include "EqualizeStream.h"
#include "PassReport.h"
#include "../quant/QuantCalibrate.h"
#include "../quant/QuantRewrite.h"

#include "npu/compiler/support/Try.h"

#include <cmath>
#include <map>
#include <set>

namespace npu::passes {
namespace {

using namespace ir;

bool isConvOp(const Node &N) { return N.OpType == "Conv" || N.OpType == "npu.FusedConv"; }

/// A conv with constant f32 weights (and bias, if any).
bool hasConstWeights(const Graph &G, const Node &N) {
  auto Const = [&](size_t K) {
    return K < N.Inputs.size() && N.Inputs[K] != NoValue && G.value(N.Inputs[K]).Kind == ValueKind::Constant &&
           G.type(N.Inputs[K]).Elem == ElemType::Float32;
  };
  if (!isConvOp(N) || !Const(1) || G.type(N.Inputs[1]).rank() < 3)
    return false;
  return N.Inputs.size() < 3 || N.Inputs[2] == NoValue || Const(2);
}

/// The fused activation commutes with a positive per-channel scale.
bool scaleCommutes(const Node &N) {
  if (N.OpType == "Conv")
    return true;
  std::string A = N.getString("activation", "");
  return A == "relu" || A == "leaky_relu";
}

/// A producer and the convs reading its output.
struct Pair {
  size_t Producer;
  std::vector<size_t> Consumers;
};

std::vector<Pair> findPairs(const Graph &G) {
  std::map<ValueId, std::vector<size_t>> Readers;
  for (size_t I = 0; I < G.nodes().size(); ++I)
    for (ValueId V : G.nodes()[I].Inputs)
      if (V != NoValue)
        Readers[V].push_back(I);
  std::set<ValueId> Outs(G.Outputs.begin(), G.Outputs.end());
  std::vector<Pair> Pairs;
  for (size_t I = 0; I < G.nodes().size(); ++I) {
    const Node &P = G.nodes()[I];
    if (!hasConstWeights(G, P) || !scaleCommutes(P) || P.Outputs.size() != 1 || Outs.count(P.Outputs[0]))
      continue;
    Pair Pr{I, {}};
    bool Ok = !Readers[P.Outputs[0]].empty();
    for (size_t C : Readers[P.Outputs[0]]) {
      const Node &N = G.nodes()[C];
      Ok = Ok && hasConstWeights(G, N) && N.Inputs[0] == P.Outputs[0] &&
           std::count(N.Inputs.begin(), N.Inputs.end(), P.Outputs[0]) == 1;
      Pr.Consumers.push_back(C);
    }
    if (Ok)
      Pairs.push_back(std::move(Pr));
  }
  return Pairs;
}

/// Max |x| per channel (axis 1) of every value in Wanted over the calibration sets.
Expected<std::map<ValueId, std::vector<double>>> channelRanges(const Graph &G, const std::set<ValueId> &Wanted,
                                                              const std::vector<CalibSet> &Sets) {
  std::map<ValueId, std::vector<double>> R;
  for (const CalibSet &S : Sets)
    NPU_TRY(runObserved(G, S.Inputs, [&](ValueId V, const Tensor &T) {
      if (!Wanted.count(V) || T.rank() < 2)
        return;
      const int64_t C = T.shape()[1], Inner = T.numElements() / (T.shape()[0] * C);
      std::vector<double> &M = R[V];
      M.resize(size_t(C), 0.0);
      for (int64_t I = 0; I < T.numElements(); ++I)
        M[size_t((I / Inner) % C)] = std::max(M[size_t((I / Inner) % C)], std::fabs(T.getDouble(I)));
    }));
  return R;
}

/// Max |W| of output channel (row) O of a conv weight [O, I/g, k...].
double rowRange(const Tensor &W, int64_t O) {
  const int64_t Row = W.numElements() / W.shape()[0];
  double M = 0;
  for (int64_t K = 0; K < Row; ++K)
    M = std::max(M, std::fabs(W.getDouble(O * Row + K)));
  return M;
}

/// Replaces input K of node N (a constant) by a new constant holding T.
void replaceConst(Graph &G, size_t NodeIdx, size_t K, Tensor T) {
  std::string Name = G.value(G.nodes()[NodeIdx].Inputs[K]).Name;
  if (size_t P = Name.rfind("_eq"); P != std::string::npos)
    Name.resize(P);
  ValueId V = G.addConstant(G.uniqueName(Name + "_eq"), std::move(T));
  G.nodes()[NodeIdx].Inputs[K] = V;
}

/// Applies the scales of one pair. Returns the number of channels whose scale is not 1.
int applyPair(Graph &G, const Pair &Pr, const std::vector<double> &Act) {
  const Node &P = G.nodes()[Pr.Producer];
  Tensor W1 = *G.value(P.Inputs[1]).Data;
  const int64_t Ch = W1.shape()[0];
  std::vector<double> R2(size_t(Ch), 0.0);
  for (size_t C : Pr.Consumers) {
    const Node &N = G.nodes()[C];
    const Tensor &W2 = *G.value(N.Inputs[1]).Data;
    if (W2.shape()[1] * N.getInt("group", 1) != Ch)
      return 0;
    for (int64_t I = 0; I < Ch; ++I)
      forInputChannel(N, W2, I, [&](int64_t F) { R2[size_t(I)] = std::max(R2[size_t(I)], std::fabs(W2.getDouble(F))); });
  }
  std::vector<double> S(size_t(Ch), 1.0);
  double LogSum = 0;
  int Valid = 0;
  for (int64_t I = 0; I < Ch; ++I)
    if (Act[size_t(I)] > 0 && R2[size_t(I)] > 0) {
      S[size_t(I)] = std::sqrt(Act[size_t(I)] / R2[size_t(I)]);
      LogSum += std::log(S[size_t(I)]);
      ++Valid;
    }
  if (Valid == 0)
    return 0;
  // One common factor changes nothing the quantizer sees; centre the scales on 1 to keep magnitudes.
  const double Norm = std::exp(LogSum / Valid);
  int Changed = 0;
  for (int64_t I = 0; I < Ch; ++I)
    if (Act[size_t(I)] > 0 && R2[size_t(I)] > 0) {
      S[size_t(I)] /= Norm;
      Changed += std::fabs(S[size_t(I)] - 1) > 1e-6;
    }
  const int64_t Row = W1.numElements() / Ch;
  for (int64_t I = 0; I < W1.numElements(); ++I)
    W1.setDouble(I, W1.getDouble(I) / S[size_t(I / Row)]);
  replaceConst(G, Pr.Producer, 1, std::move(W1));
  if (P.Inputs.size() > 2 && P.Inputs[2] != NoValue) {
    Tensor B = *G.value(P.Inputs[2]).Data;
    for (int64_t I = 0; I < B.numElements(); ++I)
      B.setDouble(I, B.getDouble(I) / S[size_t(I)]);
    replaceConst(G, Pr.Producer, 2, std::move(B));
  }
  for (size_t C : Pr.Consumers) {
    Tensor W2 = *G.value(G.nodes()[C].Inputs[1]).Data;
    for (int64_t I = 0; I < Ch; ++I)
      forInputChannel(G.nodes()[C], W2, I, [&](int64_t F) { W2.setDouble(F, W2.getDouble(F) * S[size_t(I)]); });
    replaceConst(G, C, 1, std::move(W2));
  }
  return Changed;
}

/// Rescales every residual stream (EqualizeStream.h) from its calibrated per-channel ranges; without
/// calibration data the streams stay as they are (their ranges are not known from weights alone). Returns the
/// report's note.
Expected<std::string> equalizeStreams(Graph &G, const PassOptions &Opts) {
  std::vector<StreamComponent> Streams = findStreamComponents(G);
  if (Streams.empty() || Opts.CalibDirs.empty())
    return std::string();
  NPU_ASSIGN(std::vector<CalibSet> Sets, loadCalibSets(G, Opts.CalibDirs));
  std::set<ValueId> Wanted;
  for (const StreamComponent &C : Streams)
    Wanted.insert(C.Values.begin(), C.Values.end());
  NPU_ASSIGN(auto Ranges, channelRanges(G, Wanted, Sets));
  int Channels = 0;
  for (const StreamComponent &C : Streams) {
    std::vector<double> Range;
    for (ValueId V : C.Values)
      if (auto It = Ranges.find(V); It != Ranges.end()) {
        Range.resize(std::max(Range.size(), It->second.size()), 0.0);
        for (size_t I = 0; I < It->second.size(); ++I)
          Range[I] = std::max(Range[I], It->second[I]);
      }
    Channels += applyStreamScales(G, C, streamScales(Range));
  }
  return "; " + std::to_string(Streams.size()) + " residual streams rescaled (" + std::to_string(Channels) +
         " channels)";
}

class Equalize : public Pass {
public:
  const char *name() const override { return "equalize"; }
  Status run(Graph &G, const PassOptions &Opts) override {
    const size_t Before = G.nodes().size();
    if (isQuantizedModel(G)) {
      reportPass(Opts, "equalize", Before, Before, "a quantized model keeps its weights");
      return Status::ok();
    }
    NPU_ASSIGN(const std::string StreamNote, equalizeStreams(G, Opts));
    std::vector<Pair> Pairs = findPairs(G);
    std::map<ValueId, std::vector<double>> Ranges;
    if (!Opts.CalibDirs.empty() && !Pairs.empty()) {
      NPU_ASSIGN(std::vector<CalibSet> Sets, loadCalibSets(G, Opts.CalibDirs));
      std::set<ValueId> Wanted;
      for (const Pair &Pr : Pairs)
        Wanted.insert(G.nodes()[Pr.Producer].Outputs[0]);
      NPU_ASSIGN(Ranges, channelRanges(G, Wanted, Sets));
    }
    int Channels = 0, Done = 0;
    for (const Pair &Pr : Pairs) {
      const Node &P = G.nodes()[Pr.Producer];
      std::vector<double> Act;
      if (auto It = Ranges.find(P.Outputs[0]); It != Ranges.end()) {
        Act = It->second;
      } else {
        const Tensor &W1 = *G.value(P.Inputs[1]).Data;
        for (int64_t O = 0; O < W1.shape()[0]; ++O)
          Act.push_back(rowRange(W1, O));
      }
      if (int64_t(Act.size()) != G.type(P.Inputs[1]).Dims[0])
        continue;
      int C = applyPair(G, Pr, Act);
      Channels += C;
      Done += C > 0;
    }
    reportPass(Opts, "equalize", Before, G.nodes().size(),
               std::to_string(Done) + " conv pairs rescaled (" + std::to_string(Channels) + " channels, " +
                   (Ranges.empty() ? "data-free: weight ranges" : "activation ranges from calibration") + ")" +
                   StreamNote);
    return Status::ok();
  }
};

} // namespace

std::unique_ptr<Pass> createEqualizePass() { return std::make_unique<Equalize>(); }

} // namespace npu::passes
