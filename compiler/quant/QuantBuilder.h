// Rebuilds a graph while quantizing it, making each value's float or int8 form on demand (the "int8" form
// is the quantized activation: int8, or int16 when Act says so).
// Each old value may get its original form and/or an int8 form in the new graph; QuantizeLinear,
// DequantizeLinear and npu.Requantize are inserted where a node needs the other one.
#pragma once

#include "npu/compiler/ir/Graph.h"
#include "npu/support/Status.h"

#include <functional>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <utility>
#include <vector>

namespace npu::passes {

/// An int8 value of the new graph standing for real = (q - Zp) * Scale.
struct QValue {
  ir::ValueId Id = ir::NoValue;
  double Scale = 1;
  int64_t Zp = 0;
};

class QuantBuilder {
public:
  explicit QuantBuilder(const ir::Graph &Old);

  const ir::Graph &old() const { return Old; }
  ir::Graph &graph() { return New; }

  // --- The old graph.
  /// Node indices reading each old value, and the node defining it (-1 for inputs and constants).
  const std::vector<int> &consumers(ir::ValueId V) const { return Consumers[size_t(V)]; }
  int producer(ir::ValueId V) const { return Producer[size_t(V)]; }
  bool isGraphOutput(ir::ValueId V) const { return OutputSet.count(V) != 0; }
  /// The single node reading V, when V has exactly one reader and is not a graph output; else -1.
  int soleConsumer(ir::ValueId V) const;
  /// The value of V if it is a constant or computable from constants only (evaluated once), else nullptr.
  const ir::Tensor *constantOf(ir::ValueId V);

  // --- The activation type of the quantized values it makes: int8 (default) or int16.
  ir::ElemType Act = ir::ElemType::Int8;
  int WeightBits = 8; ///< the NPU's weight width: 8, or 4 (weights in [-7, 7], still held in int8 tensors)
  int actBits() const { return Act == ir::ElemType::Int16 ? 16 : 8; }
  int64_t actMin() const { return ir::integerTypeMin(Act); }
  int64_t actMax() const { return ir::integerTypeMax(Act); }
  /// The activation scale for the calibrated range |x| <= R: R / actMax() as a float32 number.
  double actScale(double R) const;
  /// The integer bounds [lo, hi] of the real activation range [Lo, Hi] (infinite: none) on grid Y, clamped to
  /// the type (quantization is monotone, so Q(clip(x)) = clamp(Q(x))).
  std::pair<int64_t, int64_t> actBounds(double Lo, double Hi, const QValue &Y) const;
  /// npu.Requantize produces int8 unless told: an int16 result says so.
  void setRequantType(ir::Node &M) const;
  /// A scalar zero point of element type E.
  static ir::Tensor zeroPointScalar(ir::ElemType E, int64_t V);

  // --- Representations of old values in the new graph.
  /// Per old float value: the symmetric range |x| <= R from calibration (negative: none).
  std::vector<double> Ranges;
  /// Asymmetric activations (--act-zero-point=asymmetric, int8 only): per old float value the calibrated
  /// interval [lo, hi] inside [-R, R]; empty for symmetric activations (zero point 0).
  std::vector<std::pair<double, double>> Bounds;
  /// The grid (Scale, Zp; Id unset) V's quantized form gets from its calibration: [-R, R] at R / actMax()
  /// with zero point 0, or with Bounds the interval widened to hold 0, on all 256 int8 steps, with the zero
  /// point that makes the real 0 exact (see asymmetricGrid).
  QValue gridOf(ir::ValueId V) const;
  /// V in its original element type (a DequantizeLinear or npu.Requantize back from the int8 form if needed).
  Expected<ir::ValueId> orig(ir::ValueId V);
  /// V as int8 (Act): its quantized form, or a QuantizeLinear of the float value with the calibrated scale.
  Expected<QValue> int8(ir::ValueId V);
  /// For an old uint8/int8 tensor: the new int8 value holding q (int8) or q - 128 (uint8).
  Expected<ir::ValueId> int8Data(ir::ValueId V);
  bool hasInt8(ir::ValueId V) const { return Int8[size_t(V)].Id != ir::NoValue; }
  bool hasInt8Data(ir::ValueId V) const { return I8Data[size_t(V)] != ir::NoValue; }
  const QValue &int8Form(ir::ValueId V) const { return Int8[size_t(V)]; }
  void setInt8(ir::ValueId V, QValue Q) { Int8[size_t(V)] = Q; }
  void setOrig(ir::ValueId V, ir::ValueId N) { Orig[size_t(V)] = N; }
  void setInt8Data(ir::ValueId V, ir::ValueId N) { I8Data[size_t(V)] = N; }

  // --- Building the new graph.
  /// A new value named after Base that clashes with no old or new name.
  ir::ValueId addValue(const std::string &Base, ir::TensorType T);
  ir::ValueId addConstant(const std::string &Base, ir::Tensor T);
  /// A new value with old value V's exact name (its original form in the new graph, recorded as such).
  ir::ValueId addOldValue(ir::ValueId V, ir::TensorType T);
  /// An activation value of type Act annotated with its scale and zero point.
  ir::ValueId addInt8Value(const std::string &Base, const ir::Shape &Dims, double Scale, int64_t Zp);
  /// A new node named NameBase, or NameBase_K when taken; an old node's name is used as it is the first time
  /// (the node that replaces it).
  ir::Node &addNode(std::string OpType, std::vector<ir::ValueId> Inputs, std::vector<ir::ValueId> Outputs,
                    const std::string &NameBase);
  /// Copies old node I unchanged: inputs in their original form, outputs keep their names.
  Status copyNode(size_t I);
  /// Sets the outputs (original forms), removes what nothing uses and returns the graph.
  Expected<ir::Graph> finish();
  /// The rewrite loop of both quantize paths: every old node not yet Done (a pattern may take several) is given
  /// to Convert, copied unchanged when Convert leaves it, and marked Done; then finish().
  Expected<ir::Graph> rewriteAll(std::vector<bool> &Done, const std::function<Expected<bool>(size_t)> &Convert);

private:
  const ir::Graph &Old;
  ir::Graph New;
  std::vector<std::vector<int>> Consumers;
  std::vector<int> Producer;
  std::set<ir::ValueId> OutputSet;
  std::set<std::string> OldNames, OldNodeNames, NodeNames;
  std::vector<ir::ValueId> Orig;
  std::vector<QValue> Int8;
  std::vector<ir::ValueId> I8Data;
  std::map<ir::ValueId, std::shared_ptr<ir::Tensor>> Folded;
  std::set<ir::ValueId> NotConstant;
};

/// An int8 scalar constant tensor / an f32 scalar.
ir::Tensor int8Scalar(int64_t V);
ir::Tensor f32Scalar(double V);
/// Activation scales are float32 numbers (that is what QuantizeLinear / DequantizeLinear carry).
double roundScale(double S);
/// The int8 grid of the real interval [Lo, Hi] (widened to hold 0): scale (hi - lo) / 255 as a float32
/// number, zero point round(-128 - lo / scale) in [-128, 127], so real = (q - zp) * scale covers the interval
/// and 0 is exact; scale 1, zero point 0 for an empty interval.
QValue asymmetricGrid(double Lo, double Hi);

} // namespace npu::passes
