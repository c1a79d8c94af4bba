// cse: constants are merged first, by content, so nodes reading equal constants become equal too. One forward
// sweep then merges nodes; uses are redirected through a value map applied as the sweep goes, so chains of
// duplicates merge in one run. A value that is a graph output is never merged away (its name is part of the
// model's interface), though other values may merge into it.
#include "CommonSubexpressionElimination.h"
#include "GraphRewrite.h"
#include "PassReport.h"

#include <algorithm>
#include <functional>
#include <string_view>
#include <unordered_map>

namespace npu::passes {
namespace {

using namespace ir;

bool sameAttrs(const Node &A, const Node &B) {
  if (A.Attrs.size() != B.Attrs.size())
    return false;
  for (const Attribute &X : A.Attrs) {
    const Attribute *Y = B.findAttr(X.Name);
    if (!Y || !(X == *Y))
      return false;
  }
  return true;
}

bool sameOutputSlots(const Node &A, const Node &B) {
  if (A.Outputs.size() != B.Outputs.size())
    return false;
  for (size_t I = 0; I < A.Outputs.size(); ++I)
    if ((A.Outputs[I] == NoValue) != (B.Outputs[I] == NoValue))
      return false;
  return true;
}

class Cse : public Pass {
public:
  const char *name() const override { return "cse"; }
  Status run(Graph &G, const PassOptions &Opts) override {
    size_t Before = G.nodes().size();
    std::vector<ValueId> Map(G.numValues());
    for (size_t I = 0; I < Map.size(); ++I)
      Map[I] = ValueId(I);
    std::vector<bool> IsOutput(G.numValues(), false);
    for (ValueId O : G.Outputs)
      IsOutput[size_t(O)] = true;
    int Constants = mergeConstants(G, Map, IsOutput);

    std::vector<bool> Keep(G.nodes().size(), true);
    std::unordered_map<std::string, std::vector<size_t>> Seen; // operator + inputs -> nodes kept
    int Nodes = 0;
    for (size_t I = 0; I < G.nodes().size(); ++I) {
      Node &N = G.nodes()[I];
      for (ValueId &In : N.Inputs)
        if (In != NoValue)
          In = Map[size_t(In)];
      std::string Key = N.OpType;
      for (ValueId In : N.Inputs) {
        Key += ',';
        Key += std::to_string(In);
      }
      std::vector<size_t> &Same = Seen[Key];
      auto Dup = std::find_if(Same.begin(), Same.end(), [&](size_t K) {
        const Node &M = G.nodes()[K];
        return sameOutputSlots(M, N) && sameAttrs(M, N);
      });
      bool Replaceable = std::none_of(N.Outputs.begin(), N.Outputs.end(),
                                      [&](ValueId O) { return O != NoValue && IsOutput[size_t(O)]; });
      if (Dup == Same.end() || !Replaceable) {
        Same.push_back(I);
        continue;
      }
      for (size_t O = 0; O < N.Outputs.size(); ++O)
        if (N.Outputs[O] != NoValue)
          Map[size_t(N.Outputs[O])] = G.nodes()[*Dup].Outputs[O];
      Keep[I] = false;
      ++Nodes;
    }
    compactGraph(G, Keep);
    reportPass(Opts, name(), Before, G.nodes().size(),
               std::to_string(Constants) + " constants and " + std::to_string(Nodes) + " nodes merged");
    return Status::ok();
  }

private:
  /// Points every constant at the first constant with the same type and bytes.
  static int mergeConstants(const Graph &G, std::vector<ValueId> &Map, const std::vector<bool> &IsOutput) {
    std::unordered_map<size_t, std::vector<ValueId>> ByHash;
    int Merged = 0;
    for (size_t I = 0; I < G.numValues(); ++I) {
      const Value &V = G.value(ValueId(I));
      if (V.Kind != ValueKind::Constant || !V.Data)
        continue;
      const auto &Bytes = V.Data->byteVector();
      size_t H = std::hash<std::string_view>()(
          std::string_view(reinterpret_cast<const char *>(Bytes.data()), Bytes.size()));
      std::vector<ValueId> &Same = ByHash[H];
      auto Dup = std::find_if(Same.begin(), Same.end(), [&](ValueId K) {
        const Value &C = G.value(K);
        return C.Type == V.Type && (C.Data == V.Data || *C.Data == *V.Data);
      });
      if (Dup == Same.end() || IsOutput[I]) {
        Same.push_back(ValueId(I));
        continue;
      }
      Map[I] = *Dup;
      ++Merged;
    }
    return Merged;
  }
};

} // namespace

std::unique_ptr<Pass> createCommonSubexpressionEliminationPass() { return std::make_unique<Cse>(); }

} // namespace npu::passes
