// Host-path conformance runner: ONNX backend-test folders through the importer, compileHostModel and a compare.
#include "npu/host/HostCheck.h"
#include "Program.h"
#include "npu/compiler/frontend/OnnxImporter.h"
#include "npu/compiler/frontend/TensorProto.h"

#include <algorithm>
#include <filesystem>
#include <ostream>
#include <set>

namespace npu::host {

namespace fs = std::filesystem;

namespace {

enum class Outcome { Pass, Fail, Unsupported };

struct Result {
  Outcome What;
  std::string Why;
};

Result fromError(const std::string &Message) {
  return {Message.find("unsupported") != std::string::npos ? Outcome::Unsupported : Outcome::Fail, Message};
}

std::vector<fs::path> numbered(const fs::path &Dir, const std::string &Prefix) {
  std::vector<fs::path> R;
  for (int K = 0;; ++K) {
    fs::path P = Dir / (Prefix + "_" + std::to_string(K) + ".pb");
    if (!fs::exists(P))
      return R;
    R.push_back(P);
  }
}

Expected<std::vector<ir::Tensor>> readAll(const std::vector<fs::path> &Files, std::vector<std::string> *Names) {
  std::vector<ir::Tensor> R;
  for (const fs::path &F : Files) {
    auto T = frontend::readTensorProtoFile(F.string());
    if (!T)
      return T.error();
    if (Names)
      Names->push_back(T->Name);
    R.push_back(std::move(T->Data));
  }
  return R;
}

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

Result runTest(const fs::path &Dir, const check::CheckOptions &Opts, const HostOptions &HostOpts,
               HostCheckCounts &Counts) {
  std::vector<fs::path> Sets;
  for (const auto &E : fs::directory_iterator(Dir))
    if (E.is_directory() && E.path().filename().string().rfind("test_data_set_", 0) == 0)
      Sets.push_back(E.path());
  std::sort(Sets.begin(), Sets.end());
  if (Sets.empty())
    return {Outcome::Fail, "no test_data_set_* folder"};
  frontend::ImportOptions IO;
  std::vector<std::string> Names;
  auto First = readAll(numbered(Sets[0], "input"), &Names);
  if (!First) {
    auto G = frontend::importOnnx((Dir / "model.onnx").string(), IO);
    return fromError(G ? First.message() : G.message());
  }
  for (size_t K = 0; K < First->size(); ++K)
    if (!Names[K].empty())
      IO.InputShapes[Names[K]] = (*First)[K].shape();
  auto G = frontend::importOnnx((Dir / "model.onnx").string(), IO);
  if (!G)
    return fromError(G.message());
  std::set<ir::ValueId> Params = parameterInputs(*G);
  std::unique_ptr<HostModel> Model;
  HostOptions Compiled = HostOpts;
  for (const fs::path &Set : Sets) {
    auto Ins = readAll(numbered(Set, "input"), nullptr);
    auto Outs = readAll(numbered(Set, "output"), nullptr);
    if (!Ins || !Outs)
      return fromError(Ins ? Outs.message() : Ins.message());
    if (Ins->size() != G->Inputs.size())
      return {Outcome::Fail, Set.filename().string() + ": " + std::to_string(Ins->size()) + " inputs, the model takes " +
                                 std::to_string(G->Inputs.size())};
    HostOptions Want = HostOpts;
    for (size_t K = 0; K < G->Inputs.size(); ++K)
      if (Params.count(G->Inputs[K]))
        Want.SpecializeInputs[G->value(G->Inputs[K]).Name] = (*Ins)[K];
    bool Same = Model && Want.SpecializeInputs.size() == Compiled.SpecializeInputs.size() &&
                std::equal(Want.SpecializeInputs.begin(), Want.SpecializeInputs.end(),
                           Compiled.SpecializeInputs.begin(),
                           [](const auto &A, const auto &B) { return A.first == B.first && A.second == B.second; });
    if (!Same) {
      auto M = compileHostModel(*G, Want);
      if (!M)
        return fromError(M.message());
      Model = M.takeValue();
      Compiled = Want;
      Counts.Kernels += Model->stats().Kernels;
      Counts.FallbackNodes += Model->stats().FallbackNodes;
      for (const std::string &Op : Model->stats().FallbackOps)
        ++Counts.FallbackOps[Op];
    }
    auto Got = Model->run(*Ins);
    if (!Got)
      return fromError(Set.filename().string() + ": " + Got.message());
    if (Got->size() != Outs->size())
      return {Outcome::Fail, Set.filename().string() + ": " + std::to_string(Got->size()) + " outputs, expected " +
                                 std::to_string(Outs->size())};
    for (size_t K = 0; K < Got->size(); ++K) {
      std::string Diff = check::compareTensors((*Got)[K], (*Outs)[K], Opts);
      if (!Diff.empty())
        return {Outcome::Fail, (Sets.size() > 1 ? Set.filename().string() + ": " : std::string()) + "output " +
                                   std::to_string(K) + " " + Diff};
    }
  }
  return {Outcome::Pass, ""};
}

void collect(const fs::path &Dir, std::vector<fs::path> &Tests, std::vector<std::string> &Missing) {
  std::error_code EC;
  if (!fs::is_directory(Dir, EC)) {
    Missing.push_back(Dir.string());
    return;
  }
  if (fs::exists(Dir / "model.onnx")) {
    Tests.push_back(Dir);
    return;
  }
  std::vector<fs::path> Subs;
  for (const auto &E : fs::directory_iterator(Dir, EC))
    if (E.is_directory())
      Subs.push_back(E.path());
  std::sort(Subs.begin(), Subs.end());
  for (const fs::path &S : Subs)
    collect(S, Tests, Missing);
}

} // namespace

HostCheckCounts runHostCheckCounts(const std::vector<std::string> &Dirs, const check::CheckOptions &Opts,
                                   const HostOptions &HostOpts, std::ostream &OS) {
  HostCheckCounts Counts;
  std::vector<fs::path> Tests;
  std::vector<std::string> Missing;
  for (const std::string &D : Dirs)
    collect(D, Tests, Missing);
  for (const std::string &M : Missing) {
    OS << "FAIL " << M << ": not a folder\n";
    ++Counts.Failed;
  }
  for (const fs::path &T : Tests) {
    std::string Name = T.filename().string();
    if (!Opts.Filter.empty() && Name.find(Opts.Filter) == std::string::npos)
      continue;
    Result R;
    try {
      R = runTest(T, Opts, HostOpts, Counts);
    } catch (const std::exception &E) {
      R = {Outcome::Fail, std::string("internal error: ") + E.what()};
    }
    switch (R.What) {
    case Outcome::Pass:
      ++Counts.Passed;
      if (!Opts.Quiet)
        OS << "PASS " << Name << "\n";
      break;
    case Outcome::Fail:
      ++Counts.Failed;
      OS << "FAIL " << Name << ": " << R.Why << "\n";
      break;
    case Outcome::Unsupported:
      ++Counts.Unsupported;
      if (!Opts.Quiet)
        OS << "UNSUPPORTED " << Name << ": " << R.Why << "\n";
      break;
    }
  }
  OS << Counts.Passed << " passed, " << Counts.Failed << " failed, " << Counts.Unsupported << " unsupported\n";
  OS << "host: " << Counts.Kernels << " generated kernels, " << Counts.FallbackNodes
     << " nodes on the reference interpreter";
  if (!Counts.FallbackOps.empty()) {
    OS << " (";
    bool FirstOp = true;
    for (const auto &[Op, N] : Counts.FallbackOps) {
      OS << (FirstOp ? "" : ", ") << Op << " x" << N;
      FirstOp = false;
    }
    OS << ")";
  }
  OS << "\n";
  return Counts;
}

int runHostCheck(const std::vector<std::string> &Dirs, const check::CheckOptions &Opts, const HostOptions &HostOpts,
                 std::ostream &OS) {
  HostCheckCounts C = runHostCheckCounts(Dirs, Opts, HostOpts, OS);
  return C.Failed == 0 && C.Passed + C.Unsupported > 0 ? 0 : 1;
}

} // namespace npu::host
