// Dependency-driven token insertion (RAW/WAR/WAW between the load, compute and store queues on buffer rows
// and DRAM bytes, relays through compute no-ops, token_depth kept by construction) and the token checker.
#include "npu/backend/Schedule.h"

#include "Hazards.h"

#include <algorithm>
#include <cassert>
#include <sstream>

namespace npu::backend {

using hazard::maxOf;
using hazard::PerQueue;
using isa::Queue;

namespace {

constexpr unsigned QL = unsigned(Queue::Load), QC = unsigned(Queue::Compute), QS = unsigned(Queue::Store);

/// The FIFO from queue A to queue B (A, B adjacent), or -1.
int fifoOf(unsigned A, unsigned B) {
  if (A == QL && B == QC)
    return L2C;
  if (A == QC && B == QL)
    return C2L;
  if (A == QC && B == QS)
    return C2S;
  if (A == QS && B == QC)
    return S2C;
  return -1;
}

void setPush(isa::Instruction &I, unsigned F) { (F == L2C || F == C2S ? I.H.PushNext : I.H.PushPrev) = 1; }
void setPop(isa::Instruction &I, unsigned F) { (F == L2C || F == C2S ? I.H.PopPrev : I.H.PopNext) = 1; }
/// The flag that pushes to / pops from FIFO F (meaningful for F's producer / consumer queue only).
bool pushes(const isa::Instruction &I, unsigned F) {
  return (F == L2C || F == C2S ? I.H.PushNext : I.H.PushPrev) != 0;
}
bool pops(const isa::Instruction &I, unsigned F) {
  return (F == L2C || F == C2S ? I.H.PopPrev : I.H.PopNext) != 0;
}
unsigned producerQueue(unsigned F) { return F == L2C ? QL : F == S2C ? QS : QC; }

isa::Instruction computeNop() {
  isa::Instruction I;
  I.H.Op = int64_t(isa::Opcode::Load);
  I.Mem.Mem = int64_t(isa::MemType::Uop);
  return I;
}

/// The inserter's state: the output program, per-position queues and happens-before vectors, token edges.
class Inserter {
public:
  Inserter(TileProgram &P, const HardwareConfig &C) : P(P), C(C) {}
  TokenStats run();

private:
  struct Fifo {
    std::vector<int64_t> Pushers, Consumers; ///< positions, ascending (edges are monotone)
    std::vector<int64_t> Crossing;           ///< per pusher: edges (p, c) with p < pusher < c
  };
  void emit(TileInsn T, PerQueue Need);
  /// The producer to use for a dependency of the consumer at Pos on Need (queue A, FIFO F): Need itself,
  /// or the last A instruction when Need's token would let the FIFO exceed token_depth.
  struct Choice {
    int64_t Producer;
    bool Tightened, Unproven;
  };
  Choice chooseProducer(unsigned F, int64_t Need) const;
  void account(const Choice &Ch) {
    Stats.Tightened += Ch.Tightened;
    Stats.Unproven += Ch.Unproven;
  }
  void commit(unsigned F, int64_t Producer, int64_t Consumer, isa::Instruction &ConsumerInsn);
  int64_t crossingAt(const Fifo &Fi, int64_t Pusher) const;
  bool fits(const Fifo &Fi, int64_t Producer) const;
  PerQueue after(int64_t Pos) const {
    PerQueue V = Vc[size_t(Pos)];
    V[Q[size_t(Pos)]] = Pos;
    return V;
  }

