// Tensor: a named, typed, shaped block of little-endian element data, as exchanged with users and devices.
#pragma once

#include "npu/support/Status.h"

#include <cassert>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>
#include <vector>

namespace npu::runtime {

/// Element types a tensor can hold. int4 is not one of them: it exists only as a packing in DRAM, and the
/// runtime converts it to and from int8 tensors.
enum class ElemType : uint8_t { Int8, UInt8, Int16, Int32, Int64, Float32 };

/// Lower-case name as used by TensorBinding::DType ("int8", "float32", ...).
const char *elemTypeName(ElemType T);
unsigned elemTypeBytes(ElemType T);
bool isFloatType(ElemType T);
/// Parses a name printed by elemTypeName.
Expected<ElemType> parseElemType(std::string_view Name);

/// Maps a C++ element type to its ElemType.
template <typename T> struct ElemTypeOf;
template <> struct ElemTypeOf<int8_t> { static constexpr ElemType Value = ElemType::Int8; };
template <> struct ElemTypeOf<uint8_t> { static constexpr ElemType Value = ElemType::UInt8; };
template <> struct ElemTypeOf<int16_t> { static constexpr ElemType Value = ElemType::Int16; };
template <> struct ElemTypeOf<int32_t> { static constexpr ElemType Value = ElemType::Int32; };
template <> struct ElemTypeOf<int64_t> { static constexpr ElemType Value = ElemType::Int64; };
template <> struct ElemTypeOf<float> { static constexpr ElemType Value = ElemType::Float32; };

/// "[20,32]"; "[]" for a scalar.
std::string formatShape(const std::vector<int64_t> &Shape);
/// Number of elements of a shape (1 for a scalar). Assumes non-negative dimensions.
uint64_t shapeElementCount(const std::vector<int64_t> &Shape);
/// True when the shapes are equal once leading dimensions of 1 are dropped from both ([1,20,32] ~ [20,32]).
bool sameShapeIgnoringLeadingOnes(const std::vector<int64_t> &A, const std::vector<int64_t> &B);

struct Tensor {
  std::string Name;
  ElemType Type = ElemType::Float32;
  std::vector<int64_t> Shape;
  std::vector<uint8_t> Data; ///< elementCount() x elemTypeBytes(Type) bytes, little-endian

  uint64_t elementCount() const { return shapeElementCount(Shape); }
  uint64_t byteSize() const { return elementCount() * elemTypeBytes(Type); }
  /// "NAME int32 [20,32]".
  std::string describe() const;
  /// Element I as an integer (float32 elements are truncated) or as a double.
  int64_t intAt(uint64_t I) const;
  double realAt(uint64_t I) const;

  /// Typed copy of the elements; T must match Type.
  template <typename T> std::vector<T> values() const {
    assert(ElemTypeOf<T>::Value == Type && "element type mismatch");
    std::vector<T> Out(elementCount());
    if (!Out.empty())
      std::memcpy(Out.data(), Data.data(), Out.size() * sizeof(T));
    return Out;
  }
};

/// Builds a tensor from typed values; Values.size() must equal the shape's element count.
template <typename T>
Tensor makeTensor(std::string Name, std::vector<int64_t> Shape, const std::vector<T> &Values) {
  Tensor R;
  R.Name = std::move(Name);
  R.Type = ElemTypeOf<T>::Value;
  R.Shape = std::move(Shape);
  assert(R.elementCount() == Values.size() && "value count does not match the shape");
  R.Data.resize(Values.size() * sizeof(T));
  if (!Values.empty())
    std::memcpy(R.Data.data(), Values.data(), R.Data.size());
  return R;
}

} // namespace npu::runtime
