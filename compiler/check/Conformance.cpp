// Runs ONNX backend-test folders (model.onnx + test_data_set_*) through the importer and reference
// interpreter.
#include "npu/compiler/check/Conformance.h"
#include "npu/compiler/frontend/OnnxImporter.h"
#include "npu/compiler/frontend/TensorProto.h"
#include "npu/compiler/ref/Interpreter.h"

#include <algorithm>
#include <filesystem>
#include <ostream>

namespace npu::check {

namespace fs = std::filesystem;

namespace {

enum class Outcome { Pass, Fail, Unsupported };

struct Result {
  Outcome What;
  std::string Why;
};

bool isUnsupported(const std::string &Message) { return Message.find("unsupported") != std::string::npos; }

Result fromError(const std::string &Message) {
  return {isUnsupported(Message) ? Outcome::Unsupported : Outcome::Fail, Message};
}

/// The files Prefix_0.pb, Prefix_1.pb, ... of a data set, in order.
std::vector<fs::path> numbered(const fs::path &Dir, const std::string &Prefix) {
  std::vector<fs::path> R;
  for (int K = 0;; ++K) {
    fs::path P = Dir / (Prefix + "_" + std::to_string(K) + ".pb");
    if (!fs::exists(P))
      return R;
    R.push_back(P);
  }
}

Expected<std::vector<frontend::NamedTensor>> readAll(const std::vector<fs::path> &Files) {
  std::vector<frontend::NamedTensor> R;
  for (const fs::path &F : Files) {
    auto T = frontend::readTensorProtoFile(F.string());
    if (!T)
      return T.error();
    R.push_back(T.takeValue());
  }
  return R;
}

Result runTest(const fs::path &Dir, const CheckOptions &Opts) {
  std::vector<fs::path> Sets;
  for (const auto &E : fs::directory_iterator(Dir))
    if (E.is_directory() && E.path().filename().string().rfind("test_data_set_", 0) == 0)
      Sets.push_back(E.path());
  std::sort(Sets.begin(), Sets.end());
  if (Sets.empty())
    return {Outcome::Fail, "no test_data_set_* folder"};
  // input_K feeds the K-th graph input; its shape fixes any dynamic dims of that input.
  frontend::ImportOptions IO;
  std::string Model = (Dir / "model.onnx").string();
  auto FirstInputs = readAll(numbered(Sets[0], "input"));
  auto Names = frontend::onnxGraphInputs(Model);
  if (!FirstInputs || !Names) { // the import may say why better (e.g. a sequence input)
    auto G = frontend::importOnnx(Model, IO);
    return fromError(G ? (FirstInputs ? Names.message() : FirstInputs.message()) : G.message());
  }
  for (size_t K = 0; K < FirstInputs->size() && K < Names->size(); ++K)
    IO.InputShapes[(*Names)[K]] = (*FirstInputs)[K].Data.shape();
  auto G = frontend::importOnnx(Model, IO);
  if (!G)
    return fromError(G.message());
  for (const fs::path &Set : Sets) {
    auto Ins = readAll(numbered(Set, "input"));
    auto Outs = readAll(numbered(Set, "output"));
    if (!Ins || !Outs)
      return fromError(Ins ? Outs.message() : Ins.message());
    std::vector<ir::Tensor> Feed;
    for (auto &T : *Ins)
      Feed.push_back(std::move(T.Data));
    auto Got = ref::interpret(*G, Feed);
    if (!Got)
      return fromError(Set.filename().string() + ": " + Got.message());
    if (Got->size() != Outs->size())
      return {Outcome::Fail, Set.filename().string() + ": " + std::to_string(Got->size()) +
                                 " outputs, expected " + std::to_string(Outs->size())};
    for (size_t K = 0; K < Got->size(); ++K) {
      std::string Diff = compareTensors((*Got)[K], (*Outs)[K].Data, Opts);
      if (!Diff.empty())
        return {Outcome::Fail, (Sets.size() > 1 ? Set.filename().string() + ": " : std::string()) +
                                   "output " + std::to_string(K) + " " + Diff};
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

CheckCounts runCheckCounts(const std::vector<std::string> &Dirs, const CheckOptions &Opts, std::ostream &OS) {
  CheckCounts Counts;
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
      R = runTest(T, Opts);
    } catch (const std::exception &E) { // e.g. out of memory: report it and go on with the next test
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
  OS << Counts.Passed << " passed, " << Counts.Failed << " failed, " << Counts.Unsupported
     << " unsupported\n";
  return Counts;
}

int runCheck(const std::vector<std::string> &Dirs, const CheckOptions &Opts, std::ostream &OS) {
  CheckCounts C = runCheckCounts(Dirs, Opts, OS);
  return C.Failed == 0 && C.Passed + C.Unsupported > 0 ? 0 : 1;
}

} // namespace npu::check
