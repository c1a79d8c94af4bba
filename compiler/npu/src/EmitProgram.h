// The emit backend pass: the planned tile program becomes the segment's isa::Program.
#pragma once

#include "npu/backend/BackendPass.h"

namespace npu::backend {

std::unique_ptr<BackendPass> createEmitPass();

} // namespace npu::backend
