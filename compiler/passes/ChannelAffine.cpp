// Per-channel affine folding into Conv / Gemm / MatMul weights and bias.
#include "ChannelAffine.h"
#include "npu/compiler/ops/OpHelpers.h"

namespace npu::passes {

using namespace ir;

namespace {

/// Element (I, J) of T broadcast to a 2-D shape (T has rank <= 2).
double at2(const Tensor &T, int64_t I, int64_t J) {
  const Shape &S = T.shape();
  int64_t Row = S.size() == 2 && S[0] != 1 ? I : 0;
  int64_t Col = !S.empty() && S.back() != 1 ? J : 0;
  return T.getDouble((S.size() == 2 ? Row * S[1] : 0) + Col);
}

/// Weights with output channel C scaled by Scale[C]; channels are rows (ChannelRows) or columns.
Tensor scaledWeights(const Tensor &W, const std::vector<double> &Scale, bool ChannelRows) {
  Tensor R(ElemType::Float32, W.shape());
  int64_t Ch = static_cast<int64_t>(Scale.size());
  int64_t Inner = W.numElements() / Ch;
  const float *In = W.data<float>();
  float *Out = R.data<float>();
  for (int64_t I = 0; I < W.numElements(); ++I) {
    double S = Scale[static_cast<size_t>(ChannelRows ? I / Inner : I % Ch)];
    Out[I] = static_cast<float>(static_cast<double>(In[I]) * S);
  }
  return R;
}

bool foldIntoConv(Graph &G, Node &P, const std::vector<double> &Scale, const Tensor *Shift) {
  const Shape Out = G.type(P.Outputs[0]).Dims;
  int64_t Ch = Out[1];
  std::vector<double> T(static_cast<size_t>(Ch), 0.0);
  if (Shift) {
    auto V = perChannelValues(*Shift, Out);
    if (!V)
      return false;
    T = *V;
  }
  bool HasBias = P.hasInput(2);
  if ((!Scale.empty() && !isConstant(G, P.Inputs[1])) || (HasBias && !isConstant(G, P.Inputs[2])))
    return false;
  if (!Scale.empty()) {
    std::shared_ptr<const Tensor> W = G.value(P.Inputs[1]).Data;
    std::string Name = foldedName(G, G.value(P.Inputs[1]).Name);
    P.Inputs[1] = G.addConstant(Name, scaledWeights(*W, Scale, true));
  }
  Tensor B(ElemType::Float32, {Ch});
  for (int64_t C = 0; C < Ch; ++C) {
    double Old = HasBias ? G.value(P.Inputs[2]).Data->getDouble(C) : 0.0;
    double S = Scale.empty() ? 1.0 : Scale[static_cast<size_t>(C)];
    B.data<float>()[C] = static_cast<float>(Old * S + T[static_cast<size_t>(C)]);
  }
  std::string Name =
      HasBias ? foldedName(G, G.value(P.Inputs[2]).Name) : G.uniqueName(G.value(P.Outputs[0]).Name + "_bias");
  P.Inputs.resize(3, NoValue);
  P.Inputs[2] = G.addConstant(Name, std::move(B));
  return true;
}

/// Gemm, or a 2-D MatMul (which becomes a Gemm when it gets a bias).
bool foldIntoGemm(Graph &G, Node &P, const std::vector<double> &Scale, const Tensor *Shift) {
  const Shape Out = G.type(P.Outputs[0]).Dims;
  bool IsGemm = P.OpType == "Gemm";
  bool HasC = IsGemm && P.hasInput(2);
  if ((!Scale.empty() && !isConstant(G, P.Inputs[1])) || (HasC && !isConstant(G, P.Inputs[2])))
    return false;
  // The new C's shape: what C, Shift and a per-column scale broadcast to; it must not grow the output.
  Shape NS;
  auto Merge = [&](const Shape &S) {
    auto B = broadcastShapes(NS, S);
    if (!B)
      return false;
    NS = *B;
    return true;
  };
  if ((HasC && !Merge(G.type(P.Inputs[2]).Dims)) || (Shift && !Merge(Shift->shape())) ||
      (HasC && !Scale.empty() && !Merge(Shape{Out[1]})))
    return false;
  if (auto B = broadcastShapes(NS, Out); !B || *B != Out || NS.size() > 2)
    return false;
  if (!Scale.empty()) {
    std::shared_ptr<const Tensor> W = G.value(P.Inputs[1]).Data;
    bool Rows = IsGemm && P.getInt("transB", 0) != 0; // B is [N,K] under transB
    std::string Name = foldedName(G, G.value(P.Inputs[1]).Name);
    P.Inputs[1] = G.addConstant(Name, scaledWeights(*W, Scale, Rows));
  }
  if (!HasC && !Shift)
    return true;
  double Beta = IsGemm ? P.getFloat("beta", 1.0f) : 1.0;
  std::shared_ptr<const Tensor> OldC = HasC ? G.value(P.Inputs[2]).Data : nullptr;
  Tensor C(ElemType::Float32, NS);
  int64_t Rows = NS.size() == 2 ? NS[0] : 1, Cols = NS.empty() ? 1 : NS.back();
  for (int64_t I = 0; I < Rows; ++I)
    for (int64_t J = 0; J < Cols; ++J) {
      double V = OldC ? Beta * at2(*OldC, I, J) : 0.0;
      if (!Scale.empty())
        V *= Scale[static_cast<size_t>(J)];
      if (Shift)
        V += at2(*Shift, I, J);
      C.data<float>()[I * Cols + J] = static_cast<float>(V);
    }
  std::string Name =
      HasC ? foldedName(G, G.value(P.Inputs[2]).Name) : G.uniqueName(G.value(P.Outputs[0]).Name + "_bias");
  P.OpType = "Gemm";
  P.removeAttr("beta");
  P.Inputs.resize(3, NoValue);
  P.Inputs[2] = G.addConstant(Name, std::move(C));
  return true;
}

} // namespace

std::string foldedName(const Graph &G, std::string Base) {
  if (size_t P = Base.rfind("_folded"); P != std::string::npos)
    Base.resize(P);
  return G.uniqueName(Base + "_folded");
}

bool isConstant(const Graph &G, ValueId V) { return V != NoValue && G.value(V).Kind == ValueKind::Constant; }

std::optional<std::vector<double>> perChannelValues(const Tensor &C, const Shape &Out) {
  if (Out.size() < 2 || C.shape().size() > Out.size())
    return std::nullopt;
  size_t Off = Out.size() - C.shape().size();
  bool AlongChannels = false;
  for (size_t D = 0; D < C.shape().size(); ++D) {
    int64_t Dim = C.shape()[D];
    if (Dim == 1)
      continue;
    if (Off + D != 1 || Dim != Out[1])
      return std::nullopt;
    AlongChannels = true;
  }
  std::vector<double> V(static_cast<size_t>(Out[1]));
  for (int64_t K = 0; K < Out[1]; ++K)
    V[static_cast<size_t>(K)] = C.getDouble(AlongChannels ? K : 0);
  return V;
}

Tensor channelTensor(const std::vector<double> &V, int64_t OutRank) {
  Shape S(static_cast<size_t>(std::max<int64_t>(1, OutRank - 1)), 1);
  S[0] = static_cast<int64_t>(V.size());
  return Tensor::fromValues(ElemType::Float64, S, V);
}

bool isAffineProducer(const Graph &G, const Node &P) {
  if (P.Outputs.empty() || P.Outputs[0] == NoValue || P.Inputs.size() < 2)
    return false;
  for (ValueId V : P.Inputs)
    if (V != NoValue && G.type(V).Elem != ElemType::Float32)
      return false;
  if (P.OpType == "Conv" || P.OpType == "Gemm")
    return true;
  return P.OpType == "MatMul" && G.type(P.Inputs[0]).rank() == 2 && G.type(P.Inputs[1]).rank() == 2;
}

bool foldAffine(Graph &G, Node &P, const std::vector<double> &Scale, const Tensor *Shift) {
  if (!isAffineProducer(G, P))
    return false;
  if (!Scale.empty() && static_cast<int64_t>(Scale.size()) != G.type(P.Outputs[0]).Dims[1])
    return false;
  if (P.OpType == "Conv")
    return foldIntoConv(G, P, Scale, Shift);
  return foldIntoGemm(G, P, Scale, Shift);
}

} // namespace npu::passes
