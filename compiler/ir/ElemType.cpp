// Element type names and sizes, and the float16/bfloat16 conversions (round to nearest even).
#include "npu/compiler/ir/ElemType.h"

#include <bit>
#include <cmath>
#include <limits>

namespace npu::ir {

namespace {
struct TypeInfo {
  std::string_view Name;
  size_t Size;
};
constexpr TypeInfo Infos[NumElemTypes] = {
    {"f32", 4}, {"f16", 2}, {"bf16", 2}, {"f64", 8}, {"i8", 1},  {"i16", 2},  {"i32", 4},
    {"i64", 8}, {"u8", 1},  {"u16", 2},  {"u32", 4}, {"u64", 8}, {"bool", 1},
};
} // namespace

std::string_view elemTypeName(ElemType T) { return Infos[static_cast<int>(T)].Name; }

std::optional<ElemType> parseElemType(std::string_view Name) {
  for (int I = 0; I < NumElemTypes; ++I)
    if (Infos[I].Name == Name)
      return static_cast<ElemType>(I);
  return std::nullopt;
}

size_t elemTypeSize(ElemType T) { return Infos[static_cast<int>(T)].Size; }

bool isFloatType(ElemType T) {
  return T == ElemType::Float32 || T == ElemType::Float16 || T == ElemType::BFloat16 ||
         T == ElemType::Float64;
}

bool isIntegerType(ElemType T) { return !isFloatType(T) && T != ElemType::Bool; }

bool isSignedIntegerType(ElemType T) {
  return T == ElemType::Int8 || T == ElemType::Int16 || T == ElemType::Int32 || T == ElemType::Int64;
}

int64_t integerTypeMin(ElemType T) {
  switch (T) {
  case ElemType::Int8:
    return INT8_MIN;
  case ElemType::Int16:
    return INT16_MIN;
  case ElemType::Int32:
    return INT32_MIN;
  case ElemType::Int64:
    return INT64_MIN;
  default:
    return 0;
  }
}

int64_t integerTypeMax(ElemType T) {
  switch (T) {
  case ElemType::Int8:
    return INT8_MAX;
  case ElemType::Int16:
    return INT16_MAX;
  case ElemType::Int32:
    return INT32_MAX;
  case ElemType::Int64:
  case ElemType::UInt64:
    return INT64_MAX;
  case ElemType::UInt8:
    return UINT8_MAX;
  case ElemType::UInt16:
    return UINT16_MAX;
  case ElemType::UInt32:
    return UINT32_MAX;
  case ElemType::Bool:
    return 1;
  default:
    return 0;
  }
}

uint16_t floatToHalfBits(float F) {
  uint32_t X = std::bit_cast<uint32_t>(F);
  uint32_t Sign = (X >> 16) & 0x8000;
  uint32_t Abs = X & 0x7fffffff;
  if (Abs > 0x7f800000) // NaN: keep it quiet and keep the top payload bits
    return static_cast<uint16_t>(Sign | 0x7e00 | ((Abs >> 13) & 0x3ff));
  if (Abs >= 0x477ff000) // rounds to 65520 or more: infinity
    return static_cast<uint16_t>(Sign | 0x7c00);
  if (Abs < 0x38800000) { // below the smallest normal half: scaling by 2^24 is exact
    float Scaled = std::bit_cast<float>(Abs) * 16777216.0f;
    return static_cast<uint16_t>(Sign | static_cast<uint32_t>(std::nearbyint(Scaled)));
  }
  uint32_t R = Abs - (112u << 23);
  R += 0xfff + ((R >> 13) & 1);
  return static_cast<uint16_t>(Sign | (R >> 13));
}

float halfBitsToFloat(uint16_t H) {
  uint32_t Sign = static_cast<uint32_t>(H & 0x8000) << 16;
  uint32_t E = (H >> 10) & 0x1f;
  uint32_t M = H & 0x3ff;
  if (E == 0) {
    float V = static_cast<float>(M) * (1.0f / 16777216.0f);
    return Sign ? -V : V;
  }
  if (E == 31)
    return std::bit_cast<float>(Sign | 0x7f800000 | (M << 13));
  return std::bit_cast<float>(Sign | ((E + 112) << 23) | (M << 13));
}

uint16_t floatToBFloat16Bits(float F) {
  uint32_t X = std::bit_cast<uint32_t>(F);
  if ((X & 0x7fffffff) > 0x7f800000)
    return static_cast<uint16_t>((X >> 16) | 0x40);
  X += 0x7fff + ((X >> 16) & 1);
  return static_cast<uint16_t>(X >> 16);
}

float bfloat16BitsToFloat(uint16_t B) { return std::bit_cast<float>(static_cast<uint32_t>(B) << 16); }

} // namespace npu::ir
