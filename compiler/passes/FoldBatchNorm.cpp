// fold-batchnorm: BN(P(x)) = P(x) * s + t per channel with s = scale / sqrt(var + eps), t = bias - mean * s,
// so a BN (or Mul by a per-channel constant) whose input comes only from a Conv/Gemm/2-D MatMul with constant
// weights folds into them. A BN left standalone (its input is not such a node, e.g. after Concat in DenseNet)
// stays one node, since backends map it to a per-channel scale and shift; it absorbs the per-channel Mul and
// Add that follow it instead of being split into Mul+Add, which would only add nodes.
#include "FoldBatchNorm.h"
#include "ChannelAffine.h"
#include "Dataflow.h"
#include "GraphRewrite.h"
#include "PassReport.h"

#include <cmath>
#include <optional>

namespace npu::passes {
namespace {

using namespace ir;

/// A BN as y = x * Scale[c] + Shift[c].
struct BnAffine {
  std::vector<double> Scale, Shift;
};

class FoldBatchNorm : public Pass {
public:
  const char *name() const override { return "fold-batchnorm"; }
  Status run(Graph &G, const PassOptions &Opts) override;

private:
  /// Per-channel s and t of an inference BN with constant f32 parameters, or nullopt.
  std::optional<BnAffine> bnAffine(const Graph &G, const Node &N);
  bool foldBn(Graph &G, size_t I);
  bool foldMul(Graph &G, size_t I);
  bool foldAddIntoBn(Graph &G, size_t I);

