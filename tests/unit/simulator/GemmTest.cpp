// GEMM: tiled matrix products against a plain reference matmul, reset, accumulation across instructions,
// accumulator wrap-around and the narrowed output mirror, on every config.
#include "TestUtil.h"

using namespace simtest;

namespace {

/// An M x K by N x K problem laid out as tiles: input tile (m, k) at buffer row m*KT + k (batch x block_in),
/// weight tile (n, k) at row n*KT + k ([out][in]).
struct Problem {
  int64_t MT, KT, NT;
  std::vector<int64_t> A, W; // A[M][K], W[N][K]
  int64_t M, K, N;

  Problem(const HardwareConfig &C, int64_t MT, int64_t KT, int64_t NT, std::mt19937 &Rng, bool Extreme)
      : MT(MT), KT(KT), NT(NT), M(MT * C.Batch), K(KT * C.BlockIn), N(NT * C.BlockOut) {
    A = randomValues(Rng, M * K, C.inputBits());
    W = randomValues(Rng, N * K, C.weightBits());
    if (Extreme) {
      std::fill(A.begin(), A.end(), npu::signedMin(C.inputBits()));
      std::fill(W.begin(), W.end(), npu::signedMin(C.weightBits()));
    }
  }
  std::vector<int64_t> inputTiles(const HardwareConfig &C) const {
    std::vector<int64_t> T;
    for (int64_t Mt = 0; Mt < MT; ++Mt)
      for (int64_t Kt = 0; Kt < KT; ++Kt)
        for (uint64_t B = 0; B < C.Batch; ++B)
          for (uint64_t I = 0; I < C.BlockIn; ++I)
            T.push_back(A[(Mt * C.Batch + B) * K + Kt * C.BlockIn + I]);
    return T;
  }
  std::vector<int64_t> weightTiles(const HardwareConfig &C) const {
    std::vector<int64_t> T;
    for (int64_t Nt = 0; Nt < NT; ++Nt)
      for (int64_t Kt = 0; Kt < KT; ++Kt)
        for (uint64_t O = 0; O < C.BlockOut; ++O)
          for (uint64_t I = 0; I < C.BlockIn; ++I)
            T.push_back(W[(Nt * C.BlockOut + O) * K + Kt * C.BlockIn + I]);
    return T;
  }
  /// Reference product C[m][n] = sum_k A[m][k] * W[n][k] (int64, unwrapped).
  std::vector<int64_t> product() const {
    std::vector<int64_t> R(M * N, 0);
    for (int64_t I = 0; I < M; ++I)
      for (int64_t J = 0; J < N; ++J)
        for (int64_t X = 0; X < K; ++X)
          R[I * N + J] += A[I * K + X] * W[J * K + X];
    return R;
  }
  /// Element (m, n) of the result as the simulator lays it out: acc row mt*NT + nt, lane b*block_out + o.
  size_t laneIndex(const HardwareConfig &C, int64_t I, int64_t J) const {
    const int64_t Row = (I / C.Batch) * NT + J / C.BlockOut;
    return Row * C.Batch * C.BlockOut + (I % C.Batch) * C.BlockOut + J % C.BlockOut;
  }
};

class Gemm : public ::testing::TestWithParam<std::string> {};

void runTiledMatmul(const HardwareConfig &C, bool Extreme) {
  std::mt19937 Rng(3);
  const Problem Pb(C, 3, 3, 2, Rng, Extreme);
  const int64_t Rows = Pb.MT * Pb.NT, UopOff = 4;
  ProgramBuilder B(C);
  const uint64_t InAddr = B.data("inp", Pb.inputTiles(C), C.inputBits());
  const uint64_t WAddr = B.data("wgt", Pb.weightTiles(C), C.weightBits());
  const uint64_t AccAddr = B.reserve(Rows * C.D.AccRowBytes);
  const uint64_t OutAddr = B.reserve(Rows * C.D.OutputRowBytes);
  std::vector<MicroOp> U;
  for (int64_t K = 0; K < Pb.KT; ++K)
    U.push_back(MicroOp{0, K, K});
  B.uops(U);
  B.add(load(MemType::Input, 0, InAddr, 1, Pb.MT * Pb.KT, Pb.MT * Pb.KT));
  B.add(load(MemType::Weight, 0, WAddr, 1, Pb.NT * Pb.KT, Pb.NT * Pb.KT));
  Instruction LU = B.loadUops();
  LU.Mem.SramBase = UopOff;
  B.add(LU);
  // i over output tile rows, j over output tile columns; the micro-ops walk k.
  const std::array<int64_t, 6> Steps = {Pb.NT, 1, Pb.KT, 0, 0, Pb.KT};
  B.add(gemm(true, UopOff, UopOff + 1, Pb.MT, Pb.NT, Steps));
  B.add(gemm(false, UopOff, UopOff + 1, Pb.MT, Pb.NT, Steps));
  B.add(gemm(false, UopOff + 1, UopOff + Pb.KT, Pb.MT, Pb.NT, Steps));
  B.add(store(MemType::Acc, 0, AccAddr, 1, Rows, Rows));
  B.add(store(MemType::Output, 0, OutAddr, 1, Rows, Rows));
  B.add(finish());
  std::vector<uint8_t> Dram;
  auto S = runProgram(B.build(), Dram);
  ASSERT_TRUE(S.isOk()) << S.message();

  const uint64_t Lanes = C.Batch * C.BlockOut;
  const auto Acc = unpack(Dram.data() + AccAddr, C.accBits(), Rows * Lanes);
  const auto Out = unpack(Dram.data() + OutAddr, C.outputBits(), Rows * Lanes);
  const auto Ref = Pb.product();
  for (int64_t I = 0; I < Pb.M; ++I)
    for (int64_t J = 0; J < Pb.N; ++J) {
      const int64_t WantAcc = wrapTo(Ref[I * Pb.N + J], C.accBits());
      ASSERT_EQ(Acc[Pb.laneIndex(C, I, J)], WantAcc) << "C[" << I << "][" << J << "]";
      ASSERT_EQ(Out[Pb.laneIndex(C, I, J)], wrapTo(WantAcc, C.outputBits()))
          << "out C[" << I << "][" << J << "]";
    }
  const uint64_t Products = uint64_t(Pb.MT * Pb.NT * Pb.KT);
  EXPECT_EQ(S->GemmUops, uint64_t(Pb.MT * Pb.NT) + Products);
  EXPECT_EQ(S->Macs, Products * C.Batch * C.BlockIn * C.BlockOut);
  EXPECT_EQ(S->Gemms, 3u);
}

TEST_P(Gemm, TiledMatmulMatchesReference) { runTiledMatmul(configByName(GetParam()), false); }
TEST_P(Gemm, ExtremeValuesWrapAccumulator) { runTiledMatmul(configByName(GetParam()), true); }

// A reset GEMM after accumulation zeroes both the accumulator rows and their output mirror.
TEST_P(Gemm, ResetClearsAccAndOutput) {
  const HardwareConfig C = configByName(GetParam());
  std::mt19937 Rng(5);
  const uint64_t Lanes = C.Batch * C.BlockOut;
  ProgramBuilder B(C);
  const uint64_t InAddr = B.data("inp", randomValues(Rng, C.Batch * C.BlockIn, C.inputBits()), C.inputBits());
  const uint64_t WAddr =
      B.data("wgt", randomValues(Rng, C.BlockOut * C.BlockIn, C.weightBits()), C.weightBits());
  const uint64_t AccAddr = B.reserve(2 * C.D.AccRowBytes), OutAddr = B.reserve(2 * C.D.OutputRowBytes);
  B.uops({MicroOp{0, 0, 0}});
  B.add(load(MemType::Input, 0, InAddr, 1, 1, 1));
  B.add(load(MemType::Weight, 0, WAddr, 1, 1, 1));
  B.add(B.loadUops());
  B.add(gemm(false, 0, 1, 2, 1, {1, 0, 0, 0, 0, 0})); // rows 0 and 1 accumulate
  B.add(gemm(true, 0, 1, 1, 1, {0, 0, 0, 0, 0, 0}));  // row 0 reset
  B.add(store(MemType::Acc, 0, AccAddr, 1, 2, 2));
  B.add(store(MemType::Output, 0, OutAddr, 1, 2, 2));
  B.add(finish());
  std::vector<uint8_t> Dram;
  auto S = runProgram(B.build(), Dram);
  ASSERT_TRUE(S.isOk()) << S.message();
  const auto Acc = unpack(Dram.data() + AccAddr, C.accBits(), 2 * Lanes);
  const auto Out = unpack(Dram.data() + OutAddr, C.outputBits(), 2 * Lanes);
  const auto In = unpack(Dram.data() + InAddr, C.inputBits(), C.Batch * C.BlockIn);
  const auto W = unpack(Dram.data() + WAddr, C.weightBits(), C.BlockOut * C.BlockIn);
  const auto Want = refTile(C, In.data(), W.data());
  for (uint64_t L = 0; L < Lanes; ++L) {
    EXPECT_EQ(Acc[L], 0);
    EXPECT_EQ(Out[L], 0);
    EXPECT_EQ(Acc[Lanes + L], wrapTo(Want[L], C.accBits()));
    EXPECT_EQ(Out[Lanes + L], wrapTo(Want[L], C.outputBits()));
  }
  EXPECT_EQ(S->Macs, 2 * C.D.PeakMacsPerCycle);
  EXPECT_EQ(S->GemmUops, 3u);
}

// The last accumulator row is writable even where the output buffer is shallower (no mirror there).
TEST_P(Gemm, AccRowsBeyondOutputDepth) {
  const HardwareConfig C = configByName(GetParam());
  const int64_t Last = int64_t(C.D.AccDepth) - 1;
  ProgramBuilder B(C);
  const uint64_t Res = B.reserve(C.D.AccRowBytes);
  B.uops({MicroOp{Last, 0, 0}});
  B.add(B.loadUops());
  B.add(gemm(false, 0, 1, 1, 1, {0, 0, 0, 0, 0, 0}));
  B.add(alu(AluOp::Add, true, 0, 1, 1, 1, {0, 0, 0, 0}, 5));
  B.add(store(MemType::Acc, Last, Res, 1, 1, 1));
  B.add(finish());
  std::vector<uint8_t> Dram;
  auto S = runProgram(B.build(), Dram);
  ASSERT_TRUE(S.isOk()) << S.message();
  for (int64_t V : unpack(Dram.data() + Res, C.accBits(), C.Batch * C.BlockOut))
    EXPECT_EQ(V, 5);
}

// The accumulator wraps on every GEMM update, not only when stored: an ALU reading the row sees the wrapped
// value. Three accumulations of max(input) x min(weight) into one row overflow the 16-bit accumulator.
TEST_P(Gemm, WrappedAccumulatorSeenByAlu) {
  const HardwareConfig C = configByName(GetParam());
  const uint64_t InElems = C.Batch * C.BlockIn, WElems = C.BlockOut * C.BlockIn, Lanes = C.Batch * C.BlockOut;
  const std::vector<int64_t> In(InElems, npu::signedMax(C.inputBits()));
  const std::vector<int64_t> W(WElems, npu::signedMin(C.weightBits()));
  ProgramBuilder B(C);
  const uint64_t InAddr = B.data("inp", In, C.inputBits()), WAddr = B.data("wgt", W, C.weightBits());
  const uint64_t Res = B.reserve(C.D.AccRowBytes);
  B.uops({MicroOp{0, 0, 0}});
  B.add(load(MemType::Input, 0, InAddr, 1, 1, 1));
  B.add(load(MemType::Weight, 0, WAddr, 1, 1, 1));
  B.add(B.loadUops());
  B.add(gemm(false, 0, 1, 3, 1, {0, 0, 0, 0, 0, 0}));
  B.add(alu(AluOp::Shr, true, 0, 1, 1, 1, {0, 0, 0, 0}, 3));
  B.add(store(MemType::Acc, 0, Res, 1, 1, 1));
  B.add(finish());
  std::vector<uint8_t> Dram;
  auto S = runProgram(B.build(), Dram);
  ASSERT_TRUE(S.isOk()) << S.message();
  const int64_t Sum = wrapTo(3 * int64_t(C.BlockIn) * In[0] * W[0], C.accBits());
  const int64_t Shifted = Sum >= -4 ? (Sum + 4) / 8 : -((-(Sum + 4) + 7) / 8); // floor((Sum + 4) / 8)
  for (int64_t V : unpack(Dram.data() + Res, C.accBits(), Lanes))
    ASSERT_EQ(V, Shifted) << "sum " << Sum;
}

INSTANTIATE_TEST_SUITE_P(FuncSim, Gemm, ::testing::ValuesIn(allConfigNames()),
                         [](const auto &Info) { return Info.param; });

} // namespace
