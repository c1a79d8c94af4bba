// The dedup-uops backend pass: each micro-op kernel is stored once in the segment's DRAM micro-op table.
#pragma once

#include "npu/backend/BackendPass.h"

namespace npu::backend {

std::unique_ptr<BackendPass> createDedupUopsPass();

} // namespace npu::backend
