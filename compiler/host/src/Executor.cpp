// Runs a compiled host program: binds buffers, runs kernels on the thread pool and fallbacks on the interpreter.
#include "Compile.h"
#include "Memory.h"
#include "ThreadPool.h"
#include "npu/compiler/ops/OpRegistry.h"
#include "npu/compiler/ref/Interpreter.h"

#include <chrono>
#include <cstring>
#include <mutex>
#include <thread>

namespace npu::host {

using namespace ir;

HostModel::~HostModel() = default;

namespace {

/// Raw storage aligned for the widest vector loads (huge pages when big).
struct AlignedBytes {
  std::shared_ptr<void> Raw;
  uint8_t *Data = nullptr;
  void resize(size_t N) {
    Raw = allocateBuffer(N);
    Data = static_cast<uint8_t *>(Raw.get());
  }
};

/// Below this many operations a kernel runs on the calling thread alone.
constexpr double SerialCost = 100000;

class HostModelImpl : public HostModel {
public:
  Program P;
  HostStats Stats;
  std::string Ir;
  std::unique_ptr<CompiledCode> Code;
  std::unique_ptr<ThreadPool> Pool;
  AlignedBytes Arena, ScratchMem;
  size_t ScratchStride = 0;
  std::mutex RunMutex;
  bool Profile = false;
  std::vector<StepProfile> Prof;

  const HostStats &stats() const override { return Stats; }
  std::vector<StepProfile> profile() const override { return Prof; }
  const std::string &irText() const override { return Ir; }
  Expected<std::vector<Tensor>> run(const std::vector<Tensor> &Inputs) override {
    std::vector<Tensor> Outs;
    NPU_TRY(runInto(Inputs, Outs));
    return Outs;
  }
  Status runInto(const std::vector<Tensor> &Inputs, std::vector<Tensor> &Results) override;

private:
  Status runFallback(const Step &S, std::vector<void *> &Bufs);
  void runKernel(const Step &S, std::vector<void *> &Bufs);
};

void HostModelImpl::runKernel(const Step &S, std::vector<void *> &Bufs) {
  if (S.WorkItems <= 0)
    return;
  double Total = S.CostPerItem * static_cast<double>(S.WorkItems);
  std::vector<void *> Args(S.ArgSlots.size());
  for (size_t I = 0; I < Args.size(); ++I)
    Args[I] = Bufs[static_cast<size_t>(S.ArgSlots[I])];
  void **B = Args.data();
  if (Total < SerialCost || Pool->threads() == 1) {
    S.Fn(B, 0, S.WorkItems, ScratchMem.Data);
    return;
  }
  // Several chunks per thread balance uneven work; a chunk is never smaller than ~SerialCost/4 operations.
  int Threads = Pool->threads();
  int64_t MinChunk = std::max<int64_t>(1, static_cast<int64_t>(SerialCost / 4 / std::max(S.CostPerItem, 1e-3)));
  int64_t Chunk = std::max<int64_t>(MinChunk, S.WorkItems / (Threads * 4));
  if (Chunk * Threads > S.WorkItems) // few items: one per thread rather than idle threads
    Chunk = (S.WorkItems + Threads - 1) / Threads;
  TaskFn Fn = S.Fn;
  uint8_t *Scr = ScratchMem.Data;
  size_t Stride = ScratchStride;
  Pool->parallelFor(S.WorkItems, Chunk, Threads,
                    [&](int64_t Lo, int64_t Hi, int T) { Fn(B, Lo, Hi, Scr + Stride * static_cast<size_t>(T)); });
}

Status HostModelImpl::runFallback(const Step &S, std::vector<void *> &Bufs) {
  return runFallbackNode(
      P, P.G.nodes()[static_cast<size_t>(S.Nodes[0])],
      [&](ValueId V, Tensor &X) {
        std::memcpy(X.bytes(), Bufs[static_cast<size_t>(P.slotOf(V))], X.byteSize());
        return Status::ok();
      },
      [&](int Sl, const Tensor &T) {
        std::memcpy(Bufs[static_cast<size_t>(Sl)], T.bytes(), T.byteSize());
        return Status::ok();
      });
}

Status HostModelImpl::runInto(const std::vector<Tensor> &Inputs, std::vector<Tensor> &Results) {
  std::lock_guard<std::mutex> L(RunMutex);
  const Graph &G = P.G;
  if (Inputs.size() != G.Inputs.size())
    return makeError("graph '", G.Name, "' takes ", G.Inputs.size(), " inputs, got ", Inputs.size());
  for (size_t I = 0; I < Inputs.size(); ++I) {
    const TensorType &T = G.type(G.Inputs[I]);
    if (Inputs[I].elemType() != T.Elem || Inputs[I].shape() != T.Dims)
      return makeError("input '", G.value(G.Inputs[I]).Name, "' is ", formatType(Inputs[I].type()),
                       ", the graph takes ", formatType(T));
  }
  for (const auto &[Index, Value] : P.Specialized)
    if (!(Inputs[static_cast<size_t>(Index)] == Value))
      return makeError("input '", G.value(G.Inputs[static_cast<size_t>(Index)]).Name,
                       "' differs from the value the model was compiled for");
  Results.resize(G.Outputs.size());
  for (size_t K = 0; K < G.Outputs.size(); ++K) {
    const TensorType &T = G.type(G.Outputs[K]);
    if (Results[K].elemType() != T.Elem || Results[K].shape() != T.Dims)
      Results[K] = Tensor(T.Elem, T.Dims);
  }
  int32_t StatusWord = 0;
  std::vector<void *> Bufs(P.Slots.size(), nullptr);
  for (size_t S = 0; S < P.Slots.size(); ++S) {
    const Slot &Sl = P.Slots[S];
    switch (Sl.Kind) {
    case SlotKind::Status:
      Bufs[S] = &StatusWord;
      break;
    case SlotKind::Input:
      Bufs[S] = const_cast<uint8_t *>(Inputs[static_cast<size_t>(Sl.Index)].bytes());
      break;
    case SlotKind::Constant:
      Bufs[S] = Sl.Raw ? Sl.Raw.get() : const_cast<uint8_t *>(Sl.Data->bytes());
      break;
    case SlotKind::Arena:
      Bufs[S] = Arena.Data + Sl.Offset;
      break;
    case SlotKind::Output:
      Bufs[S] = Results[static_cast<size_t>(Sl.Index)].bytes();
      break;
    case SlotKind::Unused:
      break;
    }
  }
  for (size_t S = 0; S < P.Slots.size(); ++S) {
    int R = static_cast<int>(S);
    size_t Offset = 0;
    while (P.Slots[static_cast<size_t>(R)].AliasOf > 0) {
      Offset += P.Slots[static_cast<size_t>(R)].AliasOffset;
      R = P.Slots[static_cast<size_t>(R)].AliasOf;
    }
    if (R != static_cast<int>(S))
      Bufs[S] = static_cast<uint8_t *>(Bufs[static_cast<size_t>(R)]) + Offset;
  }
  for (size_t SI = 0; SI < P.Steps.size(); ++SI) {
    const Step &S = P.Steps[SI];
    auto T0 = std::chrono::steady_clock::now();
    if (S.Kind == StepKind::Fallback)
      NPU_TRY(runFallback(S, Bufs));
    else
      runKernel(S, Bufs);
    if (Profile) {
      Prof[SI].Ms += std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - T0).count();
      ++Prof[SI].Runs;
    }
    if (S.Kind == StepKind::Fallback)
      continue;
    if (StatusWord != 0) {
      const Node &N = G.nodes()[static_cast<size_t>(S.Nodes.back())];
      return makeError(describeNode(N), ": ", StatusWord == 1 ? "integer division by zero" : "index out of range");
    }
  }
  // Outputs not written in place: graph inputs, constants, repeated outputs.
  for (size_t K = 0; K < G.Outputs.size(); ++K) {
    int S = P.slotOf(G.Outputs[K]);
    const Slot &Sl = P.Slots[static_cast<size_t>(S)];
    if (Sl.Kind == SlotKind::Output && Sl.Index == static_cast<int>(K))
      continue;
    if (Results[K].byteSize())
      std::memcpy(Results[K].bytes(), Bufs[static_cast<size_t>(S)], Results[K].byteSize());
  }
  return Status::ok();
}

} // namespace

