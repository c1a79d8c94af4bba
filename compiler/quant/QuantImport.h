// Internal to the quantize pass: conversion of already quantized models to npu.* operators.
// QDQ patterns, QLinear*, *Integer. Helpers in QuantImport.cpp, per-operator rules in QuantImportRules.cpp.
#pragma once

#include "QuantRewrite.h"

#include <cmath>
#include <optional>

namespace npu::passes::qimport {

using namespace ir;

/// Per-tensor quantization parameters of a QuantizeLinear/DequantizeLinear (or a QLinear* operand).
struct TP {
  double Scale = 1;
  int64_t Zp = 0;
  ElemType Elem = ElemType::Int8;
  int64_t zp8() const { return Zp - (Elem == ElemType::UInt8 ? 128 : 0); } ///< zero point of the int8 form
  bool operator==(const TP &O) const { return Scale == O.Scale && Zp == O.Zp && Elem == O.Elem; }
};

/// Where a converted chain ends: the QuantizeLinear that closes it, its output and the folded Relu/Clip.
struct Sink {
  ValueId Out = NoValue;
  TP P;
  std::vector<int> Nodes;
  double Lo = -INFINITY, Hi = INFINITY;
};

class Import {
public:
  explicit Import(const Graph &G) : B(G), Done(G.nodes().size(), false) {}

  Expected<Graph> run();

  // The rules (QuantImportRules.cpp) and the helpers they use.
  QuantBuilder B;
  std::vector<bool> Done;

  const Node &node(size_t I) const { return B.old().nodes()[I]; }
  const Node *producer(ValueId V) const {
    int P = V == NoValue ? -1 : B.producer(V);
    return P < 0 ? nullptr : &node(size_t(P));
  }

  std::optional<TP> scalarParams(ValueId S, ValueId Z, ElemType E);
  std::optional<TP> qdqParams(const Node &N);

  /// The quantized tensor and parameters behind a float value made by a per-tensor DequantizeLinear.
  std::optional<std::pair<ValueId, TP>> dqSource(ValueId F);

  /// The int8 form of an old int8/uint8 tensor; a uint8 QuantizeLinear output is re-made as an int8 one.
  Expected<ValueId> i8Of(ValueId Q);

  /// Follows V through Relu/Clip to the sole QuantizeLinear reading it.
  std::optional<Sink> findSink(ValueId V, bool AllowActivation);

  /// The int8 output of a converted chain (named as the old tensor when that was int8) and its act range.
  ValueId makeOutput(const Sink &S, std::pair<int64_t, int64_t> *Act = nullptr);

  Expected<bool> convert(size_t I);
  Expected<bool> convertQdqConvOrMatMul(size_t I);
  Expected<bool> convertQLinear(size_t I);
  Expected<bool> convertInteger(size_t I);
  Expected<bool> convertQdqBinary(size_t I);
  Expected<bool> convertQdqLeakyRelu(size_t I);
  Expected<bool> convertQdqLut(size_t I);
  Expected<bool> convertQdqPool(size_t I);
  Expected<bool> convertQdqPassThrough(size_t I);
  Expected<bool> convertDequantize(size_t I);

  /// Weights W - w_zp as int8 (nullopt when they do not fit) with one scale per output channel.
  std::optional<QuantizedWeights> weights(const Tensor &W, const Tensor *Zp, const Tensor &Scale,
                                          int64_t Channels, bool ChannelIsLastDim);
  /// Conv/MatMul weights given as DequantizeLinear(constant).
  std::optional<QuantizedWeights> dqWeights(ValueId F, int64_t Channels, bool ChannelIsLastDim);
  /// An int32 bias for accumulators at scales s_x * s_w[o]: from a float constant or DequantizeLinear(int32).
  std::optional<Tensor> dqBias(ValueId V, double XScale, const std::vector<double> &WScales);
};

} // namespace npu::passes::qimport
