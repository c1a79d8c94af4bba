// The NPU backend as passes over one segment's tile program: the pass interface, the registry built from
// BackendPasses.def, the pipeline runner (--print-after, --stop-after, --start-after) and the verifier it
// runs between passes.
#pragma once

#include "npu/backend/Schedule.h"
#include "npu/backend/TileIR.h"

#include <memory>
#include <ostream>
#include <set>
#include <string>
#include <vector>

namespace npu::backend {

/// What the backend passes work on: the tile program of one NPU segment and what the passes produce besides
/// it. Stage counts the registry's passes the program has been through (0: as the lowerings left it).
struct BackendState {
  explicit BackendState(const HardwareConfig &C) : Config(C) {}
  const HardwareConfig &Config;
  TileProgram Program;
  bool Serial = false; ///< insert-tokens: the serial chain instead of dependency tokens (--serial-schedule)
  size_t Stage = 0;
  TokenStats Tokens;    ///< set by insert-tokens
  isa::Program Emitted; ///< set by emit
  /// True once the pass named Name has run on the program (or the program was read back after it).
  bool hasRun(const std::string &Name) const;
};

class BackendPass {
public:
  virtual ~BackendPass() = default;
  /// The name used on the command line and in BackendPasses.def.
  virtual const char *name() const = 0;
  /// Transforms S in place. Errors name the tensor or instruction at fault.
  virtual Status run(BackendState &S) = 0;
};

struct BackendPassInfo {
  const char *Name;
  const char *Summary;
  std::unique_ptr<BackendPass> (*Create)();
};

/// Every backend pass, in pipeline order.
const std::vector<BackendPassInfo> &allBackendPasses();
const BackendPassInfo *findBackendPass(const std::string &Name);
/// The pass's position in the pipeline (-1: no such pass).
int backendPassIndex(const std::string &Name);

struct BackendPipelineOptions {
  std::set<std::string> PrintAfter; ///< pass names after which the tile IR is printed
  bool PrintAfterAll = false;
  std::string StopAfter;       ///< stop after this pass ("" runs to the end)
  bool VerifyEach = true;      ///< verify the program before the first pass and after every pass
  std::ostream *Out = nullptr; ///< where --print-after output goes
  std::string Label;           ///< named in the printed headers (the segment)
};

/// Runs the registry's passes from S.Stage on (verifying S on entry and after each), stopping after
/// Pipe.StopAfter. Errors name the pass.
Status runBackendPipeline(BackendState &S, const BackendPipelineOptions &Pipe);

/// The invariants of a tile program that has been through S.Stage passes: DRAM operands name tensors or the
/// micro-op table within its entries, micro-op ranges lie in the micro-op buffer, aliases are acyclic; after
/// dedup-uops every table entry is loaded; after insert-tokens the tokens of each queue pair are balanced
/// (no pop before its push) and the program ends with its one finish; after plan-dram the regions do not
/// overlap (temporaries only with those whose live ranges are disjoint) and fit the DRAM address space.
Status verifyBackendState(const BackendState &S);

} // namespace npu::backend