Expected<std::unique_ptr<HostModel>> compileHostModel(const Graph &G, const HostOptions &Opts) {
  auto Model = std::make_unique<HostModelImpl>();
  auto P = buildProgram(G, Opts, Model->Stats);
  if (!P)
    return P.error();
  Model->P = P.takeValue();
  auto Code = compileForHost(Model->P, Opts, Model->Stats, Model->Ir);
  if (!Code)
    return Code.error();
  Model->Code = Code.takeValue();
  planMemory(Model->P);
  Model->Arena.resize(Model->P.ArenaBytes);
  Model->Profile = Opts.Profile;
  if (Opts.Profile)
    for (const Step &S : Model->P.Steps) {
      StepProfile SP;
      const auto &Nodes = Model->P.G.nodes();
      SP.Kernel = S.Kind == StepKind::Kernel ? S.Symbol : "fallback " + Nodes[static_cast<size_t>(S.Nodes[0])].OpType;
      SP.Work = S.Kind == StepKind::Kernel ? S.CostPerItem * static_cast<double>(S.WorkItems) : 0;
      for (int N : S.Nodes) {
        const Node &Nd = Nodes[static_cast<size_t>(N)];
        SP.Ops += (SP.Ops.empty() ? "" : "+") + Nd.OpType;
        SP.Nodes.push_back(Nd.Name.empty() ? Nd.OpType : Nd.Name);
      }
      Model->Prof.push_back(SP);
    }
  int Threads = Opts.Threads > 0 ? Opts.Threads : static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  Model->Pool = std::make_unique<ThreadPool>(Threads);
  Model->ScratchStride = (Model->P.ScratchBytes + 63) / 64 * 64;
  Model->ScratchMem.resize(Model->ScratchStride * static_cast<size_t>(Threads) + 64);
  return std::unique_ptr<HostModel>(std::move(Model));
}

} // namespace npu::host
