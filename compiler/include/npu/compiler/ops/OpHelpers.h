// Shape arithmetic shared by type inference and the reference kernels: broadcasting, axes, windows.
#pragma once

#include "npu/compiler/ir/Graph.h"
#include "npu/support/Status.h"

#include <vector>

namespace npu::ir {

/// Numpy (multidirectional) broadcast of two shapes.
Expected<Shape> broadcastShapes(const Shape &A, const Shape &B);
/// Normalizes a possibly negative axis into [0, Rank).
Expected<int64_t> normalizeAxis(int64_t Axis, int64_t Rank);
/// Normalizes a list of axes; duplicates are an error.
Expected<std::vector<int64_t>> normalizeAxes(const std::vector<int64_t> &Axes, int64_t Rank);

/// Sliding-window geometry of Conv, ConvTranspose and the pools, with auto_pad and ceil_mode resolved.
struct WindowGeometry {
  Shape Kernel, Strides, Dilations, PadsBegin, PadsEnd;
  Shape OutSpatial;
};

/// For Conv/ConvInteger/QLinearConv/MaxPool/AveragePool: In is the spatial input shape. Kernel comes from the
/// weights (conv) or from kernel_shape (pools).
Expected<WindowGeometry> resolveWindow(const Node &N, const Shape &InSpatial, const Shape &Kernel,
                                       bool CeilMode);
/// For ConvTranspose: output_shape/output_padding/auto_pad resolved into pads and the output size.
Expected<WindowGeometry> resolveTransposedWindow(const Node &N, const Shape &InSpatial, const Shape &Kernel);

/// Row-major strides of a shape.
Shape stridesOf(const Shape &S);

} // namespace npu::ir

namespace npu::ir {
/// Numpy matmul result shape (1-D operands promoted and the added dim removed again).
Expected<Shape> matMulShape(const Shape &A, const Shape &B);
} // namespace npu::ir

namespace npu::ir {
/// Slice resolved for every input dim: first index, step and output length.
struct SliceParams {
  Shape Starts, Steps, OutDims;
};
Expected<SliceParams> resolveSlice(const Shape &In, const Tensor &Starts, const Tensor &Ends,
                                   const Tensor *Axes, const Tensor *Steps);

/// Pad amounts for every dim (negative crops), from the pads input and the optional axes input.
struct PadParams {
  Shape Begin, End;
};
Expected<PadParams> resolvePads(const Shape &In, const Tensor &Pads, const Tensor *Axes);

/// Resize output size and the per-dim scale used by the coordinate transform.
struct ResizeParams {
  Shape OutDims;
  std::vector<double> Scales;
};
Expected<ResizeParams> resolveResize(const Node &N, const Shape &In, const Tensor *Scales,
                                     const Tensor *Sizes);

/// Output sizes along the split axis.
Expected<Shape> resolveSplit(const Node &N, const Shape &In, int64_t Axis, const Tensor *Split,
                             size_t NumOutputs);

/// Reshape target with 0 (copy, unless allowzero) and -1 (inferred) resolved.
Expected<Shape> resolveReshape(const Shape &In, const std::vector<int64_t> &Target, bool AllowZero);
} // namespace npu::ir

namespace npu::ir {
/// Which dims a Reduce* node reduces, from the axes input (null when absent) and noop_with_empty_axes.
Expected<std::vector<bool>> resolveReduceAxes(const Node &N, int64_t Rank, const Tensor *Axes);
} // namespace npu::ir
