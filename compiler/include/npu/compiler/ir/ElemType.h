// Element types of Graph IR tensors, their text names and sizes, and the 16-bit float storage types.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string_view>
#include <type_traits>

namespace npu::ir {

/// The element types a tensor may hold. Text names (f32, i8, ...) are used by the IR printer and parser.
enum class ElemType : uint8_t {
  Float32,
  Float16,
  BFloat16,
  Float64,
  Int8,
  Int16,
  Int32,
  Int64,
  UInt8,
  UInt16,
  UInt32,
  UInt64,
  Bool,
};

constexpr int NumElemTypes = static_cast<int>(ElemType::Bool) + 1;

/// "f32", "f16", "bf16", "f64", "i8".."i64", "u8".."u64", "bool".
std::string_view elemTypeName(ElemType T);
std::optional<ElemType> parseElemType(std::string_view Name);
size_t elemTypeSize(ElemType T);
bool isFloatType(ElemType T);
/// Integer types, not bool.
bool isIntegerType(ElemType T);
bool isSignedIntegerType(ElemType T);
/// Smallest and largest value of an integer type (bool: 0 and 1), as int64 (u64's max saturates).
int64_t integerTypeMin(ElemType T);
int64_t integerTypeMax(ElemType T);

/// IEEE half <-> float, round to nearest even.
uint16_t floatToHalfBits(float F);
float halfBitsToFloat(uint16_t H);
/// bfloat16 <-> float, round to nearest even.
uint16_t floatToBFloat16Bits(float F);
float bfloat16BitsToFloat(uint16_t B);

/// Storage type for f16 elements; arithmetic goes through float, one rounding per conversion back.
struct Half {
  uint16_t Bits = 0;
  Half() = default;
  Half(float F) : Bits(floatToHalfBits(F)) {}
  operator float() const { return halfBitsToFloat(Bits); }
};

/// Storage type for bf16 elements.
struct BFloat16 {
  uint16_t Bits = 0;
  BFloat16() = default;
  BFloat16(float F) : Bits(floatToBFloat16Bits(F)) {}
  operator float() const { return bfloat16BitsToFloat(Bits); }
};

/// Calls Fn(T{}) with T the C++ storage type of an element type (Half, BFloat16, float, double, intN_t,
/// bool).
template <typename F> decltype(auto) dispatchElemType(ElemType T, F &&Fn) {
  switch (T) {
  case ElemType::Float32:
    return Fn(float{});
  case ElemType::Float16:
    return Fn(Half{});
  case ElemType::BFloat16:
    return Fn(BFloat16{});
  case ElemType::Float64:
    return Fn(double{});
  case ElemType::Int8:
    return Fn(int8_t{});
  case ElemType::Int16:
    return Fn(int16_t{});
  case ElemType::Int32:
    return Fn(int32_t{});
  case ElemType::Int64:
    return Fn(int64_t{});
  case ElemType::UInt8:
    return Fn(uint8_t{});
  case ElemType::UInt16:
    return Fn(uint16_t{});
  case ElemType::UInt32:
    return Fn(uint32_t{});
  case ElemType::UInt64:
    return Fn(uint64_t{});
  case ElemType::Bool:
    return Fn(bool{});
  }
  return Fn(float{});
}

/// The element type whose C++ storage type is T (the inverse of dispatchElemType).
template <typename T> constexpr ElemType elemTypeOf() {
  if constexpr (std::is_same_v<T, float>)
    return ElemType::Float32;
  else if constexpr (std::is_same_v<T, Half>)
    return ElemType::Float16;
  else if constexpr (std::is_same_v<T, BFloat16>)
    return ElemType::BFloat16;
  else if constexpr (std::is_same_v<T, double>)
    return ElemType::Float64;
  else if constexpr (std::is_same_v<T, int8_t>)
    return ElemType::Int8;
  else if constexpr (std::is_same_v<T, int16_t>)
    return ElemType::Int16;
  else if constexpr (std::is_same_v<T, int32_t>)
    return ElemType::Int32;
  else if constexpr (std::is_same_v<T, int64_t>)
    return ElemType::Int64;
  else if constexpr (std::is_same_v<T, uint8_t>)
    return ElemType::UInt8;
  else if constexpr (std::is_same_v<T, uint16_t>)
    return ElemType::UInt16;
  else if constexpr (std::is_same_v<T, uint32_t>)
    return ElemType::UInt32;
  else if constexpr (std::is_same_v<T, uint64_t>)
    return ElemType::UInt64;
  else {
    static_assert(std::is_same_v<T, bool>, "no element type is stored as this C++ type");
    return ElemType::Bool;
  }
}

} // namespace npu::ir