  std::optional<Dataflow> DF;
  int Folded = 0, Absorbed = 0;
};

std::optional<BnAffine> FoldBatchNorm::bnAffine(const Graph &G, const Node &N) {
  if (N.OpType != "BatchNormalization" || N.getInt("training_mode", 0) != 0 ||
      G.type(N.Inputs[0]).Elem != ElemType::Float32)
    return std::nullopt;
  for (size_t O = 1; O < N.Outputs.size(); ++O)
    if (N.Outputs[O] != NoValue && DF->uses(N.Outputs[O]) > 0)
      return std::nullopt;
  for (size_t K = 1; K < 5; ++K)
    if (!isConstant(G, N.Inputs[K]) || G.type(N.Inputs[K]).Elem != ElemType::Float32)
      return std::nullopt;
  const Tensor &Scale = *G.value(N.Inputs[1]).Data, &Bias = *G.value(N.Inputs[2]).Data;
  const Tensor &Mean = *G.value(N.Inputs[3]).Data, &Var = *G.value(N.Inputs[4]).Data;
  double Eps = N.getFloat("epsilon", 1e-5f);
  BnAffine A;
  for (int64_t C = 0; C < Scale.numElements(); ++C) {
    double D = Var.getDouble(C) + Eps;
    if (!(D > 0)) // a degenerate BN: leave it to the kernel rather than fold NaNs in
      return std::nullopt;
    A.Scale.push_back(Scale.getDouble(C) / std::sqrt(D));
    A.Shift.push_back(Bias.getDouble(C) - Mean.getDouble(C) * A.Scale.back());
  }
  return A;
}

bool FoldBatchNorm::foldBn(Graph &G, size_t I) {
  Node &N = G.nodes()[I];
  auto ST = bnAffine(G, N);
  Node *P = ST ? DF->soleProducer(G, N.Inputs[0]) : nullptr;
  if (!P)
    return false;
  const auto &[S, T] = *ST;
  int64_t Rank = G.type(N.Inputs[0]).rank();
  Tensor Shift = channelTensor(T, Rank);
  if (foldAffine(G, *P, S, &Shift)) {
    DF->takeOver(G, *P, I);
    return true;
  }
  // P = Add(Q, c) with a per-channel constant c (a MatMul/Conv bias kept apart): scale Q, shift c.
  if (P->OpType != "Add")
    return false;
  for (size_t K = 0; K < 2; ++K) {
    ValueId C = P->Inputs[1 - K];
    Node *Q = isConstant(G, C) ? DF->soleProducer(G, P->Inputs[K]) : nullptr;
    const Shape Out = G.type(P->Outputs[0]).Dims;
    auto CV = Q ? perChannelValues(*G.value(C).Data, Out) : std::nullopt;
    if (!CV || G.type(P->Inputs[K]).Dims != Out || !foldAffine(G, *Q, S, nullptr))
      continue;
    for (size_t Ch = 0; Ch < CV->size(); ++Ch)
      (*CV)[Ch] = (*CV)[Ch] * S[Ch] + T[Ch];
    Tensor NewC = channelTensor(*CV, Rank);
    Tensor F(ElemType::Float32, NewC.shape());
    for (int64_t E = 0; E < F.numElements(); ++E)
      F.data<float>()[E] = static_cast<float>(NewC.getDouble(E));
    P->Inputs[1 - K] = G.addConstant(foldedName(G, G.value(C).Name), std::move(F));
    DF->takeOver(G, *P, I);
    return true;
  }
  return false;
}

bool FoldBatchNorm::foldMul(Graph &G, size_t I) {
  Node &N = G.nodes()[I];
  const Shape Out = G.type(N.Outputs[0]).Dims;
  for (size_t K = 0; K < 2; ++K) {
    ValueId X = N.Inputs[K], C = N.Inputs[1 - K];
    Node *P = isConstant(G, C) && G.type(X).Dims == Out ? DF->soleProducer(G, X) : nullptr;
    auto M = P ? perChannelValues(*G.value(C).Data, Out) : std::nullopt;
    if (!M || G.type(X).Elem != ElemType::Float32)
      continue;
    if (isAffineProducer(G, *P)) {
      if (!foldAffine(G, *P, *M, nullptr))
        continue;
      ++Folded;
    } else if (bnAffine(G, *P)) { // BN(x) * m: scale and bias times m
      std::vector<double> Scale(M->size()), Bias(M->size());
      for (size_t Ch = 0; Ch < M->size(); ++Ch) {
        Scale[Ch] = G.value(P->Inputs[1]).Data->getDouble(int64_t(Ch)) * (*M)[Ch];
        Bias[Ch] = G.value(P->Inputs[2]).Data->getDouble(int64_t(Ch)) * (*M)[Ch];
      }
      std::string SN = G.value(P->Inputs[1]).Name, BN = G.value(P->Inputs[2]).Name;
      P->Inputs[1] = G.addConstant(foldedName(G, SN),
                                   Tensor::fromValues(ElemType::Float32, {int64_t(M->size())}, Scale));
      P->Inputs[2] =
          G.addConstant(foldedName(G, BN), Tensor::fromValues(ElemType::Float32, {int64_t(M->size())}, Bias));
      ++Absorbed;
    } else {
      continue;
    }
    DF->takeOver(G, *P, I);
    return true;
  }
  return false;
}

bool FoldBatchNorm::foldAddIntoBn(Graph &G, size_t I) {
  Node &N = G.nodes()[I];
  const Shape Out = G.type(N.Outputs[0]).Dims;
  for (size_t K = 0; K < 2; ++K) {
    ValueId X = N.Inputs[K], C = N.Inputs[1 - K];
    Node *P = isConstant(G, C) && G.type(X).Dims == Out ? DF->soleProducer(G, X) : nullptr;
    auto A = P && bnAffine(G, *P) ? perChannelValues(*G.value(C).Data, Out) : std::nullopt;
    if (!A)
      continue;
    std::vector<double> Bias(A->size());
    for (size_t Ch = 0; Ch < A->size(); ++Ch)
      Bias[Ch] = G.value(P->Inputs[2]).Data->getDouble(int64_t(Ch)) + (*A)[Ch];
    std::string BN = G.value(P->Inputs[2]).Name;
    P->Inputs[2] =
        G.addConstant(foldedName(G, BN), Tensor::fromValues(ElemType::Float32, {int64_t(A->size())}, Bias));
    DF->takeOver(G, *P, I);
    ++Absorbed;
    return true;
  }
  return false;
}

Status FoldBatchNorm::run(Graph &G, const PassOptions &Opts) {
  size_t Before = G.nodes().size();
  DF.emplace(G);
  for (size_t I = 0; I < G.nodes().size(); ++I) {
    const std::string &Op = G.nodes()[I].OpType;
    if (Op == "BatchNormalization" && foldBn(G, I))
      ++Folded;
    else if (Op == "Mul")
      foldMul(G, I);
    else if (Op == "Add")
      foldAddIntoBn(G, I);
  }
  compactGraph(G, DF->keep());
  reportPass(Opts, name(), Before, G.nodes().size(),
             std::to_string(Folded) + " BN/Mul folded into weights, " + std::to_string(Absorbed) +
                 " Mul/Add absorbed by a standalone BN");
  return Status::ok();
}

} // namespace

std::unique_ptr<Pass> createFoldBatchNormPass() { return std::make_unique<FoldBatchNorm>(); }

} // namespace npu::passes