  TileProgram &P;
  const HardwareConfig &C;
  std::vector<TileInsn> Out;
  std::vector<unsigned> Q;
  std::vector<PerQueue> Vc;
  std::array<int64_t, 3> LastOf = {-1, -1, -1};
  std::array<Fifo, 4> Fifos;
  TokenStats Stats;
};

int64_t Inserter::crossingAt(const Fifo &Fi, int64_t Pusher) const {
  // Edges whose consumer lies after Pusher all have earlier producers (edges are monotone).
  int64_t N = 0;
  for (auto It = Fi.Consumers.rbegin(); It != Fi.Consumers.rend() && *It > Pusher; ++It)
    ++N;
  return N;
}

bool Inserter::fits(const Fifo &Fi, int64_t Producer) const {
  const int64_t Limit = int64_t(C.TokenQueueDepth) - 1;
  if (crossingAt(Fi, Producer) > Limit)
    return false;
  // The new edge crosses every pusher after Producer.
  for (size_t K = Fi.Pushers.size(); K-- > 0 && Fi.Pushers[K] > Producer;)
    if (Fi.Crossing[K] + 1 > Limit)
      return false;
  return true;
}

Inserter::Choice Inserter::chooseProducer(unsigned F, int64_t Need) const {
  if (fits(Fifos[F], Need))
    return {Need, false, false};
  // The last instruction of the producer queue: no pusher of this FIFO lies between it and the consumer.
  const int64_t Last = LastOf[producerQueue(F)];
  return {Last, true, !fits(Fifos[F], Last)};
}

void Inserter::commit(unsigned F, int64_t Producer, int64_t Consumer, isa::Instruction &ConsumerInsn) {
  Fifo &Fi = Fifos[F];
  assert(!pushes(Out[size_t(Producer)].I, F) && "a producer pushes one token per FIFO");
  for (size_t K = Fi.Pushers.size(); K-- > 0 && Fi.Pushers[K] > Producer;)
    ++Fi.Crossing[K];
  Fi.Crossing.push_back(crossingAt(Fi, Producer));
  Fi.Pushers.push_back(Producer);
  Fi.Consumers.push_back(Consumer);
  setPush(Out[size_t(Producer)].I, F);
  setPop(ConsumerInsn, F);
  ++Stats.Tokens[F];
  Stats.MaxOutstanding[F] = std::max<uint64_t>(Stats.MaxOutstanding[F], uint64_t(Fi.Crossing.back()) + 1);
  for (size_t K = Fi.Pushers.size(); K-- > 0 && Fi.Pushers[K] > Producer;)
    Stats.MaxOutstanding[F] = std::max<uint64_t>(Stats.MaxOutstanding[F], uint64_t(Fi.Crossing[K]) + 1);
}

void Inserter::emit(TileInsn T, PerQueue Need) {
  const unsigned B = hazard::queueIndex(T.I);
  PerQueue V = LastOf[B] >= 0 ? after(LastOf[B]) : hazard::NoneYet;
  auto Pos = [&] { return int64_t(Out.size()); };
  if (B == QC) {
    for (unsigned A : {QL, QS})
      if (Need[A] > V[A]) {
        const unsigned F = unsigned(fifoOf(A, B));
        const Choice Ch = chooseProducer(F, Need[A]);
        account(Ch);
        commit(F, Ch.Producer, Pos(), T.I);
        V = maxOf(V, after(Ch.Producer));
      }
  } else {
    const unsigned X = B == QL ? QS : QL, F = unsigned(fifoOf(QC, B));
    Choice Ch{-1, false, false};
    if (Need[QC] > V[QC])
      Ch = chooseProducer(F, Need[QC]);
    int64_t Prod = Ch.Producer;
    const PerQueue Tentative = Prod >= 0 ? maxOf(V, after(Prod)) : V;
    if (Need[X] > Tentative[X]) {
      // Load and store share no FIFO: a compute no-op waits for X and this instruction waits for it.
      TileInsn Nop{computeNop(), -1, 0, T.Node};
      PerQueue NopNeed = hazard::NoneYet;
      NopNeed[X] = Need[X];
      emit(Nop, NopNeed);
      ++Stats.Relays;
      Prod = int64_t(Out.size()) - 1;
    } else {
      account(Ch);
    }
    if (Prod >= 0) {
      commit(F, Prod, Pos(), T.I);
      V = maxOf(V, after(Prod));
    }
  }
  Q.push_back(B);
  Vc.push_back(V);
  LastOf[B] = Pos();
  Out.push_back(std::move(T));
}

TokenStats Inserter::run() {
  using hazard::Access;
  // Temporaries whose live ranges do not overlap may share DRAM (emitProgram): a store into a temporary
  // waits for the reads of every temporary that died before it was born.
  // A tensor placed inside another (AliasOf) is that tensor's bytes: hazards and liveness go to the root.
  const size_t NT = P.Tensors.size();
  std::vector<size_t> Root(NT);
  std::vector<uint64_t> RootOffset(NT, 0);
  for (size_t K = 0; K < NT; ++K) {
    Root[K] = K;
    for (size_t Hops = 0; P.Tensors[Root[K]].AliasOf >= 0 && Hops <= NT; ++Hops) {
      RootOffset[K] += P.Tensors[Root[K]].AliasOffset;
      Root[K] = size_t(P.Tensors[Root[K]].AliasOf);
    }
  }
  std::vector<int64_t> First(NT, INT64_MAX), Last(NT, -1);
  for (size_t I = 0; I < P.Insns.size(); ++I)
    if (int T = P.Insns[I].Tensor; T >= 0) {
      const size_t R = Root[size_t(T)];
      First[R] = std::min(First[R], int64_t(I)), Last[R] = int64_t(I);
    }
  std::vector<bool> Born(NT, false);
  auto Space = [](int T) { return hazard::FirstDram + unsigned(T); };

  hazard::Tracker Tr;
  std::vector<isa::MicroOp> Uops(C.D.UopDepth);
  std::vector<Access> Acc;
  std::vector<TileInsn> In = std::move(P.Insns);
  TileInsn Finish;
  Finish.I.H.Op = int64_t(isa::Opcode::Finish);
  Out.reserve(In.size() + In.size() / 8 + 1);
  for (size_t I = 0; I <= In.size(); ++I) {
    TileInsn T = I < In.size() ? In[I] : Finish;
    if (I == In.size() && !In.empty())
      T.Node = In.back().Node;
    const unsigned B = hazard::queueIndex(T.I);
    Acc.clear();
    hazard::bufferAccesses(C, T.I, Uops, Acc);
    const bool Mem = T.I.opcode() == isa::Opcode::Load || T.I.opcode() == isa::Opcode::Store;
    PerQueue Need = hazard::NoneYet;
    if (Mem && T.Tensor >= 0) {
      auto [Lo, Hi] = hazard::dramExtent(C, T.I);
      const size_t R = Root[size_t(T.Tensor)];
      const int64_t Base = int64_t(RootOffset[size_t(T.Tensor)] + T.Offset);
      const TileTensor &TT = P.Tensors[R];
      const bool Write = T.I.opcode() == isa::Opcode::Store;
      // Constants and inputs are never written: their reads need no ordering.
      if (Hi > Lo && (Write || TT.K == TileTensor::Temp || TT.K == TileTensor::Output))
        Acc.push_back({Space(int(R)), Base + Lo, Base + Hi, Write});
      if (Write && TT.K == TileTensor::Temp && !Born[R]) {
        Born[R] = true;
        for (size_t U = 0; U < NT; ++U)
          if (Root[U] == U && P.Tensors[U].K == TileTensor::Temp && Last[U] < First[R])
            Need = maxOf(Need, Tr.latestReads(Space(int(U))));
        Need[B] = -1;
      }
    }
    if (I == In.size()) {
      Need[QL] = LastOf[QL];
      Need[QS] = LastOf[QS];
    }
    for (const Access &A : Acc)
      Tr.conflicts(A, B, Need);
    if (T.I.opcode() == isa::Opcode::Load && T.I.memType() == isa::MemType::Uop && T.Tensor == UopTable) {
      const int64_t First0 = int64_t(T.Offset / C.D.UopRowBytes);
      for (int64_t K = 0; K < T.I.Mem.XSize; ++K)
        if (size_t(T.I.Mem.SramBase + K) < Uops.size() && size_t(First0 + K) < P.Uops.size())
          Uops[size_t(T.I.Mem.SramBase + K)] = P.Uops[size_t(First0 + K)];
    }
    emit(std::move(T), Need);
    for (const Access &A : Acc)
      Tr.record(A, B, int64_t(Out.size()) - 1);
  }
  // Without a proof of the token bound P stays as it was, for the caller's serial fallback.
  P.Insns = Stats.Unproven ? std::move(In) : std::move(Out);
  return Stats;
}

} // namespace

const char *tokenFifoName(unsigned F) {
  static const char *Names[] = {"l2c", "c2l", "c2s", "s2c"};
  return F < 4 ? Names[F] : "?";
}

TokenStats insertDependencyTokens(TileProgram &P, const HardwareConfig &C) { return Inserter(P, C).run(); }

int tokenFifoBetween(isa::Queue From, isa::Queue To) { return fifoOf(unsigned(From), unsigned(To)); }

void insertSerialTokens(TileProgram &P) {
  // Next waits for Prev through the FIFO between their queues (they are adjacent).
  auto Chain = [](isa::Instruction &Prev, isa::Instruction &Next) {
    const unsigned F = unsigned(fifoOf(unsigned(Prev.queue()), unsigned(Next.queue())));
    setPush(Prev, F);
    setPop(Next, F);
  };
  std::vector<TileInsn> Out;
  Out.reserve(P.Insns.size() + P.Insns.size() / 4 + 2);
  TileInsn Finish;
  Finish.I.H.Op = int64_t(isa::Opcode::Finish);
  P.Insns.push_back(Finish);
  for (TileInsn &T : P.Insns) {
    const isa::Queue Prev = Out.empty() ? T.I.queue() : Out.back().I.queue();
    if (Prev != T.I.queue() && fifoOf(unsigned(Prev), unsigned(T.I.queue())) < 0) {
      // Load and store share no FIFO: a token-only compute no-op relays the dependency.
      TileInsn Nop;
      Nop.I = computeNop();
      Nop.Node = T.Node;
      Chain(Out.back().I, Nop.I);
      Chain(Nop.I, T.I);
      Out.push_back(Nop);
    } else if (Prev != T.I.queue()) {
      Chain(Out.back().I, T.I);
    }
    Out.push_back(T);
  }
  P.Insns = std::move(Out);
}

Expected<TokenStats> checkProgramTokens(const isa::Program &P) {
  const HardwareConfig &C = P.Config;
  const size_t N = P.Insns.size();
  TokenStats S;
  // Match the k-th pop of each FIFO with its k-th push.
  std::array<std::vector<int64_t>, 4> Push, Pop;
  for (size_t I = 0; I < N; ++I)
    for (unsigned F = 0; F < 4; ++F) {
      const isa::Instruction &In = P.Insns[I];
      const unsigned Qi = unsigned(In.queue());
      if (pushes(In, F) && Qi == producerQueue(F))
        Push[F].push_back(int64_t(I));
      if (pops(In, F) && fifoOf(producerQueue(F), Qi) == int(F))
        Pop[F].push_back(int64_t(I));
    }
  std::vector<std::vector<int64_t>> Producers(N);
  for (unsigned F = 0; F < 4; ++F) {
    if (Pop[F].size() > Push[F].size())
      return makeError("the ", tokenFifoName(F), " FIFO is popped ", Pop[F].size(), " times but pushed ",
                       Push[F].size(), " times (deadlock)");
    S.Tokens[F] = Pop[F].size();
    for (size_t K = 0; K < Pop[F].size(); ++K) {
      if (Push[F][K] >= Pop[F][K])
        return makeError("instruction ", Pop[F][K], " pops a ", tokenFifoName(F),
                         " token pushed by the later instruction ", Push[F][K]);
      Producers[size_t(Pop[F][K])].push_back(Push[F][K]);
      // Outstanding bound: earlier edges still open when this producer pushes.
      size_t Open = 0;
      for (size_t J = K; J-- > 0 && Pop[F][J] > Push[F][K];)
        ++Open;
      S.MaxOutstanding[F] = std::max<uint64_t>(S.MaxOutstanding[F], Open + 1);
    }
    if (S.MaxOutstanding[F] > C.TokenQueueDepth)
      return makeError("the ", tokenFifoName(F), " FIFO may need ", S.MaxOutstanding[F],
                       " tokens, more than queues.token_depth ", C.TokenQueueDepth);
  }
  std::vector<PerQueue> Vc(N, hazard::NoneYet);
  std::array<int64_t, 3> LastOf = {-1, -1, -1};
  auto After = [&](int64_t I) {
    PerQueue V = Vc[size_t(I)];
    V[unsigned(P.Insns[size_t(I)].queue())] = I;
    return V;
  };
  hazard::Tracker Tr;
  std::vector<isa::MicroOp> Uops(C.D.UopDepth);
  std::vector<hazard::Access> Acc;
  for (size_t I = 0; I < N; ++I) {
    const isa::Instruction &In = P.Insns[I];
    const unsigned B = unsigned(In.queue());
    PerQueue V = LastOf[B] >= 0 ? After(LastOf[B]) : hazard::NoneYet;
    for (int64_t Pr : Producers[I])
      V = hazard::maxOf(V, After(Pr));
    Vc[I] = V;
    LastOf[B] = int64_t(I);
    Acc.clear();
    hazard::bufferAccesses(C, In, Uops, Acc);
    if (In.opcode() == isa::Opcode::Load || In.opcode() == isa::Opcode::Store) {
      auto [Lo, Hi] = hazard::dramExtent(C, In);
      if (Hi > Lo)
        Acc.push_back({hazard::FirstDram, In.Mem.DramBase + Lo, In.Mem.DramBase + Hi,
                       In.opcode() == isa::Opcode::Store});
      if (In.memType() == isa::MemType::Uop && In.opcode() == isa::Opcode::Load)
        for (int64_t K = 0; K < In.Mem.XSize; ++K) {
          const int64_t E = (In.Mem.DramBase - int64_t(P.UopBase)) / int64_t(C.D.UopRowBytes) + K;
          if (E >= 0 && size_t(E) < P.Uops.size() && size_t(In.Mem.SramBase + K) < Uops.size())
            Uops[size_t(In.Mem.SramBase + K)] = P.Uops[size_t(E)];
        }
    }
    PerQueue Need = hazard::NoneYet;
    for (const hazard::Access &A : Acc)
      Tr.conflicts(A, B, Need);
    for (unsigned A = 0; A < 3; ++A)
      if (A != B && Need[A] > V[A])
        return makeError("instruction ", I, " (", isa::queueName(In.queue()),
                         " queue) conflicts with instruction ", Need[A], " of the ",
                         isa::queueName(isa::Queue(A)), " queue but no token chain orders them");
    for (const hazard::Access &A : Acc)
      Tr.record(A, B, int64_t(I));
  }
  return S;
}

std::string formatScheduleRecord(const std::vector<LayerSchedule> &S) {
  std::ostringstream OS;
  for (size_t K = 0; K < S.size(); ++K) {
    OS << (K ? ";" : "") << S[K].Node << ":rows=" << S[K].TileRows << ",buffers=" << S[K].Buffers;
    if (S[K].Groups)
      OS << ",groups=" << S[K].Groups;
    OS << ",est=" << S[K].Estimate << (S[K].Tuned ? ",tuned" : "");
  }
  return OS.str();
}

} // namespace npu::backend
