// dce: a node is dead when none of its outputs is read by a live node or is a graph output.
#include "DeadCodeElimination.h"
#include "GraphRewrite.h"

namespace npu::passes {
namespace {

class DeadCodeElimination : public Pass {
public:
  const char *name() const override { return "dce"; }
  Status run(ir::Graph &G, const PassOptions &) override {
    std::vector<int> Uses = useCounts(G);
    std::vector<bool> Keep(G.nodes().size(), true);
    // Nodes are topologically ordered, so one reverse sweep sees every use before its definition.
    for (size_t I = G.nodes().size(); I-- > 0;) {
      const ir::Node &N = G.nodes()[I];
      bool Used = false;
      for (ir::ValueId Out : N.Outputs)
        Used |= Out != ir::NoValue && Uses[size_t(Out)] > 0;
      if (Used)
        continue;
      Keep[I] = false;
      for (ir::ValueId In : N.Inputs)
        if (In != ir::NoValue)
          --Uses[size_t(In)];
    }
    compactGraph(G, Keep);
    return Status::ok();
  }
};

} // namespace

std::unique_ptr<Pass> createDeadCodeEliminationPass() { return std::make_unique<DeadCodeElimination>(); }

} // namespace npu::passes
