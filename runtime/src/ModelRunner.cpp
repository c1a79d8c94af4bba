// ModelRunner: the segment loop; host segments go to the HostExecutor given (reference interpreter by
// default). Blocked NPU values are padded from n to core.batch lanes on the way in (a DRAM row holds
// batch x c elements) and cut back on the way out.
#include "npu/runtime/ModelRunner.h"

#include "npu/compiler/ir/Compare.h"
#include "npu/compiler/ir/Printer.h"
#include "npu/compiler/ops/Flops.h"
#include "npu/compiler/ref/Interpreter.h"
#include "npu/runtime/Binding.h"

#include <chrono>
#include <cstring>
#include <map>

namespace npu::runtime {

namespace {

/// The tensor given for model input V, in V's shape.
Expected<ir::Tensor> modelInput(const ir::Tensor &T, const backend::ArtifactValue &V) {
  NPU_TRY(checkRuntimeType(V.Elem));
  if (V.Elem != T.elemType())
    return makeError("input '", V.Name, "' must be ", dtypeName(V.Elem), ", got ", dtypeName(T.elemType()));
  if (!ir::sameShapeIgnoringLeadingOnes(T.shape(), V.Dims))
    return makeError("input '", V.Name, "' must have shape ", ir::formatShape(V.Dims), ", got ",
                     ir::formatShape(T.shape()));
  return ir::Tensor(V.Elem, V.Dims, T.byteVector());
}

/// Moves the [.., n, c] blocks of a blocked tensor between n lanes and Lanes lanes (zeros in the extra
/// lanes); elements of Bytes bytes (int8 or int16 activations, int32 accumulators kept as a result).
std::vector<uint8_t> relane(const std::vector<uint8_t> &Src, const std::vector<int64_t> &Dims, int64_t FromN,
                            int64_t ToN, int64_t Bytes = 1) {
  const int64_t C = Dims.back() * Bytes, Keep = std::min(FromN, ToN);
  int64_t Blocks = 1;
  for (size_t K = 0; K + 2 < Dims.size(); ++K)
    Blocks *= Dims[K];
  std::vector<uint8_t> Out(size_t(Blocks * ToN * C), 0);
  for (int64_t B = 0; B < Blocks; ++B)
    std::memcpy(&Out[size_t(B * ToN * C)], &Src[size_t(B * FromN * C)], size_t(Keep * C));
  return Out;
}

Status runNpuSegment(Device &D, const backend::ArtifactSegment &S, std::map<std::string, ir::Tensor> &Env,
                     SegmentRun &Run, const MemoryLimit &Limit) {
  const isa::Program &P = S.Program;
  auto Dram = P.dramImage(Limit);
  if (!Dram)
    return Dram.error().withContext("segment '" + S.Name + "'");
  for (const backend::ArtifactValue &V : S.Inputs) {
    const isa::TensorBinding *B = P.findIO(V.Name);
    auto It = Env.find(V.Name);
    if (!B || It == Env.end())
      return makeError("segment '", S.Name, "': input '", V.Name, "' is not bound");
    NPU_TRY(checkRuntimeType(V.Elem)); // the activation type: int8, or int16 on an int16 config
    std::vector<uint8_t> Data = relane(It->second.byteVector(), V.Dims, V.Dims[V.Dims.size() - 2],
                                       B->Shape[B->Shape.size() - 2], int64_t(ir::elemTypeSize(V.Elem)));
    if (int64_t(Data.size()) != ir::shapeNumElements(B->Shape) * int64_t(ir::elemTypeSize(V.Elem)))
      return makeError("segment '", S.Name, "': input '", V.Name, "' ", ir::formatShape(V.Dims),
                       " does not fill its binding ", ir::formatShape(B->Shape));
    NamedTensor T{V.Name, ir::Tensor(V.Elem, B->Shape, std::move(Data))};
    NPU_TRY(writeBinding(*B, T, *Dram));
  }
  const auto T0 = std::chrono::steady_clock::now();
  auto R = D.run(P, *Dram);
  Run.RunMs = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - T0).count();
  if (!R)
    return R.error().withContext("segment '" + S.Name + "' on the " + D.name() + " backend");
  Run.Stats = R->Stats;
  Run.Timing = std::move(R->Timing);
  for (const backend::ArtifactValue &V : S.Outputs) {
    const isa::TensorBinding *B = P.findIO(V.Name);
    if (!B)
      return makeError("segment '", S.Name, "': output '", V.Name, "' has no binding");
    auto T = readBinding(*B, *Dram);
    if (!T)
      return T.error();
    auto Data = relane(T->Data.byteVector(), B->Shape, B->Shape[B->Shape.size() - 2], V.Dims[V.Dims.size() - 2],
                       int64_t(isa::tensorDTypeBits(B->DType) / 8));
    Env.insert_or_assign(V.Name, ir::Tensor(V.Elem, V.Dims, std::move(Data)));
  }
  return Status::ok();
}

Status runHostSegment(const HostExecutor &X, const backend::ArtifactSegment &S,
                      std::map<std::string, ir::Tensor> &Env, SegmentRun &Run) {
  using Clock = std::chrono::steady_clock;
  auto T0 = Clock::now(); // preparing: reading the graph text and compiling it
  auto G = ir::parseGraph(S.HostGraph);
  if (!G)
    return G.error().withContext("segment '" + S.Name + "'");
  std::vector<ir::Tensor> Ins;
  for (ir::ValueId V : G->Inputs) {
    auto It = Env.find(G->value(V).Name);
    if (It == Env.end())
      return makeError("segment '", S.Name, "': input '", G->value(V).Name, "' is not bound");
    Ins.push_back(It->second);
  }
  Run.Executor = X.Name;
  Run.Flops = ir::graphFlops(*G);
  HostSegmentFn Fn;
  HostSegmentInfo Info;
  if (X.Prepare) {
    auto F = X.Prepare(*G, Info);
    if (!F)
      return F.error().withContext("segment '" + S.Name + "' (" + X.Name + ")");
    Fn = F.takeValue();
    Run.Note = Info.Note;
  } else {
    Fn = [&G](const std::vector<ir::Tensor> &In) { return ref::interpret(*G, In); };
  }
  auto T1 = Clock::now();
  auto Outs = Fn(Ins);
  if (!Outs)
    return Outs.error().withContext("segment '" + S.Name + "'");
  Run.PrepareMs = std::chrono::duration<double, std::milli>(T1 - T0).count();
  Run.RunMs = std::chrono::duration<double, std::milli>(Clock::now() - T1).count();
  if (Info.Profile)
    Run.Profile = Info.Profile();
  if (Outs->size() != G->Outputs.size())
    return makeError("segment '", S.Name, "': the host executor returned ", Outs->size(),
                     " outputs, expected ", G->Outputs.size());
  for (size_t K = 0; K < G->Outputs.size(); ++K)
    Env.insert_or_assign(G->value(G->Outputs[K]).Name, std::move((*Outs)[K]));
  return Status::ok();
}

} // namespace

