// npuc run: execute a .npub program on a backend with tensors from/to ONNX TensorProto files.
#include "Command.h"
#include "HostRun.h"

#include "npu/runtime/Binding.h"
#include "npu/runtime/Compare.h"
#include "npu/runtime/LayerReport.h"
#include "npu/runtime/ModelRunner.h"
#include "npu/runtime/Runner.h"
#include "npu/runtime/TensorProto.h"

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
    std::cout << "input_" << I << " " << B.Name << " " << B.DType << " " << formatShape(B.Shape) << ": ";
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

/// Prints one line per output; returns the number of outputs that differ or could not be compared.
size_t compareOutputs(const isa::Program &P, const RunOutcome &R, const std::string &Dir) {
  std::vector<const isa::TensorBinding *> Outputs = outputBindings(P);
  size_t Failed = 0;
  for (size_t K = 0; K < R.Outputs.size(); ++K) {
    const isa::TensorBinding &B = *Outputs[K];
    std::cout << "output_" << K << " " << B.Name << " " << elemTypeName(R.Outputs[K].Type) << " "
              << formatShape(B.Shape) << ": ";
    auto Expected = readTensorProto(joinPath(Dir, "output_" + std::to_string(K) + ".pb"));
    if (!Expected) {
      std::cout << "no reference: " << Expected.message() << "\n";
      ++Failed;
      continue;
    }
    CompareResult C = compareTensors(R.Outputs[K], *Expected);
    std::cout << (C.Match ? "" : "MISMATCH: ") << C.summary() << "\n";
    Failed += !C.Match;
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

/// A model run's timing (systemc, rtl): the cycles, unit and layer table, and the --stats and --trace files;
/// the operation counts alone for --stats on backends without timing.
int reportModelTiming(const Args &A, const backend::ModelArtifact &M, const ModelOutcome &R) {
  if (!hasTiming(R)) {
    if (A.has("--stats") && !writeTextFile(A.get("--stats"), R.Total.toJson(M.Config) + "\n"))
      return fail(A.get("--stats") + ": cannot write the statistics file");
    if (A.has("--trace"))
      return fail(A.Positional[0] + ": --trace: no NPU segment ran, so there is nothing to trace");
    return ExitOk;
  }
  auto T = modelTiming(R);
  if (!T)
    return fail(A.Positional[0] + ": " + T.message());
  std::cout << T->summary(M.Config);
  if (A.has("--stats") &&
      !writeTextFile(A.get("--stats"), timingStatsJson(*T, M.Config, A.get("--backend", "func")) + "\n"))
    return fail(A.get("--stats") + ": cannot write the statistics file");
  if (A.has("--trace")) {
    auto Trace = modelTraceJson(M, R);
    if (!Trace)
      return fail(A.Positional[0] + ": " + Trace.message());
    if (!writeTextFile(A.get("--trace"), *Trace))
      return fail(A.get("--trace") + ": cannot write the trace file");
  }
  return ExitOk;
}

/// A model artifact: segments in order, outputs named after the model's outputs.
int runModelArtifact(const Command &Self, const Args &A, Expected<backend::ModelArtifact> M,
                     const std::string &Backend) {
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
  std::unique_ptr<Device> Dev;
  if (isHostBackend(Backend)) {
    for (const backend::ArtifactSegment &S : M->Segments)
      if (S.K == backend::ArtifactSegment::Npu)
        return fail(A.Positional[0] + ": segment '" + S.Name + "' is an NPU program: run this artifact on an "
                    "NPU backend (func, systemc, rtl); --backend " + Backend +
                    " runs artifacts from --target host");
  } else {
    auto D = makeDevice(Backend, M->Config);
    if (!D)
      return fail(D.message());
    Dev = D.takeValue();
  }
  std::vector<std::optional<Tensor>> Inputs;
  if (A.has("--inputs")) {
    auto Read = readTensorDir(A.get("--inputs"), "input");
    if (!Read)
      return fail(Read.message());
    Inputs = Read.takeValue();
  }
  auto R = runModel(Dev.get(), *M, Inputs, *Opts);
  if (!R)
    return fail(A.Positional[0] + ": " + R.message());
  bool AnyNpu = false;
  for (const SegmentRun &S : R->Segments) {
    AnyNpu |= S.Npu;
    std::cout << "segment " << S.Name << ": ";
    if (S.Npu)
      std::cout << Backend << ", " << S.Stats.Instructions << " instructions\n";
    else
      std::cout << "host (" << S.Executor << (S.Note.empty() ? "" : ": " + S.Note) << "), run "
                << formatMs(S.RunMs) << "\n";
  }
  if (AnyNpu)
    std::cout << formatStatsSummary(R->Total, M->Config);
  if (int E = reportModelTiming(A, *M, *R))
    return E;
  RunOutcome Out;
  Out.Outputs = R->Outputs;
  if (A.has("--outputs"))
    if (Status S = writeOutputs(Out, A.get("--outputs")); !S)
      return fail(S.message());
  if (!A.has("--compare"))
    return ExitOk;
  size_t Failed = 0;
  for (size_t K = 0; K < R->Outputs.size(); ++K) {
    std::cout << "output_" << K << " " << R->Outputs[K].describe() << ": ";
    auto Expected = readTensorProto(joinPath(A.get("--compare"), "output_" + std::to_string(K) + ".pb"));
    if (!Expected) {
      std::cout << "no reference: " << Expected.message() << "\n";
      ++Failed;
      continue;
    }
    CompareResult C = compareTensors(R->Outputs[K], *Expected);
    std::cout << (C.Match ? "" : "MISMATCH: ") << C.summary() << "\n";
    Failed += !C.Match;
  }
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

  const std::string &Path = A.Positional[0];
  if (Path.size() > 5 && Path.compare(Path.size() - 5, 5, ".onnx") == 0) {
    // An ONNX model runs whole on the host path, compiled in memory as `npuc compile --target host` would.
    if (!isHostBackend(Backend))
      return usageError(Self, "an ONNX model runs with --backend host or gpu; for the NPU, compile it first "
                              "(npuc compile MODEL.onnx -o OUT.npub)");
    if (A.has("--trace"))
      return usageError(Self, "--trace needs the systemc or rtl backend");
    return runModelArtifact(Self, A, compileHostArtifact(Path, frontend::ImportOptions()), Backend);
  }
  auto Bytes = readFileBytes(A.Positional[0]);
  if (!Bytes)
    return fail(Bytes.message());
  if (backend::isModelArtifact(*Bytes)) {
    if (A.has("--trace") && Backend != "systemc" && Backend != "rtl")
      return usageError(Self, "--trace needs the systemc or rtl backend");
    return runModelArtifact(Self, A, backend::readModelArtifact(*Bytes, A.Positional[0]), Backend);
  }
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
  auto P = isa::readContainer(*Bytes, A.Positional[0], Config ? &*Config : nullptr);
  if (!P)
    return fail(P.message());
  auto Dev = makeDevice(Backend, P->Config);
  if (!Dev)
    return fail(Dev.message());
  if (A.has("--trace"))
    if (Status S = (*Dev)->enableTrace(); !S)
      return usageError(Self, "--trace: " + S.message());

  std::vector<std::optional<Tensor>> Inputs;
  if (A.has("--inputs")) {
    auto Read = readTensorDir(A.get("--inputs"), "input");
    if (!Read)
      return fail(Read.message());
    Inputs = Read.takeValue();
  }
  auto R = runProgram(**Dev, *P, Inputs);
  if (!R)
    return fail(A.Positional[0] + ": " + R.message());

  reportInputs(*P, *R, A.get("--inputs", "-"));
  std::cout << formatStatsSummary(R->Result.Stats, P->Config) << R->Result.Report;
  auto WriteFile = [](const std::string &Path, const std::string &Text) {
    std::ofstream OS(Path, std::ios::binary | std::ios::trunc);
    OS << Text;
    OS.close();
    return bool(OS);
  };
  if (A.has("--stats") && !WriteFile(A.get("--stats"), R->Result.StatsJson + "\n"))
    return fail(A.get("--stats") + ": cannot write the statistics file");
  if (A.has("--trace") && !WriteFile(A.get("--trace"), R->Result.TraceJson))
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

} // namespace

const Command RunCommand = {
    "run",
    "Run a .npub program on a backend",
    "npuc run PROGRAM.npub|MODEL.onnx [--backend func] [--config FILE.yaml] [--inputs DIR] [--outputs DIR]\n"
    "                [--compare DIR] [--stats FILE.json] [--trace FILE.json] [--host-backend jit|ref|gpu]\n"
    "                [--threads N]",
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
    "Model artifacts (npuc compile) run NPU segments on the backend and host segments on the LLVM JIT\n"
    "(--host-backend jit, the default), the reference interpreter (--host-backend ref) or the GPU\n"
    "(--host-backend gpu). --backend host\n"
    "runs an artifact compiled with --target host (or an ONNX model, compiled in memory) on the CPU JIT,\n"
    "--threads N wide; --backend gpu runs it on an NVIDIA GPU through the CUDA driver\n"
    "(docs/host-path.md).\n\n"
    "example:\n"
    "  npuc run gemm.npub --backend func --inputs test_data_set_0 --compare test_data_set_0 \\\n"
    "       --outputs out --stats stats.json\n"
    "  npuc run mnist-host.npub --backend host --threads 2 --inputs test_data_set_0 \\\n"
    "       --compare test_data_set_0\n",
    {{"--backend", true, "func (default), systemc, rtl, host or gpu"},
     {"--host-backend", true, "host segments of model artifacts: jit (LLVM, default), ref (interpreter) or gpu"},
     {"--threads", true, "host JIT worker threads (default 0: every core)"},
     {"--config", true, "refuse the program unless it was built for this config (YAML)"},
     {"--inputs", true, "directory of input_K.pb files"},
     {"--outputs", true, "write output_K.pb files to this directory (created if needed)"},
     {"--compare", true, "compare the outputs with the output_K.pb files in this directory"},
     {"--stats", true, "write the full statistics as JSON to this file"},
     {"--trace", true, "write a Chrome/Perfetto trace-event JSON of the run to this file (systemc, rtl)"}},
    runRun,
};

} // namespace npuc
