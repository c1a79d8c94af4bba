// shape-inference: the graph may come straight from the parser (types `?`), so this pass checks the structure
// it relies on (known operators, input counts, definitions before uses) itself instead of assuming a verified
// graph; errors name the node.
#include "ShapeInference.h"
#include "PassReport.h"
#include "npu/compiler/ops/OpRegistry.h"
#include "npu/compiler/support/Try.h"

namespace npu::passes {
namespace {

using namespace ir;

class ShapeInference : public Pass {
public:
  const char *name() const override { return "shape-inference"; }
  Status run(Graph &G, const PassOptions &Opts) override {
    std::vector<bool> Defined(G.numValues(), false);
    for (size_t I = 0; I < G.numValues(); ++I) {
      Value &V = G.value(ValueId(I));
      if (V.Kind == ValueKind::Constant && V.Data && !V.Type)
        V.Type = V.Data->type();
      Defined[I] = V.Kind != ValueKind::NodeOutput;
    }
    for (ValueId In : G.Inputs)
      if (In >= 0 && size_t(In) < G.numValues() && !G.value(In).Type)
        return makeError("graph input '", G.value(In).Name, "' needs a type");
    int Changed = 0;
    for (const Node &N : G.nodes()) {
      NPU_ASSIGN(std::vector<TensorType> Types, inferNode(G, N, Defined));
      for (size_t O = 0; O < N.Outputs.size(); ++O) {
        ValueId Out = N.Outputs[O];
        if (Out == NoValue)
          continue;
        if (Out < 0 || size_t(Out) >= G.numValues())
          return makeError(describeNode(N), ": output id ", Out, " is out of range");
        std::optional<TensorType> &Decl = G.value(Out).Type;
        Defined[size_t(Out)] = true;
        if (Decl && Decl->Elem == Types[O].Elem && Decl->Dims == Types[O].Dims)
          continue;
        // Quantization parameters are the declaration's: inference only knows them for quantized operators.
        if (Decl && !Types[O].Quant && Decl->Dims == Types[O].Dims)
          Types[O].Quant = Decl->Quant;
        Decl = Types[O];
        ++Changed;
      }
    }
    reportPass(Opts, name(), G.nodes().size(), G.nodes().size(), std::to_string(Changed) + " types updated");
    return Status::ok();
  }

private:
  /// The output types of N (the declared ones where they depend on a computed value).
  static Expected<std::vector<TensorType>> inferNode(const Graph &G, const Node &N,
                                                     const std::vector<bool> &Defined) {
    const OpDef *Def = findOp(N.OpType);
    if (!Def)
      return makeError(describeNode(N), ": unknown operator");
    if (Status S = checkNodeSignature(N, *Def); !S)
      return S.withContext(describeNode(N)).error();
    std::vector<const TensorType *> Types;
    std::vector<const Tensor *> Values;
    for (ValueId In : N.Inputs) {
      if (In == NoValue) {
        Types.push_back(nullptr);
        Values.push_back(nullptr);
        continue;
      }
      if (In < 0 || size_t(In) >= G.numValues())
        return makeError(describeNode(N), ": input id ", In, " is out of range");
      const Value &V = G.value(In);
      if (!Defined[size_t(In)])
        return makeError(describeNode(N), " uses value '", V.Name, "' before its definition (or in a cycle)");
      if (!V.Type)
        return makeError(describeNode(N), ": input '", V.Name, "' has no type");
      Types.push_back(&*V.Type);
      Values.push_back(V.Data.get());
    }
    InferContext Ctx(N, Types, Values);
    auto R = inferNodeTypes(*Def, Ctx);
    if (R)
      return R;
    if (!Ctx.missingValue())
      return R.error().withContext(describeNode(N));
    // The shape depends on a value computed at run time: only a declared type can say it.
    std::vector<TensorType> Declared;
    for (ValueId Out : N.Outputs) {
      if (Out != NoValue && (Out < 0 || size_t(Out) >= G.numValues() || !G.value(Out).Type))
        return R.error().withContext(describeNode(N) + " (declare its output types)");
      Declared.push_back(Out == NoValue ? TensorType() : *G.value(Out).Type);
    }
    return Declared;
  }
};

} // namespace

std::unique_ptr<Pass> createShapeInferencePass() { return std::make_unique<ShapeInference>(); }

} // namespace npu::passes
