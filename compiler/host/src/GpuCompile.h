// Program-level PTX generation shared by emitPtx and the GPU executor (internal).
#pragma once

#include "Program.h"
#include "npu/host/Gpu.h"

namespace npu::host {

/// Builds the program for G, lowers it for the GPU and emits PTX; kernel steps name their PTX entry points.
Expected<PtxModule> compileProgramPtx(Program &P, const ir::Graph &G, const PtxOptions &Opts);

} // namespace npu::host
