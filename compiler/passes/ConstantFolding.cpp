// constant-folding: one forward sweep; a folded node's outputs turn into constants in place, so the nodes
// after it see them, and whole constant subgraphs (Shape -> Gather -> Concat -> Reshape, ConstantOfShape
// weight fills) fold in one run.
#include "ConstantFolding.h"
#include "GraphRewrite.h"
#include "PassReport.h"
#include "npu/compiler/ops/OpRegistry.h"
#include "npu/compiler/ref/Interpreter.h"

#include <algorithm>

namespace npu::passes {
namespace {

using namespace ir;

/// Larger results stay computed at run time: folding them would bloat the model for little gain.
constexpr int64_t MaxFoldedBytes = int64_t(64) << 20;

/// Operators never folded. DequantizeLinear of constant weights stays so later passes still see that the
/// weights were quantized (folding would turn them back into plain floats).
bool neverFold(const std::string &Op) { return Op == "DequantizeLinear"; }

/// Shape and Size only need their input's static type, not its data.
std::optional<Tensor> foldFromType(const Node &N, const TensorType &In) {
  int64_t R = In.rank();
  if (N.OpType == "Size")
    return Tensor::fromValues(ElemType::Int64, {}, std::vector<int64_t>{shapeNumElements(In.Dims)});
  if (N.OpType != "Shape")
    return std::nullopt;
  int64_t Start = N.getInt("start", 0), End = N.getInt("end", R);
  Start = std::clamp<int64_t>(Start < 0 ? Start + R : Start, 0, R);
  End = std::clamp<int64_t>(End < 0 ? End + R : End, 0, R);
  std::vector<int64_t> Dims(In.Dims.begin() + Start, In.Dims.begin() + std::max(Start, End));
  return Tensor::fromValues(ElemType::Int64, {int64_t(Dims.size())}, Dims);
}

class ConstantFolding : public Pass {
public:
  const char *name() const override { return "constant-folding"; }
  Status run(Graph &G, const PassOptions &Opts) override {
    size_t Before = G.nodes().size();
    std::vector<bool> Keep(G.nodes().size(), true);
    int Folded = 0, Skipped = 0;
    for (size_t I = 0; I < G.nodes().size(); ++I) {
      const Node &N = G.nodes()[I];
      std::optional<std::vector<Tensor>> Results;
      std::string Why;
      if ((N.OpType == "Shape" || N.OpType == "Size") && N.hasInput(0) && G.value(N.Inputs[0]).Type) {
        Results.emplace();
        Results->push_back(*foldFromType(N, G.type(N.Inputs[0])));
      } else if (foldable(G, N, Why)) {
        std::vector<const Tensor *> Ins;
        for (ValueId In : N.Inputs)
          Ins.push_back(In == NoValue ? nullptr : G.value(In).Data.get());
        auto R = ref::runNode(N, Ins);
        if (R)
          Results = R.takeValue();
        else
          Why = R.message(); // left to fail at run time, where it matters (the node may be unused)
      }
      if (!Why.empty()) {
        ++Skipped;
        if (Opts.Report)
          *Opts.Report << "constant-folding: not folding " << describeNode(N) << ": " << Why << "\n";
      }
      if (!Results)
        continue;
      for (size_t O = 0; O < N.Outputs.size(); ++O) {
        ValueId Out = N.Outputs[O];
        if (Out == NoValue)
          continue;
        Tensor &T = (*Results)[O];
        const TensorType &Decl = G.type(Out);
        if (T.elemType() != Decl.Elem || T.shape() != Decl.Dims)
          return makeError(describeNode(N), ": output ", O, " evaluates to ", formatType(T.type()),
                           " but is declared ", formatType(Decl));
        Value &V = G.value(Out);
        V.Kind = ValueKind::Constant;
        V.Data = std::make_shared<const Tensor>(std::move(T));
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

private:
  /// All inputs constant and the results small enough; Why says why not when that is worth reporting.
  static bool foldable(const Graph &G, const Node &N, std::string &Why) {
    if (N.Inputs.empty() || neverFold(N.OpType) || !ref::hasKernel(N.OpType))
      return false;
    for (ValueId In : N.Inputs)
      if (In != NoValue && G.value(In).Kind != ValueKind::Constant)
        return false;
    for (ValueId Out : N.Outputs) {
      if (Out == NoValue)
        continue;
      const TensorType &T = G.type(Out);
      int64_t Bytes = shapeNumElements(T.Dims) * int64_t(elemTypeSize(T.Elem));
      if (Bytes > MaxFoldedBytes) {
        Why = "its result " + formatType(T) + " (" + std::to_string(Bytes >> 20) +
              " MiB) is above the 64 MiB folding limit";
        return false;
      }
    }
    return true;
  }
};

} // namespace

std::unique_ptr<Pass> createConstantFoldingPass() { return std::make_unique<ConstantFolding>(); }

} // namespace npu::passes
