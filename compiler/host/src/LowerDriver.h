// The lowering driver's entry point, shared by the CPU JIT and the PTX generator (internal).
#pragma once

#include "Lower.h"

namespace npu::host {

/// Lowers every non-folded node of P into E's module, appending P.Steps (kernels, or fallbacks when allowed).
Status lowerProgram(Program &P, ModuleEnv &E, const HostOptions &Opts, HostStats &Stats);

} // namespace npu::host
