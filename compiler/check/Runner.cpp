// The conformance runner: finds ONNX backend-test folders, runs each on an Executor, prints verdicts and counts.
#include "npu/compiler/check/Runner.h"
#include "npu/compiler/frontend/TensorProto.h"

#include <algorithm>
#include <ostream>

namespace npu::check {

namespace fs = std::filesystem;

const char *outcomeWord(Outcome O) {
  switch (O) {
  case Outcome::Pass:
    return "PASS";
  case Outcome::Fail:
    return "FAIL";
  case Outcome::Unsupported:
    return "UNSUPPORTED";
  case Outcome::Skip:
    return "SKIP";
  }
  return "?";
}

const std::vector<OutOfScopeFeature> &outOfScopeList() {
  // Patterns are the importer's and the runtime's own error texts, so the list cannot drift from the code.
  static const std::vector<OutOfScopeFeature> List = {
      {"unsupported element type FLOAT8", "8-bit floating point (FLOAT8E4M3FN, FLOAT8E4M3FNUZ, FLOAT8E5M2, ...)"},
      {"unsupported element type FLOAT4E2M1", "4-bit floating point"},
      {"unsupported element type INT4", "4-bit integers"},
      {"unsupported element type UINT4", "4-bit integers"},
      {"unsupported element type INT2", "2-bit integers"},
      {"unsupported element type UINT2", "2-bit integers"},
      {"unsupported element type STRING", "strings"},
      {"unsupported element type COMPLEX", "complex numbers"},
      {"' is a sequence", "sequence values"},
      {"' is an optional", "optional values"},
      {"' is a map", "map values"},
      {"' is a sparse tensor", "sparse tensors"},
      {"unsupported: sparse initializers", "sparse tensors"},
      {"cannot cross the runtime interface", "npu: graph inputs and outputs of element types the NPU runtime "
                                             "interface does not carry (f16, f64, u16, u32, u64, ...)"},
      {"has int16 activations: compile it with an int8 config",
       "npu: models quantized to int8 by their author (QuantizeLinear, QLinear*) on a config with int16 "
       "activations"},
  };
  return List;
}

const OutOfScopeFeature *outOfScope(const std::string &Error) {
  for (const OutOfScopeFeature &F : outOfScopeList())
    if (Error.find(F.Pattern) != std::string::npos)
      return &F;
  return nullptr;
}

TestResult TestResult::fromError(std::string Why) {
  return {outOfScope(Why) ? Outcome::Unsupported : Outcome::Fail, std::move(Why)};
}

Expected<std::vector<ir::Tensor>> readDataSet(const fs::path &Set, const std::string &Prefix,
                                              const MemoryLimit &Limit) {
  std::vector<ir::Tensor> Out;
  for (int K = 0;; ++K) {
    fs::path P = Set / (Prefix + "_" + std::to_string(K) + ".pb");
    std::error_code Ec;
    if (!fs::exists(P, Ec))
      return Out;
    auto T = frontend::readTensorProtoFile(P.string(), Limit);
    if (!T)
      return T.error();
    Out.push_back(std::move(T->Data));
  }
}

void TestLog::note(const std::string &Line) {
  if (!Quiet)
    OS << "  " << Line << "\n";
}

void TestLog::line(const std::string &Line) {
  if (!Quiet)
    OS << Line << "\n";
}

Executor::~Executor() = default;

namespace {

std::vector<fs::path> dataSets(const fs::path &Dir) {
  std::vector<fs::path> Sets;
  std::error_code Ec;
  for (const fs::directory_entry &E : fs::directory_iterator(Dir, Ec))
    if (E.is_directory(Ec) && E.path().filename().string().rfind("test_data_set_", 0) == 0)
      Sets.push_back(E.path());
  std::sort(Sets.begin(), Sets.end());
  return Sets;
}

/// Folders holding model.onnx at or below Dir, sorted so the output order is stable.
void collect(const fs::path &Dir, std::vector<TestFolder> &Tests, std::vector<std::string> &Missing) {
  std::error_code Ec;
  if (!fs::is_directory(Dir, Ec)) {
    Missing.push_back(Dir.string());
    return;
  }
  if (fs::exists(Dir / "model.onnx", Ec)) {
    Tests.push_back({Dir, Dir.filename().string(), dataSets(Dir)});
    return;
  }
  std::vector<fs::path> Subs;
  for (const fs::directory_entry &E : fs::directory_iterator(Dir, Ec))
    if (E.is_directory(Ec))
      Subs.push_back(E.path());
  std::sort(Subs.begin(), Subs.end());
  for (const fs::path &S : Subs)
    collect(S, Tests, Missing);
}

TestResult runOne(Executor &E, const TestFolder &T, const std::string &Skip, TestLog &Log) {
  if (!Skip.empty())
    return {Outcome::Skip, Skip};
  if (T.Sets.empty())
    return TestResult::fail("no test_data_set_* folder");
  try {
    return E.run(T, Log);
  } catch (const std::exception &X) { // e.g. out of memory: report it and go on with the next test
    return TestResult::fail(std::string("internal error: ") + X.what());
  }
}

void count(CheckCounts &C, Outcome O) {
  (O == Outcome::Pass          ? C.Passed
   : O == Outcome::Fail        ? C.Failed
   : O == Outcome::Unsupported ? C.Unsupported
                               : C.Skipped) += 1;
}

} // namespace

Expected<CheckCounts> runConformance(const std::vector<std::string> &Dirs, Executor &E, const RunOptions &Opts,
                                     std::ostream &OS) {
  CheckCounts Counts;
  std::vector<TestFolder> Tests;
  std::vector<std::string> Missing;
  for (const std::string &D : Dirs)
    collect(D, Tests, Missing);
  std::erase_if(Tests, [&](const TestFolder &T) { return T.Name.find(Opts.Filter) == std::string::npos; });
  const std::string Skip = E.skipReason();
  if (Skip.empty())
    if (Status S = E.begin(Tests); !S)
      return S.error();
  for (const std::string &M : Missing) {
    OS << "FAIL " << M << ": not a folder\n";
    ++Counts.Failed;
  }
  TestLog Log(OS, Opts.Quiet);
  for (const TestFolder &T : Tests) {
    TestResult R = runOne(E, T, Skip, Log);
    count(Counts, R.What);
    if (R.What == Outcome::Fail || !Opts.Quiet)
      OS << outcomeWord(R.What) << " " << T.Name << (R.Why.empty() ? "" : ": ") << R.Why << "\n";
  }
  if (Skip.empty())
    E.summarize(OS, Tests.size());
  OS << Counts.Passed << " passed, " << Counts.Failed << " failed, " << Counts.Unsupported << " unsupported";
  if (Counts.Skipped)
    OS << ", " << Counts.Skipped << " skipped";
  OS << "\n";
  return Counts;
}

int exitStatus(const CheckCounts &C) {
  if (C.Failed == 0 && C.Passed > 0)
    return 0;
  return C.Failed == 0 && C.Skipped > 0 && C.Passed + C.Unsupported == 0 ? 77 : 1;
}

} // namespace npu::check
