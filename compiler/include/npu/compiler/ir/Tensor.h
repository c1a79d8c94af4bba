// Tensor types (element type, static shape, quantization parameters) and tensors holding data.
#pragma once

#include "npu/compiler/ir/ElemType.h"

#include <cassert>
#include <cstdint>
#include <cstring>
#include <optional>
#include <string>
#include <vector>

namespace npu::ir {

using Shape = std::vector<int64_t>;

/// Affine quantization real = (q - zero_point) * scale, per tensor or per channel along Axis.
struct QuantParams {
  std::vector<float> Scales;       ///< one value (per tensor) or one per channel
  std::vector<int64_t> ZeroPoints; ///< as many as Scales
  std::optional<int64_t> Axis;     ///< set for per-channel parameters
  bool operator==(const QuantParams &) const = default;
};

/// The type of a value. Dims are static; -1 stands for an unknown dim, which the verifier rejects.
struct TensorType {
  ElemType Elem = ElemType::Float32;
  Shape Dims;
  std::optional<QuantParams> Quant;

  TensorType() = default;
  TensorType(ElemType E, Shape D) : Elem(E), Dims(std::move(D)) {}
  int64_t rank() const { return static_cast<int64_t>(Dims.size()); }
  bool isStatic() const;
  bool operator==(const TensorType &) const = default;
};

/// Product of dims; -1 if a dim is negative or the product overflows 2^62.
int64_t shapeNumElements(const Shape &S);

/// "[1,3,224,224]" (unknown dims as "?").
std::string formatShape(const Shape &S);
/// "f32[1,3]" plus quantization parameters when present.
std::string formatType(const TensorType &T);

/// A dense row-major tensor with its data (little-endian element storage, bool as one byte 0/1).
class Tensor {
public:
  Tensor() = default;
  /// Zero-filled tensor; the shape must be static with a sane element count.
  Tensor(ElemType Elem, Shape Dims);
  /// Adopts raw bytes; their size must be numElements * element size.
  Tensor(ElemType Elem, Shape Dims, std::vector<uint8_t> Bytes);

  template <typename T> static Tensor fromValues(ElemType Elem, Shape Dims, const std::vector<T> &Values) {
    Tensor R(Elem, std::move(Dims));
    assert(static_cast<int64_t>(Values.size()) == R.numElements());
    for (size_t I = 0; I < Values.size(); ++I)
      R.setDouble(static_cast<int64_t>(I), static_cast<double>(Values[I]));
    return R;
  }
  static Tensor fromInt64s(const std::vector<int64_t> &Values);
  /// A tensor of T's element type holding Values as they are (no conversion); Values.size() must equal the
  /// shape's element count.
  template <typename T> static Tensor of(Shape Dims, const std::vector<T> &Values) {
    static_assert(!std::is_same_v<T, bool>, "std::vector<bool> has no contiguous storage");
    Tensor R(elemTypeOf<T>(), std::move(Dims));
    assert(static_cast<int64_t>(Values.size()) == R.numElements() && "value count does not match the shape");
    if (!Values.empty())
      std::memcpy(R.Bytes.data(), Values.data(), R.Bytes.size());
    return R;
  }

  ElemType elemType() const { return Elem; }
  const Shape &shape() const { return Dims; }
  int64_t rank() const { return static_cast<int64_t>(Dims.size()); }
  int64_t numElements() const { return NumElements; }
  size_t byteSize() const { return Bytes.size(); }
  TensorType type() const { return TensorType(Elem, Dims); }

  const uint8_t *bytes() const { return Bytes.data(); }
  uint8_t *bytes() { return Bytes.data(); }
  const std::vector<uint8_t> &byteVector() const { return Bytes; }
  template <typename T> T *data() {
    assert(sizeof(T) == elemTypeSize(Elem));
    return reinterpret_cast<T *>(Bytes.data());
  }
  template <typename T> const T *data() const {
    assert(sizeof(T) == elemTypeSize(Elem));
    return reinterpret_cast<const T *>(Bytes.data());
  }

  /// Element I converted to double / int64 (floats truncated toward zero), whatever the element type.
  double getDouble(int64_t I) const;
  int64_t getInt64(int64_t I) const;
  /// Stores V converted to the element type (plain C++ conversion; floats round to nearest even).
  void setDouble(int64_t I, double V);
  std::vector<int64_t> toInt64s() const;
  std::vector<double> toDoubles() const;
  /// Typed copy of the elements; T must be the element type's storage type (int8_t for i8, float for f32).
  template <typename T> std::vector<T> values() const {
    static_assert(!std::is_same_v<T, bool>, "std::vector<bool> has no contiguous storage");
    assert(elemTypeOf<T>() == Elem && "element type mismatch");
    std::vector<T> Out(static_cast<size_t>(NumElements));
    if (!Out.empty())
      std::memcpy(Out.data(), Bytes.data(), Bytes.size());
    return Out;
  }

  /// Same shape, same type, same bytes.
  bool operator==(const Tensor &O) const { return Elem == O.Elem && Dims == O.Dims && Bytes == O.Bytes; }

  /// Reinterprets the data with another shape of the same element count.
  void reshape(Shape NewDims);

private:
  ElemType Elem = ElemType::Float32;
  Shape Dims;
  int64_t NumElements = 1;
  std::vector<uint8_t> Bytes = std::vector<uint8_t>(4, 0);
};

/// A tensor with the name it carries outside a graph: a TensorProto file's name field, or the input or output
/// of a program or model it feeds or comes from. Tensor itself has no name: inside a graph, values are named.
struct NamedTensor {
  std::string Name;
  Tensor Data;
};

} // namespace npu::ir
