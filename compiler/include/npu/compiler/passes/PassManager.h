// The pass registry (from Passes.def) and the pipeline runner behind npuc compile / npuc opt.
#pragma once

#include "npu/compiler/passes/Pass.h"

#include <ostream>
#include <set>
#include <string>
#include <vector>

namespace npu::passes {

struct PassInfo {
  const char *Name;
  const char *Summary;
  bool InHost, InNpu;
  std::unique_ptr<Pass> (*Create)();
};

/// Every registered pass, in pipeline order.
const std::vector<PassInfo> &allPasses();
const PassInfo *findPass(const std::string &Name);
/// The default pass list for a target ("host" or "npu").
std::vector<std::string> defaultPipeline(const std::string &Target);
/// Parses "a,b,c" into pass names, checking each exists.
Expected<std::vector<std::string>> parsePassList(const std::string &List);

struct PipelineOptions {
  std::set<std::string> PrintAfter; ///< pass names after which the graph is printed
  bool PrintAfterAll = false;
  std::string StopAfter;           ///< stop after this pass ("" runs all)
  bool VerifyEach = true;          ///< run the verifier after every pass (errors name the pass)
  int64_t ElideConstantsAbove = 256; ///< in printouts, constants above this many bytes print as a hash
  std::ostream *Out = nullptr;     ///< where --print-after output goes
};

/// Runs the passes in order on G. A pass error or a verifier failure after a pass is returned with the pass
/// name as context.
Status runPipeline(ir::Graph &G, const std::vector<std::string> &Passes, const PassOptions &Opts,
                   const PipelineOptions &Pipe);

} // namespace npu::passes
