// npuc check --target npu: every data set of an ONNX test folder through the compiled artifact on an NPU
// backend, compared bit for bit with the reference interpreter running the same quantized graph.
#include "CheckNpu.h"
#include "Command.h"
#include "FidelityCost.h"

#include "npu/backend/Compile.h"
#include "npu/compiler/check/Fidelity.h"
#include "npu/compiler/frontend/LoadModel.h"
#include "npu/compiler/passes/PassManager.h"
#include "npu/compiler/ref/Interpreter.h"
#include "npu/runtime/ModelRunner.h"

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <sstream>

namespace npuc {

using namespace npu;
namespace fs = std::filesystem;

namespace {

int64_t argmax(const ir::Tensor &T) {
  int64_t Best = 0;
  for (int64_t I = 1; I < T.numElements(); ++I)
    if (T.getDouble(I) > T.getDouble(Best))
      Best = I;
  return Best;
}

/// "" when the NPU output equals the reference interpreter's bit for bit, else the first difference.
std::string bitDifference(const ir::Tensor &Got, const ir::Tensor &Ref) {
  if (Got.byteSize() != Ref.byteSize())
    return "size " + std::to_string(Got.byteSize()) + " bytes, reference " + std::to_string(Ref.byteSize());
  if (Got.byteVector() == Ref.byteVector())
    return "";
  ir::Tensor G(Ref.elemType(), Ref.shape(), Got.byteVector());
  int64_t Differ = 0, First = -1;
  for (int64_t I = 0; I < Ref.numElements(); ++I)
    if (G.getDouble(I) != Ref.getDouble(I) ||
        std::signbit(G.getDouble(I)) != std::signbit(Ref.getDouble(I))) {
      Differ += 1;
      if (First < 0)
        First = I;
    }
  std::ostringstream OS;
  OS << Differ << " of " << Ref.numElements() << " elements differ";
  if (First >= 0)
    OS << ", first at " << First << ": npu " << G.getDouble(First) << ", reference " << Ref.getDouble(First);
  return OS.str();
}

struct FolderResult {
  check::TestResult Verdict;
  int Sets = 0, Top1Compared = 0, Top1Equal = 0;
  bool UsedNpu = false; ///< the compiled model had at least one NPU segment
  double WorstSqnr = INFINITY, WorstCos = INFINITY; ///< over the outputs of the sets the thresholds judge
  std::string WorstSqnrAt, WorstCosAt;
  bool JudgedCalibSets = false; ///< every set was a calibration set, so they were judged
};

/// The canonical form of a path, for comparing folders named in different ways.
std::string canonicalName(const fs::path &P) {
  std::error_code Ec;
  fs::path C = fs::weakly_canonical(P, Ec);
  return (Ec ? P : C).string();
}

class FolderCheck {
public:
  FolderCheck(const check::TestFolder &T, const NpuCheckOptions &Opts, const HardwareConfig &C, check::TestLog &Log)
      : Dir(T.Dir), Sets(T.Sets), Opts(Opts), C(C), Log(Log) {}

