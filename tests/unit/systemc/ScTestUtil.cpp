// SystemC model test helpers (see ScTestUtil.h).
#include "ScTestUtil.h"

#include <map>

namespace sctest {

using namespace npu;

HardwareConfig timingConfig(const std::string &Overrides) {
  std::map<std::string, std::string> Sections = {
      {"core", "  batch: 1\n  block_in: 16\n  block_out: 16\n"},
      {"dram", "  bandwidth: 16\n  latency: 50\n  burst: 64\n"},
      {"alu", "  lanes: 4\n  latency: 3\n"},
      {"queues", "  command_depth: 8\n  token_depth: 4\n"},
      {"pipeline", "  fetch: 1\n  load: 2\n  gemm: 5\n  store: 3\n"},
  };
  // Overrides: "section:\n  key: value\n..." blocks, each replacing its whole section.
  size_t Pos = 0;
  while (Pos < Overrides.size()) {
    const size_t Colon = Overrides.find(":\n", Pos);
    if (Colon == std::string::npos)
      break;
    size_t End = Colon + 2;
    while (End < Overrides.size() && Overrides[End] == ' ')
      End = Overrides.find('\n', End) + 1;
    Sections[Overrides.substr(Pos, Colon - Pos)] = Overrides.substr(Colon + 2, End - Colon - 2);
    Pos = End;
  }
  std::string Yaml = "name: timing\n";
  for (auto &[Name, Body] : Sections)
    Yaml += Name + ":\n" + Body;
  auto C = parseHardwareConfig(Yaml, "<timing>");
  EXPECT_TRUE(C.isOk()) << (C ? "" : C.message()) << "\n" << Yaml;
  return C ? *C : defaultHardwareConfig();
}

Expected<TimingStats> runTimed(const Program &P, std::vector<uint8_t> &Dram) {
  auto Image = P.dramImage();
  if (!Image)
    return Image.error();
  Dram = Image.takeValue();
  sim::SystemCSim Sim(P.Config);
  return Sim.run(P, Dram);
}

std::optional<TimingStats> runBothAndCompare(const Program &P, const std::string &What) {
  std::vector<uint8_t> FuncDram, ScDram;
  auto F = runProgram(P, FuncDram);
  auto S = runTimed(P, ScDram);
  if (!F) {
    EXPECT_FALSE(S.isOk()) << What << ": func failed (" << F.message() << ") but systemc ran";
    if (!S.isOk()) {
      EXPECT_EQ(S.message(), F.message()) << What;
    }
    return std::nullopt;
  }
  EXPECT_TRUE(S.isOk()) << What << ": " << S.message();
  if (!S)
    return std::nullopt;
  EXPECT_EQ(S->Counts, *F) << What << ": operation counts differ";
  EXPECT_EQ(ScDram.size(), FuncDram.size()) << What;
  for (size_t I = 0; I < std::min(ScDram.size(), FuncDram.size()); ++I)
    if (ScDram[I] != FuncDram[I]) {
      ADD_FAILURE() << What << ": DRAM differs first at byte " << I << " (func " << int(FuncDram[I])
                    << ", systemc " << int(ScDram[I]) << ")";
      break;
    }
  // Every unit's cycles are accounted for exactly once; every instruction's times are ordered.
  for (unsigned U = 0; U < npu::sim::NumUnits; ++U) {
    const auto &St = S->Units[U];
    EXPECT_EQ(St.Busy + St.StallToken + St.StallDram + St.Idle, S->TotalCycles) << What << " unit " << U;
  }
  for (size_t K = 0; K < S->Insns.size(); ++K) {
    const InsnTiming &T = S->Insns[K];
    EXPECT_TRUE(T.Dispatch <= T.Head && T.Head <= T.Start && T.Start < T.End && T.End <= S->TotalCycles)
        << What << " instruction " << K;
  }
  return S.takeValue();
}

namespace {

int64_t pick(std::mt19937 &Rng, int64_t Lo, int64_t Hi) {
  return std::uniform_int_distribution<int64_t>(Lo, Hi)(Rng);
}

/// A random 2-D transfer of at most MaxRows rows from a DRAM region of RegionRows rows into a buffer of
/// Depth rows (padding only when Pad; a padded LOAD draws a pad_value of PadValueBits bits when non-zero).
Instruction randomTransfer(std::mt19937 &Rng, bool IsStore, MemType M, uint64_t Region, uint64_t RegionRows,
                           uint64_t RowBytes, uint64_t Depth, bool Pad, unsigned PadValueBits = 0) {
  int64_t Y = pick(Rng, 1, 3), X = pick(Rng, 1, 4), Stride = Y > 1 ? X + pick(Rng, 0, 2) : X;
  if (uint64_t((Y - 1) * Stride + X) > RegionRows) {
    Y = 1;
    X = Stride = std::min<int64_t>(X, int64_t(RegionRows));
  }
  Pads P;
  if (Pad && pick(Rng, 0, 2) == 0)
    P = {pick(Rng, 0, 2), pick(Rng, 0, 2), pick(Rng, 0, 1), pick(Rng, 0, 1)};
  const uint64_t Span = uint64_t((Y - 1) * Stride + X);
  const uint64_t Rows = uint64_t((P.Top + Y + P.Bottom) * (P.Left + X + P.Right));
  const uint64_t First = uint64_t(pick(Rng, 0, int64_t(RegionRows - Span)));
  const uint64_t Sram = uint64_t(pick(Rng, 0, int64_t(std::min<uint64_t>(Depth, 64) - Rows)));
  const uint64_t Dram = Region + First * RowBytes;
  if (IsStore)
    return store(M, int64_t(Sram), int64_t(Dram), Y, X, Stride);
  Instruction I = load(M, int64_t(Sram), int64_t(Dram), Y, X, Stride, P);
  // A padded input load pads with a zero point (any value of the input width).
  if (PadValueBits && (P.Top || P.Bottom || P.Left || P.Right)) {
    const int64_t Half = int64_t(1) << (PadValueBits - 1);
    I.Mem.PadValue = pick(Rng, -Half, Half - 1);
  }
  return I;
}

/// A random ALU instruction: operation Op, or one of add .. requant drawn from Rng.
Instruction randomAlu(const HardwareConfig &C, std::mt19937 &Rng, int64_t UopEnd,
                      std::optional<AluOp> Forced = std::nullopt) {
  const AluOp Op = Forced ? *Forced : AluOp(pick(Rng, 0, 7));
  // clip and lut take no source rows (checkInstruction refuses them without use_imm).
  bool UseImm = Op == AluOp::Clip || Op == AluOp::Lut || pick(Rng, 0, 1);
  int64_t Imm = pick(Rng, -1000, 1000), Imm2 = 0, Shift = 0;
  const int64_t OutMin = npu::signedMin(C.outputBits()), OutMax = npu::signedMax(C.outputBits());
  if (Op == AluOp::Shr)
    Imm = pick(Rng, -4, 12);
  if (Op == AluOp::Clip) {
    Imm = pick(Rng, -200, 0);
    Imm2 = pick(Rng, 0, 200);
  }
  if (Op == AluOp::Requant) {
    Shift = pick(Rng, 1, 40);
    Imm2 = pick(Rng, OutMin, OutMax);
  }
  const int64_t Begin = pick(Rng, 0, UopEnd - 1), End = pick(Rng, Begin + 1, UopEnd);
  const int64_t Step = std::max<int64_t>(1, int64_t(C.D.AccDepth) / 64);
  return alu(Op, UseImm, Begin, End, pick(Rng, 1, 3), pick(Rng, 1, 3),
             {pick(Rng, 0, Step), pick(Rng, 0, Step), pick(Rng, 0, Step), pick(Rng, 0, Step)}, Imm, Imm2,
             Shift);
}

/// A random LOAD of the lookup table from the 256-entry table at Table: the whole table, rows of entries
/// contiguous in DRAM with zero rows above and below, or (a third of them) short rows with gaps between them
/// in DRAM and left/right padding in the table, which put more one-byte rows into a DRAM block than one burst
/// serves (docs/timing.md: at most Cb pairs per burst).
Instruction randomLutLoad(const DerivedConfig &D, std::mt19937 &Rng, uint64_t Table) {
  const int64_t Depth = int64_t(D.LutDepth);
  const int64_t Kind = pick(Rng, 0, 2);
  if (Kind == 0)
    return load(MemType::Lut, 0, int64_t(Table), 1, Depth, Depth);
  if (Kind == 1) {
    const int64_t X = pick(Rng, 1, 3), Y = pick(Rng, 4, 24), Stride = X + pick(Rng, 0, 2);
    const Pads P{pick(Rng, 0, 1), pick(Rng, 0, 1), pick(Rng, 0, 2), pick(Rng, 0, 2)};
    const int64_t Rows = (P.Top + Y + P.Bottom) * (P.Left + X + P.Right), Span = (Y - 1) * Stride + X;
    return load(MemType::Lut, pick(Rng, 0, Depth - Rows), int64_t(Table) + pick(Rng, 0, Depth - Span), Y, X,
                Stride, P);
  }
  const int64_t X = pick(Rng, 1, 32), Y = pick(Rng, 1, 4);
  const Pads P{pick(Rng, 0, 2), pick(Rng, 0, 2), 0, 0};
  const int64_t Rows = (P.Top + Y + P.Bottom) * X;
  const int64_t First = pick(Rng, 0, Depth - Y * X), Sram = pick(Rng, 0, Depth - Rows);
  return load(MemType::Lut, Sram, int64_t(Table) + First, Y, X, X, P);
}

} // namespace

Program randomSerialProgram(const HardwareConfig &C, std::mt19937 &Rng) {
  const DerivedConfig &D = C.D;
  ProgramBuilder B(C);
  const uint64_t NI = std::min<uint64_t>(D.InputDepth, 48), NW = std::min<uint64_t>(D.WeightDepth, 16);
  const uint64_t NA = std::min<uint64_t>(D.AccDepth, 32), NOut = 48;
  const uint64_t In =
      B.data("inp", randomValues(Rng, NI * C.Batch * C.BlockIn, C.inputBits()), C.inputBits());
  const uint64_t W =
      B.data("wgt", randomValues(Rng, NW * C.BlockOut * C.BlockIn, C.weightBits()), C.weightBits());
  std::vector<int64_t> AccValues = randomValues(Rng, NA * C.Batch * C.BlockOut, 12);
  const uint64_t Acc = B.data("acc", AccValues, C.accBits());
  const uint64_t OutRow = std::max(D.AccRowBytes, D.OutputRowBytes);
  const uint64_t Out = B.reserve(NOut * OutRow);
  // The lookup-table instructions draw from a generator of their own, seeded from a copy of Rng (which stays
  // where it was) and their table lies after everything else, so the rest of each seed's program is what it
  // was before they existed.
  std::mt19937 LutRng{std::mt19937(Rng)()};
  const uint64_t Lut = B.data("lut", randomValues(LutRng, D.LutDepth, 8), 8);
  // Micro-op fields stay in the lower quarter of each buffer and loop steps are small, so every GEMM/ALU
  // index stays in bounds whatever the loops.
  const int64_t SrcMax = int64_t(std::min(D.InputDepth, D.AccDepth) / 4 - 1);
  std::vector<MicroOp> Uops;
  for (int K = 0; K < 8; ++K)
    Uops.push_back(MicroOp{pick(Rng, 0, int64_t(D.AccDepth / 4 - 1)), pick(Rng, 0, SrcMax),
                           pick(Rng, 0, int64_t(D.WeightDepth / 4 - 1))});
  B.uops(Uops);
  B.add(B.loadUops());
  const int64_t StepA = std::max<int64_t>(0, int64_t(D.AccDepth) / 64);
  const int64_t StepI = std::max<int64_t>(0, int64_t(std::min(D.InputDepth, D.AccDepth)) / 64);
  const int64_t StepW = std::max<int64_t>(0, int64_t(D.WeightDepth) / 64);
  for (int64_t N = pick(Rng, 6, 20); N > 0; --N) {
    switch (pick(Rng, 0, 7)) {
    case 0:
      B.add(randomTransfer(Rng, false, MemType::Input, In, NI, D.InputRowBytes, D.InputDepth, true, C.inputBits()));
      break;
    case 1:
      B.add(randomTransfer(Rng, false, MemType::Weight, W, NW, D.WeightRowBytes, D.WeightDepth, true));
      break;
    case 2:
      B.add(randomTransfer(Rng, false, MemType::Acc, Acc, NA, D.AccRowBytes, D.AccDepth, true));
      break;
    case 3:
    case 4: {
      const int64_t Begin = pick(Rng, 0, 7), End = pick(Rng, Begin + 1, 8);
      B.add(gemm(pick(Rng, 0, 3) == 0, Begin, End, pick(Rng, 1, 3), pick(Rng, 1, 3),
                 {pick(Rng, 0, StepA), pick(Rng, 0, StepA), pick(Rng, 0, StepI), pick(Rng, 0, StepI),
                  pick(Rng, 0, StepW), pick(Rng, 0, StepW)}));
      break;
    }
    case 5:
      B.add(randomAlu(C, Rng, 8));
      break;
    case 6:
      B.add(randomTransfer(Rng, true, MemType::Output, Out, NOut * OutRow / D.OutputRowBytes,
                           D.OutputRowBytes, D.OutputDepth, false));
      break;
    case 7:
      B.add(randomTransfer(Rng, true, MemType::Acc, Out, NOut * OutRow / D.AccRowBytes, D.AccRowBytes,
                           D.AccDepth, false));
      break;
    }
    // A table load or an alu.lut after about every third instruction.
    if (pick(LutRng, 0, 2) == 0)
      B.add(pick(LutRng, 0, 1) ? randomLutLoad(D, LutRng, Lut) : randomAlu(C, LutRng, 8, AluOp::Lut));
  }
  B.add(finish());
  return B.build();
}

Program randomPipelinedProgram(const HardwareConfig &C, std::mt19937 &Rng) {
  const DerivedConfig &D = C.D;
  // Up to Slots compute->load tokens are outstanding at once, so the token FIFOs must hold that many.
  const int64_t MaxSlots = std::min<int64_t>(3, int64_t(C.TokenQueueDepth));
  const int64_t T = pick(Rng, 2, 8), Slots = pick(Rng, std::min<int64_t>(2, MaxSlots), MaxSlots);
  const int64_t R = pick(Rng, 1, 4), K = pick(Rng, 1, 3);
  const uint64_t InElems = C.Batch * C.BlockIn;
  ProgramBuilder B(C);
  const uint64_t In = B.data("inp", randomValues(Rng, T * R * K * InElems, C.inputBits()), C.inputBits());
  const uint64_t W =
      B.data("wgt", randomValues(Rng, K * C.BlockOut * C.BlockIn, C.weightBits()), C.weightBits());
  const uint64_t Out = B.reserve(T * R * D.OutputRowBytes);
  // Micro-ops: slot s, weight k -> acc rows from s*R, input rows s*R*K + k (stride K per row); then one ALU
  // micro-op per slot.
  std::vector<MicroOp> Uops;
  for (int64_t S = 0; S < Slots; ++S)
    for (int64_t Kk = 0; Kk < K; ++Kk)
      Uops.push_back(MicroOp{S * R, S * R * K + Kk, Kk});
  for (int64_t S = 0; S < Slots; ++S)
    Uops.push_back(MicroOp{S * R, 0, 0});
  B.uops(Uops);
  B.add(tokens(load(MemType::Weight, 0, int64_t(W), 1, K, K), false, false, false, true));
  B.add(tokens(B.loadUops(), true, false, false, false));
  // The activation of each tile: a max (a ReLU), a requant or, in a third of the programs, a table lookup (the
  // table is loaded once, on the compute queue ahead of the tiles, so it needs no tokens). The lookup's draws
  // come from a generator of their own, seeded from a copy of Rng, so the rest of each seed's program is what
  // it was before alu.lut existed.
  std::mt19937 LutRng{std::mt19937(Rng)()};
  const bool Lut = pick(LutRng, 0, 2) == 0;
  if (Lut) {
    const uint64_t Table = B.data("lut", randomValues(LutRng, D.LutDepth, 8), 8);
    B.add(load(MemType::Lut, 0, int64_t(Table), 1, int64_t(D.LutDepth), int64_t(D.LutDepth)));
  }
  const bool Requant = pick(Rng, 0, 1);
  const int64_t Shift = pick(Rng, 4, 12);
  for (int64_t Tile = 0; Tile < T; ++Tile) {
    const int64_t S = Tile % Slots;
    const bool Reuse = Tile >= Slots;
    B.add(
        tokens(load(MemType::Input, S * R * K, int64_t(In + Tile * R * K * D.InputRowBytes), 1, R * K, R * K),
               false, Reuse, false, true));
    B.add(tokens(gemm(true, S * K, S * K + 1, R, 1, {1, 0, 0, 0, 0, 0}), true, Reuse, false, false));
    B.add(tokens(gemm(false, S * K, S * K + K, R, 1, {1, 0, K, 0, 0, 0}), false, false, true, false));
    Instruction A = Requant
                        ? alu(AluOp::Requant, true, Slots * K + S, Slots * K + S + 1, R, 1, {1, 0, 0, 0},
                              pick(Rng, 1, 300), pick(Rng, -5, 5), Shift)
                        : alu(AluOp::Max, true, Slots * K + S, Slots * K + S + 1, R, 1, {1, 0, 0, 0});
    if (Lut)
      A = alu(AluOp::Lut, true, Slots * K + S, Slots * K + S + 1, R, 1, {1, 0, 0, 0});
    B.add(tokens(A, false, false, false, true));
    B.add(tokens(store(MemType::Output, S * R, int64_t(Out + Tile * R * D.OutputRowBytes), 1, R, R), true,
                 false, true, false));
  }
  // Drain the tokens nobody else pops, so that small token FIFOs cannot fill up at the end.
  for (int64_t S = 0; S < std::min(Slots, T); ++S) {
    B.add(tokens(load(MemType::Input, 0, 0, 0, 0, 0), false, true, false, false));
    B.add(tokens(S + 1 < std::min(Slots, T) ? load(MemType::Acc, 0, 0, 0, 0, 0) : finish(), false, true,
                 false, false));
  }
  return B.build(0, false);
}

} // namespace sctest
