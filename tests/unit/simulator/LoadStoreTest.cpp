// LOAD (every padding field, strides, every buffer) and STORE (out and acc, strided) vs reference layouts.
#include "TestUtil.h"

using namespace simtest;

namespace {

struct PadCase {
  const char *Name;
  Pads P;
};
const PadCase PadCases[] = {{"none", {0, 0, 0, 0}}, {"top", {2, 0, 0, 0}},   {"bottom", {0, 3, 0, 0}},
                            {"left", {0, 0, 1, 0}}, {"right", {0, 0, 0, 2}}, {"all", {1, 2, 3, 1}}};

class LoadStore : public ::testing::TestWithParam<std::tuple<std::string, int>> {};

// LOAD acc with padding, then STORE acc of the whole padded block with a gap column; STORE out stays zero
// because LOAD acc does not write the output buffer.
TEST_P(LoadStore, AccPaddingAndStridedStore) {
  const HardwareConfig C = configByName(std::get<0>(GetParam()));
  const Pads Pd = PadCases[std::get<1>(GetParam())].P;
  const int64_t Y = 3, X = 2, Stride = 5, Sram = 3;
  const uint64_t Lanes = C.Batch * C.BlockOut;
  std::mt19937 Rng(7);
  const auto Grid = randomValues(Rng, Y * Stride * Lanes, C.accBits());

  ProgramBuilder B(C);
  const uint64_t In = B.data("grid", Grid, C.accBits());
  const int64_t Yt = Pd.Top + Y + Pd.Bottom, Xt = Pd.Left + X + Pd.Right, OutStride = Xt + 1;
  const uint64_t AccOut = B.reserve(Yt * OutStride * C.D.AccRowBytes);
  const uint64_t OutOut = B.reserve(Yt * Xt * C.D.OutputRowBytes);
  B.add(load(MemType::Acc, Sram, In, Y, X, Stride, Pd));
  B.add(store(MemType::Acc, Sram, AccOut, Yt, Xt, OutStride));
  B.add(store(MemType::Output, Sram, OutOut, Yt, Xt, Xt));
  B.add(finish());
  std::vector<uint8_t> Dram;
  auto S = runProgram(B.build(), Dram);
  ASSERT_TRUE(S.isOk()) << S.message();

  const auto Got = unpack(Dram.data() + AccOut, C.accBits(), Yt * OutStride * Lanes);
  for (int64_t R = 0; R < Yt; ++R)
    for (int64_t Col = 0; Col < OutStride; ++Col)
      for (uint64_t L = 0; L < Lanes; ++L) {
        int64_t Want = 0;
        const bool Data = R >= Pd.Top && R < Pd.Top + Y && Col >= Pd.Left && Col < Pd.Left + X;
        if (Data)
          Want = Grid[((R - Pd.Top) * Stride + (Col - Pd.Left)) * Lanes + L];
        ASSERT_EQ(Got[(R * OutStride + Col) * Lanes + L], Want)
            << "row " << R << " col " << Col << " lane " << L;
      }
  const auto Out = unpack(Dram.data() + OutOut, C.outputBits(), Yt * Xt * Lanes);
  for (int64_t V : Out)
    ASSERT_EQ(V, 0);
  EXPECT_EQ(S->BytesLoaded[unsigned(MemType::Acc)], uint64_t(Y * X) * C.D.AccRowBytes);
  EXPECT_EQ(S->BytesStored[unsigned(MemType::Acc)], uint64_t(Yt * Xt) * C.D.AccRowBytes);
  EXPECT_EQ(S->BytesStored[unsigned(MemType::Output)], uint64_t(Yt * Xt) * C.D.OutputRowBytes);
  EXPECT_EQ(S->PaddingRowsWritten, uint64_t(Yt * Xt - Y * X));
}

// LOAD inp with padding, observed through a GEMM against one weight tile: each buffer row r of the padded
// block gives acc[r] = inp[r] x W^T, where a padding row is pad_value in every element (here the most
// negative input value: the zero point of an asymmetric post-ReLU activation).
TEST_P(LoadStore, InputPaddingThroughGemm) {
  const HardwareConfig C = configByName(std::get<0>(GetParam()));
  const Pads Pd = PadCases[std::get<1>(GetParam())].P;
  const int64_t Y = 2, X = 3, Stride = 4, Sram = 1;
  const uint64_t InElems = C.Batch * C.BlockIn, WElems = C.BlockOut * C.BlockIn, Lanes = C.Batch * C.BlockOut;
  std::mt19937 Rng(11);
  const auto Grid = randomValues(Rng, Y * Stride * InElems, C.inputBits());
  const auto W = randomValues(Rng, WElems, C.weightBits());
  const int64_t Yt = Pd.Top + Y + Pd.Bottom, Xt = Pd.Left + X + Pd.Right, Rows = Yt * Xt;

  ProgramBuilder B(C);
  const uint64_t InAddr = B.data("inp", Grid, C.inputBits());
  const uint64_t WAddr = B.data("wgt", W, C.weightBits());
  const uint64_t Res = B.reserve(Rows * C.D.AccRowBytes);
  B.uops({MicroOp{0, Sram, 2}});
  const int64_t PadValue = -(int64_t(1) << (C.inputBits() - 1));
  Instruction LoadIn = load(MemType::Input, Sram, InAddr, Y, X, Stride, Pd);
  LoadIn.Mem.PadValue = PadValue;
  B.add(LoadIn);
  B.add(load(MemType::Weight, 2, WAddr, 1, 1, 1));
  B.add(B.loadUops());
  B.add(gemm(true, 0, 1, Rows, 1, {1, 0, 1, 0, 0, 0}));
  B.add(gemm(false, 0, 1, Rows, 1, {1, 0, 1, 0, 0, 0}));
  B.add(store(MemType::Acc, 0, Res, 1, Rows, Rows));
  B.add(finish());
  std::vector<uint8_t> Dram;
  auto S = runProgram(B.build(), Dram);
  ASSERT_TRUE(S.isOk()) << S.message();

  const auto Got = unpack(Dram.data() + Res, C.accBits(), Rows * Lanes);
  const std::vector<int64_t> PadRow(InElems, PadValue);
  for (int64_t R = 0; R < Yt; ++R)
    for (int64_t Col = 0; Col < Xt; ++Col) {
      const bool Data = R >= Pd.Top && R < Pd.Top + Y && Col >= Pd.Left && Col < Pd.Left + X;
      const int64_t *Row = Data ? &Grid[((R - Pd.Top) * Stride + (Col - Pd.Left)) * InElems] : PadRow.data();
      const auto Want = refTile(C, Row, W.data());
      for (uint64_t L = 0; L < Lanes; ++L)
        ASSERT_EQ(Got[(R * Xt + Col) * Lanes + L], wrapTo(Want[L], C.accBits()))
            << "row " << R << " col " << Col;
    }
  EXPECT_EQ(S->BytesLoaded[unsigned(MemType::Input)], uint64_t(Y * X) * C.D.InputRowBytes);
  EXPECT_EQ(S->BytesLoaded[unsigned(MemType::Weight)], C.D.WeightRowBytes);
  EXPECT_EQ(S->BytesLoaded[unsigned(MemType::Uop)], C.D.UopRowBytes);
}

// LOAD wgt of a padded, strided 2-D block of tiles, observed through GEMMs with one input row.
TEST_P(LoadStore, WeightPaddingThroughGemm) {
  const HardwareConfig C = configByName(std::get<0>(GetParam()));
  const Pads Pd = PadCases[std::get<1>(GetParam())].P;
  const int64_t Y = 2, X = 2, Stride = 3;
  const uint64_t InElems = C.Batch * C.BlockIn, WElems = C.BlockOut * C.BlockIn, Lanes = C.Batch * C.BlockOut;
  std::mt19937 Rng(13);
  const auto In = randomValues(Rng, InElems, C.inputBits());
  const auto Tiles = randomValues(Rng, Y * Stride * WElems, C.weightBits());
  const int64_t Yt = Pd.Top + Y + Pd.Bottom, Xt = Pd.Left + X + Pd.Right, Rows = Yt * Xt;
  if (uint64_t(Rows) > C.D.WeightDepth)
    GTEST_SKIP() << "weight buffer of " << C.D.WeightDepth << " rows is too small";

  ProgramBuilder B(C);
  const uint64_t InAddr = B.data("inp", In, C.inputBits());
  const uint64_t WAddr = B.data("wgt", Tiles, C.weightBits());
  const uint64_t Res = B.reserve(Rows * C.D.AccRowBytes);
  B.uops({MicroOp{0, 0, 0}});
  B.add(load(MemType::Input, 0, InAddr, 1, 1, 1));
  B.add(load(MemType::Weight, 0, WAddr, Y, X, Stride, Pd));
  B.add(B.loadUops());
  B.add(gemm(true, 0, 1, Rows, 1, {1, 0, 0, 0, 1, 0}));
  B.add(gemm(false, 0, 1, Rows, 1, {1, 0, 0, 0, 1, 0}));
  B.add(store(MemType::Acc, 0, Res, 1, Rows, Rows));
  B.add(finish());
  std::vector<uint8_t> Dram;
  auto S = runProgram(B.build(), Dram);
  ASSERT_TRUE(S.isOk()) << S.message();

  const auto Got = unpack(Dram.data() + Res, C.accBits(), Rows * Lanes);
  std::vector<int64_t> Zero(WElems, 0);
  for (int64_t R = 0; R < Yt; ++R)
    for (int64_t Col = 0; Col < Xt; ++Col) {
      const bool Data = R >= Pd.Top && R < Pd.Top + Y && Col >= Pd.Left && Col < Pd.Left + X;
      const int64_t *Tile = Data ? &Tiles[((R - Pd.Top) * Stride + (Col - Pd.Left)) * WElems] : Zero.data();
      const auto Want = refTile(C, In.data(), Tile);
      for (uint64_t L = 0; L < Lanes; ++L)
        ASSERT_EQ(Got[(R * Xt + Col) * Lanes + L], wrapTo(Want[L], C.accBits()))
            << "row " << R << " col " << Col;
    }
}

INSTANTIATE_TEST_SUITE_P(FuncSim, LoadStore,
                         ::testing::Combine(::testing::ValuesIn(allConfigNames()), ::testing::Range(0, 6)),
                         [](const auto &Info) {
                           return std::get<0>(Info.param) + "_pad_" + PadCases[std::get<1>(Info.param)].Name;
                         });

// A size-0 LOAD/STORE moves no data and only passes tokens.
TEST(SimLoadStoreNoop, ZeroSizeIsNoop) {
  const HardwareConfig C = repoConfig("default");
  ProgramBuilder B(C);
  B.add(tokens(load(MemType::Input, 0, 0, 0, 0, 0), false, false, false, true));
  B.add(tokens(load(MemType::Acc, 0, 0, 0, 0, 0), true, false, false, true));
  B.add(tokens(store(MemType::Output, 0, 0, 0, 0, 0), true, false, false, false));
  B.add(finish());
  std::vector<uint8_t> Dram;
  auto S = runProgram(B.build(0, false), Dram);
  ASSERT_TRUE(S.isOk()) << S.message();
  EXPECT_EQ(S->Loads, 2u);
  EXPECT_EQ(S->Stores, 1u);
  for (uint64_t V : S->BytesLoaded)
    EXPECT_EQ(V, 0u);
  EXPECT_EQ(S->TokensPushed[0], 1u);
  EXPECT_EQ(S->TokensPushed[2], 1u);
}

} // namespace
