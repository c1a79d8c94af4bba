// Residual-stream equalization: one positive scale per channel of a residual network's stream (the tensors
// linked by Relu, Add, MaxPool and zero channel padding), applied at every conv that writes the stream and
// undone at every conv that reads it, so that one per-tensor int8 scale suits all of the stream's channels.
//
// Why: pair equalization (Equalize.cpp) cannot touch a tensor that a residual Add also reads, yet in
// depthwise-separable residual networks (BlazeFace, MobileNetV2) that stream is where the accuracy goes: its
// narrow channels get a few int8 levels, and the depthwise conv reading them multiplies their rounding by
// its large per-channel weights (BlazeFace back, first block: 24.6 dB `local` against 36.1 dB `round`).
// Scaling stream channel i by t_i is exact in float: Relu, MaxPool and Add commute with a positive
// per-channel scale, a zero tail of a channel Concat stays zero, the producing convs scale their output
// channel i (weight row and bias), the reading convs divide their input channel i weights by t_i (their
// per-output-channel, or for depthwise per-channel, weight scales absorb it; a dense reader's grid changes).
//
// t_i = 1 / sqrt(a_i), a_i the channel's calibrated range over the whole stream, centred on 1: halfway (in
// log scale) between the ranges as they are and equal ranges. Full equalization (t_i = 1 / a_i) gives every
// channel the finest grid on the calibration images but no headroom for a stronger image: cross-validated
// on BlazeFace it clipped the late stages of held-out images and lost 1-3 dB on their worst outputs
// against the square root (docs/quantization.md, *Residual streams*).
#include "EqualizeStream.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <numeric>
#include <set>