const backend::ArtifactSegment *findSegment(const backend::ModelArtifact &A, const std::string &Name,
                                            backend::ArtifactSegment::Kind K) {
  for (const backend::ArtifactSegment &S : A.Segments)
    if (S.Name == Name && S.K == K)
      return &S;
  return nullptr;
}

HostExecutor referenceHostExecutor() {
  HostExecutor X;
  X.Name = "reference interpreter";
  return X;
}

HostExecutor reusingHostExecutor(HostExecutor X) {
  if (!X.Prepare)
    return X; // the interpreter has nothing to compile
  using Prepared = std::pair<HostSegmentFn, HostSegmentInfo>;
  auto Cache = std::make_shared<std::map<std::string, Prepared>>();
  auto Inner = std::move(X.Prepare);
  X.Prepare = [Cache, Inner](const ir::Graph &G, HostSegmentInfo &Info) -> Expected<HostSegmentFn> {
    auto It = Cache->find(G.Name);
    if (It == Cache->end()) {
      HostSegmentInfo Made;
      auto F = Inner(G, Made);
      if (!F)
        return F.error();
      It = Cache->emplace(G.Name, Prepared(F.takeValue(), std::move(Made))).first;
    }
    Info = It->second.second;
    return It->second.first;
  };
  return X;
}

Expected<ModelOutcome> runModel(Device &D, const backend::ModelArtifact &A,
                                const std::vector<std::optional<NamedTensor>> &Inputs) {
  return runModel(&D, A, Inputs, ModelRunOptions());
}

Expected<ModelOutcome> runModel(Device *D, const backend::ModelArtifact &A,
                                const std::vector<std::optional<NamedTensor>> &Inputs, const ModelRunOptions &Opts) {
  std::map<std::string, ir::Tensor> Env;
  for (size_t K = 0; K < A.Inputs.size(); ++K) {
    const backend::ArtifactValue &V = A.Inputs[K];
    const NamedTensor *Found = nullptr;
    for (const std::optional<NamedTensor> &T : Inputs)
      if (T && T->Name == V.Name)
        Found = &*T;
    if (!Found && K < Inputs.size() && Inputs[K])
      Found = &*Inputs[K];
    if (!Found)
      return makeError("model input ", K, " '", V.Name, "' is not given (input_", K, ".pb)");
    auto T = modelInput(Found->Data, V);
    if (!T)
      return T.error();
    Env.insert_or_assign(V.Name, T.takeValue());
  }
  ModelOutcome O;
  for (const backend::ArtifactSegment &S : A.Segments) {
    SegmentRun Run;
    Run.Name = S.Name;
    Run.Npu = S.K == backend::ArtifactSegment::Npu;
    if (Run.Npu && !D)
      return makeError("segment '", S.Name, "' is an NPU program: run the artifact on an NPU backend (func, "
                       "systemc, rtl)");
    NPU_TRY(Run.Npu ? runNpuSegment(*D, S, Env, Run, Opts.Memory) : runHostSegment(Opts.Host, S, Env, Run));
    const sim::SimStats &St = Run.Stats;
    O.Total.Instructions += St.Instructions, O.Total.Loads += St.Loads, O.Total.Stores += St.Stores;
    O.Total.Gemms += St.Gemms, O.Total.Alus += St.Alus, O.Total.Finishes += St.Finishes;
    O.Total.GemmUops += St.GemmUops, O.Total.Macs += St.Macs, O.Total.AluUops += St.AluUops;
    O.Total.AluLaneOps += St.AluLaneOps, O.Total.PaddingRowsWritten += St.PaddingRowsWritten;
    for (unsigned K = 0; K < isa::NumMemTypes; ++K)
      O.Total.BytesLoaded[K] += St.BytesLoaded[K], O.Total.BytesStored[K] += St.BytesStored[K];
    for (int K = 0; K < 4; ++K)
      O.Total.TokensPushed[K] += St.TokensPushed[K];
    O.Segments.push_back(std::move(Run));
  }
  for (const backend::ArtifactValue &V : A.Outputs) {
    auto It = Env.find(V.Name);
    if (It == Env.end())
      return makeError("model output '", V.Name, "' was not computed by any segment");
    NPU_TRY(checkRuntimeType(It->second.elemType()));
    O.Outputs.push_back(NamedTensor{V.Name, It->second});
  }
  return O;
}

} // namespace npu::runtime
