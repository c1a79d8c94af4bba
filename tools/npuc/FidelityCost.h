// npuc's price of the fidelity options (issue 12): the model compiled again with the default quantization
// options, its cost model estimate beside the estimate with the options given.
#pragma once

#include "npu/backend/Compile.h"
#include "npu/backend/CostModel.h"
#include "npu/compiler/passes/Pass.h"

#include <string>

namespace npuc {

/// True when Opts quantize otherwise than a default PassOptions does (--calib-method, --bias-correction,
/// --calib-headroom, --act-zero-point or --weight-rounding given): only then is the default quantization
/// compiled to compare.
bool hasFidelityOptions(const npu::passes::PassOptions &Opts);

/// The --report line of backend::formatFidelityCost: Float (the imported model, before the pipeline)
/// quantized on Opts' calibration sets with the default quantization options, compiled for C with Compile's
/// scheduling options, against WithOptions. Nothing is printed while it compiles; a baseline that fails gives
/// a line saying why instead (the report is not an error).
std::string fidelityCostLine(const npu::ir::Graph &Float, const npu::passes::PassOptions &Opts,
                             const npu::HardwareConfig &C, const npu::backend::CompileOptions &Compile,
                             const npu::backend::ModelCost &WithOptions);

} // namespace npuc
