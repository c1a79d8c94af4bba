// The quantize pass's report: what was converted, and the error of the int8 graph against the float one.
#pragma once

#include "QuantCalibrate.h"

#include <ostream>

namespace npu::passes {

/// Max |float - quantized| and the top-1 (argmax over the last dim) agreement of one graph output over a set
/// of inputs.
struct OutputError {
  std::string Name;
  double MaxAbsError = 0, MinRef = 0, MaxRef = 0;
  int64_t Top1Agree = 0, Top1Total = 0;
};

/// Runs both graphs (same signature) on every set with the reference interpreter and compares the outputs.
Expected<std::vector<OutputError>> compareGraphs(const ir::Graph &Float, const ir::Graph &Quant,
                                                 const std::vector<CalibSet> &Sets);

/// Operator counts of the quantized graph, then one line per output from compareGraphs (when Sets is not
/// empty).
Status writeQuantReport(std::ostream &OS, const ir::Graph &Float, const ir::Graph &Quant,
                        const std::vector<CalibSet> &Sets);

} // namespace npu::passes
