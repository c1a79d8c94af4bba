// The plan-dram backend pass (DRAM addresses of the tensors and the micro-op table) and the layout facts the
// verifier and emission share with it.
#pragma once

#include "npu/backend/BackendPass.h"

#include <utility>
#include <vector>

namespace npu::backend {

std::unique_ptr<BackendPass> createPlanDramPass();

/// The tensor an alias lives in, following AliasOf (K itself when it is no alias; a cycle stops after as many
/// hops as there are tensors).
size_t aliasRoot(const TileProgram &P, size_t K);
/// Per tensor: the first and last instruction naming it or an alias of it ({SIZE_MAX, 0} when none does),
/// kept at the root tensor; temporaries whose ranges are disjoint may share DRAM.
std::vector<std::pair<size_t, size_t>> liveRanges(const TileProgram &P);
/// The DRAM a planned program needs: the end of its last region (tensors, the micro-op table) rounded up to
/// 4 KiB pages, at least one page.
uint64_t planDramBytes(const TileProgram &P, const HardwareConfig &C);

} // namespace npu::backend
