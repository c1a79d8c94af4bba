// constant-folding: one forward sweep; a folded node's outputs turn into constants in place, so the nodes
// after it see them, and whole constant subgraphs (Shape -> Gather -> Concat -> Reshape, ConstantOfShape
// weight fills) fold in one run.
#include "ConstantFolding.h"
#include "GraphRewrite.h"
#include "PassReport.h"
#include "npu/compiler/ops/OpRegistry.h"
#include "npu/compiler/ref/Fold.h"
#include "npu/compiler/support/Try.h"

#include <algorithm>

namespace npu::passes {
namespace {

using namespace ir;

/// Larger results stay computed at run time: folding them would bloat the model for little gain.
constexpr int64_t MaxFoldedBytes = int64_t(64) << 20;

/// Operators never folded. DequantizeLinear of constant weights stays so later passes still see that the
/// weights were quantized (folding would turn them back into plain floats).
bool neverFold(const std::string &Op) { return Op == "DequantizeLinear"; }

class ConstantFolding : public Pass {
public:
  const char *name() const override { return "constant-folding"; }
  Status run(Graph &G, const PassOptions &Opts) override {
    size_t Before = G.nodes().size();
    std::vector<bool> Keep(G.nodes().size(), true);
    int Folded = 0, Skipped = 0;
    for (size_t I = 0; I < G.nodes().size(); ++I) {
      const Node &N = G.nodes()[I];
      std::vector<const Tensor *> Known;
      for (ValueId In : N.Inputs)
        Known.push_back(In != NoValue && G.value(In).Kind == ValueKind::Constant ? G.value(In).Data.get() : nullptr);
      std::string Why;
      std::optional<std::vector<Tensor>> Results;
      if (!neverFold(N.OpType)) {
        // A kernel error is left to fail at run time, where it matters (the node may be unused).
        NPU_ASSIGN(ref::FoldResult R, ref::foldNode(G, N, Known, MaxFoldedBytes));
        Results = std::move(R.Values), Why = std::move(R.Why);
      }
      if (!Why.empty()) {
        ++Skipped;
        if (Opts.Report)
          *Opts.Report << "constant-folding: not folding " << describeNode(N) << ": " << Why << "\n";
      }
      if (!Results)
        continue;
      for (size_t O = 0; O < N.Outputs.size(); ++O) {
        if (N.Outputs[O] == NoValue)
          continue;
        Value &V = G.value(N.Outputs[O]);
        V.Kind = ValueKind::Constant;
        V.Data = std::make_shared<const Tensor>(std::move((*Results)[O]));
      }
      Keep[I] = false;
      ++Folded;
    }
    compactGraph(G, Keep);
    reportPass(Opts, name(), Before, G.nodes().size(),
               std::to_string(Folded) + " folded" +
                   (Skipped ? std::string(", ") + std::to_string(Skipped) + " not folded" : ""));
    return Status::ok();
  }
};

} // namespace

std::unique_ptr<Pass> createConstantFoldingPass() { return std::make_unique<ConstantFolding>(); }

} // namespace npu::passes