namespace npu::passes {

using namespace ir;

namespace {

bool isConvNode(const Node &N) { return N.OpType == "Conv" || N.OpType == "npu.FusedConv"; }

bool isConstF32(const Graph &G, ValueId V) {
  return V != NoValue && G.value(V).Kind == ValueKind::Constant && G.type(V).Elem == ElemType::Float32;
}

/// A conv with constant f32 weights [O, C/group, k...] (and bias [O]) whose shapes agree with its data input
/// and output (a graph that breaks them is left alone: the verifier names it elsewhere).
bool constConv(const Graph &G, const Node &N) {
  if (!isConvNode(N) || N.Inputs.size() < 2 || N.Inputs[0] == NoValue || N.Outputs.size() != 1 ||
      N.Outputs[0] == NoValue || !isConstF32(G, N.Inputs[1]))
    return false;
  const Shape &W = G.value(N.Inputs[1]).Data->shape(), &X = G.type(N.Inputs[0]).Dims,
              &Y = G.type(N.Outputs[0]).Dims;
  const int64_t Group = N.getInt("group", 1);
  if (W.size() < 3 || X.size() < 2 || Y.size() < 2 || Group < 1 || W[0] != Y[1] || W[0] % Group != 0 ||
      W[1] * Group != X[1])
    return false;
  if (N.Inputs.size() < 3 || N.Inputs[2] == NoValue)
    return true;
  return isConstF32(G, N.Inputs[2]) && G.value(N.Inputs[2]).Data->numElements() == W[0];
}

bool allZero(const Graph &G, ValueId V) {
  if (!isConstF32(G, V))
    return false;
  const Tensor &T = *G.value(V).Data;
  for (int64_t I = 0; I < T.numElements(); ++I)
    if (T.getDouble(I) != 0.0)
      return false;
  return true;
}

/// Nodes through which a per-channel (axis 1) positive scale passes unchanged: the stream's own operators.
bool isStreamOp(const Graph &G, const Node &N) {
  if (N.Outputs.size() != 1 || N.Outputs[0] == NoValue || N.Inputs.empty() ||
      std::count(N.Inputs.begin(), N.Inputs.end(), NoValue) > 0)
    return false;
  if (N.OpType == "Relu" || N.OpType == "MaxPool")
    return N.Inputs.size() == 1 && N.Outputs.size() == 1;
  if (N.OpType == "Add")
    return N.Inputs.size() == 2 && G.type(N.Inputs[0]).Dims == G.type(N.Inputs[1]).Dims &&
           G.type(N.Inputs[0]).Dims == G.type(N.Outputs[0]).Dims && !isConstF32(G, N.Inputs[0]) &&
           !isConstF32(G, N.Inputs[1]);
  if (N.OpType == "Concat") {
    if (N.getInt("axis", 0) != 1 || N.Inputs.size() < 2 || isConstF32(G, N.Inputs[0]))
      return false;
    for (size_t K = 1; K < N.Inputs.size(); ++K)
      if (!allZero(G, N.Inputs[K]))
        return false;
    return true;
  }
  return false;
}

/// The non-constant inputs of a stream operator (the zero tail of a Concat is not part of the stream).
std::vector<ValueId> streamInputs(const Graph &G, const Node &N) {
  return N.OpType == "Concat" ? std::vector<ValueId>{N.Inputs[0]} : N.Inputs;
}

struct UnionFind {
  std::vector<size_t> Parent;
  explicit UnionFind(size_t N) : Parent(N) { std::iota(Parent.begin(), Parent.end(), 0); }
  size_t find(size_t X) { return Parent[X] == X ? X : Parent[X] = find(Parent[X]); }
  void unite(size_t A, size_t B) { Parent[find(A)] = find(B); }
};

/// Groups the stream's values into components and checks each one's borders.
std::vector<StreamComponent> findComponents(const Graph &G) {
  const size_t NV = G.numValues();
  std::vector<int> Producer(NV, -1);
  std::vector<std::vector<size_t>> Readers(NV);
  for (size_t I = 0; I < G.nodes().size(); ++I) {
    for (ValueId V : G.nodes()[I].Outputs)
      if (V != NoValue)
        Producer[size_t(V)] = int(I);
    for (ValueId V : G.nodes()[I].Inputs)
      if (V != NoValue)
        Readers[size_t(V)].push_back(I);
  }
  UnionFind U(NV);
  std::vector<bool> InStream(NV, false), HasJoin(NV, false);
  for (const Node &N : G.nodes())
    if (isStreamOp(G, N))
      for (ValueId V : streamInputs(G, N)) {
        U.unite(size_t(V), size_t(N.Outputs[0]));
        InStream[size_t(V)] = InStream[size_t(N.Outputs[0])] = true;
      }
  for (const Node &N : G.nodes())
    if (isStreamOp(G, N) && (N.OpType == "Add" || N.OpType == "Concat"))
      HasJoin[U.find(size_t(N.Outputs[0]))] = true;

  std::set<ValueId> Pinned(G.Outputs.begin(), G.Outputs.end());
  Pinned.insert(G.Inputs.begin(), G.Inputs.end());
  std::map<size_t, StreamComponent> ByRoot;
  std::set<size_t> Bad;
  for (size_t V = 0; V < NV; ++V) {
    if (!InStream[V])
      continue;
    const size_t R = U.find(V);
    StreamComponent &C = ByRoot[R];
    C.Values.push_back(ValueId(V));
    const TensorType &T = G.type(ValueId(V));
    if (Pinned.count(ValueId(V)) || T.rank() != 4 || T.Elem != ElemType::Float32 || Producer[V] < 0) {
      Bad.insert(R);
      continue;
    }
    const Node &P = G.nodes()[size_t(Producer[V])];
    if (!isStreamOp(G, P)) {
      if (constConv(G, P) && P.Outputs.size() == 1 && (P.OpType == "Conv" || [&] {
            const std::string A = P.getString("activation", "");
            return A == "relu" || A == "leaky_relu";
          }()))
        C.Writers.push_back(size_t(Producer[V]));
      else
        Bad.insert(R);
    }
    for (size_t Rd : Readers[V]) {
      const Node &N = G.nodes()[Rd];
      if (isStreamOp(G, N))
        continue;
      if (constConv(G, N) && N.Inputs[0] == ValueId(V) && std::count(N.Inputs.begin(), N.Inputs.end(), N.Inputs[0]) == 1)
        C.Readers.push_back(Rd);
      else
        Bad.insert(R);
    }
  }
  std::vector<StreamComponent> Out;
  for (auto &[R, C] : ByRoot)
    if (!Bad.count(R) && HasJoin[R] && !C.Writers.empty())
      Out.push_back(std::move(C));
  return Out;
}

/// T[I], or 1 for a channel past the calibrated ones.
double scaleOf(const std::vector<double> &T, int64_t I) { return size_t(I) < T.size() ? T[size_t(I)] : 1.0; }

void setInput(Graph &G, size_t NodeIdx, size_t K, Tensor T) {
  const std::string Name = G.value(G.nodes()[NodeIdx].Inputs[K]).Name;
  G.nodes()[NodeIdx].Inputs[K] = G.addConstant(G.uniqueName(Name + "_st"), std::move(T));
}

} // namespace

std::vector<StreamComponent> findStreamComponents(const Graph &G) { return findComponents(G); }

std::vector<double> streamScales(const std::vector<double> &Range) {
  const size_t Ch = Range.size();
  std::vector<double> T(Ch, 1.0);
  double LogSum = 0;
  int Valid = 0;
  for (size_t I = 0; I < Ch; ++I)
    if (Range[I] > 0) {
      T[I] = 1.0 / std::sqrt(Range[I]);
      LogSum += std::log(T[I]), ++Valid;
    }
  if (Valid == 0)
    return T;
  const double Norm = std::exp(LogSum / Valid);
  for (size_t I = 0; I < Ch; ++I)
    if (Range[I] > 0)
      T[I] /= Norm;
  return T;
}

int applyStreamScales(Graph &G, const StreamComponent &C, const std::vector<double> &T) {
  std::set<size_t> Writers(C.Writers.begin(), C.Writers.end()), Readers(C.Readers.begin(), C.Readers.end());
  for (size_t P : Writers) {
    Tensor W = *G.value(G.nodes()[P].Inputs[1]).Data;
    const int64_t O = W.shape()[0], Row = W.numElements() / O;
    for (int64_t I = 0; I < W.numElements(); ++I)
      W.setDouble(I, W.getDouble(I) * scaleOf(T, I / Row));
    setInput(G, P, 1, std::move(W));
    if (G.nodes()[P].Inputs.size() > 2 && G.nodes()[P].Inputs[2] != NoValue) {
      Tensor B = *G.value(G.nodes()[P].Inputs[2]).Data;
      for (int64_t I = 0; I < B.numElements(); ++I)
        B.setDouble(I, B.getDouble(I) * scaleOf(T, I));
      setInput(G, P, 2, std::move(B));
    }
  }
  for (size_t R : Readers) {
    Tensor W = *G.value(G.nodes()[R].Inputs[1]).Data;
    const int64_t In = W.shape()[1] * G.nodes()[R].getInt("group", 1);
    for (int64_t I = 0; I < In; ++I)
      forInputChannel(G.nodes()[R], W, I, [&](int64_t F) { W.setDouble(F, W.getDouble(F) / scaleOf(T, I)); });
    setInput(G, R, 1, std::move(W));
  }
  int Changed = 0;
  for (double X : T)
    Changed += std::fabs(X - 1) > 1e-6;
  return Changed;
}

} // namespace npu::passes
