// On-chip buffer state of the functional simulator, kept decoded, and the DRAM row packing of each dtype.
#pragma once

#include "npu/config/HardwareConfig.h"
#include "npu/isa/Isa.h"

#include <cstdint>
#include <variant>
#include <vector>

namespace npu::sim {

/// Sign-extends the low Bits of V (Bits in 1..64): two's-complement wrap-around to a Bits-wide type.
inline int64_t wrapSigned(int64_t V, unsigned Bits) {
  const unsigned Sh = 64 - Bits;
  return int64_t(uint64_t(V) << Sh) >> Sh;
}

/// Decodes N little-endian two's-complement elements of Bits (4, 8, 16 or 32) into sign-extended integers.
/// int4 is packed two per byte, element 2i in the low nibble.
template <typename T> void decodeRow(const uint8_t *Src, unsigned Bits, uint64_t N, T *Dst) {
  switch (Bits) {
  case 4:
    for (uint64_t I = 0; I < N; ++I) {
      const unsigned Nibble = (Src[I / 2] >> (4 * (I % 2))) & 0xF;
      Dst[I] = T(int(Nibble ^ 8) - 8);
    }
    break;
  case 8:
    for (uint64_t I = 0; I < N; ++I)
      Dst[I] = T(int8_t(Src[I]));
    break;
  case 16:
    for (uint64_t I = 0; I < N; ++I)
      Dst[I] = T(int16_t(uint16_t(Src[2 * I] | (Src[2 * I + 1] << 8))));
    break;
  default:
    for (uint64_t I = 0; I < N; ++I) {
      const uint8_t *P = Src + 4 * I;
      Dst[I] = T(int32_t(uint32_t(P[0]) | uint32_t(P[1]) << 8 | uint32_t(P[2]) << 16 | uint32_t(P[3]) << 24));
    }
    break;
  }
}

/// Inverse of decodeRow: keeps the low Bits of each element.
template <typename T> void encodeRow(const T *Src, unsigned Bits, uint64_t N, uint8_t *Dst) {
  switch (Bits) {
  case 4:
    for (uint64_t I = 0; I < N; I += 2) {
      const unsigned Lo = unsigned(Src[I]) & 0xF;
      const unsigned Hi = I + 1 < N ? unsigned(Src[I + 1]) & 0xF : 0;
      Dst[I / 2] = uint8_t(Lo | Hi << 4);
    }
    break;
  case 8:
    for (uint64_t I = 0; I < N; ++I)
      Dst[I] = uint8_t(Src[I]);
    break;
  case 16:
    for (uint64_t I = 0; I < N; ++I) {
      const uint16_t V = uint16_t(Src[I]);
      Dst[2 * I] = uint8_t(V);
      Dst[2 * I + 1] = uint8_t(V >> 8);
    }
    break;
  default:
    for (uint64_t I = 0; I < N; ++I) {
      const uint32_t V = uint32_t(Src[I]);
      for (unsigned B = 0; B < 4; ++B)
        Dst[4 * I + B] = uint8_t(V >> (8 * B));
    }
    break;
  }
}

/// Depth rows of RowElems elements each.
template <typename T> struct RowArray {
  using Elem = T;
  std::vector<T> Data;
  uint64_t Depth = 0, RowElems = 0;
  RowArray() = default;
  RowArray(uint64_t Depth, uint64_t RowElems) : Data(Depth * RowElems), Depth(Depth), RowElems(RowElems) {}
  T *row(uint64_t R) { return Data.data() + R * RowElems; }
  const T *row(uint64_t R) const { return Data.data() + R * RowElems; }
};

/// Storage of an int4/int8 (int8_t) or int16 (int16_t) buffer.
using NarrowRows = std::variant<RowArray<int8_t>, RowArray<int16_t>>;

/// The five on-chip buffers, zeroed. Accumulators are held as int32 for both int16 and int32 accumulator
/// types (always within the accumulator type's range).
struct SramState {
  std::vector<isa::MicroOp> Uops;
  NarrowRows Inp, Wgt, Out;
  RowArray<int32_t> Acc;
  std::vector<int8_t> Lut; ///< the tensor ALU's lookup table, entry i for the int8 value i - 128
  explicit SramState(const HardwareConfig &C);
};

} // namespace npu::sim
