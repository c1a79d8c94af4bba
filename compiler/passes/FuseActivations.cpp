// fuse-activations: exporters write mobile networks' activations out of primitives, so a backbone bounces
// between operators at every activation. This pass recognizes the common forms and replaces each by one
// operator that the backends implement directly:
//
//   x * HardSigmoid(x) [alpha 1/6, beta 1/2], x * Clip(x + 3, 0, 6) / 6 (any order of the products, / 6 or
//   * 1/6), x * (Clip(x + 3, 0, 6) / 6)                          -> HardSwish(x)
//   Clip(x + 3, 0, 6) / 6                                         -> HardSigmoid(x) {alpha 1/6, beta 0.5}
//   x * Sigmoid(x)                                                -> npu.SiLU(x)
//   x * 0.5 * (1 + Erf(x / sqrt 2)), in any order of the products -> Gelu(x)
//
// A product is read as a tree of Mul (and Div by a constant) nodes: its constant factors multiply into one
// scalar, the rest are the factors matched above. Every node of a pattern but the root must have no other
// reader and be no graph output; the root node becomes the new operator (it keeps its output), the others go.
#include "FuseActivations.h"
#include "GraphRewrite.h"
#include "PassReport.h"

#include <cmath>
#include <map>
#include <optional>

namespace npu::passes {
namespace {

using namespace ir;

bool near(double A, double B) { return std::fabs(A - B) <= 1e-4 * std::max(1.0, std::fabs(B)); }

class Matcher {
public:
  explicit Matcher(Graph &G) : G(G), Uses(useCounts(G)), Producer(G.numValues(), -1) {
    for (size_t I = 0; I < G.nodes().size(); ++I)
      for (ValueId V : G.nodes()[I].Outputs)
        if (V != NoValue)
          Producer[size_t(V)] = int(I);
  }

  /// Rewrites node I if it roots a pattern; the replaced nodes are marked in Dead.
  bool tryRoot(size_t I, std::vector<bool> &Dead) {
    const Node &N = G.nodes()[I];
    if ((N.OpType != "Mul" && N.OpType != "Div") || !isF32(N.Outputs[0]))
      return false;
    Product P;
    if (!collect(N.Outputs[0], true, P) || P.Factors.empty() || P.Factors.size() > 2)
      return false;
    std::optional<Fused> F = P.Factors.size() == 1 ? single(P) : pair(P);
    if (!F)
      return false;
    for (int K : P.Nodes)
      if (K != int(I))
        Dead[size_t(K)] = true;
    for (int K : F->Inner)
      Dead[size_t(K)] = true;
    Node &R = G.nodes()[I];
    R.OpType = F->Op;
    R.Inputs = {F->X};
    R.Attrs.clear();
    for (const auto &[Name, Value] : F->Floats)
      R.setAttr(Name, Value);
    Counts[F->Op] += 1;
    return true;
  }

  std::map<std::string, int> Counts;

private:
  struct Product {
    double Scalar = 1;
    std::vector<ValueId> Factors;
    std::vector<int> Nodes; ///< the Mul/Div nodes of the product tree
  };
  struct Fused {
    std::string Op;
    ValueId X = NoValue;
    std::vector<int> Inner; ///< nodes computing the non-X factor
    std::vector<std::pair<std::string, float>> Floats;
  };

  bool isF32(ValueId V) const { return V != NoValue && G.type(V).Elem == ElemType::Float32; }
  const Node *producer(ValueId V) const {
    return V != NoValue && Producer[size_t(V)] >= 0 ? &G.nodes()[size_t(Producer[size_t(V)])] : nullptr;
  }
  bool internal(ValueId V) const { return Uses[size_t(V)] == 1 && producer(V); }
  std::optional<double> scalar(ValueId V) const {
    if (V == NoValue || G.value(V).Kind != ValueKind::Constant || !G.value(V).Data)
      return std::nullopt;
    const Tensor &T = *G.value(V).Data;
    if (T.numElements() < 1 || !isFloatType(T.elemType()))
      return std::nullopt;
    for (int64_t K = 1; K < T.numElements(); ++K)
      if (T.getDouble(K) != T.getDouble(0))
        return std::nullopt;
    return T.getDouble(0);
  }

  /// Flattens the product rooted at V (Mul, and Div by a constant) into P.
  bool collect(ValueId V, bool Root, Product &P) const {
    if (auto S = scalar(V)) {
      P.Scalar *= *S;
      return true;
    }
    const Node *N = producer(V);
    // Only elementwise products: every operand a scalar constant or of V's own shape (no broadcasting).
    auto SameShape = [&](ValueId In) { return scalar(In) || G.type(In).Dims == G.type(V).Dims; };
    if (N && (N->OpType == "Mul" || N->OpType == "Div") && (Root || internal(V)) && isF32(V) &&
        SameShape(N->Inputs[0]) && SameShape(N->Inputs[1])) {
      P.Nodes.push_back(Producer[size_t(V)]);
      if (N->OpType == "Mul")
        return collect(N->Inputs[0], false, P) && collect(N->Inputs[1], false, P);
      auto D = scalar(N->Inputs[1]);
      if (!D || *D == 0)
        return false;
      P.Scalar /= *D;
      return collect(N->Inputs[0], false, P);
    }
    P.Factors.push_back(V);
    return true;
  }

