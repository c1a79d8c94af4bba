// Fidelity of an approximate (int8) output against a float reference: SQNR, cosine, max error, top-k.
#pragma once

#include "npu/compiler/ir/Tensor.h"

#include <string>

namespace npu::check {

/// How close Got is to the reference Ref (same element count; compared as doubles).
struct Fidelity {
  double SqnrDb = 0;      ///< 10 log10(sum ref^2 / sum (got - ref)^2); +inf when equal
  double Cosine = 0;      ///< cosine similarity; 1 when both are all zeros
  double MaxAbsError = 0; ///< max |got - ref|
  bool Scores = false;    ///< Ref is one row of scores (one dim > 1): the top-k figures below apply
  int64_t Top1 = -1, RefTop1 = -1; ///< argmax of Got and of Ref
  int K = 0, TopKOverlap = 0;      ///< |top-K(Got) ∩ top-K(Ref)| with K = min(5, elements)
};

/// Ref is a score row: a float tensor with more than one element and exactly one dim larger than 1.
bool isScoreRow(const ir::Tensor &Ref);

Fidelity measureFidelity(const ir::Tensor &Got, const ir::Tensor &Ref);

/// "SQNR 24.3 dB, cos 0.99812, max abs err 3.21" and, for scores, ", top-1 #141 (fp32 #141), top-5 4/5".
std::string formatFidelity(const Fidelity &F);

} // namespace npu::check