  FolderResult run() {
    const std::string Model = (Dir / "model.onnx").string();
    frontend::ImportOptions IO;
    IO.Memory = Opts.Memory;
    auto G = frontend::loadModel(Model, IO);
    if (!G)
      return error("import: " + G.message());
    auto Dev = runtime::makeDevice(Opts.Backend, C);
    if (!Dev)
      return fail(Dev.message());
    if (Opts.CrossValidate && Sets.size() < 2)
      return fail("--cross-validate needs at least two data sets, found " + std::to_string(Sets.size()));
    // Cross-validation compiles once per set, calibrated on the others; else once, on --calib or every set.
    const size_t Rounds = Opts.CrossValidate ? Sets.size() : 1;
    for (size_t Round = 0; Round < Rounds; ++Round) {
      std::vector<std::string> Calib;
      if (Opts.CrossValidate) {
        for (size_t K = 0; K < Sets.size(); ++K)
          if (K != Round)
            Calib.push_back(Sets[K].string());
      } else {
        Calib = Opts.Quant.CalibDirs.empty() ? std::vector<std::string>{Dir.string()} : Opts.Quant.CalibDirs;
      }
      ir::Graph Q = *G;
      passes::PassOptions PO = Opts.Quant;
      PO.Config = &C;
      PO.CalibDirs = Calib;
      passes::PipelineOptions Pipe;
      if (Status S = passes::runPipeline(Q, passes::defaultPipeline("npu"), PO, Pipe); !S)
        return error("npu pipeline: " + S.message());
      // The fidelity options' price, once per model: from the first compile, against the default quantization
      // on the same calibration sets.
      const bool Price = Round == 0 && hasFidelityOptions(PO);
      backend::ModelCost Cost;
      auto A = artifact(Q, Price ? &Cost : nullptr);
      if (!A)
        return fail(A.message());
      if (Price) {
        std::string Line = fidelityCostLine(*G, PO, C, backend::CompileOptions(), Cost);
        note(Line.substr(0, Line.size() - 1)); // a log line ends without its newline
      }
      std::vector<bool> Held(Sets.size());
      for (size_t K = 0; K < Sets.size(); ++K)
        Held[K] = Opts.CrossValidate ? K == Round : !isCalibSet(Sets[K], Calib);
      const bool AnyHeld = std::count(Held.begin(), Held.end(), true) > 0;
      R.JudgedCalibSets = !AnyHeld;
      for (size_t K = 0; K < Sets.size(); ++K) {
        if (Opts.CrossValidate && K != Round)
          continue;
        if (Status S = runSet(Q, *A, **Dev, Sets[K], Held[K] || !AnyHeld, Held[K]); !S)
          return fail(Sets[K].filename().string() + ": " + S.message());
        if (!NoRuntimeType.empty())
          return error(Sets[K].filename().string() + ": " + NoRuntimeType);
      }
    }
    if (!Mismatch.empty())
      return fail(Mismatch);
    if (!BelowThreshold.empty())
      return fail(BelowThreshold);
    return R;
  }

private:
  /// An import, pipeline or runtime error: UNSUPPORTED when on the out-of-scope list, else FAIL.
  FolderResult error(const std::string &Why) {
    R.Verdict = check::TestResult::fromError(Why);
    return R;
  }
  FolderResult fail(const std::string &Why) {
    R.Verdict = check::TestResult::fail(Why);
    return R;
  }
  void note(const std::string &Line) { Log.note(Line); }

  /// Set was calibrated on: named by a --calib folder, or inside one (the test folder itself).
  static bool isCalibSet(const fs::path &Set, const std::vector<std::string> &Calib) {
    const std::string S = canonicalName(Set), Parent = canonicalName(Set.parent_path());
    return std::any_of(Calib.begin(), Calib.end(), [&](const std::string &D) {
      std::string Cd = canonicalName(D);
      return Cd == S || Cd == Parent;
    });
  }

  /// The fidelity of every output of one set against the stored fp32 outputs, one line each; Judge applies
  /// --min-sqnr / --min-cos.
  void fidelity(const std::vector<ir::NamedTensor> &Got, const std::vector<ir::Tensor> &Fp32,
                const std::vector<ir::Tensor> &Ref, const std::string &SetName, bool Judge) {
    for (size_t K = 0; K < Fp32.size() && K < Ref.size() && K < Got.size(); ++K) {
      const ir::Tensor &E = Fp32[K];
      if (!ir::isFloatType(E.elemType()) || E.numElements() != Ref[K].numElements() ||
          Got[K].Data.byteSize() != Ref[K].byteSize())
        continue;
      check::Fidelity F =
          check::measureFidelity(ir::Tensor(Ref[K].elemType(), Ref[K].shape(), Got[K].Data.byteVector()), E);
      const std::string Where = SetName + " output_" + std::to_string(K);
      note("  output_" + std::to_string(K) + ": " + check::formatFidelity(F));
      if (!Judge)
        continue;
      if (F.SqnrDb < R.WorstSqnr)
        R.WorstSqnr = F.SqnrDb, R.WorstSqnrAt = Where;
      if (F.Cosine < R.WorstCos)
        R.WorstCos = F.Cosine, R.WorstCosAt = Where;
      std::ostringstream Why;
      Why.precision(4);
      if (Opts.MinSqnr && F.SqnrDb < *Opts.MinSqnr)
        Why << Where << ": SQNR " << F.SqnrDb << " dB against fp32, below --min-sqnr " << *Opts.MinSqnr;
      else if (Opts.MinCos && F.Cosine < *Opts.MinCos)
        Why << Where << ": cosine " << F.Cosine << " against fp32, below --min-cos " << *Opts.MinCos;
      if (BelowThreshold.empty() && !Why.str().empty())
        BelowThreshold = Why.str();
    }
  }