  /// Clip(x + 3, 0, 6) (the Add either way round): x, and the two nodes.
  std::optional<std::pair<ValueId, std::vector<int>>> reluSixOfXPlusThree(ValueId V) const {
    const Node *C = producer(V);
    if (!C || C->OpType != "Clip" || !internal(V))
      return std::nullopt;
    auto Lo = C->hasInput(1) ? scalar(C->Inputs[1]) : std::nullopt;
    auto Hi = C->hasInput(2) ? scalar(C->Inputs[2]) : std::nullopt;
    const Node *A = producer(C->Inputs[0]);
    if (!Lo || !Hi || *Lo != 0 || *Hi != 6 || !A || A->OpType != "Add" || !internal(C->Inputs[0]))
      return std::nullopt;
    for (int K = 0; K < 2; ++K)
      if (auto T = scalar(A->Inputs[size_t(K)]); T && *T == 3)
        return std::make_pair(A->Inputs[size_t(1 - K)],
                              std::vector<int>{Producer[size_t(V)], Producer[size_t(C->Inputs[0])]});
    return std::nullopt;
  }

  /// Clip(x + 3, 0, 6) / 6 alone: HardSigmoid.
  std::optional<Fused> single(const Product &P) const {
    auto R = reluSixOfXPlusThree(P.Factors[0]);
    if (!R || !near(P.Scalar, 1.0 / 6))
      return std::nullopt;
    return Fused{"HardSigmoid", R->first, R->second, {{"alpha", 1.0f / 6.0f}, {"beta", 0.5f}}};
  }

  /// x times a function of x.
  std::optional<Fused> pair(const Product &P) const {
    for (int K = 0; K < 2; ++K) {
      const ValueId X = P.Factors[size_t(K)], F = P.Factors[size_t(1 - K)];
      if (auto F2 = ofX(X, F, P.Scalar))
        return F2;
    }
    return std::nullopt;
  }

  std::optional<Fused> ofX(ValueId X, ValueId F, double Scalar) const {
    const Node *N = producer(F);
    if (!N || !internal(F))
      return std::nullopt;
    const int NI = Producer[size_t(F)];
    if (N->OpType == "HardSigmoid" && N->Inputs[0] == X && near(Scalar, 1) &&
        near(N->getFloat("alpha", 0.2f), 1.0 / 6) && near(N->getFloat("beta", 0.5f), 0.5))
      return Fused{"HardSwish", X, {NI}, {}};
    if (N->OpType == "Sigmoid" && N->Inputs[0] == X && near(Scalar, 1))
      return Fused{"npu.SiLU", X, {NI}, {}};
    if (auto R = reluSixOfXPlusThree(F); R && R->first == X && near(Scalar, 1.0 / 6))
      return Fused{"HardSwish", X, R->second, {}};
    // HardSigmoid written out, times x: x * (Clip(x + 3, 0, 6) / 6).
    Product Inner;
    if ((N->OpType == "Mul" || N->OpType == "Div") && near(Scalar, 1)) {
      if (collect(F, true, Inner) && Inner.Factors.size() == 1 && near(Inner.Scalar, 1.0 / 6))
        if (auto R = reluSixOfXPlusThree(Inner.Factors[0]); R && R->first == X) {
          R->second.insert(R->second.end(), Inner.Nodes.begin(), Inner.Nodes.end());
          return Fused{"HardSwish", X, R->second, {}};
        }
    }
    // GELU: 0.5 x (1 + Erf(x / sqrt 2)).
    if (N->OpType == "Add" && near(Scalar, 0.5)) {
      for (int K = 0; K < 2; ++K) {
        auto One = scalar(N->Inputs[size_t(K)]);
        const ValueId E = N->Inputs[size_t(1 - K)];
        const Node *Erf = producer(E);
        if (!One || *One != 1 || !Erf || Erf->OpType != "Erf" || !internal(E))
          continue;
        Product Arg;
        if (internal(Erf->Inputs[0]) && collect(Erf->Inputs[0], true, Arg) && Arg.Factors.size() == 1 &&
            Arg.Factors[0] == X && near(Arg.Scalar, 1 / std::sqrt(2.0))) {
          std::vector<int> Inner = {NI, Producer[size_t(E)]};
          Inner.insert(Inner.end(), Arg.Nodes.begin(), Arg.Nodes.end());
          return Fused{"Gelu", X, Inner, {}};
        }
      }
    }
    return std::nullopt;
  }

  Graph &G;
  std::vector<int> Uses, Producer;
};

class FuseActivations : public Pass {
public:
  const char *name() const override { return "fuse-activations"; }
  Status run(Graph &G, const PassOptions &Opts) override {
    const size_t Before = G.nodes().size();
    std::vector<bool> Dead(Before, false);
    Matcher M(G);
    // From the last node back: an outer product (HardSwish) is matched before the HardSigmoid inside it.
    for (size_t I = Before; I-- > 0;)
      if (!Dead[I])
        M.tryRoot(I, Dead);
    std::vector<bool> Keep(Before);
    for (size_t I = 0; I < Before; ++I)
      Keep[I] = !Dead[I];
    compactGraph(G, Keep);
    std::string What;
    for (const auto &[Op, N] : M.Counts)
      What += (What.empty() ? "" : ", ") + Op + " x" + std::to_string(N);
    reportPass(Opts, name(), Before, G.nodes().size(), What.empty() ? "no decomposed activation" : What);
    return Status::ok();
  }
};

} // namespace

std::unique_ptr<Pass> createFuseActivationsPass() { return std::make_unique<FuseActivations>(); }

} // namespace npu::passes
