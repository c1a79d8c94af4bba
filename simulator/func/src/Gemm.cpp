// GEMM: the tensor core's micro-op loop nest, acc[dst] += inp[src] x wgt[wgt]^T, with the output mirror.
// This is the simulator's hot path: bounds are checked once per micro-op before the instruction runs, the
// per-tile dot products are plain loops the compiler vectorizes (int8 tiles with block_in 8 or a multiple of
// 16: AVX2 where the CPU has it), and the output mirror is refreshed once per run of micro-ops on the same
// accumulator row.
#include "npu/sim/Exec.h"

#include <algorithm>
#include <cstring>
#include <type_traits>

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#include <immintrin.h>
#define NPU_GEMM_AVX2 1
#endif

namespace npu::sim {

namespace {

/// Acc[b][o] += sum_k In[b][k] * W[o][k], wrapping to 32 bits. int8 x int8 sums cannot overflow int32
/// (|product| <= 2^14, block_in <= 256), which keeps the loop a vectorizable dot product; wider operands sum
/// in uint32, whose wrap-around is the two's-complement wrap the accumulator needs.
template <typename TI, typename TW>
void gemmTile(const TI *__restrict In, const TW *__restrict W, int32_t *__restrict Acc, uint64_t Batch,
              uint64_t BIn, uint64_t BOut) {
  using SumT = std::conditional_t<sizeof(TI) == 1 && sizeof(TW) == 1, int32_t, uint32_t>;
  for (uint64_t B = 0; B < Batch; ++B) {
    const TI *X = In + B * BIn;
    int32_t *A = Acc + B * BOut;
    for (uint64_t O = 0; O < BOut; ++O) {
      const TW *Wo = W + O * BIn;
      SumT Sum = 0;
      for (uint64_t K = 0; K < BIn; ++K)
        Sum += SumT(int32_t(X[K]) * int32_t(Wo[K]));
      A[O] = int32_t(uint32_t(A[O]) + uint32_t(Sum));
    }
  }
}

#ifdef NPU_GEMM_AVX2
/// Eight int32 partial sums of the dot product of the widened input X with the int8 row Wo; Fixed > 0 is
/// the number of 16-element chunks known at compile time (the common block_in of 16 and 32), else Chunks.
template <unsigned Fixed>
__attribute__((target("avx2"), always_inline)) inline __m256i dotAvx2(const __m256i *X, const int8_t *Wo,
                                                                      uint64_t Chunks) {
  const uint64_t N = Fixed ? Fixed : Chunks;
  __m256i S = _mm256_setzero_si256();
  for (uint64_t K = 0; K < N; ++K) {
    const __m256i Wk = _mm256_cvtepi8_epi16(_mm_loadu_si128(reinterpret_cast<const __m128i *>(Wo + 16 * K)));
    S = _mm256_add_epi32(S, _mm256_madd_epi16(X[K], Wk));
  }
  return S;
}

/// gemmTile for int8 x int8 with BIn a multiple of 16 (at most 256), in AVX2: each input row is widened to
/// int16 once, each weight row is multiplied with it in pairs (vpmaddwd), and eight outputs' partial sums are
/// reduced together. Integer addition is associative, so the wrap-around result is gemmTile's exactly.
template <unsigned Fixed>
__attribute__((target("avx2"))) void gemmTileI8Avx2(const int8_t *__restrict In, const int8_t *__restrict W,
                                                    int32_t *__restrict Acc, uint64_t Batch, uint64_t BIn,
                                                    uint64_t BOut) {
  const uint64_t Chunks = Fixed ? Fixed : BIn / 16;
  __m256i X[16];
  for (uint64_t B = 0; B < Batch; ++B) {
    for (uint64_t K = 0; K < Chunks; ++K)
      X[K] = _mm256_cvtepi8_epi16(_mm_loadu_si128(reinterpret_cast<const __m128i *>(In + B * BIn + 16 * K)));
    int32_t *A = Acc + B * BOut;
    uint64_t O = 0;
    for (; O + 8 <= BOut; O += 8) {
      const int8_t *Wo = W + O * BIn;
      __m256i D[8];
      for (unsigned K = 0; K < 8; ++K)
        D[K] = dotAvx2<Fixed>(X, Wo + K * BIn, Chunks);
      const __m256i Lo = _mm256_hadd_epi32(_mm256_hadd_epi32(D[0], D[1]), _mm256_hadd_epi32(D[2], D[3]));
      const __m256i Hi = _mm256_hadd_epi32(_mm256_hadd_epi32(D[4], D[5]), _mm256_hadd_epi32(D[6], D[7]));
      // Lo holds outputs 0-3 (first lane: elements 0-3 of each, second: 4-7), Hi outputs 4-7.
      const __m256i Sum =
          _mm256_add_epi32(_mm256_permute2x128_si256(Lo, Hi, 0x20), _mm256_permute2x128_si256(Lo, Hi, 0x31));
      __m256i *Dst = reinterpret_cast<__m256i *>(A + O);
      _mm256_storeu_si256(Dst, _mm256_add_epi32(_mm256_loadu_si256(Dst), Sum));
    }
    for (; O < BOut; ++O) {
      const __m256i S = dotAvx2<Fixed>(X, W + O * BIn, Chunks);
      const __m128i Q = _mm_add_epi32(_mm256_castsi256_si128(S), _mm256_extracti128_si256(S, 1));
      const __m128i P = _mm_add_epi32(Q, _mm_shuffle_epi32(Q, 0x4E));
      const uint32_t Dot = uint32_t(_mm_cvtsi128_si32(_mm_add_epi32(P, _mm_shuffle_epi32(P, 0xB1))));
      A[O] = int32_t(uint32_t(A[O]) + Dot);
    }
  }
}

/// gemmTileI8Avx2 for BIn == 8: one 16-byte load holds two weight rows, so each vpmaddwd against the input
/// row (widened into both halves) gives partial sums of two outputs.
__attribute__((target("avx2"))) void gemmTileI8x8Avx2(const int8_t *__restrict In, const int8_t *__restrict W,
                                                      int32_t *__restrict Acc, uint64_t Batch, uint64_t,
                                                      uint64_t BOut) {
  for (uint64_t B = 0; B < Batch; ++B) {
    int64_t Row;
    std::memcpy(&Row, In + B * 8, 8);
    const __m256i X = _mm256_cvtepi8_epi16(_mm_set1_epi64x(Row));
    int32_t *A = Acc + B * BOut;
    uint64_t O = 0;
    for (; O + 8 <= BOut; O += 8) {
      __m256i D[4]; // D[K]: four partial sums of output O + 2K, then four of O + 2K + 1
      for (unsigned K = 0; K < 4; ++K)
        D[K] = _mm256_madd_epi16(
            X, _mm256_cvtepi8_epi16(_mm_loadu_si128(reinterpret_cast<const __m128i *>(W + (O + 2 * K) * 8))));
      // Outputs 0, 2, 4, 6 in the first lane, 1, 3, 5, 7 in the second: interleave them back.
      const __m256i H = _mm256_hadd_epi32(_mm256_hadd_epi32(D[0], D[1]), _mm256_hadd_epi32(D[2], D[3]));
      const __m256i Sum = _mm256_permutevar8x32_epi32(H, _mm256_setr_epi32(0, 4, 1, 5, 2, 6, 3, 7));
      __m256i *Dst = reinterpret_cast<__m256i *>(A + O);
      _mm256_storeu_si256(Dst, _mm256_add_epi32(_mm256_loadu_si256(Dst), Sum));
    }
    for (; O < BOut; ++O) {
      int32_t Sum = 0;
      for (uint64_t K = 0; K < 8; ++K)
        Sum += int32_t(In[B * 8 + K]) * int32_t(W[O * 8 + K]);
      A[O] = int32_t(uint32_t(A[O]) + uint32_t(Sum));
    }
  }
}

bool haveAvx2() {
  static const bool Have = __builtin_cpu_supports("avx2");
  return Have;
}
#endif

template <typename TI, typename TW>
void gemmLoop(ExecContext &X, const isa::GemmFields &G, const RowArray<TI> &Inp, const RowArray<TW> &Wgt) {
  const HardwareConfig &C = X.C;
  RowArray<int32_t> &Acc = X.S.Acc;
  const uint64_t Lanes = Acc.RowElems;
  const bool Acc16 = C.accBits() == 16;
  const unsigned OutBits = C.outputBits();
  auto Tile = gemmTile<TI, TW>;
#ifdef NPU_GEMM_AVX2
  if constexpr (std::is_same_v<TI, int8_t> && std::is_same_v<TW, int8_t>) {
    if (C.BlockIn == 8 && haveAvx2())
      Tile = gemmTileI8x8Avx2;
    else if (C.BlockIn % 16 == 0 && C.BlockIn <= 256 && haveAvx2())
      Tile = C.BlockIn == 16 ? gemmTileI8Avx2<1> : C.BlockIn == 32 ? gemmTileI8Avx2<2> : gemmTileI8Avx2<0>;
  }
#endif
  // Nothing reads the output buffer during a GEMM, so a row's mirror is refreshed only when the loop moves
  // on to another accumulator row and at the end: the same final contents as after every micro-op.
  uint64_t Pending = UINT64_MAX;
  for (uint64_t I = 0; I < uint64_t(G.LoopOut); ++I)
    for (uint64_t J = 0; J < uint64_t(G.LoopIn); ++J)
      for (uint64_t U = G.UopBegin; U < uint64_t(G.UopEnd); ++U) {
        const isa::MicroOp &Op = X.S.Uops[U];
        const uint64_t A = Op.Dst + I * G.DstOut + J * G.DstIn;
        int32_t *AccRow = Acc.row(A);
        if (G.Reset) {
          std::fill(AccRow, AccRow + Lanes, 0);
        } else {
          const uint64_t S = Op.Src + I * G.SrcOut + J * G.SrcIn;
          const uint64_t W = Op.Wgt + I * G.WgtOut + J * G.WgtIn;
          Tile(Inp.row(S), Wgt.row(W), AccRow, C.Batch, C.BlockIn, C.BlockOut);
          if (Acc16)
            for (uint64_t L = 0; L < Lanes; ++L)
              AccRow[L] = int16_t(AccRow[L]);
        }
        if (A != Pending) {
          if (Pending != UINT64_MAX)
            mirrorToOutput(X.S, OutBits, Pending);
          Pending = A;
        }
      }
  if (Pending != UINT64_MAX)
    mirrorToOutput(X.S, OutBits, Pending);
}

/// Checks that one micro-op field stays inside its buffer over the whole loop nest.
Status checkField(const char *Field, uint64_t U, int64_t Base, const isa::GemmFields &G, int64_t StepOut,
                  int64_t StepIn, isa::MemType M, uint64_t Depth) {
  const uint64_t Last = lastLoopIndex(Base, G.LoopOut, StepOut, G.LoopIn, StepIn);
  if (Last < Depth)
    return Status::ok();
  return makeError("micro-op ", U, " field ", Field, "=", Base, " reaches ", bufferName(M), " row ", Last,
                   " (at i=", G.LoopOut - 1, ", j=", G.LoopIn - 1, "), out of bounds: depth ", Depth);
}

} // namespace

Status executeGemm(ExecContext &X, const isa::Instruction &I) {
  const isa::GemmFields &G = I.Gemm;
  if (G.LoopOut == 0 || G.LoopIn == 0 || G.UopBegin == G.UopEnd)
    return Status::ok();
  const DerivedConfig &D = X.C.D;
  // A reset GEMM reads neither input nor weights, so only its destination must be in range.
  for (uint64_t U = G.UopBegin; U < uint64_t(G.UopEnd); ++U) {
    const isa::MicroOp &Op = X.S.Uops[U];
    NPU_TRY(checkField("dst", U, Op.Dst, G, G.DstOut, G.DstIn, isa::MemType::Acc, D.AccDepth));
    if (!G.Reset) {
      NPU_TRY(checkField("src", U, Op.Src, G, G.SrcOut, G.SrcIn, isa::MemType::Input, D.InputDepth));
      NPU_TRY(checkField("wgt", U, Op.Wgt, G, G.WgtOut, G.WgtIn, isa::MemType::Weight, D.WeightDepth));
    }
  }
  std::visit([&](const auto &Inp, const auto &Wgt) { gemmLoop(X, G, Inp, Wgt); }, X.S.Inp, X.S.Wgt);

  const uint64_t Uops = uint64_t(G.LoopOut) * uint64_t(G.LoopIn) * uint64_t(G.UopEnd - G.UopBegin);
  X.Stats.GemmUops += Uops;
  if (!G.Reset)
    X.Stats.Macs += Uops * X.C.D.PeakMacsPerCycle;
  return Status::ok();
}

} // namespace npu::sim
