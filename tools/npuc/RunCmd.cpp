// npuc run: execute a .npub program on a backend with tensors from/to ONNX TensorProto files.
#include "Command.h"
#include "HostRun.h"
#include "MemoryOption.h"

#include "npu/codesign/Tech.h"
#include "npu/compiler/ir/Compare.h"
#include "npu/runtime/Binding.h"
#include "npu/runtime/HostProfile.h"
#include "npu/runtime/LayerReport.h"
#include "npu/runtime/ModelLatency.h"
#include "npu/runtime/ModelRunner.h"
#include "npu/runtime/Runner.h"
#include "npu/runtime/TensorProto.h"

#include <algorithm>
#include <cctype>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>

namespace npuc {

using namespace npu;
using namespace npu::runtime;

namespace {

std::string joinPath(const std::string &Dir, const std::string &File) {
  return (std::filesystem::path(Dir) / File).string();
}

/// Prints which inputs came from files and which kept the program's embedded data.
void reportInputs(const isa::Program &P, const RunOutcome &R, const std::string &Dir) {
  std::vector<const isa::TensorBinding *> Inputs = inputBindings(P);
  for (size_t I = 0; I < Inputs.size(); ++I) {
    const isa::TensorBinding &B = *Inputs[I];
    std::cout << "input_" << I << " " << B.Name << " " << B.DType << " " << ir::formatShape(B.Shape) << ": ";
    if (R.InputSources[I])
      std::cout << "from " << joinPath(Dir, "input_" + std::to_string(*R.InputSources[I]) + ".pb") << "\n";
    else
      std::cout << "not given, keeping the program's embedded data\n";
  }
}

Status writeOutputs(const RunOutcome &R, const std::string &Dir) {
  std::error_code Ec;
  std::filesystem::create_directories(Dir, Ec);
  if (Ec)
    return makeError(Dir, ": cannot create the output directory: ", Ec.message());
  for (size_t K = 0; K < R.Outputs.size(); ++K)
    NPU_TRY(writeTensorProto(R.Outputs[K], joinPath(Dir, "output_" + std::to_string(K) + ".pb")));
  return Status::ok();
}

/// Prints "output_K WHAT: " and how output K compares with Dir/output_K.pb; false unless it matches.
bool compareOutput(const NamedTensor &Got, size_t K, const std::string &What, const std::string &Dir) {
  std::cout << "output_" << K << " " << What << ": ";
  auto Expected = readTensorProto(joinPath(Dir, "output_" + std::to_string(K) + ".pb"));
  if (!Expected) {
    std::cout << "no reference: " << Expected.message() << "\n";
    return false;
  }
  ir::CompareResult C = ir::compareTensors(Got.Data, Expected->Data);
  std::cout << (C.Match ? "" : "MISMATCH: ") << C.summary() << "\n";
  return C.Match;
}

/// Prints one line per output; returns the number of outputs that differ or could not be compared.
size_t compareOutputs(const isa::Program &P, const RunOutcome &R, const std::string &Dir) {
  std::vector<const isa::TensorBinding *> Outputs = outputBindings(P);
  size_t Failed = 0;
  for (size_t K = 0; K < R.Outputs.size(); ++K) {
    const isa::TensorBinding &B = *Outputs[K];
    Failed += !compareOutput(
        R.Outputs[K], K, B.Name + " " + dtypeName(R.Outputs[K].Data.elemType()) + " " + ir::formatShape(B.Shape), Dir);
  }
  return Failed;
}

std::string formatMs(double Ms) {
  char Buf[32];
  std::snprintf(Buf, sizeof(Buf), "%.3f ms", Ms);
  return Buf;
}

Expected<std::vector<uint8_t>> readFileBytes(const std::string &Path) {
  std::ifstream In(Path, std::ios::binary);
  if (!In)
    return makeError(Path, ": cannot open");
  return std::vector<uint8_t>((std::istreambuf_iterator<char>(In)), std::istreambuf_iterator<char>());
}

bool writeTextFile(const std::string &Path, const std::string &Text) {
  std::ofstream OS(Path, std::ios::binary | std::ios::trunc);
  OS << Text;
  OS.close();
  return bool(OS);
}

/// The tensors of --inputs DIR (input_K.pb), none without the flag.
Expected<std::vector<std::optional<NamedTensor>>> inputsOption(const Args &A) {
  if (!A.has("--inputs"))
    return std::vector<std::optional<NamedTensor>>{};
  return readTensorDir(A.get("--inputs"), "input");
}

/// --vcd FILE or --fst FILE: the waveform the rtl backend writes.
struct WaveformRequest {
  std::string Format, Path; ///< Format "vcd" or "fst"; empty without a request
  bool wanted() const { return !Format.empty(); }
};

/// The waveform file of a model artifact's NPU segment: FILE with ".SEGMENT" before its extension
/// (m.vcd -> m.npu1.vcd), characters other than letters, digits, '-' and '_' of the name made '_'.
std::string segmentWaveformPath(const std::string &File, const std::string &Segment) {
  std::string Name = Segment;
  for (char &Ch : Name)
    if (!std::isalnum(static_cast<unsigned char>(Ch)) && Ch != '-' && Ch != '_')
      Ch = '_';
  std::filesystem::path P(File);
  return (P.parent_path() / (P.stem().string() + "." + Name + P.extension().string())).string();
}

/// A model artifact's NPU segments on a device with one waveform each: the runner runs them in the artifact's
/// order, so the K-th program the device runs is the K-th NPU segment.
class SegmentWaveforms : public Device {
public:
  SegmentWaveforms(Device &D, const backend::ModelArtifact &M, WaveformRequest W) : D(D), W(std::move(W)) {
    for (const backend::ArtifactSegment &S : M.Segments)
      if (S.K == backend::ArtifactSegment::Npu)
        Segments.push_back(S.Name);
  }
  std::string name() const override { return D.name(); }
  Expected<DeviceResult> run(const isa::Program &P, std::vector<uint8_t> &Dram) override {
    const std::string Segment = Next < Segments.size() ? Segments[Next] : "npu" + std::to_string(Next);
    ++Next;
    const std::string Path = segmentWaveformPath(W.Path, Segment);
    NPU_TRY(D.enableWaveform(Path, W.Format));
    Written.push_back({Segment, Path});
    return D.run(P, Dram);
  }
  Status enableTrace() override { return D.enableTrace(); }
  /// (segment, file) of every NPU segment run so far.
  std::vector<std::pair<std::string, std::string>> Written;

private:
  Device &D;
  WaveformRequest W;
  std::vector<std::string> Segments;
  size_t Next = 0;
};

/// The --stats JSON with the run's energy (docs/codesign.md) added as its last member, "energy", from the
/// operation counts and the --tech file (configs/tech/45nm.yaml by default).
Expected<std::string> withEnergy(const Args &A, const std::string &Json, const sim::SimStats &Counts,
                                 const HardwareConfig &C) {
  auto Tech = A.has("--tech") ? codesign::loadTech(A.get("--tech"))
                              : Expected<codesign::TechModel>(codesign::defaultTech());
  if (!Tech)
    return Tech.error();
  return codesign::addJsonMember(Json, "energy", codesign::runEnergy(Counts, C, *Tech).toJson(*Tech));
}

/// Writes the --stats file: Json with the energy of Counts.
int writeStats(const Args &A, const std::string &Json, const sim::SimStats &Counts, const HardwareConfig &C) {
  auto Text = withEnergy(A, Json, Counts, C);
  if (!Text)
    return fail(Text.message());
  if (!writeTextFile(A.get("--stats"), *Text + "\n"))
    return fail(A.get("--stats") + ": cannot write the statistics file");
  return ExitOk;
}

/// What a model artifact's run reports beyond the outputs: --repeat, --host-gflops and --profile.
struct ModelRunRequest {
  int Repeat = 1;
  std::optional<double> HostGflops; ///< model host time as FLOPs / G instead of measuring it
  bool Profile = false;
};

/// The request from the flags; usage errors start with "usage: ".
Expected<ModelRunRequest> modelRunRequest(const Args &A) {
  ModelRunRequest Q;
  if (A.has("--repeat")) {
    double N = 0;
    if (!parseNumber(A.get("--repeat"), N) || N < 1 || N > 1e6 || N != double(int(N)))
      return makeError("usage: --repeat must be a whole number of runs (1 or more), got '", A.get("--repeat"), "'");
    Q.Repeat = int(N);
  }
  if (A.has("--host-gflops")) {
    double G = 0;
    if (!parseNumber(A.get("--host-gflops"), G) || G <= 0)
      return makeError("usage: --host-gflops must be a positive number of GFLOP/s, got '", A.get("--host-gflops"),
                       "'");
    Q.HostGflops = G;
  }
  Q.Profile = A.has("--profile");
  // Only the LLVM JIT times its steps (npu::host::HostModel::profile()).
  if (Q.Profile && (A.get("--backend") == "gpu" || A.get("--host-backend", "jit") != "jit"))
    return makeError("usage: --profile needs the LLVM JIT (--backend host, or --host-backend jit)");
  return Q;
}

/// The --stats JSON of a model run with its "latency" member and, with --profile, "host_profile".
std::string modelStatsJson(std::string Json, const ModelLatency &L, const HostProfile *Prof) {
  Json = codesign::addJsonMember(Json, "latency", L.toJson());
  return Prof ? codesign::addJsonMember(Json, "host_profile", Prof->toJson()) : Json;
}

/// A model run's timing (systemc, rtl): the cycles, unit and layer table, and the --stats and --trace files;
/// the operation counts alone for --stats on backends without timing. Both with the model's latency L.
int reportModelTiming(const Args &A, const backend::ModelArtifact &M, const ModelOutcome &R, const ModelLatency &L,
                      const HostProfile *Prof) {
  if (!hasTiming(R)) {
    if (A.has("--stats"))
      if (int E = writeStats(A, modelStatsJson(R.Total.toJson(M.Config), L, Prof), R.Total, M.Config))
        return E;
    if (A.has("--trace"))
      return fail(A.Positional[0] + ": --trace: no NPU segment ran, so there is nothing to trace");
    return ExitOk;
  }
  auto T = modelTiming(R);
  if (!T)
    return fail(A.Positional[0] + ": " + T.message());
  std::cout << T->summary(M.Config);
  if (A.has("--stats")) {
    const std::string Json = timingStatsJson(*T, M.Config, A.get("--backend", "func"));
    if (int E = writeStats(A, modelStatsJson(Json, L, Prof), T->Counts, M.Config))
      return E;
  }
  if (A.has("--trace")) {
    auto Trace = modelTraceJson(M, R, L);
    if (!Trace)
      return fail(A.Positional[0] + ": " + Trace.message());
    if (!writeTextFile(A.get("--trace"), *Trace))
      return fail(A.get("--trace") + ": cannot write the trace file");
  }
  return ExitOk;
}

/// The first output of Now that differs from Before's (type, shape or bytes), or -1.
int firstDifferentOutput(const ModelOutcome &Before, const ModelOutcome &Now) {
  for (size_t K = 0; K < Before.Outputs.size(); ++K) {
    if (Before.Outputs[K].Data != Now.Outputs[K].Data)
      return int(K);
  }
  return -1;
}

/// The last of Repeat runs and each run's wall time, inputs to outputs, without compiling host code (the
/// executor keeps what it prepared, so only the first run compiles, and that time is left out). Every run must
/// give the outputs of the first, bit for bit.
struct RepeatedRun {
  ModelOutcome Last;
  std::vector<double> WallMs;
};

Expected<RepeatedRun> runRepeated(Device *D, const backend::ModelArtifact &M,
                                  const std::vector<std::optional<NamedTensor>> &Inputs, ModelRunOptions Opts,
                                  int Repeat) {
  Opts.Host = reusingHostExecutor(std::move(Opts.Host));
  RepeatedRun Out;
  std::optional<ModelOutcome> First;
  for (int K = 0; K < Repeat; ++K) {
    const auto T0 = std::chrono::steady_clock::now();
    auto R = runModel(D, M, Inputs, Opts);
    double Ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - T0).count();
    if (!R)
      return R.error();
    for (const SegmentRun &S : R->Segments)
      Ms -= S.PrepareMs;
    Out.WallMs.push_back(Ms);
    if (!First) {
      First = *R;
    } else if (int Differs = firstDifferentOutput(*First, *R); Differs >= 0) {
      return makeError("run ", K + 1, " of ", Repeat, ": output_", Differs,
                       " differs from the first run's: the run is not deterministic");
    }
    Out.Last = R.takeValue();
  }
  return Out;
}

/// "wall time of N runs: min A ms, median B ms, max C ms" (the median of an even count: the mean of the middle
/// two).
std::string wallTimeLine(std::vector<double> Ms) {
  std::sort(Ms.begin(), Ms.end());
  const size_t N = Ms.size();
  const double Median = N % 2 ? Ms[N / 2] : (Ms[N / 2 - 1] + Ms[N / 2]) / 2;
  return "wall time of " + std::to_string(N) + " runs: min " + formatMs(Ms.front()) + ", median " +
         formatMs(Median) + ", max " + formatMs(Ms.back()) + "\n";
}

/// One line per segment of the run: the NPU instructions, or the host executor and run time.
void printSegments(const ModelOutcome &R, const std::string &Backend) {
  for (const SegmentRun &S : R.Segments) {
    std::cout << "segment " << S.Name << ": ";
    if (S.Npu)
      std::cout << Backend << ", " << S.Stats.Instructions << " instructions\n";
    else
      std::cout << "host (" << S.Executor << (S.Note.empty() ? "" : ": " + S.Note) << "), run "
                << formatMs(S.RunMs) << "\n";
  }
}

/// Compares the model's outputs with --compare's output_K.pb files; fails if any differs.
int compareModelOutputs(const Args &A, const ModelOutcome &R) {
  size_t Failed = 0;
  for (size_t K = 0; K < R.Outputs.size(); ++K)
    Failed += !compareOutput(R.Outputs[K], K, describe(R.Outputs[K]), A.get("--compare"));
  if (Failed)
    return fail(std::to_string(Failed) + " of " + std::to_string(R.Outputs.size()) + " outputs differ from " +
                A.get("--compare"));
  return ExitOk;
}

/// Everything a model artifact's run prints and writes: segments, statistics, latency, profile, wall times,
/// --stats, --trace, --outputs and --compare.
int reportModelRun(const Args &A, const backend::ModelArtifact &M, const RepeatedRun &Run,
                   const ModelRunRequest &Q) {
  const ModelOutcome &R = Run.Last;
  const std::string Backend = A.get("--backend", "func");
  printSegments(R, Backend);
  bool AnyNpu = false;
  for (const SegmentRun &S : R.Segments)
    AnyNpu |= S.Npu;
  if (AnyNpu)
    std::cout << formatStatsSummary(R.Total, M.Config);
  std::optional<HostProfile> Prof;
  if (Q.Profile) {
    auto P = hostProfile(M, R);
    if (!P)
      return fail(A.Positional[0] + ": --profile: " + P.message());
    Prof = P.takeValue();
  }
  const ModelLatency L = modelLatency(R, M.Config, Q.HostGflops);
  if (int E = reportModelTiming(A, M, R, L, Prof ? &*Prof : nullptr))
    return E;
  if (Prof)
    std::cout << Prof->table();
  std::cout << L.summaryLine();
  if (Q.Repeat > 1)
    std::cout << wallTimeLine(Run.WallMs);
  RunOutcome Out;
  Out.Outputs = R.Outputs;
  if (A.has("--outputs"))
    if (Status S = writeOutputs(Out, A.get("--outputs")); !S)
      return fail(S.message());
  return A.has("--compare") ? compareModelOutputs(A, R) : ExitOk;
}

/// The device of a model artifact's NPU segments (none for --backend host/gpu, where an NPU segment is refused).
Expected<std::unique_ptr<Device>> modelDevice(const Args &A, const backend::ModelArtifact &M,
                                              const std::string &Backend) {
  if (!isHostBackend(Backend))
    return makeDevice(Backend, M.Config);
  for (const backend::ArtifactSegment &S : M.Segments)
    if (S.K == backend::ArtifactSegment::Npu)
      return makeError(A.Positional[0], ": segment '", S.Name, "' is an NPU program: run this artifact on an "
                       "NPU backend (func, systemc, rtl); --backend ", Backend, " runs artifacts from --target host");
  return std::unique_ptr<Device>();
}

/// A model artifact: segments in order, outputs named after the model's outputs.
int runModelArtifact(const Command &Self, const Args &A, Expected<backend::ModelArtifact> M,
                     const std::string &Backend, const WaveformRequest &Wave, const ModelRunRequest &Q) {
  if (!M)
    return fail(M.message());
  if (A.has("--config")) {
    auto C = loadHardwareConfig(A.get("--config"));
    if (!C)
      return fail(C.message());
    if (C->Hash != M->Config.Hash)
      return fail(A.Positional[0] + ": built for config '" + M->Config.Name + "' (" + M->Config.shortHash() +
                  "), not '" + C->Name + "' (" + C->shortHash() + ")");
  }
  // Host segments run on the executor --backend/--host-backend choose; NPU segments need an NPU device.
  auto Opts = hostRunOptions(A, Backend);
  if (!Opts)
    return Opts.message().rfind("usage: ", 0) == 0 ? usageError(Self, Opts.message().substr(7))
                                                   : fail(Opts.message());
  auto Dev = modelDevice(A, *M, Backend);
  if (!Dev)
    return fail(Dev.message());
  auto Inputs = inputsOption(A);
  if (!Inputs)
    return fail(Inputs.message());
  std::unique_ptr<SegmentWaveforms> Waves;
  if (Wave.wanted() && *Dev)
    Waves = std::make_unique<SegmentWaveforms>(**Dev, *M, Wave);
  auto R = runRepeated(Waves ? Waves.get() : Dev->get(), *M, *Inputs, *Opts, Q.Repeat);
  if (Waves)
    for (const auto &[Segment, Path] : Waves->Written)
      if (std::filesystem::exists(Path))
        std::cout << "waveform of segment " << Segment << ": " << Path << " (" << Wave.Format << ")\n";
  if (!R)
    return fail(A.Positional[0] + ": " + R.message());
  return reportModelRun(A, *M, *R, Q);
}

/// An assembled program (a .npub container, not a model artifact) on an NPU backend: its inputs from --inputs,
/// the statistics summary, and --stats, --trace, --outputs and --compare.
int runAssembledProgram(const Command &Self, const Args &A, const std::vector<uint8_t> &Bytes,
                        const std::string &Backend, const WaveformRequest &Wave, const MemoryLimit &Limit) {
  for (const char *ModelOnly : {"--repeat", "--host-gflops", "--profile"})
    if (A.has(ModelOnly))
      return usageError(Self, std::string(ModelOnly) + " applies to model artifacts (npuc compile) and ONNX "
                                                       "models, not to an assembled program");
  if (isHostBackend(Backend))
    return fail(A.Positional[0] + ": an assembled NPU program runs on func, systemc or rtl; --backend " +
                Backend + " runs model artifacts (npuc compile) and ONNX models");
  std::optional<HardwareConfig> Config;
  if (A.has("--config")) {
    auto C = loadHardwareConfig(A.get("--config"));
    if (!C)
      return fail(C.message());
    Config = C.takeValue();
  }
  auto P = isa::readContainer(Bytes, A.Positional[0], Config ? &*Config : nullptr);
  if (!P)
    return fail(P.message());
  auto Dev = makeDevice(Backend, P->Config);
  if (!Dev)
    return fail(Dev.message());
  if (A.has("--trace"))
    if (Status S = (*Dev)->enableTrace(); !S)
      return usageError(Self, "--trace: " + S.message());
  if (Wave.wanted())
    if (Status S = (*Dev)->enableWaveform(Wave.Path, Wave.Format); !S)
      return usageError(Self, "--" + Wave.Format + ": " + S.message());

  auto Inputs = inputsOption(A);
  if (!Inputs)
    return fail(Inputs.message());
  auto R = runProgram(**Dev, *P, *Inputs, Limit);
  if (Wave.wanted() && std::filesystem::exists(Wave.Path))
    std::cout << "waveform: " << Wave.Path << " (" << Wave.Format << ")\n";
  if (!R)
    return fail(A.Positional[0] + ": " + R.message());

  reportInputs(*P, *R, A.get("--inputs", "-"));
  std::cout << formatStatsSummary(R->Result.Stats, P->Config) << R->Result.Report;
  if (A.has("--stats"))
    if (int E = writeStats(A, R->Result.StatsJson, R->Result.Stats, P->Config))
      return E;
  if (A.has("--trace") && !writeTextFile(A.get("--trace"), R->Result.TraceJson))
    return fail(A.get("--trace") + ": cannot write the trace file");
  if (A.has("--outputs"))
    if (Status S = writeOutputs(*R, A.get("--outputs")); !S)
      return fail(S.message());
  if (!A.has("--compare"))
    return ExitOk;
  size_t Failed = compareOutputs(*P, *R, A.get("--compare"));
  if (Failed)
    return fail(std::to_string(Failed) + " of " + std::to_string(R->Outputs.size()) +
                " outputs differ from " + A.get("--compare"));
  return ExitOk;
}

int runRun(const Command &Self, const Args &A) {
  if (A.Positional.size() != 1)
    return usageError(Self, A.Positional.empty()
                                ? "missing the program (PROGRAM.npub)"
                                : "expected one program, got " + std::to_string(A.Positional.size()));
  std::string Backend = A.get("--backend", "func");
  bool Known = false;
  for (const std::string &Name : deviceNames())
    Known |= Name == Backend;
  if (!Known) {
    std::string List;
    for (const std::string &Name : deviceNames())
      List += (List.empty() ? "" : ", ") + Name;
    return usageError(Self, "unknown backend '" + Backend + "' (expected one of " + List + ")");
  }

  WaveformRequest Wave;
  if (A.has("--vcd") && A.has("--fst"))
    return usageError(Self, "--vcd and --fst: give one waveform format");
  if (A.has("--vcd") || A.has("--fst")) {
    Wave.Format = A.has("--vcd") ? "vcd" : "fst";
    Wave.Path = A.get("--" + Wave.Format);
    if (Backend != "rtl")
      return usageError(Self, "--" + Wave.Format + " needs the rtl backend (it dumps the signals of hw/rtl)");
  }

  auto Q = modelRunRequest(A);
  if (!Q)
    return usageError(Self, Q.message().substr(7));
  if (Q->Repeat > 1 && Wave.wanted())
    return usageError(Self, "--repeat and --" + Wave.Format + ": a waveform records one run");

  auto Limit = maxMemoryOption(A); // bounds the model's tensors and the DRAM images
  if (!Limit)
    return usageError(Self, Limit.message());
  const std::string &Path = A.Positional[0];
  if (Path.size() > 5 && Path.compare(Path.size() - 5, 5, ".onnx") == 0) {
    // An ONNX model runs whole on the host path, compiled in memory as `npuc compile --target host` would.
    if (!isHostBackend(Backend))
      return usageError(Self, "an ONNX model runs with --backend host or gpu; for the NPU, compile it first "
                              "(npuc compile MODEL.onnx -o OUT.npub)");
    if (A.has("--trace"))
      return usageError(Self, "--trace needs the systemc or rtl backend");
    frontend::ImportOptions Import;
    Import.Memory = *Limit;
    return runModelArtifact(Self, A, compileHostArtifact(Path, Import), Backend, Wave, *Q);
  }
  auto Bytes = readFileBytes(A.Positional[0]);
  if (!Bytes)
    return fail(Bytes.message());
  if (backend::isModelArtifact(*Bytes)) {
    if (A.has("--trace") && Backend != "systemc" && Backend != "rtl")
      return usageError(Self, "--trace needs the systemc or rtl backend");
    return runModelArtifact(Self, A, backend::readModelArtifact(*Bytes, A.Positional[0]), Backend, Wave, *Q);
  }
  return runAssembledProgram(Self, A, *Bytes, Backend, Wave, *Limit);
}

} // namespace

