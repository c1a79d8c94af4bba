// ALU: every operation in immediate and per-lane form against reference lane functions, on every config, plus
// hand-computed rounding, tie, clamping and saturation cases of shr and requant, and the lookup table.
#include "TestUtil.h"

#include <algorithm>

using namespace simtest;

namespace {

using I128 = __int128;

I128 floorDiv(I128 A, I128 B) {
  I128 Q = A / B;
  if (A % B != 0 && ((A < 0) != (B < 0)))
    --Q;
  return Q;
}

int64_t wrap128(I128 V, unsigned Bits) {
  const I128 Mod = I128(1) << Bits;
  I128 R = V % Mod;
  if (R < 0)
    R += Mod;
  return int64_t(R >= Mod / 2 ? R - Mod : R);
}

struct AluCase {
  const char *Name;
  AluOp Op;
  bool UseImm;
  int64_t Imm, Imm2, Shift;
};

/// Reference lane function: the result stored in the accumulator.
int64_t refAlu(const HardwareConfig &C, const AluCase &K, int64_t X, int64_t B) {
  const unsigned Bits = C.accBits();
  switch (K.Op) {
  case AluOp::Add:
    return wrap128(I128(X) + B, Bits);
  case AluOp::Mul:
    return wrap128(I128(X) * B, Bits);
  case AluOp::Max:
    return X > B ? X : B;
  case AluOp::Min:
    return X < B ? X : B;
  case AluOp::Shr: {
    const int64_t S = B < -62 ? -62 : B > 62 ? 62 : B;
    if (S > 0)
      return wrap128(floorDiv(I128(X) + (I128(1) << (S - 1)), I128(1) << S), Bits);
    return wrap128(I128(X) * (I128(1) << -S), Bits);
  }
  case AluOp::Clip:
    return X < K.Imm ? K.Imm : X > K.Imm2 ? K.Imm2 : X;
  case AluOp::Mov:
    return B;
  case AluOp::Requant: {
    I128 R = floorDiv(I128(X) * B + (I128(1) << (K.Shift - 1)), I128(1) << K.Shift) + K.Imm2;
    const int64_t Lo = npu::signedMin(C.outputBits()), Hi = npu::signedMax(C.outputBits());
    return int64_t(R < Lo ? Lo : R > Hi ? Hi : R);
  }
  }
  return 0;
}

std::vector<AluCase> casesFor(const HardwareConfig &C) {
  const int64_t Max = npu::signedMax(C.accBits()), Min = npu::signedMin(C.accBits());
  const int64_t OutMax = npu::signedMax(C.outputBits());
  return {
      {"add_imm", AluOp::Add, true, 7, 0, 0},
      {"add_imm_max", AluOp::Add, true, Max, 0, 0},
      {"add_lane", AluOp::Add, false, 0, 0, 0},
      {"mul_imm", AluOp::Mul, true, -3, 0, 0},
      {"mul_lane", AluOp::Mul, false, 0, 0, 0},
      {"max_imm_relu", AluOp::Max, true, 0, 0, 0},
      {"max_lane", AluOp::Max, false, 0, 0, 0},
      {"min_imm", AluOp::Min, true, 100, 0, 0},
      {"min_lane", AluOp::Min, false, 0, 0, 0},
      {"shr_imm_3", AluOp::Shr, true, 3, 0, 0},
      {"shr_imm_1", AluOp::Shr, true, 1, 0, 0},
      {"shr_imm_0", AluOp::Shr, true, 0, 0, 0},
      {"shl_imm_4", AluOp::Shr, true, -4, 0, 0},
      {"shr_imm_min", AluOp::Shr, true, Min, 0, 0},
      {"shr_imm_max", AluOp::Shr, true, Max, 0, 0},
      {"shr_lane", AluOp::Shr, false, 0, 0, 0},
      {"clip_imm", AluOp::Clip, true, -5, 9, 0},
      {"clip_out_range", AluOp::Clip, true, -OutMax - 1, OutMax, 0},
      {"mov_imm", AluOp::Mov, true, 42, 0, 0},
      {"mov_lane", AluOp::Mov, false, 0, 0, 0},
      {"requant_imm_s1", AluOp::Requant, true, 3, 0, 1},
      {"requant_imm_s31", AluOp::Requant, true, Max, -2, 31},
      {"requant_imm_neg", AluOp::Requant, true, -Max, 1, 16},
      {"requant_lane_s1", AluOp::Requant, false, 0, 1, 1},
      {"requant_lane_s31", AluOp::Requant, false, 0, 0, 31},
      {"requant_lane_s12", AluOp::Requant, false, 0, -1, 12},
  };
}

class Alu : public ::testing::TestWithParam<std::string> {};

// Rows 0..3 are destinations, rows 4..7 sources; loops (2 x 2) with micro-op {dst 0, src 4}. Sources of shr
// are small (shift amounts in [-70, 70], beyond the clamp).
TEST_P(Alu, EveryOpMatchesReference) {
  const HardwareConfig C = configByName(GetParam());
  const uint64_t Lanes = C.Batch * C.BlockOut;
  const unsigned Bits = C.accBits();
  for (const AluCase &K : casesFor(C)) {
    SCOPED_TRACE(K.Name);
    std::mt19937 Rng(17);
    auto Dst = randomValues(Rng, 4 * Lanes, Bits);
    auto Src = randomValues(Rng, 4 * Lanes, Bits);
    if (K.Op == AluOp::Shr && !K.UseImm) {
      std::uniform_int_distribution<int64_t> D(-70, 70);
      for (int64_t &V : Src)
        V = D(Rng);
    }
    ProgramBuilder B(C);
    const uint64_t In = B.data("dst", Dst, Bits);
    B.data("src", Src, Bits); // directly after dst: one LOAD covers both
    const uint64_t AccAddr = B.reserve(8 * C.D.AccRowBytes), OutAddr = B.reserve(4 * C.D.OutputRowBytes);
    B.uops({MicroOp{0, 4, 0}});
    B.add(B.loadUops());
    B.add(load(MemType::Acc, 0, In, 1, 8, 8));
    B.add(alu(K.Op, K.UseImm, 0, 1, 2, 2, {2, 1, 2, 1}, K.Imm, K.Imm2, K.Shift));
    B.add(store(MemType::Acc, 0, AccAddr, 1, 8, 8));
    B.add(store(MemType::Output, 0, OutAddr, 1, 4, 4));
    B.add(finish());
    std::vector<uint8_t> Dram;
    auto S = runProgram(B.build(), Dram);
    ASSERT_TRUE(S.isOk()) << S.message();
    const auto Acc = unpack(Dram.data() + AccAddr, Bits, 8 * Lanes);
    const auto Out = unpack(Dram.data() + OutAddr, C.outputBits(), 4 * Lanes);
    for (uint64_t I = 0; I < 4 * Lanes; ++I) {
      const int64_t Want = refAlu(C, K, Dst[I], K.UseImm ? K.Imm : Src[I]);
      ASSERT_EQ(Acc[I], Want) << "lane " << I << " x=" << Dst[I] << " src=" << Src[I];
      ASSERT_EQ(Out[I], wrapTo(Want, C.outputBits())) << "out lane " << I;
      ASSERT_EQ(Acc[4 * Lanes + I], Src[I]) << "source row changed";
    }
    EXPECT_EQ(S->AluUops, 4u);
    EXPECT_EQ(S->AluLaneOps, 4 * Lanes);
  }
}

// Source and destination are the same row: each lane reads its own old value.
TEST_P(Alu, SourceEqualsDestination) {
  const HardwareConfig C = configByName(GetParam());
  const uint64_t Lanes = C.Batch * C.BlockOut;
  std::mt19937 Rng(23);
  const auto V = randomValues(Rng, Lanes, C.accBits());
  ProgramBuilder B(C);
  const uint64_t In = B.data("v", V, C.accBits());
  const uint64_t Res = B.reserve(C.D.AccRowBytes);
  B.uops({MicroOp{0, 0, 0}});
  B.add(B.loadUops());
  B.add(load(MemType::Acc, 0, In, 1, 1, 1));
  B.add(alu(AluOp::Add, false, 0, 1, 1, 1, {0, 0, 0, 0}));
  B.add(alu(AluOp::Add, false, 0, 1, 1, 1, {0, 0, 0, 0}));
  B.add(store(MemType::Acc, 0, Res, 1, 1, 1));
  B.add(finish());
  std::vector<uint8_t> Dram;
  auto S = runProgram(B.build(), Dram);
  ASSERT_TRUE(S.isOk()) << S.message();
  const auto Got = unpack(Dram.data() + Res, C.accBits(), Lanes);
  for (uint64_t L = 0; L < Lanes; ++L)
    EXPECT_EQ(Got[L], wrapTo(4 * V[L], C.accBits()));
}

// alu.lut maps every lane through the table LOAD lut wrote: entry clamp(x, -128, 127) + 128, sign-extended.
// Values span beyond int8 on both sides (the clamp) and the table is random, so a wrong index or sign shows.
TEST_P(Alu, LutMapsThroughTheLoadedTable) {
  const HardwareConfig C = configByName(GetParam());
  const uint64_t Lanes = C.Batch * C.BlockOut;
  std::mt19937 Rng(29);
  const auto Table = randomValues(Rng, 256, 8);
  std::vector<int64_t> X(2 * Lanes);
  std::uniform_int_distribution<int64_t> D(-300, 300);
  for (int64_t &V : X)
    V = D(Rng);
  X[0] = -128, X[1] = 127, X[2] = npu::signedMin(C.accBits()), X[3] = npu::signedMax(C.accBits());
  ProgramBuilder B(C);
  const uint64_t T = B.data("table", Table, 8), In = B.data("x", X, C.accBits());
  const uint64_t AccAddr = B.reserve(2 * C.D.AccRowBytes), OutAddr = B.reserve(2 * C.D.OutputRowBytes);
  B.uops({MicroOp{0, 0, 0}});
  B.add(B.loadUops());
  B.add(load(MemType::Lut, 0, T, 1, 256, 256));
  B.add(load(MemType::Acc, 0, In, 1, 2, 2));
  B.add(alu(AluOp::Lut, true, 0, 1, 2, 1, {1, 0, 0, 0}));
  B.add(store(MemType::Acc, 0, AccAddr, 1, 2, 2));
  B.add(store(MemType::Output, 0, OutAddr, 1, 2, 2));
  B.add(finish());
  std::vector<uint8_t> Dram;
  auto S = runProgram(B.build(), Dram);
  ASSERT_TRUE(S.isOk()) << S.message();
  const auto Acc = unpack(Dram.data() + AccAddr, C.accBits(), 2 * Lanes);
  const auto Out = unpack(Dram.data() + OutAddr, C.outputBits(), 2 * Lanes);
  for (uint64_t I = 0; I < 2 * Lanes; ++I) {
    const int64_t Want = Table[size_t(std::clamp<int64_t>(X[I], -128, 127) + 128)];
    ASSERT_EQ(Acc[I], Want) << "lane " << I << " x=" << X[I];
    ASSERT_EQ(Out[I], wrapTo(Want, C.outputBits())) << "out lane " << I;
  }
  EXPECT_EQ(S->BytesLoaded[unsigned(MemType::Lut)], 256u);
}

INSTANTIATE_TEST_SUITE_P(FuncSim, Alu, ::testing::ValuesIn(allConfigNames()),
                         [](const auto &Info) { return Info.param; });

/// Runs one ALU op on a single default-config lane: x in row 0, B in row 1 (per-lane form) and the
/// immediate form on a copy of x; returns {per-lane result, immediate result, out mirror}.
std::array<int64_t, 3> runOne(AluOp Op, int64_t X, int64_t Bv, int64_t Imm2, int64_t Shift) {
  const HardwareConfig C = repoConfig("default");
  const uint64_t Lanes = C.Batch * C.BlockOut;
  std::vector<int64_t> Rows(3 * Lanes, 0);
  Rows[0] = X;
  Rows[Lanes] = Bv;
  Rows[2 * Lanes] = X;
  ProgramBuilder B(C);
  const uint64_t In = B.data("rows", Rows, 32);
  const uint64_t Res = B.reserve(3 * C.D.AccRowBytes), OutAddr = B.reserve(C.D.OutputRowBytes);
  B.uops({MicroOp{0, 1, 0}, MicroOp{2, 0, 0}});
  B.add(B.loadUops());
  B.add(load(MemType::Acc, 0, In, 1, 3, 3));
  B.add(alu(Op, false, 0, 1, 1, 1, {0, 0, 0, 0}, 0, Imm2, Shift));
  B.add(alu(Op, true, 1, 2, 1, 1, {0, 0, 0, 0}, Bv, Imm2, Shift));
  B.add(store(MemType::Acc, 0, Res, 1, 3, 3));
  B.add(store(MemType::Output, 0, OutAddr, 1, 1, 1));
  B.add(finish());
  std::vector<uint8_t> Dram;
  auto S = runProgram(B.build(), Dram);
  EXPECT_TRUE(S.isOk()) << S.message();
  if (!S)
    return {0, 0, 0};
  const auto Acc = unpack(Dram.data() + Res, 32, 3 * Lanes);
  return {Acc[0], Acc[2 * Lanes], unpack(Dram.data() + OutAddr, 8, 1)[0]};
}

constexpr int64_t I32Min = INT32_MIN, I32Max = INT32_MAX;

TEST(SimAluEdge, ShrRoundingTiesAndClamp) {
  struct Case {
    int64_t X, B, Want;
  };
  const Case Cases[] = {
      {5, 1, 3},     {-5, 1, -2},      {4, 1, 2},     {-4, 1, -2},      {1, 1, 1},        {-1, 1, 0},
      {7, 2, 2},     {-6, 2, -1},      {-2, 2, 0},    {1, 62, 0},       {I32Min, 31, -1}, {I32Max, 31, 1},
      {3, 0, 3},     {3, -2, 12},      {-3, -2, -12}, {1, -31, I32Min}, {1, -32, 0},      {1, -100, 0},
      {100, 100, 0}, {I32Min, 200, 0}, {-1, 63, 0},
  };
  for (const Case &K : Cases) {
    const auto R = runOne(AluOp::Shr, K.X, K.B, 0, 0);
    EXPECT_EQ(R[0], K.Want) << "shr " << K.X << " by " << K.B << " (per lane)";
    EXPECT_EQ(R[1], K.Want) << "shr " << K.X << " by " << K.B << " (imm)";
    EXPECT_EQ(R[2], wrapTo(K.Want, 8)) << "out mirror";
  }
}

TEST(SimAluEdge, RequantRoundingSaturation) {
  struct Case {
    int64_t X, B, Shift, Zp, Want;
  };
  const Case Cases[] = {
      {3, 1, 1, 0, 2},
      {-3, 1, 1, 0, -1},
      {5, 1, 1, 0, 3},
      {-5, 1, 1, 0, -2},
      {1, 1, 1, 0, 1},
      {-1, 1, 1, 0, 0},
      {1 << 30, 2, 31, 0, 1},
      {1 << 30, 1, 31, 0, 1},
      {-(1 << 30), 1, 31, 0, 0},
      {-(1 << 30) - 1, 1, 31, 0, -1},
      {1000, 1, 1, 0, 127},
      {-1000, 1, 1, 0, -128},
      {0, 5, 1, -128, -128},
      {2, 1, 1, 127, 127},
      {2, 1, 1, 126, 127},
      {-3, 1, 1, -127, -128},
      {I32Min, I32Min, 62, 0, 1},
      {I32Min, I32Max, 31, 0, -128},
      {I32Max, I32Max, 62, 0, 1},
      {-7, -3, 2, 10, 15},
      {100, -3, 1, 5, -128},
  };
  for (const Case &K : Cases) {
    const auto R = runOne(AluOp::Requant, K.X, K.B, K.Zp, K.Shift);
    const std::string What = "requant x=" + std::to_string(K.X) + " B=" + std::to_string(K.B) +
                             " shift=" + std::to_string(K.Shift) + " zp=" + std::to_string(K.Zp);
    EXPECT_EQ(R[0], K.Want) << What << " (per lane)";
    EXPECT_EQ(R[1], K.Want) << What << " (imm)";
    EXPECT_EQ(R[2], K.Want) << What << " (out mirror)";
  }
}

TEST(SimAluEdge, AddMulWrapToAccumulator) {
  EXPECT_EQ(runOne(AluOp::Add, I32Max, 1, 0, 0)[0], I32Min);
  EXPECT_EQ(runOne(AluOp::Add, I32Min, -1, 0, 0)[1], I32Max);
  EXPECT_EQ(runOne(AluOp::Mul, 1 << 20, 1 << 20, 0, 0)[0], 0);
  EXPECT_EQ(runOne(AluOp::Mul, I32Min, -1, 0, 0)[1], I32Min);
  EXPECT_EQ(runOne(AluOp::Mul, 65537, 65537, 0, 0)[0], int64_t(int32_t(uint32_t(65537u * 65537u))));
}

} // namespace