  /// The check's own compilation, or --artifact when given (saying whether it is the same bytes). Cost, when
  /// given, receives the cost model's estimate of the check's own compilation.
  Expected<backend::ModelArtifact> artifact(const ir::Graph &G, backend::ModelCost *Cost) {
    auto CR = backend::compileModel(G, C);
    if (!CR)
      return CR.error().withContext("compile");
    if (Cost)
      *Cost = backend::estimateModelCost(CR->Artifact);
    size_t OnNpu = std::count_if(CR->Placements.begin(), CR->Placements.end(),
                                 [](const backend::NodePlacement &P) { return P.Npu; });
    size_t NpuSegments =
        std::count_if(CR->Artifact.Segments.begin(), CR->Artifact.Segments.end(),
                      [](const backend::ArtifactSegment &S) { return S.K == backend::ArtifactSegment::Npu; });
    R.UsedNpu = NpuSegments > 0;
    note("compiled for " + C.Name + ": " + std::to_string(OnNpu) + " of " +
         std::to_string(CR->Placements.size()) + " nodes on the NPU, " +
         std::to_string(CR->Artifact.Segments.size()) + " segments (" + std::to_string(NpuSegments) +
         " npu)");
    auto Bytes = backend::writeModelArtifact(CR->Artifact);
    if (!Bytes)
      return Bytes.error();
    if (Opts.Artifact.empty())
      return backend::readModelArtifact(*Bytes, (Dir / "model.onnx").string());
    std::ifstream In(Opts.Artifact, std::ios::binary);
    if (!In)
      return makeError(Opts.Artifact, ": cannot open");
    std::vector<uint8_t> Given((std::istreambuf_iterator<char>(In)), std::istreambuf_iterator<char>());
    note(Opts.Artifact + (Given == *Bytes ? ": byte-identical to this compilation, running it"
                                          : ": DIFFERS from this compilation (other calibration data or "
                                            "compiler?), running it anyway"));
    return backend::readModelArtifact(Given, Opts.Artifact);
  }

