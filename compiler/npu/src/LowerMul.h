// Declarations of the npu.QMul lowering (LowerMul.cpp), registered in LowerExtra.cpp's dispatch.
#pragma once

#include "Emitter.h"

namespace npu::backend {

Status canLowerMul(const ir::Graph &G, const ir::Node &N, const HardwareConfig &C);
Status lowerMul(Emitter &E, const ir::Graph &G, const ir::Node &N);

} // namespace npu::backend
