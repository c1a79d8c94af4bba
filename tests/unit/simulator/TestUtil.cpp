// Helpers for the simulator tests (see TestUtil.h).
#include "TestUtil.h"

#include <filesystem>

namespace simtest {

using namespace npu;

HardwareConfig repoConfig(const std::string &Name) {
  auto C = loadHardwareConfig(std::string(NPU_SOURCE_DIR) + "/configs/" + Name + ".yaml");
  EXPECT_TRUE(C.isOk()) << (C ? "" : C.message());
  return C ? *C : defaultHardwareConfig();
}

HardwareConfig inlineConfig(const std::string &Name) {
  std::string Yaml;
  if (Name == "int4")
    Yaml = "name: int4\ncore:\n  batch: 2\n  block_in: 8\n  block_out: 4\n"
           "dtypes:\n  input: int4\n  weight: int4\n  accumulator: int32\n  output: int4\n"
           "buffers:\n  uop: 1KiB\n  input: 1KiB\n  weight: 1KiB\n  accumulator: 4KiB\n  output: 256\n";
  else if (Name == "int16")
    Yaml = "name: int16\ncore:\n  batch: 2\n  block_in: 8\n  block_out: 8\n"
           "dtypes:\n  input: int16\n  weight: int16\n  accumulator: int32\n  output: int16\n"
           "buffers:\n  uop: 1KiB\n  input: 4KiB\n  weight: 8KiB\n  accumulator: 8KiB\n  output: 2KiB\n";
  else if (Name == "acc16")
    Yaml = "name: acc16\ncore:\n  batch: 1\n  block_in: 16\n  block_out: 8\n"
           "dtypes:\n  input: int8\n  weight: int8\n  accumulator: int16\n  output: int8\n"
           "buffers:\n  uop: 1KiB\n  input: 2KiB\n  weight: 4KiB\n  accumulator: 2KiB\n  output: 512\n";
  else if (Name == "wide8")
    // int8 tiles the vectorized GEMM kernel takes (block_in a multiple of 16), with a block_out it finishes
    // output by output.
    Yaml = "name: wide8\ncore:\n  batch: 2\n  block_in: 32\n  block_out: 12\n"
           "dtypes:\n  input: int8\n  weight: int8\n  accumulator: int32\n  output: int8\n"
           "buffers:\n  uop: 1KiB\n  input: 4KiB\n  weight: 18432\n  accumulator: 9216\n  output: 2304\n";
  else if (Name == "mixed")
    Yaml = "name: mixed\ncore:\n  batch: 3\n  block_in: 4\n  block_out: 6\n"
           "dtypes:\n  input: int8\n  weight: int4\n  accumulator: int32\n  output: int16\n"
           "buffers:\n  uop: 1KiB\n  input: 1200\n  weight: 1200\n  accumulator: 7200\n  output: 3600\n";
  auto C = parseHardwareConfig(Yaml, "<" + Name + ">");
  EXPECT_TRUE(C.isOk()) << Name << ": " << (C ? "" : C.message());
  return C ? *C : defaultHardwareConfig();
}

std::vector<std::string> allConfigNames() {
  return {"default", "edge", "large", "int4", "int16", "acc16", "wide8", "mixed"};
}

HardwareConfig configByName(const std::string &Name) {
  if (std::filesystem::exists(std::string(NPU_SOURCE_DIR) + "/configs/" + Name + ".yaml"))
    return repoConfig(Name);
  return inlineConfig(Name);
}

Instruction load(MemType M, int64_t Sram, int64_t Dram, int64_t Y, int64_t X, int64_t Stride, Pads P) {
  Instruction I;
  I.H.Op = int64_t(npu::isa::Opcode::Load);
  I.Mem.Mem = int64_t(M);
  I.Mem.SramBase = Sram;
  I.Mem.DramBase = Dram;
  I.Mem.YSize = Y;
  I.Mem.XSize = X;
  I.Mem.XStride = Stride;
  I.Mem.PadTop = P.Top;
  I.Mem.PadBottom = P.Bottom;
  I.Mem.PadLeft = P.Left;
  I.Mem.PadRight = P.Right;
  return I;
}

Instruction store(MemType M, int64_t Sram, int64_t Dram, int64_t Y, int64_t X, int64_t Stride) {
  Instruction I = load(M, Sram, Dram, Y, X, Stride);
  I.H.Op = int64_t(npu::isa::Opcode::Store);
  return I;
}

Instruction gemm(bool Reset, int64_t UopBegin, int64_t UopEnd, int64_t LoopOut, int64_t LoopIn,
                 std::array<int64_t, 6> S) {
  Instruction I;
  I.H.Op = int64_t(npu::isa::Opcode::Gemm);
  auto &G = I.Gemm;
  G.Reset = Reset;
  G.UopBegin = UopBegin;
  G.UopEnd = UopEnd;
  G.LoopOut = LoopOut;
  G.LoopIn = LoopIn;
  G.DstOut = S[0];
  G.DstIn = S[1];
  G.SrcOut = S[2];
  G.SrcIn = S[3];
  G.WgtOut = S[4];
  G.WgtIn = S[5];
  return I;
}

Instruction alu(AluOp Op, bool UseImm, int64_t UopBegin, int64_t UopEnd, int64_t LoopOut, int64_t LoopIn,
                std::array<int64_t, 4> S, int64_t Imm, int64_t Imm2, int64_t Shift) {
  Instruction I;
  I.H.Op = int64_t(npu::isa::Opcode::Alu);
  auto &A = I.Alu;
  A.AluOp = int64_t(Op);
  A.UseImm = UseImm;
  A.UopBegin = UopBegin;
  A.UopEnd = UopEnd;
  A.LoopOut = LoopOut;
  A.LoopIn = LoopIn;
  A.DstOut = S[0];
  A.DstIn = S[1];
  A.SrcOut = S[2];
  A.SrcIn = S[3];
  A.Imm = Imm;
  A.Imm2 = Imm2;
  A.Shift = Shift;
  return I;
}

Instruction finish() {
  Instruction I;
  I.H.Op = int64_t(npu::isa::Opcode::Finish);
  return I;
}

Instruction tokens(Instruction I, bool PopPrev, bool PopNext, bool PushPrev, bool PushNext) {
  I.H.PopPrev = PopPrev;
  I.H.PopNext = PopNext;
  I.H.PushPrev = PushPrev;
  I.H.PushNext = PushNext;
  return I;
}

std::vector<uint8_t> pack(const std::vector<int64_t> &Values, unsigned Bits) {
  std::vector<uint8_t> Out((Values.size() * Bits + 7) / 8, 0);
  for (size_t I = 0; I < Values.size(); ++I)
    for (unsigned J = 0; J < Bits; ++J)
      if ((uint64_t(Values[I]) >> J) & 1) {
        const size_t Bit = I * Bits + J;
        Out[Bit / 8] |= uint8_t(1u << (Bit % 8));
      }
  return Out;
}

std::vector<int64_t> unpack(const uint8_t *Bytes, unsigned Bits, size_t Count) {
  std::vector<int64_t> Out(Count);
  for (size_t I = 0; I < Count; ++I) {
    uint64_t V = 0;
    for (unsigned J = 0; J < Bits; ++J) {
      const size_t Bit = I * Bits + J;
      V |= uint64_t((Bytes[Bit / 8] >> (Bit % 8)) & 1) << J;
    }
    // The top bit is the sign.
    Out[I] = (V >> (Bits - 1)) & 1 ? int64_t(V) - (int64_t(1) << Bits) : int64_t(V);
  }
  return Out;
}

int64_t wrapTo(int64_t V, unsigned Bits) {
  const int64_t Mod = int64_t(1) << Bits;
  int64_t R = V % Mod;
  if (R < 0)
    R += Mod;
  return R >= Mod / 2 ? R - Mod : R;
}

std::vector<int64_t> randomValues(std::mt19937 &Rng, size_t N, unsigned Bits) {
  const int64_t Lo = -(int64_t(1) << (Bits - 1)), Hi = (int64_t(1) << (Bits - 1)) - 1;
  std::uniform_int_distribution<int64_t> D(Lo, Hi);
  std::vector<int64_t> V(N);
  for (size_t I = 0; I < N; ++I)
    V[I] = D(Rng);
  if (N >= 2) {
    V[0] = Lo;
    V[1] = Hi;
  }
  return V;
}

std::vector<Instruction> serialize(const std::vector<Instruction> &Insns) {
  using npu::isa::Queue;
  auto Link = [](Instruction &Prev, Instruction &Next) {
    const Queue P = Prev.queue(), N = Next.queue();
    if ((P == Queue::Load && N == Queue::Compute) || (P == Queue::Compute && N == Queue::Store)) {
      Prev.H.PushNext = 1;
      Next.H.PopPrev = 1;
    } else if ((P == Queue::Compute && N == Queue::Load) || (P == Queue::Store && N == Queue::Compute)) {
      Prev.H.PushPrev = 1;
      Next.H.PopNext = 1;
    }
  };
  std::vector<Instruction> Out;
  for (Instruction I : Insns) {
    if (!Out.empty()) {
      const Queue P = Out.back().queue(), N = I.queue();
      if ((P == Queue::Load && N == Queue::Store) || (P == Queue::Store && N == Queue::Load)) {
        Instruction Bridge = load(MemType::Acc, 0, 0, 0, 0, 0);
        Link(Out.back(), Bridge);
        Out.push_back(Bridge);
      }
      Link(Out.back(), I);
    }
    Out.push_back(I);
  }
  return Out;
}

std::vector<int64_t> refTile(const HardwareConfig &C, const int64_t *In, const int64_t *W) {
  std::vector<int64_t> Out(C.Batch * C.BlockOut, 0);
  for (uint64_t B = 0; B < C.Batch; ++B)
    for (uint64_t O = 0; O < C.BlockOut; ++O)
      for (uint64_t K = 0; K < C.BlockIn; ++K)
        Out[B * C.BlockOut + O] += In[B * C.BlockIn + K] * W[O * C.BlockIn + K];
  return Out;
}

ProgramBuilder::ProgramBuilder(const HardwareConfig &C) { P.Config = C; }

uint64_t ProgramBuilder::data(const std::string &Name, const std::vector<int64_t> &Values, unsigned Bits) {
  npu::isa::Segment S;
  S.Name = Name;
  S.Address = Next;
  S.Data = pack(Values, Bits);
  Next += S.Data.size();
  P.Segments.push_back(std::move(S));
  return P.Segments.back().Address;
}

uint64_t ProgramBuilder::reserve(uint64_t Bytes) {
  const uint64_t A = Next;
  Next += Bytes;
  return A;
}

void ProgramBuilder::uops(const std::vector<MicroOp> &U) {
  P.Uops = U;
  P.UopBase = reserve(U.size() * P.Config.D.UopRowBytes);
}

Instruction ProgramBuilder::loadUops() const {
  const int64_t N = int64_t(P.Uops.size());
  return load(MemType::Uop, 0, int64_t(P.UopBase), 1, N, N);
}

Program ProgramBuilder::build(uint64_t ExtraBytes, bool Serialize) {
  P.DramBytes = Next + ExtraBytes;
  Program Out = P;
  if (Serialize)
    Out.Insns = serialize(P.Insns);
  return Out;
}

npu::Expected<npu::sim::SimStats> runProgram(const Program &P, std::vector<uint8_t> &Dram) {
  auto Image = P.dramImage();
  if (!Image)
    return Image.error();
  Dram = Image.takeValue();
  npu::sim::FuncSim Sim(P.Config);
  return Sim.run(P, Dram);
}

} // namespace simtest
