// Pass registry built from Passes.def, and the pipeline runner with --print-after / --stop-after.
#include "npu/compiler/passes/PassManager.h"
#include "npu/compiler/ir/Printer.h"
#include "npu/compiler/ir/Verifier.h"

#include "CommonSubexpressionElimination.h"
#include "ConstantFolding.h"
#include "DeadCodeElimination.h"
#include "Equalize.h"
#include "FoldBatchNorm.h"
#include "FuseActivations.h"
#include "Fuse.h"
#include "Layout.h"
#include "../quant/Quantize.h"
#include "ShapeInference.h"

#include <sstream>

namespace npu::passes {

const std::vector<PassInfo> &allPasses() {
  static const std::vector<PassInfo> Passes = {
#define NPU_PASS(Factory, Name, InHost, InNpu, Summary) {Name, Summary, InHost, InNpu, Factory},
#include "npu/compiler/passes/Passes.def"
  };
  return Passes;
}

const PassInfo *findPass(const std::string &Name) {
  for (const PassInfo &P : allPasses())
    if (Name == P.Name)
      return &P;
  return nullptr;
}

std::vector<std::string> defaultPipeline(const std::string &Target) {
  std::vector<std::string> Out;
  for (const PassInfo &P : allPasses())
    if (Target == "host" ? P.InHost : P.InNpu)
      Out.push_back(P.Name);
  return Out;
}

Expected<std::vector<std::string>> parsePassList(const std::string &List) {
  std::vector<std::string> Out;
  std::stringstream SS(List);
  std::string Name;
  while (std::getline(SS, Name, ',')) {
    if (Name.empty())
      continue;
    if (!findPass(Name)) {
      std::string Known;
      for (const PassInfo &P : allPasses())
        Known += std::string(Known.empty() ? "" : ", ") + P.Name;
      return makeError("unknown pass '", Name, "' (passes: ", Known, ")");
    }
    Out.push_back(Name);
  }
  return Out;
}

Status runPipeline(ir::Graph &G, const std::vector<std::string> &Passes, const PassOptions &Opts,
                   const PipelineOptions &Pipe) {
  for (const std::string &Name : Passes) {
    const PassInfo *Info = findPass(Name);
    if (!Info)
      return makeError("unknown pass '", Name, "'");
    std::unique_ptr<Pass> P = Info->Create();
    if (Status S = P->run(G, Opts); !S)
      return S.withContext(std::string("pass ") + Name);
    if (Pipe.VerifyEach)
      if (Status S = ir::verifyGraph(G); !S)
        return S.withContext(std::string("the graph after pass ") + Name + " does not verify");
    if (Pipe.Out && (Pipe.PrintAfterAll || Pipe.PrintAfter.count(Name))) {
      ir::PrintOptions PO;
      PO.ElideConstantsAbove = Pipe.ElideConstantsAbove;
      *Pipe.Out << "// ----- IR after " << Name << " -----\n" << ir::printGraph(G, PO);
    }
    if (Name == Pipe.StopAfter)
      break;
  }
  return Status::ok();
}

} // namespace npu::passes