const Command RunCommand = {
    "run",
    "Run a .npub program on a backend",
    "npuc run PROGRAM.npub|MODEL.onnx [--backend func] [--config FILE.yaml] [--inputs DIR] [--outputs DIR]\n"
    "                [--compare DIR] [--stats FILE.json] [--trace FILE.json] [--vcd FILE | --fst FILE]\n"
    "                [--host-backend jit|ref|gpu] [--threads N] [--repeat N] [--host-gflops G] [--profile]\n"
    "                [--max-memory SIZE]",
    "Loads the program, writes the tensors DIR/input_K.pb (ONNX TensorProto, the backend-test layout)\n"
    "into its K-th input (or the input named like the tensor), runs it and reads its outputs. Inputs\n"
    "without a file keep the data embedded in the program. The element type must match the input's\n"
    "(int8 data for an int4 input) and the shape must match up to leading 1s. A statistics summary\n"
    "(instructions by opcode, MACs, DRAM bytes per buffer, config) is always printed; the systemc\n"
    "and rtl backends add cycles, per-unit busy/stall/idle cycles, DRAM bandwidth and a per-layer table\n"
    "(cycles, share, span, MAC utilization, DRAM bytes per node); on a model artifact over all its NPU\n"
    "segments in sequence, with --stats and --trace covering every NPU segment.\n"
    "With --compare, each output is compared with DIR/output_K.pb (integers exactly, float32 with\n"
    "rtol 1e-3, atol 1e-7); the command fails if any differs.\n"
    "Backends: func (functional simulator), systemc (cycle-level model, docs/timing.md), rtl (hw/rtl\n"
    "under Verilator, docs/rtl.md: the same report as systemc from the RTL's own cycles; the model of\n"
    "the config is built with the project (NPU_RTL_CONFIGS) or else into ~/.cache/npu/rtl on first\n"
    "use). --trace (systemc, rtl) writes a Chrome/Perfetto trace: chrome://tracing or ui.perfetto.dev.\n"
    "--vcd FILE / --fst FILE (rtl) write a waveform of every signal of the run (open it with gtkwave FILE;\n"
    "docs/rtl.md, Waveforms); the traced model is built into ~/.cache/npu/rtl on first use. On a model\n"
    "artifact each NPU segment gets its own file, FILE with .SEGMENT before the extension (m.npu1.vcd).\n"
    "Model artifacts (npuc compile) run NPU segments on the backend and host segments on the LLVM JIT\n"
    "(--host-backend jit, the default), the reference interpreter (--host-backend ref) or the GPU\n"
    "(--host-backend gpu). --backend host\n"
    "runs an artifact compiled with --target host (or an ONNX model, compiled in memory) on the CPU JIT,\n"
    "--threads N wide; --backend gpu runs it on an NVIDIA GPU through the CUDA driver\n"
    "(docs/host-path.md).\n"
    "A model's run ends with its latency: the NPU segments' cycles at clock.mhz plus the host segments'\n"
    "measured run time (--host-gflops G: their FLOPs / G instead), also in --stats (\"latency\") and as a\n"
    "\"host\" track of --trace; the func backend has no cycles, so no latency. --repeat N runs it N times\n"
    "(host code compiled once), fails unless every run gives the same outputs, and prints the min, median and\n"
    "max wall time. --profile (host segments on the LLVM JIT) prints where the host time goes: per kernel\n"
    "and its nodes, time, share and GFLOP/s, slowest first (also in --stats, \"host_profile\").\n\n"
    "example:\n"
    "  npuc run gemm.npub --backend func --inputs test_data_set_0 --compare test_data_set_0 \\\n"
    "       --outputs out --stats stats.json\n"
    "  npuc run mnist-host.npub --backend host --threads 2 --inputs test_data_set_0 \\\n"
    "       --compare test_data_set_0\n"
    "  npuc run model.onnx --backend host --repeat 20 --profile --inputs test_data_set_0\n",
    {{"--backend", true, "func (default), systemc, rtl, host or gpu"},
     {"--host-backend", true, "host segments of model artifacts: jit (LLVM, default), ref (interpreter) or gpu"},
     {"--threads", true, "host JIT worker threads (default 0: every core)"},
     {"--config", true, "refuse the program unless it was built for this config (YAML)"},
     {"--inputs", true, "directory of input_K.pb files"},
     {"--outputs", true, "write output_K.pb files to this directory (created if needed)"},
     {"--compare", true, "compare the outputs with the output_K.pb files in this directory"},
     {"--stats", true, "write the full statistics as JSON to this file (with the run's energy, docs/codesign.md)"},
     {"--tech", true, "technology file for the energy in --stats (default configs/tech/45nm.yaml, built in)"},
     {"--trace", true, "write a Chrome/Perfetto trace-event JSON of the run to this file (systemc, rtl)"},
     {"--vcd", true, "write a VCD waveform of the run's signals to this file (rtl)"},
     {"--fst", true, "write an FST waveform of the run's signals to this file (rtl)"},
     {"--repeat", true, "run the model N times: min/median/max wall time; every run must give the same outputs"},
     {"--host-gflops", true, "model host segments' time as their FLOPs / G GFLOP/s instead of measuring it"},
     {"--profile", false, "per-kernel time, GFLOP/s and share of the host segments (LLVM JIT)"},
     MaxMemoryOption},
    runRun,
};

} // namespace npuc
