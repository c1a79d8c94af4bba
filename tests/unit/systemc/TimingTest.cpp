// Cycle-exact timing at the boundaries of the rules in docs/timing.md, on a config with round numbers
// (timingConfig: DRAM 16 B/cycle, latency 50, 64-byte bursts of 4 cycles; pipeline fetch 1, load 2, gemm 5,
// store 3; ALU 4 lanes, latency 3). Expected cycles are computed by hand from the documented rules.
#include "ScTestUtil.h"

using namespace sctest;

namespace {

constexpr uint64_t Base = 4096; // burst-aligned DRAM address used by the transfers

Program program(const HardwareConfig &C, std::vector<Instruction> Insns) {
  Program P;
  P.Config = C;
  P.DramBytes = 1 << 16;
  P.Insns = std::move(Insns);
  P.Insns.push_back(finish());
  return P;
}

TimingStats timed(const Program &P) {
  std::vector<uint8_t> Dram;
  auto T = runTimed(P, Dram);
  EXPECT_TRUE(T.isOk()) << T.message();
  return T ? *T : TimingStats{};
}

Instruction pushNext(Instruction I) { return tokens(I, false, false, false, true); }
Instruction popPrev(Instruction I) { return tokens(I, true, false, false, false); }

TEST(ScTiming, LoadOfNBytesEndsAtLatencyPlusTransfer) {
  const HardwareConfig C = timingConfig();
  for (int64_t Rows : {1, 2, 3, 4, 5, 7, 8, 16, 33, 100}) {
    SCOPED_TRACE(Rows);
    // load.inp of Rows x 16 bytes; the GEMM waits for its token.
    const Program P = program(C, {pushNext(load(MemType::Input, 0, Base, 1, Rows, Rows)),
                                  popPrev(gemm(true, 0, 1, 1, 1, {0, 0, 0, 0, 0, 0}))});
    const TimingStats T = timed(P);
    const uint64_t Bursts = (uint64_t(Rows) * 16 + 63) / 64;
    // Dispatched at cycle 1 (fetch 1); issue 2 cycles later; first data 50 later; 4 cycles per burst.
    const uint64_t End = 1 + 2 + 50 + Bursts * 4;
    EXPECT_EQ(T.Insns[0].Start, 1u);
    EXPECT_EQ(T.Insns[0].End, End);
    EXPECT_EQ(T.Insns[0].Bursts, Bursts);
    // The token is visible at the end cycle, not a cycle earlier: the GEMM starts exactly then.
    EXPECT_EQ(T.Insns[1].Start, End);
    EXPECT_EQ(T.Insns[1].End, End + 1 + 5);
    EXPECT_EQ(T.TotalCycles, End + 6 + 1); // then finish, one cycle
  }
}

TEST(ScTiming, BurstRounding) {
  const HardwareConfig C = timingConfig();
  struct Case {
    uint64_t Dram;
    int64_t Y, X, Stride;
    uint64_t Bursts;
  };
  const Case Cases[] = {
      {Base + 48, 1, 2, 2, 2}, // bytes 48..79 touch two bursts
      {Base + 16, 1, 2, 2, 1}, // bytes 16..47 lie in one
      {Base, 3, 1, 8, 3},      // rows 128 bytes apart: a burst each
      {Base, 3, 1, 2, 2},      // rows 32 bytes apart: rows 0 and 1 share a burst, row 2 starts the next
      {Base, 4, 2, 2, 2},      // contiguous rows: one range of 128 bytes
      {Base + 32, 2, 3, 3, 2}, // contiguous 96 bytes from offset 32: bursts 0 and 1
      {Base + 56, 2, 1, 5, 3}, // the row at 56 spans bursts 0-1, the row at 136 lies in burst 2
  };
  for (const Case &K : Cases) {
    SCOPED_TRACE(testing::Message() << "dram=" << K.Dram << " y=" << K.Y << " x=" << K.X
                                    << " stride=" << K.Stride);
    const TimingStats T = timed(program(C, {load(MemType::Input, 0, int64_t(K.Dram), K.Y, K.X, K.Stride)}));
    EXPECT_EQ(T.Insns[0].Bursts, K.Bursts);
    EXPECT_EQ(T.Insns[0].End, 1 + 2 + 50 + K.Bursts * 4);
  }
  // A 256-byte weight row is four bursts.
  const TimingStats W = timed(program(C, {load(MemType::Weight, 0, Base, 1, 3, 3)}));
  EXPECT_EQ(W.Insns[0].End, 1u + 2 + 50 + 12 * 4);
  // When a burst is not a whole number of bandwidth cycles, each burst still takes ceil(burst / bandwidth).
  const HardwareConfig Odd = timingConfig("dram:\n  bandwidth: 24\n  latency: 50\n  burst: 64\n");
  const TimingStats O = timed(program(Odd, {load(MemType::Input, 0, Base, 1, 8, 8)})); // 128 B, 2 bursts
  EXPECT_EQ(O.Insns[0].End, 1u + 2 + 50 + 2 * 3);
}

// A burst serves at most Cb (row, block) pairs: rows shorter than a burst that share a block need
// ceil(pairs / Cb) bursts of it (docs/timing.md, "LOAD and STORE"; the DMA engines move one pair per cycle).
TEST(ScTiming, ABurstServesAtMostCbPairs) {
  const HardwareConfig C = timingConfig(); // Cb = 4
  struct Case {
    const char *What;
    Instruction Load;
    uint64_t Bursts;
  };
  const Case Cases[] = {
      // One-byte table rows 2 bytes apart: 10 pairs in one block, bursts of 4 + 4 + 2.
      {"gaps", load(MemType::Lut, 0, Base, 10, 1, 2), 3},
      // stride = x but a left pad between rows in the buffer: 9 pairs, 4 + 4 + 1 (9 padding rows hide).
      {"left pad", load(MemType::Lut, 0, Base, 9, 1, 1, Pads{0, 0, 1, 0}), 3},
      // From offset 60: 4 pairs in the first block (one burst), 9 in the second (4 + 4 + 1).
      {"two blocks", load(MemType::Lut, 0, Base + 60, 13, 1, 1, Pads{0, 0, 1, 0}), 4},
      // Contiguous on both sides: one row of 10 bytes, one pair.
      {"contiguous", load(MemType::Lut, 0, Base, 10, 1, 1), 1},
  };
  for (const Case &K : Cases) {
    SCOPED_TRACE(K.What);
    const TimingStats T = timed(program(C, {K.Load}));
    EXPECT_EQ(T.Insns[0].Bursts, K.Bursts);
    EXPECT_EQ(T.Insns[0].End, 1 + 2 + 50 + K.Bursts * 4);
  }
  // With Cb = 1 every pair is a burst: 16-byte rows 32 bytes apart, two in the first block.
  const HardwareConfig One = timingConfig("dram:\n  bandwidth: 64\n  latency: 50\n  burst: 64\n");
  const TimingStats L = timed(program(One, {load(MemType::Input, 0, Base, 3, 1, 2)}));
  EXPECT_EQ(L.Insns[0].Bursts, 3u);
  EXPECT_EQ(L.Insns[0].End, 1u + 2 + 50 + 3);
  const TimingStats S = timed(program(One, {store(MemType::Output, 0, Base, 3, 1, 2)}));
  EXPECT_EQ(S.Insns[0].Bursts, 3u);
  EXPECT_EQ(S.Insns[0].End, 1u + 3 + 50 + 3);
}

TEST(ScTiming, PaddingRowsAreWrittenOnePerCycleAlongsideTheTransfer) {
  const HardwareConfig C = timingConfig();
  // 31 x 31 rows, one of them from DRAM: 960 zero rows take longer than latency + one burst.
  const TimingStats Big = timed(program(C, {load(MemType::Input, 0, Base, 1, 1, 1, Pads{15, 15, 15, 15})}));
  EXPECT_EQ(Big.Insns[0].End, 1u + 2 + 960);
  // One padding row hides under the DRAM latency.
  const TimingStats Small = timed(program(C, {load(MemType::Input, 0, Base, 1, 1, 1, Pads{1, 0, 0, 0})}));
  EXPECT_EQ(Small.Insns[0].End, 1u + 2 + 50 + 4);
}

TEST(ScTiming, StoreAndNoOps) {
  const HardwareConfig C = timingConfig();
  // store.out of 8 rows x 16 B = 2 bursts; the store pipeline is 3 cycles.
  const TimingStats S = timed(program(C, {store(MemType::Output, 0, Base, 1, 8, 8)}));
  EXPECT_EQ(S.Insns[0].End, 1u + 3 + 50 + 2 * 4);
  EXPECT_EQ(S.Counts.BytesStored[unsigned(MemType::Output)], 128u);
  // A token-only no-op and FINISH take one cycle each.
  const TimingStats N = timed(program(C, {load(MemType::Input, 0, 0, 0, 0, 0)}));
  EXPECT_EQ(N.Insns[0].End - N.Insns[0].Start, 1u);
  EXPECT_EQ(N.Insns[1].End - N.Insns[1].Start, 1u);
  const TimingStats F = timed(program(C, {}));
  EXPECT_EQ(F.TotalCycles, 2u); // dispatched at 1, done at 2
}

TEST(ScTiming, GemmMicroOpLoop) {
  const HardwareConfig C = timingConfig();
  struct Case {
    int64_t Uops, Out, In;
  };
  for (const Case &K : {Case{1, 1, 1}, Case{3, 4, 5}, Case{7, 1, 2}, Case{2, 16, 16}}) {
    const TimingStats T = timed(program(C, {gemm(false, 0, K.Uops, K.Out, K.In, {0, 0, 0, 0, 0, 0})}));
    EXPECT_EQ(T.Insns[0].End - T.Insns[0].Start, uint64_t(K.Uops * K.Out * K.In) + 5)
        << K.Uops << "x" << K.Out << "x" << K.In;
  }
  // A GEMM that executes no micro-op still takes a cycle.
  const TimingStats Z = timed(program(C, {gemm(false, 0, 1, 0, 4, {0, 0, 0, 0, 0, 0})}));
  EXPECT_EQ(Z.Insns[0].End - Z.Insns[0].Start, 1u);
  // Reset GEMMs run at the same rate; back-to-back GEMMs each pay the pipeline latency.
  const TimingStats B = timed(
      program(C, {gemm(true, 0, 2, 3, 1, {0, 0, 0, 0, 0, 0}), gemm(false, 0, 2, 3, 1, {0, 0, 0, 0, 0, 0})}));
  EXPECT_EQ(B.Insns[0].End, 1u + 6 + 5);
  EXPECT_EQ(B.Insns[1].Start, B.Insns[0].End);
  EXPECT_EQ(B.Insns[1].End, B.Insns[1].Start + 6 + 5);
}

TEST(ScTiming, AluCostPerMicroOpFromLanes) {
  // 16 lanes per accumulator row on 4 ALU lanes: 4 cycles per micro-op, plus latency 3.
  const TimingStats T = timed(program(timingConfig(), {alu(AluOp::Add, true, 0, 2, 3, 1, {0, 0, 0, 0}, 1)}));
  EXPECT_EQ(T.Insns[0].End - T.Insns[0].Start, 6u * 4 + 3);
  const HardwareConfig Wide = timingConfig("alu:\n  lanes: 32\n  latency: 2\n");
  const TimingStats W = timed(program(Wide, {alu(AluOp::Add, false, 0, 2, 3, 1, {0, 0, 0, 0})}));
  EXPECT_EQ(W.Insns[0].End - W.Insns[0].Start, 6u * 1 + 2);
}

TEST(ScTiming, TokenWaitIsAStallOfTheExpectedLength) {
  const HardwareConfig C = timingConfig();
  // load.inp of 640 B (10 bursts) ends at 1 + 2 + 50 + 40 = 93; the ALU, dispatched at 2, waits for it.
  const TimingStats T = timed(program(C, {pushNext(load(MemType::Input, 0, Base, 1, 40, 40)),
                                          popPrev(alu(AluOp::Add, true, 0, 1, 1, 1, {0, 0, 0, 0}, 1))}));
  EXPECT_EQ(T.Insns[0].End, 93u);
  EXPECT_EQ(T.Insns[1].Head, 2u);
  EXPECT_EQ(T.Insns[1].Start, 93u);
  EXPECT_EQ(T.Insns[1].End, 93u + 4 + 3);
  EXPECT_EQ(T.TotalCycles, 101u); // finish: 100..101
  const auto &Compute = T.Units[unsigned(Unit::Compute)];
  EXPECT_EQ(Compute.StallToken, 91u);
  EXPECT_EQ(Compute.Busy, 7u + 1);
  EXPECT_EQ(Compute.Idle, 2u);
  const auto &Load = T.Units[unsigned(Unit::Load)];
  EXPECT_EQ(Load.StallDram, 50u);     // the DRAM latency
  EXPECT_EQ(Load.Busy, 2u + 40);      // issue pipeline + transfer
  EXPECT_EQ(Load.Idle, 1u + 8);       // before dispatch and after the end
  EXPECT_EQ(Load.DramContention, 0u); // nobody else used the port
}

TEST(ScTiming, FullTokenQueueStallsTheProducer) {
  const HardwareConfig C = timingConfig("queues:\n  command_depth: 8\n  token_depth: 1\n");
  // load0 pushes the only token the FIFO holds; load1 waits for room until the compute unit, busy with a
  // 200-cycle GEMM until 202, pops it.
  const TimingStats T = timed(program(C, {pushNext(load(MemType::Input, 0, Base, 1, 1, 1)),
                                          gemm(true, 0, 195, 1, 1, {0, 0, 0, 0, 0, 0}),
                                          pushNext(load(MemType::Input, 1, Base, 1, 1, 1)),
                                          popPrev(gemm(true, 0, 1, 1, 1, {0, 0, 0, 0, 0, 0})),
                                          popPrev(gemm(true, 0, 1, 1, 1, {0, 0, 0, 0, 0, 0}))}));
  EXPECT_EQ(T.Insns[0].End, 57u);
  EXPECT_EQ(T.Insns[1].End, 202u);
  EXPECT_EQ(T.Insns[2].Head, 57u);
  EXPECT_EQ(T.Insns[3].Start, 202u);
  EXPECT_EQ(T.Insns[2].Start, 202u); // room appears in the cycle the token is popped
  EXPECT_EQ(T.Units[unsigned(Unit::Load)].StallToken, 145u);
}

TEST(ScTiming, FullCommandQueueStallsFetch) {
  const HardwareConfig C = timingConfig("queues:\n  command_depth: 1\n  token_depth: 4\n");
  const Instruction G = gemm(false, 0, 5, 1, 1, {0, 0, 0, 0, 0, 0}); // 10 cycles
  const TimingStats T = timed(program(C, {G, G, G}));
  EXPECT_EQ(T.Insns[0].Dispatch, 1u);
  EXPECT_EQ(T.Insns[1].Dispatch, 2u);
  EXPECT_EQ(T.Insns[1].Start, 11u);
  EXPECT_EQ(T.Insns[2].Dispatch, 11u); // the queue's one slot frees when the second GEMM starts
  EXPECT_EQ(T.Insns[2].Start, 21u);
  EXPECT_EQ(T.Insns[3].Dispatch, 21u); // finish
  EXPECT_EQ(T.TotalCycles, 32u);
  const auto &Fetch = T.Units[unsigned(Unit::Fetch)];
  EXPECT_EQ(Fetch.StallToken, 8u + 9);
  EXPECT_EQ(Fetch.Busy, 4u);
}

// fetch 0 dispatches everything at cycle 0; load and store pipelines of 2 make transfers eligible together.
HardwareConfig contentionConfig() {
  return timingConfig("pipeline:\n  fetch: 0\n  load: 2\n  gemm: 5\n  store: 2\n");
}

TEST(ScTiming, LoadStoreContentionIsRoundRobinPerBurst) {
  const HardwareConfig C = contentionConfig();
  // 4 bursts each, both eligible at 52: load first (52, 60, 68, 76), store between (56 .. 80).
  TimingStats T = timed(program(
      C, {load(MemType::Input, 0, Base, 1, 16, 16), store(MemType::Output, 0, Base + 4096, 1, 16, 16)}));
  EXPECT_EQ(T.Insns[0].End, 80u);
  EXPECT_EQ(T.Insns[1].End, 84u);
  EXPECT_EQ(T.Insns[0].DramContention, 12u);
  EXPECT_EQ(T.Insns[1].DramContention, 16u);
  EXPECT_EQ(T.Units[unsigned(Unit::Load)].DramContention, 12u);
  // 2 and 6 bursts: once the load is done the store has the port to itself.
  T = timed(program(
      C, {load(MemType::Input, 0, Base, 1, 8, 8), store(MemType::Output, 0, Base + 4096, 1, 24, 24)}));
  EXPECT_EQ(T.Insns[0].End, 64u);
  EXPECT_EQ(T.Insns[1].End, 84u);
  EXPECT_EQ(T.DramBusyCycles, 8u * 4);
}

TEST(ScTiming, LateTransferJoinsTheRotation) {
  const HardwareConfig C = contentionConfig();
  // The load (8 bursts) is eligible at 52. The store waits for a 9-cycle GEMM, so it starts at 9 and is
  // eligible at 61: the load has the port at 52, 56 and 60; from 64 they alternate, the store first.
  const TimingStats T = timed(program(C, {load(MemType::Input, 0, Base, 1, 32, 32),
                                          pushNext(gemm(true, 0, 4, 1, 1, {1, 0, 0, 0, 0, 0})),
                                          popPrev(store(MemType::Output, 0, Base + 4096, 1, 16, 16))}));
  EXPECT_EQ(T.Insns[1].End, 9u);
  EXPECT_EQ(T.Insns[2].Start, 9u);
  EXPECT_EQ(T.Insns[2].End, 92u);  // store bursts at 64, 72, 80, 88
  EXPECT_EQ(T.Insns[0].End, 100u); // load bursts at 52, 56, 60, 68, 76, 84, 92, 96
}

TEST(ScTiming, ThreeClientsShareThePort) {
  const HardwareConfig C = contentionConfig();
  // Two bursts each (acc rows are 64 B), all eligible at 52, served load, compute, store in turn.
  const TimingStats T =
      timed(program(C, {load(MemType::Input, 0, Base, 1, 8, 8), load(MemType::Acc, 0, Base + 4096, 1, 2, 2),
                        store(MemType::Output, 0, Base + 8192, 1, 8, 8)}));
  EXPECT_EQ(T.Insns[0].End, 68u);
  EXPECT_EQ(T.Insns[1].End, 72u);
  EXPECT_EQ(T.Insns[2].End, 76u);
}

TEST(ScTiming, PerNodeStatsFollowProvenance) {
  const HardwareConfig C = timingConfig();
  Program P = program(C, {pushNext(load(MemType::Input, 0, Base, 1, 4, 4)),
                          popPrev(gemm(false, 0, 2, 2, 2, {0, 0, 0, 0, 0, 0})),
                          gemm(true, 0, 1, 1, 1, {0, 0, 0, 0, 0, 0})});
  P.setNode(0, "conv");
  P.setNode(1, "conv");
  P.setNode(2, "relu");
  const TimingStats T = timed(P);
  ASSERT_EQ(T.Nodes.size(), 3u); // conv, relu, and the untagged finish
  EXPECT_EQ(T.Nodes[0].Name, "conv");
  EXPECT_EQ(T.Nodes[0].Instructions, 2u);
  EXPECT_EQ(T.Nodes[0].FirstStart, 1u);
  EXPECT_EQ(T.Nodes[0].LastEnd, 57u + 8 + 5);
  EXPECT_EQ(T.Nodes[0].Macs, 8u * 256);
  EXPECT_EQ(T.Nodes[0].Busy[unsigned(Unit::Compute)], 13u);
  EXPECT_EQ(T.Nodes[1].Name, "relu");
  EXPECT_EQ(T.Nodes[1].span(), 6u);
  EXPECT_EQ(T.Nodes[1].Macs, 0u); // a reset GEMM multiplies nothing
  EXPECT_EQ(T.Nodes[1].DramRead, 0u);
  EXPECT_EQ(T.Nodes[0].DramRead, 4u * 16); // four 16-byte input rows
  EXPECT_EQ(T.Nodes[2].Name, "");
  // Cycles: how far each node moves the end. conv from cycle 0 to 70, relu to 76, the finish to 77.
  EXPECT_EQ(T.Nodes[0].Cycles, 70u);
  EXPECT_EQ(T.Nodes[1].Cycles, 6u);
  EXPECT_EQ(T.Nodes[2].Cycles, 1u);
  EXPECT_EQ(T.TotalCycles, 77u);
  auto Hook = npu::sim::nodeCycles(T);
  ASSERT_EQ(Hook.size(), 3u);
  EXPECT_EQ(Hook[0], (std::pair<std::string, uint64_t>{"conv", 70}));
  EXPECT_NEAR(T.Nodes[0].macUtilization(C), 2048.0 / (256.0 * 69), 1e-12);
}

} // namespace
