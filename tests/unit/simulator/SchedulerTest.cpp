// Queues and tokens: deadlocks (missing token, full command queue, full token queue) named precisely, a
// token-pipelined double-buffered program that runs, exact stats, JSON and determinism.
#include "TestUtil.h"

#include "npu/support/Json.h"

using namespace simtest;
using ::testing::HasSubstr;
using ::testing::Not;

namespace {

npu::Expected<npu::sim::SimStats> runInsns(const HardwareConfig &C, const std::vector<Instruction> &Insns) {
  ProgramBuilder B(C);
  B.reserve(1024);
  for (const Instruction &I : Insns)
    B.add(I);
  std::vector<uint8_t> Dram;
  return runProgram(B.build(0, false), Dram);
}

TEST(SimDeadlock, PopWithoutPush) {
  const HardwareConfig C = repoConfig("default");
  auto S =
      runInsns(C, {load(MemType::Input, 0, 64, 1, 1, 1),
                   tokens(gemm(true, 0, 1, 1, 1, {0, 0, 0, 0, 0, 0}), true, false, false, false), finish()});
  ASSERT_FALSE(S.isOk());
  EXPECT_THAT(S.message(), HasSubstr("deadlock after 1 of 3 instructions"));
  EXPECT_THAT(S.message(), HasSubstr("compute queue: instruction 1 (gemm"));
  EXPECT_THAT(S.message(), HasSubstr("waits for a load->compute token"));
  EXPECT_THAT(S.message(), Not(HasSubstr("fetch:")));
}

TEST(SimDeadlock, StoreWaitsForCompute) {
  const HardwareConfig C = repoConfig("edge");
  auto S = runInsns(C, {tokens(store(MemType::Output, 0, 64, 1, 1, 1), true, false, false, false), finish()});
  ASSERT_FALSE(S.isOk());
  EXPECT_THAT(S.message(), HasSubstr("store queue: instruction 0 (store"));
  EXPECT_THAT(S.message(), HasSubstr("a compute->store token"));
}

// The store queue's head waits for a token that the compute instruction behind a second STORE would send,
// but fetch cannot get past that STORE while the store queue is full.
std::vector<Instruction> fullQueueProgram() {
  return {tokens(store(MemType::Output, 0, 64, 1, 1, 1), true, false, false, false),
          store(MemType::Output, 1, 80, 1, 1, 1),
          tokens(alu(AluOp::Add, true, 0, 1, 1, 1, {0, 0, 0, 0}, 1), false, false, false, true), finish()};
}

TEST(SimDeadlock, FullCommandQueue) {
  HardwareConfig C = repoConfig("default");
  C.CommandQueueDepth = 1;
  auto S = runInsns(C, fullQueueProgram());
  ASSERT_FALSE(S.isOk());
  EXPECT_THAT(S.message(), HasSubstr("deadlock after 0 of 4"));
  EXPECT_THAT(S.message(), HasSubstr("store queue: instruction 0 (store"));
  EXPECT_THAT(S.message(), HasSubstr("a compute->store token"));
  EXPECT_THAT(S.message(), HasSubstr("fetch: instruction 1 (store"));
  EXPECT_THAT(S.message(), HasSubstr("room in the store command queue (depth 1)"));
  // With room for both STOREs the same program runs.
  C.CommandQueueDepth = 2;
  auto Ok = runInsns(C, fullQueueProgram());
  EXPECT_TRUE(Ok.isOk()) << Ok.message();
}

// Compute sends two compute->store tokens before it needs anything; store sends two store->compute tokens
// before it pops. With room for one token in each queue both units block on a push.
std::vector<Instruction> fullTokenProgram() {
  const Instruction Add = alu(AluOp::Add, true, 0, 1, 1, 1, {0, 0, 0, 0}, 1);
  return {tokens(Add, false, false, false, true),
          tokens(Add, false, false, false, true),
          tokens(store(MemType::Output, 0, 64, 1, 1, 1), false, false, true, false),
          tokens(store(MemType::Output, 0, 64, 1, 1, 1), false, false, true, false),
          tokens(store(MemType::Output, 0, 64, 1, 1, 1), true, false, false, false),
          tokens(finish(), false, true, false, false)};
}

TEST(SimDeadlock, FullTokenQueue) {
  HardwareConfig C = repoConfig("default");
  C.TokenQueueDepth = 1;
  auto S = runInsns(C, fullTokenProgram());
  ASSERT_FALSE(S.isOk());
  EXPECT_THAT(S.message(), HasSubstr("compute queue: instruction 1 (alu"));
  EXPECT_THAT(S.message(), HasSubstr("room in the compute->store token queue (depth 1)"));
  EXPECT_THAT(S.message(), HasSubstr("store queue: instruction 3 (store"));
  EXPECT_THAT(S.message(), HasSubstr("room in the store->compute token queue (depth 1)"));
  C.TokenQueueDepth = 2;
  auto Ok = runInsns(C, fullTokenProgram());
  ASSERT_TRUE(Ok.isOk()) << Ok.message();
  EXPECT_EQ(Ok->TokensPushed[unsigned(npu::sim::TokenQueue::C2S)], 2u);
  EXPECT_EQ(Ok->TokensPushed[unsigned(npu::sim::TokenQueue::S2C)], 2u);
}

// A double-buffered load -> compute -> store pipeline over T tiles with RAW and WAR tokens, run with tiny
// command and token queues. Tile t uses input row t%2 and accumulator row t%2.
void runPipeline(HardwareConfig C, uint64_t CmdDepth, uint64_t TokDepth) {
  C.CommandQueueDepth = CmdDepth;
  C.TokenQueueDepth = TokDepth;
  const int64_t T = 7;
  const uint64_t InElems = C.Batch * C.BlockIn, Lanes = C.Batch * C.BlockOut;
  std::mt19937 Rng(29);
  const auto In = randomValues(Rng, T * InElems, C.inputBits());
  const auto W = randomValues(Rng, C.BlockOut * C.BlockIn, C.weightBits());
  ProgramBuilder B(C);
  const uint64_t InAddr = B.data("inp", In, C.inputBits());
  const uint64_t WAddr = B.data("wgt", W, C.weightBits());
  const uint64_t OutAddr = B.reserve(T * C.D.AccRowBytes);
  B.uops({MicroOp{0, 0, 0}, MicroOp{1, 1, 0}});
  B.add(load(MemType::Weight, 0, WAddr, 1, 1, 1));
  B.add(B.loadUops());
  for (int64_t Tile = 0; Tile < T; ++Tile) {
    const int64_t Slot = Tile % 2;
    B.add(tokens(load(MemType::Input, Slot, InAddr + Tile * C.D.InputRowBytes, 1, 1, 1), false, Tile >= 2,
                 false, true));
    B.add(tokens(gemm(true, Slot, Slot + 1, 1, 1, {0, 0, 0, 0, 0, 0}), true, Tile >= 2, false, false));
    B.add(tokens(gemm(false, Slot, Slot + 1, 1, 1, {0, 0, 0, 0, 0, 0}), false, false, true, true));
    B.add(tokens(store(MemType::Acc, Slot, OutAddr + Tile * C.D.AccRowBytes, 1, 1, 1), true, false, true,
                 false));
  }
  B.add(finish());
  std::vector<uint8_t> Dram;
  auto S = runProgram(B.build(0, false), Dram);
  ASSERT_TRUE(S.isOk()) << S.message();
  const auto Got = unpack(Dram.data() + OutAddr, C.accBits(), T * Lanes);
  for (int64_t Tile = 0; Tile < T; ++Tile) {
    const auto Want = refTile(C, &In[Tile * InElems], W.data());
    for (uint64_t L = 0; L < Lanes; ++L)
      ASSERT_EQ(Got[Tile * Lanes + L], wrapTo(Want[L], C.accBits()));
  }
  for (unsigned K = 0; K < 4; ++K)
    EXPECT_EQ(S->TokensPushed[K], uint64_t(T));
  EXPECT_EQ(S->Instructions, uint64_t(4 * T + 3));
}

TEST(SimPipeline, DoubleBufferedRuns) {
  for (const char *Name : {"default", "edge", "large", "int4", "mixed"}) {
    SCOPED_TRACE(Name);
    const HardwareConfig C = configByName(Name);
    runPipeline(C, C.CommandQueueDepth, C.TokenQueueDepth);
    runPipeline(C, 1, 2);
    runPipeline(C, 2, 2);
    runPipeline(C, 3, 5);
  }
}

// Hand-counted stats of a small default-config program.
TEST(SimStatsCounts, HandComputedCountsAndJson) {
  const HardwareConfig C = repoConfig("default"); // 1x16x16 int8, int32 acc: rows 16/256/64/16 B, uop 4 B
  ProgramBuilder B(C);
  B.reserve(4096);
  B.uops({MicroOp{0, 0, 0}, MicroOp{1, 1, 1}});
  Pads P;
  P.Left = 1;
  B.add(load(MemType::Input, 0, 64, 2, 3, 3, P));     // 6 rows read (96 B), 2 padding rows
  B.add(load(MemType::Weight, 0, 64, 1, 4, 4));       // 4 tiles: 1024 B
  B.add(B.loadUops());                                // 2 uops: 8 B
  B.add(load(MemType::Acc, 9, 64, 1, 1, 1));          // 64 B
  B.add(gemm(false, 0, 2, 2, 3, {3, 1, 1, 1, 0, 1})); // 12 uops, 3072 MACs
  B.add(alu(AluOp::Max, true, 0, 1, 1, 2, {0, 1, 0, 0}));
  B.add(store(MemType::Output, 0, 64, 1, 5, 5)); // 80 B
  B.add(store(MemType::Acc, 0, 64, 2, 1, 1));    // 128 B
  B.add(finish());
  std::vector<uint8_t> Dram;
  auto S = runProgram(B.build(), Dram);
  ASSERT_TRUE(S.isOk()) << S.message();
  npu::sim::SimStats W;
  W.Instructions = 9;
  W.Loads = 4;
  W.Stores = 2;
  W.Gemms = 1;
  W.Alus = 1;
  W.Finishes = 1;
  W.GemmUops = 12;
  W.Macs = 3072;
  W.AluUops = 2;
  W.AluLaneOps = 32;
  W.BytesLoaded[unsigned(MemType::Uop)] = 8;
  W.BytesLoaded[unsigned(MemType::Input)] = 96;
  W.BytesLoaded[unsigned(MemType::Weight)] = 1024;
  W.BytesLoaded[unsigned(MemType::Acc)] = 64;
  W.BytesStored[unsigned(MemType::Output)] = 80;
  W.BytesStored[unsigned(MemType::Acc)] = 128;
  W.PaddingRowsWritten = 2;
  W.TokensPushed[unsigned(npu::sim::TokenQueue::L2C)] = 1; // serialize(): load.wgt -> load.uop
  W.TokensPushed[unsigned(npu::sim::TokenQueue::C2S)] = 1; // alu -> store.out
  W.TokensPushed[unsigned(npu::sim::TokenQueue::S2C)] = 1; // store.acc -> finish
  EXPECT_EQ(*S, W);
  const npu::Json J = npu::Json::parse(S->toJson(C));
  EXPECT_EQ(J["config"], "default");
  EXPECT_EQ(J["config_hash"], C.Hash);
  EXPECT_EQ(J["macs"], 3072);
  EXPECT_EQ(J["bytes_loaded"],
            npu::Json({{"uop", 8}, {"inp", 96}, {"wgt", 1024}, {"acc", 64}, {"out", 0}, {"lut", 0}}));
  EXPECT_EQ(J["tokens_pushed"], npu::Json({{"l2c", 1}, {"c2l", 0}, {"c2s", 1}, {"s2c", 1}}));
}

// Two runs of the same program give identical DRAM and stats.
TEST(SimDeterminism, RepeatedRunsIdentical) {
  const HardwareConfig C = repoConfig("edge");
  std::mt19937 Rng(31);
  ProgramBuilder B(C);
  const uint64_t In = B.data("acc", randomValues(Rng, 4 * C.Batch * C.BlockOut, 32), 32);
  B.uops({MicroOp{0, 1, 0}});
  B.add(B.loadUops());
  B.add(load(MemType::Acc, 0, In, 1, 4, 4));
  B.add(alu(AluOp::Mul, false, 0, 1, 2, 1, {2, 0, 2, 0}));
  B.add(store(MemType::Acc, 0, In, 1, 4, 4));
  B.add(finish());
  const Program P = B.build();
  std::vector<uint8_t> D1, D2;
  auto S1 = runProgram(P, D1), S2 = runProgram(P, D2);
  ASSERT_TRUE(S1.isOk() && S2.isOk());
  EXPECT_EQ(*S1, *S2);
  EXPECT_EQ(D1, D2);
}

} // namespace
