// The host and gpu targets of the conformance runner: models compiled by the LLVM JIT (or to PTX for a GPU),
// every data set run and compared with the stored outputs within the tolerances.
#include "npu/host/HostCheck.h"
#include "Program.h"

#include <algorithm>
#include <ostream>
#include <set>

namespace npu::host {

namespace fs = std::filesystem;
using check::TestResult;

namespace {

/// Graph inputs some node needs as a compile-time value.
std::set<ir::ValueId> parameterInputs(const ir::Graph &G) {
  std::set<ir::ValueId> R;
  for (const ir::Node &N : G.nodes())
    for (size_t I = 0; I < N.Inputs.size(); ++I)
      if (N.Inputs[I] != ir::NoValue && G.value(N.Inputs[I]).Kind == ir::ValueKind::Input &&
          inputNeedsValue(N.OpType, I))
        R.insert(N.Inputs[I]);
  return R;
}

bool sameSpecialization(const HostOptions &A, const HostOptions &B) {
  return A.SpecializeInputs.size() == B.SpecializeInputs.size() &&
         std::equal(A.SpecializeInputs.begin(), A.SpecializeInputs.end(), B.SpecializeInputs.begin(),
                    [](const auto &X, const auto &Y) { return X.first == Y.first && X.second == Y.second; });
}

void addStats(CodegenCounts &C, int Kernels, int FallbackNodes, const std::vector<std::string> &FallbackOps) {
  C.Kernels += Kernels;
  C.FallbackNodes += FallbackNodes;
  for (const std::string &Op : FallbackOps)
    ++C.FallbackOps[Op];
}

void printCounts(std::ostream &OS, const char *Target, const CodegenCounts &C, const char *FallbackTo) {
  OS << Target << ": " << C.Kernels << " generated kernels, " << C.FallbackNodes << " nodes on " << FallbackTo;
  if (!C.FallbackOps.empty()) {
    OS << " (";
    bool First = true;
    for (const auto &[Op, N] : C.FallbackOps) {
      OS << (First ? "" : ", ") << Op << " x" << N;
      First = false;
    }
    OS << ")";
  }
  OS << "\n";
}

/// A set's inputs and stored outputs, checked against the graph's input count.
Expected<std::pair<std::vector<ir::Tensor>, std::vector<ir::Tensor>>> readSet(const ir::Graph &G, const fs::path &Set,
                                                                              const MemoryLimit &Limit) {
  auto Ins = check::readDataSet(Set, "input", Limit);
  auto Outs = check::readDataSet(Set, "output", Limit);
  if (!Ins || !Outs)
    return Ins ? Outs.error() : Ins.error();
  if (Ins->size() != G.Inputs.size())
    return makeError(Set.filename().string(), ": ", Ins->size(), " inputs, the model takes ", G.Inputs.size());
  return std::pair{Ins.takeValue(), Outs.takeValue()};
}

} // namespace

TestResult HostExecutor::run(const check::TestFolder &T, check::TestLog &) {
  auto G = check::importForTest(T, Opts.Memory);
  if (!G)
    return TestResult::fromError(G.message());
  std::set<ir::ValueId> Params = parameterInputs(*G);
  std::unique_ptr<HostModel> Model;
  HostOptions Compiled = HostOpts;
  for (const fs::path &Set : T.Sets) {
    auto IO = readSet(*G, Set, Opts.Memory);
    if (!IO)
      return TestResult::fromError(IO.message());
    auto &[Ins, Outs] = *IO;
    HostOptions Want = HostOpts;
    for (size_t K = 0; K < G->Inputs.size(); ++K)
      if (Params.count(G->Inputs[K]))
        Want.SpecializeInputs[G->value(G->Inputs[K]).Name] = Ins[K];
    if (!Model || !sameSpecialization(Want, Compiled)) {
      auto M = compileHostModel(*G, Want);
      if (!M)
        return TestResult::fromError(M.message());
      Model = M.takeValue();
      Compiled = Want;
      addStats(Counts, Model->stats().Kernels, Model->stats().FallbackNodes, Model->stats().FallbackOps);
    }
    auto Got = Model->run(Ins);
    if (!Got)
      return TestResult::fromError(Set.filename().string() + ": " + Got.message());
    if (std::string Diff = check::compareOutputs(*Got, Outs, T, Set, Opts); !Diff.empty())
      return TestResult::fail(Diff);
  }
  return TestResult::pass();
}

void HostExecutor::summarize(std::ostream &OS, size_t) { printCounts(OS, "host", Counts, "the reference interpreter"); }

std::string GpuExecutor::skipReason() {
  Status S = cudaAvailable();
  return S ? "" : S.message();
}

TestResult GpuExecutor::run(const check::TestFolder &T, check::TestLog &) {
  auto G = check::importForTest(T, Opts.Memory);
  if (!G)
    return TestResult::fromError(G.message());
  auto Model = compileGpuModel(*G, GpuOpts);
  if (!Model)
    return TestResult::fromError(Model.message());
  addStats(Counts, (*Model)->stats().Kernels, (*Model)->stats().FallbackNodes, {});
  for (const fs::path &Set : T.Sets) {
    auto IO = readSet(*G, Set, Opts.Memory);
    if (!IO)
      return TestResult::fromError(IO.message());
    auto Got = (*Model)->run(IO->first);
    if (!Got)
      return TestResult::fromError(Set.filename().string() + ": " + Got.message());
    if (std::string Diff = check::compareOutputs(*Got, IO->second, T, Set, Opts); !Diff.empty())
      return TestResult::fail(Diff);
  }
  return TestResult::pass();
}

void GpuExecutor::summarize(std::ostream &OS, size_t) { printCounts(OS, "gpu", Counts, "the CPU"); }

} // namespace npu::host
