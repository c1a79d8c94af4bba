// The quantize pass's report: what was converted, and the error of the int8 graph against the float one.
#pragma once

#include "QuantCalibrate.h"

#include <map>
#include <ostream>

namespace npu::passes {

/// Max |float - quantized| and the top-1 (argmax over the last dim) agreement of one graph output over a set
/// of inputs.
struct OutputError {
  std::string Name;
  double MaxAbsError = 0, MinRef = 0, MaxRef = 0;
  int64_t Top1Agree = 0, Top1Total = 0;
};

/// The error of one int8 tensor of the quantized graph (dequantized) against the float tensor it stands for,
/// accumulated over the sets: the per-layer view that shows where a network loses its accuracy.
struct LayerError {
  std::string Name;   ///< the float value's name
  std::string OpType; ///< the quantized graph's operator that makes it
  double Signal = 0, Noise = 0, SqnrDb = 0, MaxAbsError = 0;
  double RoundNoise = 0, RoundSqnrDb = 0; ///< the float tensor rounded to the int8 scale: the scale's own limit
  double LocalNoise = 0, LocalSqnrDb = 0; ///< the node alone, fed its float inputs rounded to their grids
  int64_t Count = 0, Clipped = 0; ///< elements, and those outside the int8 range (saturated)
};

/// The int8 (or int16) values of the quantized graph and the float values of Float they stand for ("X_q"
/// stands for "X").
std::map<ir::ValueId, ir::ValueId> int8Counterparts(const ir::Graph &Float, const ir::Graph &Quant);

/// F rounded to the grid of Q (per tensor), saturated to E (int8 or int16): the best form of a float tensor.
ir::Tensor roundToGrid(const ir::Tensor &F, const ir::QuantParams &Q, ir::ElemType E = ir::ElemType::Int8);

/// Every int8 value named "X_q" whose float counterpart "X" exists, in node order.
Expected<std::vector<LayerError>> compareLayers(const ir::Graph &Float, const ir::Graph &Quant,
                                                const std::vector<CalibSet> &Sets);

/// Runs both graphs (same signature) on every set with the reference interpreter and compares the outputs.
Expected<std::vector<OutputError>> compareGraphs(const ir::Graph &Float, const ir::Graph &Quant,
                                                 const std::vector<CalibSet> &Sets);

/// Operator counts of the quantized graph, then one line per output from compareGraphs and one per int8
/// tensor from compareLayers (when Sets is not empty; SetsName says which sets they are).
Status writeQuantReport(std::ostream &OS, const ir::Graph &Float, const ir::Graph &Quant,
                        const std::vector<CalibSet> &Sets, const std::string &SetsName = "calibration");

} // namespace npu::passes