  Status runSet(const ir::Graph &G, const backend::ModelArtifact &A, runtime::Device &Dev, const fs::path &Set,
                bool Judge, bool HeldOut) {
    auto Inputs = check::readDataSet(Set, "input", Opts.Memory);
    if (!Inputs)
      return Inputs.status();
    auto Ref = ref::interpret(G, *Inputs, Opts.Memory);
    if (!Ref)
      return Ref.status().withContext("reference interpreter");
    std::vector<std::optional<ir::NamedTensor>> In;
    for (size_t K = 0; K < Inputs->size() && K < G.Inputs.size(); ++K) {
      // Element types the runtime does not carry (u16, f16, ...) are outside what an NPU model takes in.
      if (Status S = runtime::checkRuntimeType((*Inputs)[K].elemType()); !S) {
        NoRuntimeType = S.message();
        return Status::ok();
      }
      In.push_back(ir::NamedTensor{G.value(G.Inputs[K]).Name, (*Inputs)[K]});
    }
    runtime::ModelRunOptions MO;
    MO.Memory = Opts.Memory;
    auto Got = runtime::runModel(&Dev, A, In, MO);
    if (!Got)
      return Got.status().withContext(Opts.Backend);
    auto Fp32 = check::readDataSet(Set, "output", Opts.Memory);
    if (!Fp32)
      return Fp32.status();
    R.Sets += 1;
    std::string Line = Set.filename().string() + (HeldOut ? " (held out): " : " (calibration set): ");
    std::string Diff;
    for (size_t K = 0; K < Ref->size() && Diff.empty(); ++K)
      if (K >= Got->Outputs.size())
        Diff = "output_" + std::to_string(K) + " missing";
      else if (std::string D = bitDifference(Got->Outputs[K].Data, (*Ref)[K]); !D.empty())
        Diff = "output_" + std::to_string(K) + ": " + D;
    const ir::Tensor &Out0 = (*Ref)[0];
    bool Scores = check::isScoreRow(Out0) && !Fp32->empty() && (*Fp32)[0].numElements() == Out0.numElements();
    if (Scores) {
      int64_t Npu = argmax(Out0), Float = argmax((*Fp32)[0]);
      Line += "class " + std::to_string(Npu) + " (fp32 class " + std::to_string(Float) +
              (Npu == Float ? ")" : ", DIFFERENT)");
      R.Top1Compared += 1, R.Top1Equal += Npu == Float;
    }
    Line +=
        std::string(Scores ? ", " : "") + (Diff.empty() ? "bit-identical to the reference interpreter"
                                                        : "MISMATCH with the reference interpreter: " + Diff);
    note(Line);
    fidelity(Got->Outputs, *Fp32, *Ref, Set.filename().string(), Judge);
    if (!Diff.empty() && Mismatch.empty())
      Mismatch = Set.filename().string() + ": " + Diff;
    return Status::ok();
  }

  fs::path Dir;
  const std::vector<fs::path> &Sets;
  const NpuCheckOptions &Opts;
  const HardwareConfig &C;
  check::TestLog &Log;
  FolderResult R;
  std::string Mismatch, NoRuntimeType, BelowThreshold;
};

} // namespace

Status NpuExecutor::begin(const std::vector<check::TestFolder> &Tests) {
  // An unknown or unbuilt backend is one error up front, not one failure per folder.
  if (auto D = runtime::makeDevice(Opts.Backend, C); !D)
    return D.status();
  if (!Opts.Artifact.empty() && Tests.size() != 1)
    return makeError("usage: --artifact needs exactly one test folder, found ", Tests.size());
  return Status::ok();
}

check::TestResult NpuExecutor::run(const check::TestFolder &T, check::TestLog &Log) {
  Log.line(T.Name + " (config " + C.Name + ", backend " + Opts.Backend + ")");
  FolderResult R = FolderCheck(T, Opts, C, Log).run();
  Top1Compared += R.Top1Compared, Top1Equal += R.Top1Equal, UsedNpu += R.UsedNpu;
  if (R.Verdict.What != check::Outcome::Pass)
    return R.Verdict;
  std::ostringstream OS;
  OS << R.Sets << " data sets bit-identical to the reference interpreter";
  if (std::isfinite(R.WorstCos))
    OS << "; against fp32 on the " << (R.JudgedCalibSets ? "calibration" : "held-out") << " sets: worst SQNR "
       << R.WorstSqnr << " dB (" << R.WorstSqnrAt << "), worst cos " << R.WorstCos << " (" << R.WorstCosAt << ")";
  return check::TestResult::pass(OS.str());
}

void NpuExecutor::summarize(std::ostream &OS, size_t NumTests) {
  if (NumTests > 1)
    OS << UsedNpu << " of " << NumTests << " models compiled with NPU segments\n";
  if (Top1Compared)
    OS << "top-1 equal to fp32 on " << Top1Equal << " of " << Top1Compared << " data sets\n";
}

} // namespace npuc
