// fuse: float fusions the backends map to one operation. Only f32 graphs are fused, and only where the
// intermediate value has no other reader and is no graph output (it disappears).
#include "Fuse.h"
#include "ChannelAffine.h"
#include "Dataflow.h"
#include "GraphRewrite.h"
#include "PassReport.h"

#include <limits>

namespace npu::passes {
namespace {

using namespace ir;

class Fuse : public Pass {
public:
  const char *name() const override { return "fuse"; }
  Status run(Graph &G, const PassOptions &Opts) override {
    size_t Before = G.nodes().size();
    Dataflow DF(G);
    int Biases = 0, Activations = 0;
    for (size_t I = 0; I < G.nodes().size(); ++I) {
      const std::string &Op = G.nodes()[I].OpType;
      if (Op == "Add")
        Biases += fuseBias(G, DF, I);
      else if (Op == "Relu" || Op == "Clip" || Op == "LeakyRelu")
        Activations += fuseActivation(G, DF, I);
    }
    compactGraph(G, DF.keep());
    reportPass(Opts, name(), Before, G.nodes().size(),
               std::to_string(Biases) + " Add into bias, " + std::to_string(Activations) +
                   " activations fused");
    return Status::ok();
  }

private:
  /// P(x) + c with a constant c: c goes into P's bias when P is Conv (c per channel) or Gemm/2-D MatMul.
  bool fuseBias(Graph &G, Dataflow &DF, size_t I) {
    const Node &N = G.nodes()[I];
    const Shape Out = G.type(N.Outputs[0]).Dims;
    for (size_t K = 0; K < 2; ++K) {
      ValueId X = N.Inputs[K], C = N.Inputs[1 - K];
      Node *P = isConstant(G, C) && G.type(X).Dims == Out ? DF.soleProducer(G, X) : nullptr;
      if (!P || !foldAffine(G, *P, {}, G.value(C).Data.get()))
        continue;
      DF.takeOver(G, *P, I);
      return true;
    }
    return false;
  }

  /// Conv/Gemm/2-D MatMul followed by an activation becomes npu.FusedConv / npu.FusedGemm.
  bool fuseActivation(Graph &G, Dataflow &DF, size_t I) {
    const Node &A = G.nodes()[I];
    Node *P = DF.soleProducer(G, A.Inputs[0]);
    if (!P || !isAffineProducer(G, *P))
      return false;
    float Inf = std::numeric_limits<float>::infinity();
    float Lo = -Inf, Hi = Inf;
    if (A.OpType == "Clip") {
      // Bounds must be constants; an omitted bound is unbounded, as in Clip.
      for (size_t K = 1; K < 3; ++K) {
        if (!A.hasInput(K))
          continue;
        if (!isConstant(G, A.Inputs[K]) || G.value(A.Inputs[K]).Data->numElements() != 1)
          return false;
        (K == 1 ? Lo : Hi) = static_cast<float>(G.value(A.Inputs[K]).Data->getDouble(0));
      }
    }
    if (P->OpType == "MatMul")
      P->OpType = "Gemm"; // 2-D MatMul is Gemm without bias, alpha = beta = 1
    P->OpType = P->OpType == "Conv" ? "npu.FusedConv" : "npu.FusedGemm";
    if (A.OpType == "Relu") {
      P->setAttr("activation", std::string("relu"));
    } else if (A.OpType == "LeakyRelu") {
      P->setAttr("activation", std::string("leaky_relu"));
      P->setAttr("act_alpha", A.getFloat("alpha", 0.01f));
    } else {
      P->setAttr("activation", std::string("clip"));
      P->setAttr("act_min", Lo);
      P->setAttr("act_max", Hi);
    }
    DF.takeOver(G, *P, I);
    return true;
  }
};

} // namespace

std::unique_ptr<Pass> createFusePass() { return std::make_unique<Fuse>(); }

} // namespace npu::passes
