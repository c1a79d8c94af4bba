// The NPU's integer requantization arithmetic and the choice of fixed-point multipliers (quantization.md).
#pragma once

#include "npu/support/Status.h"

#include <cstdint>
#include <vector>

namespace npu::quant {

/// Largest multiplier of a conv/matmul/pool/requantize node: the ALU's int32 lane (M * acc fits in 63 bits).
constexpr int64_t MaxMultiplier = (int64_t(1) << 31) - 1;
/// Largest multiplier of an npu.QAdd / npu.QLeakyRelu operand of Bits-wide activations: (q - zp) * M
/// (|q - zp| <= 2^Bits - 1) and the sum of two such products stay inside int32 (2 * 2^Bits * 2^(30 - Bits) =
/// 2^31), so the NPU can form them with wrapping 32-bit ALU adds before the one requant. 2^22 - 1 for int8
/// operands, 2^14 - 1 for int16.
constexpr int64_t maxAddMultiplier(int Bits) { return (int64_t(1) << (30 - Bits)) - 1; }
constexpr int64_t MaxAddMultiplier = maxAddMultiplier(8);
constexpr int MinShift = 1, MaxShift = 62;

/// (P + 2^(S-1)) >> S with an arithmetic shift: rounds to nearest, ties toward +infinity. 1 <= S <= 62.
int64_t roundingShift(int64_t P, int S);

/// The ALU's requant followed by the activation clip:
/// clamp(clamp(roundingShift(Acc * M, S) + Zp, -128, 127), ActMin, ActMax). Acc is an int32 value, M <=
/// 2^31-1.
int8_t requantize(int64_t Acc, int64_t M, int S, int64_t Zp, int64_t ActMin, int64_t ActMax);
/// Same, saturating to [Lo, Hi] instead of the int8 range (uint8 outputs of npu.Requantize).
int64_t requantizeTo(int64_t Acc, int64_t M, int S, int64_t Zp, int64_t ActMin, int64_t ActMax, int64_t Lo,
                     int64_t Hi);

/// Fixed-point form of real ratios r_o ~= M_o / 2^S with one shift for all of them.
struct FixedMultipliers {
  std::vector<int64_t> M;
  int Shift = 0;
};

/// Picks the largest S in [1, 62] with max_o round(r_o * 2^S) <= MaxM, then M_o = round(r_o * 2^S) (half to
/// even). Ratios must be finite and >= 0; a ratio so large that S = 1 does not fit (r >= MaxM / 2) is an
/// error. Channels much smaller than the largest may get M_o = 0 (their contribution is below one output
/// step).
Expected<FixedMultipliers> chooseMultipliers(const std::vector<double> &Ratios, int64_t MaxM = MaxMultiplier);

/// The activation element range of a Bits-wide signed type: [-2^(Bits-1), 2^(Bits-1) - 1].
constexpr int64_t actMin(int Bits) { return -(int64_t(1) << (Bits - 1)); }
constexpr int64_t actMax(int Bits) { return (int64_t(1) << (Bits - 1)) - 1; }

/// Symmetric scale for a range: AbsMax / QMax (127 for int8, 32767 for int16), or 1 when AbsMax is 0 (an
/// all-zero tensor).
double symmetricScale(double AbsMax, int64_t QMax = 127);
/// round_half_even(V / Scale) clamped to [Lo, Hi].
int64_t quantizeValue(double V, double Scale, int64_t Lo, int64_t Hi);

} // namespace npu::quant
