// Registration hooks of the operator families (one file each) and helpers their inference code shares.
#pragma once

#include "npu/compiler/ops/OpHelpers.h"
#include "npu/compiler/ops/OpRegistry.h"

namespace npu::ir {

void addElementwiseOps(std::vector<OpDef> &Ops);
void addConvPoolOps(std::vector<OpDef> &Ops);
void addMatMulOps(std::vector<OpDef> &Ops);
void addQuantOps(std::vector<OpDef> &Ops);
void addShapeOps(std::vector<OpDef> &Ops);
void addReduceNormOps(std::vector<OpDef> &Ops);
void addFusedOps(std::vector<OpDef> &Ops);
void addNpuQuantOps(std::vector<OpDef> &Ops);
void addNpuLayoutOps(std::vector<OpDef> &Ops);

using TypeList = std::vector<TensorType>;

inline Expected<TypeList> one(ElemType E, Shape S) { return TypeList{TensorType(E, std::move(S))}; }

/// Inputs I and J must have the same element type.
Status sameElem(const InferContext &C, size_t I, size_t J);
/// Error unless input I's element type is one of the float types.
Status requireFloat(const InferContext &C, size_t I);
/// Error for an input whose value decides the output shape but is not a constant.
Error needsConstant(const InferContext &C, size_t I);

} // namespace npu::ir
