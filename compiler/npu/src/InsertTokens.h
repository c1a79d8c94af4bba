// The insert-tokens backend pass: the dependency tokens between the load, compute and store queues.
#pragma once

#include "npu/backend/BackendPass.h"

namespace npu::backend {

std::unique_ptr<BackendPass> createInsertTokensPass();

} // namespace npu::backend
