// npuc compile and npuc opt: the frontend and the graph pass pipeline, with IR printing between passes.
#include "Command.h"
#include "FidelityCost.h"
#include "HostRun.h"
#include "MemoryOption.h"
#include "QuantFlags.h"

#include "npu/backend/Compile.h"
#include "npu/backend/Lowerings.h"
#include "npu/compiler/frontend/LoadModel.h"
#include "npu/compiler/ir/Printer.h"
#include "npu/compiler/passes/PassManager.h"
#include "npu/host/HostModel.h"
#include "npu/isa/Assembler.h"

#include <algorithm>
#include <cstring>
#include <fstream>
#include <iostream>
#include <optional>
#include <sstream>

namespace npuc {

using namespace npu;

namespace {

/// Fills the pipeline printing options from --print-after / --stop-after. With Backend (npuc compile), the
/// names of backend passes (BackendPasses.def) are accepted too and go to the backend pipeline's options.
int pipelineFlags(const Command &Self, const Args &A, passes::PipelineOptions &Pipe,
                  backend::BackendPipelineOptions *Backend = nullptr) {
  auto Known = [&](const std::string &P) {
    return passes::findPass(P) || (Backend && backend::findBackendPass(P));
  };
  const char *Lists = Backend ? "npuc opt --list-passes and npuc compile --list-backend-passes list them"
                              : "npuc opt --list-passes lists them";
  for (const std::string &P : A.getAll("--print-after")) {
    if (P == "all") {
      Pipe.PrintAfterAll = true;
      continue;
    }
    if (!Known(P))
      return usageError(Self, "--print-after: unknown pass '" + P + "' (" + Lists + ")");
    Pipe.PrintAfter.insert(P);
  }
  Pipe.StopAfter = A.get("--stop-after");
  if (!Pipe.StopAfter.empty() && !Known(Pipe.StopAfter))
    return usageError(Self, "--stop-after: unknown pass '" + Pipe.StopAfter + "' (" + Lists + ")");
  Pipe.Out = &std::cout;
  if (Backend) {
    Backend->PrintAfter = Pipe.PrintAfter;
    Backend->PrintAfterAll = Pipe.PrintAfterAll;
    Backend->StopAfter = backend::findBackendPass(Pipe.StopAfter) ? Pipe.StopAfter : "";
    Backend->Out = &std::cout;
  }
  return ExitOk;
}

/// Loads --config if given.
int loadConfig(const Args &A, std::optional<HardwareConfig> &Config) {
  if (!A.has("--config"))
    return ExitOk;
  auto C = loadHardwareConfig(A.get("--config"));
  if (!C)
    return fail(C.message());
  Config = C.takeValue();
  return ExitOk;
}

/// The quantize pass's flags and --report-on DIR....
int calibFlags(const Command &Self, const Args &A, passes::PassOptions &Opts) {
  Opts.ReportDirs = A.getAll("--report-on");
  return quantizeFlags(Self, A, Opts);
}

int writeText(const Args &A, const std::string &Text) {
  if (!A.has("-o")) {
    std::cout << Text;
    return ExitOk;
  }
  std::ofstream Out(A.get("-o"), std::ios::binary | std::ios::trunc);
  Out << Text;
  if (!Out)
    return fail(A.get("-o") + ": cannot write");
  return ExitOk;
}

/// The model for npuc opt. Graph IR text may leave types to infer (`?`) when shape-inference runs first: it is
/// parsed without the verifier then, since that pass fills the types and the pipeline verifies after it.
Expected<ir::Graph> loadForOpt(const std::string &Path, const std::vector<std::string> &Passes) {
  bool IsOnnx = Path.size() >= 5 && Path.compare(Path.size() - 5, 5, ".onnx") == 0;
  if (IsOnnx || Passes.empty() || Passes.front() != "shape-inference")
    return frontend::loadModel(Path);
  std::ifstream In(Path, std::ios::binary);
  if (!In)
    return makeError(Path, ": cannot open the model");
  std::stringstream SS;
  SS << In.rdbuf();
  auto G = ir::parseGraph(SS.str());
  if (!G)
    return G.error().withContext(Path);
  return G;
}

int runOpt(const Command &Self, const Args &A) {
  if (A.has("--list-passes")) {
    for (const passes::PassInfo &P : passes::allPasses())
      std::cout << "  " << P.Name << std::string(std::string(P.Name).size() < 18 ? 18 - std::string(P.Name).size() : 1, ' ')
                << P.Summary << "\n";
    return ExitOk;
  }
  if (A.Positional.size() != 1)
    return usageError(Self, "expected one model (MODEL.onnx or FILE.graph)");
  auto Passes = passes::parsePassList(A.get("--passes"));
  if (!Passes)
    return usageError(Self, Passes.message());
  passes::PipelineOptions Pipe;
  if (int E = pipelineFlags(Self, A, Pipe))
    return E;
  std::optional<HardwareConfig> Config;
  if (int E = loadConfig(A, Config))
    return E;
  auto G = loadForOpt(A.Positional[0], *Passes);
  if (!G)
    return fail(G.message());
  passes::PassOptions Opts;
  Opts.Config = Config ? &*Config : nullptr;
  if (int E = calibFlags(Self, A, Opts))
    return E;
  if (Status S = passes::runPipeline(*G, *Passes, Opts, Pipe); !S)
    return fail(A.Positional[0] + ": " + S.message());
  return writeText(A, ir::printGraph(*G));
}

/// The NPU backend: artifact (-o), tile IR or assembly text, placement report. Float, when given, is the
/// imported model before the pipeline ran with Opts' fidelity options: the report prices them against it.
int emitNpu(const Args &A, const ir::Graph &G, const HardwareConfig &Config,
            const backend::BackendPipelineOptions &Backend, const ir::Graph *Float, const passes::PassOptions &Opts) {
  backend::CompileOptions Options;
  Options.Tune = A.has("--tune");
  Options.Serial = A.has("--serial-schedule");
  Options.Backend = &Backend;
  auto R = backend::compileModel(G, Config, Options);
  if (!R)
    return fail(A.Positional[0] + ": " + R.message());
  if (R->Stopped) // --stop-after a backend pass: the tile IR that npuc backend --start-after continues
    return writeText(A, R->TileText);
  if (A.has("--report")) {
    std::cout << backend::formatPlacementReport(*R);
    if (Float)
      std::cout << fidelityCostLine(*Float, Opts, Config, Options, backend::estimateModelCost(R->Artifact));
  }
  std::string Emit = A.get("--emit");
  if (Emit == "tile")
    return writeText(A, R->TileText);
  if (Emit == "asm") {
    std::string Text;
    for (const backend::ArtifactSegment &S : R->Artifact.Segments)
      Text += S.K == backend::ArtifactSegment::Npu ? "; segment " + S.Name + "\n" + isa::disassemble(S.Program)
                                                   : "; segment " + S.Name + " runs on the host\n";
    return writeText(A, Text);
  }
  auto Bytes = backend::writeModelArtifact(R->Artifact);
  if (!Bytes)
    return fail(Bytes.message());
  std::ofstream Out(A.get("-o"), std::ios::binary | std::ios::trunc);
  Out.write(reinterpret_cast<const char *>(Bytes->data()), std::streamsize(Bytes->size()));
  if (!Out)
    return fail(A.get("-o") + ": cannot write");
  return ExitOk;
}

/// The host target: an artifact with one host segment holding the optimized float graph. The graph is
/// compiled here once, so that a graph the JIT cannot handle fails now and the run finds the object cached.
int emitHost(const Command &Self, const Args &A, const ir::Graph &G, const HardwareConfig &Config) {
  if (A.has("--emit"))
    return usageError(Self, "--emit=" + A.get("--emit") + " applies to --target npu (use --emit=graph)");
  auto Art = hostArtifact(G, Config);
  if (!Art)
    return fail(A.Positional[0] + ": " + Art.message());
  // The run compiles the graph read back from the artifact's text; compiling that same graph here makes the
  // run's first load a cache hit (the in-memory graph can differ in details that change the generated IR).
  auto Loaded = ir::parseGraph(Art->Segments[0].HostGraph);
  if (!Loaded)
    return fail(A.Positional[0] + ": " + Loaded.message());
  auto M = host::compileHostModel(*Loaded);
  if (!M)
    return fail(A.Positional[0] + ": " + M.message());
  const host::HostStats &St = (*M)->stats();
  std::cout << "host code: " << St.Kernels << " kernels, " << St.FusedNodes << " fused, " << St.FoldedNodes
            << " folded, " << St.FallbackNodes << " fallback nodes; " << St.Triple << " " << St.Cpu << "; "
            << (St.CacheHit ? "from the " + St.CacheSource + " cache" : "compiled") << " in "
            << int64_t(St.totalMs()) << " ms\n";
  auto Bytes = backend::writeModelArtifact(*Art);
  if (!Bytes)
    return fail(Bytes.message());
  std::ofstream Out(A.get("-o"), std::ios::binary | std::ios::trunc);
  Out.write(reinterpret_cast<const char *>(Bytes->data()), std::streamsize(Bytes->size()));
  if (!Out)
    return fail(A.get("-o") + ": cannot write");
  return ExitOk;
}

int runCompile(const Command &Self, const Args &A) {
  if (A.has("--list-lowerings")) {
    for (const backend::Lowering &L : backend::allLowerings())
      std::cout << "  " << std::string(L.OpType) + std::string(20 - std::min<size_t>(19, strlen(L.OpType)), ' ')
                << L.Name << std::string(14 - std::min<size_t>(13, strlen(L.Name)), ' ') << L.Summary << "\n";
    return ExitOk;
  }
  if (A.has("--list-backend-passes")) {
    for (const backend::BackendPassInfo &P : backend::allBackendPasses())
      std::cout << "  " << P.Name << std::string(16 - std::min<size_t>(15, strlen(P.Name)), ' ') << P.Summary
                << "\n";
    return ExitOk;
  }
  if (A.Positional.size() != 1)
    return usageError(Self, "expected one model (MODEL.onnx)");
  std::string Target = A.get("--target", "npu");
  if (Target != "npu" && Target != "host")
    return usageError(Self, "--target must be npu or host");
  std::string Emit = A.get("--emit");
  if (!Emit.empty() && Emit != "graph" && Emit != "tile" && Emit != "asm")
    return usageError(Self, "--emit must be graph, tile or asm");
  frontend::ImportOptions Import;
  for (const std::string &Spec : A.getAll("--input-shape"))
    if (Status S = frontend::addInputShapeOption(Import, Spec); !S)
      return usageError(Self, S.message());
  auto Limit = maxMemoryOption(A);
  if (!Limit)
    return usageError(Self, Limit.message());
  Import.Memory = *Limit;
  passes::PipelineOptions Pipe;
  backend::BackendPipelineOptions Backend;
  if (int E = pipelineFlags(Self, A, Pipe, &Backend))
    return E;
  if (Target == "host" && !Backend.StopAfter.empty())
    return usageError(Self, "--stop-after=" + Backend.StopAfter + " is a backend pass of --target npu");
  // An artifact needs -o: missing, it is a usage error, as in asm, before any work (text output goes to stdout).
  if (!A.has("-o") && Emit.empty() && Backend.StopAfter.empty())
    return usageError(Self, "missing -o OUT.npub (or --emit=graph|tile|asm for text)");
  std::optional<HardwareConfig> Config;
  if (int E = loadConfig(A, Config))
    return E;
  if (Target == "npu" && !Config) {
    auto C = bundledDefaultConfig();
    if (!C)
      return fail(C.message());
    Config = C.takeValue();
  }
  auto G = frontend::loadModel(A.Positional[0], Import);
  if (!G)
    return fail(G.message());
  passes::PassOptions Opts;
  Opts.Config = Config ? &*Config : nullptr;
  if (int E = calibFlags(Self, A, Opts))
    return E;
  if (A.has("--report"))
    Opts.Report = &std::cout;
  // The fidelity options' price needs the model as imported, compiled again with the default quantization.
  std::optional<ir::Graph> Float;
  if (Target == "npu" && A.has("--report") && hasFidelityOptions(Opts))
    Float = *G;
  if (Status S = passes::runPipeline(*G, passes::defaultPipeline(Target), Opts, Pipe); !S)
    return fail(A.Positional[0] + ": " + S.message());
  if (Emit == "graph")
    return writeText(A, ir::printGraph(*G));
  if (Target == "host")
    return emitHost(Self, A, *G, Config ? *Config : defaultHardwareConfig());
  return emitNpu(A, *G, *Config, Backend, Float ? &*Float : nullptr, Opts);
}

} // namespace

const Command OptCommand = {
    "opt",
    "Run chosen graph passes on a model and print the resulting Graph IR",
    "npuc opt MODEL.onnx|FILE.graph --passes=PASS[,PASS...] [--print-after=PASS|all] [-o OUT.graph]\n"
    "         [--config FILE.yaml] [--calib DIR]... [--calib-method NAME]",
    "Loads an ONNX model or Graph IR text, runs the listed passes in order (the verifier checks the graph\n"
    "after each) and prints the final graph as text that parses back. This is how passes are tested alone:\n"
    "the golden tests in tests/golden feed IR text in and check the text that comes out. Graph IR text may\n"
    "leave types as `?` when shape-inference is the first pass (it fills them before the first check).\n\n"
    "examples:\n"
    "  npuc opt --list-passes\n"
    "  npuc opt model.graph --passes=dce\n"
    "  npuc opt mnist.onnx --passes=dce --print-after=all\n",
    {{"--passes", true, "comma-separated pass names, run in order"},
     {"--print-after", true, "print the graph after this pass (or 'all'); repeatable", true},
     {"--stop-after", true, "stop after this pass"},
     {"--config", true, "hardware config for passes that need one"},
     {"--calib", true, "folder of input_K.pb sets for quantize's calibration; repeatable", true},
     {"--calib-method", true, "quantize's range estimator: minmax (default), percentile, entropy or mse"},
     {"--list-passes", false, "list every pass with a summary"},
     {"-o", true, "write the graph to this file instead of standard output"}},
    runOpt,
};

const Command CompileCommand = {
    "compile",
    "Compile an ONNX model for the NPU or the host",
    "npuc compile MODEL.onnx [--config FILE.yaml] [-o OUT] [--target npu|host] [--calib DIR]...\n"
    "            [--calib-method minmax|percentile|entropy|mse] [--bias-correction] [--calib-headroom F]\n"
    "            [--act-zero-point=symmetric|asymmetric] [--weight-rounding nearest|gptq] [--mixed-precision=DB]\n"
    "            [--input-shape NAME=1x3x224x224]... [--print-after=PASS|all] [--stop-after=PASS]\n"
    "            [--emit=graph|tile|asm] [--report] [--report-on DIR]... [--tune] [--max-memory SIZE]",
    "Imports the model, runs the target's default pass pipeline (npuc opt --list-passes) and emits the\n"
    "result. --print-after shows the Graph IR between passes (the tile IR after backend passes: npuc\n"
    "compile --list-backend-passes); --stop-after a backend pass writes the NPU segments' tile IR, which\n"
    "npuc backend --start-after continues; --emit=graph writes the final graph,\n"
    "--emit=tile the NPU segments' tile IR, --emit=asm their assembly; otherwise -o writes the model\n"
    "artifact (.npub: segment plan of NPU programs and host subgraphs, docs/artifact.md).\n"
    "--target host keeps the model in float and writes an artifact with one host segment, JIT-compiled for\n"
    "the CPU when it is loaded (npuc run OUT.npub --backend host|gpu; docs/host-path.md). The compile\n"
    "compiles it once too, which checks it and fills the JIT's object cache.\n\n"
    "examples:\n"
    "  npuc compile mnist.onnx --config configs/default.yaml --emit=graph\n"
    "  npuc compile mnist.onnx --target host -o mnist-host.npub\n"
    "  npuc compile model.onnx --input-shape data=1x3x224x224 --print-after=all --emit=graph -o /dev/null\n",
    {{"--config", true, "hardware config (default for --target npu: configs/default.yaml as built into npuc)"},
     {"-o", true, "output file"},
     {"--target", true, "npu (default) or host"},
     {"--calib", true, "folder of input_K.pb sets (or of test_data_set_* folders) for calibration; repeatable",
      true},
     {"--calib-method", true, "calibration range estimator: minmax (default), percentile, entropy or mse"},
     {"--input-shape", true, "fix a dynamic input shape, NAME=1x3x224x224; repeatable", true},
     {"--print-after", true,
      "print the graph (tile IR after a backend pass) after this pass (or 'all'); repeatable", true},
     {"--stop-after", true, "stop after this pass (a backend pass: write the tile IR, npuc backend goes on)"},
     {"--emit", true, "graph (optimized Graph IR), tile (tile IR) or asm (NPU assembly)"},
     {"--report", false, "print what the passes did, per-layer SQNR, placements, per-layer costs and schedules"},
     {"--bias-correction", false, "quantize: move each conv's bias by its mean int8 error on the calibration sets"},
     {"--calib-headroom", true, "quantize: widen calibrated ranges by this factor (default 1 for int8, 4 for int16)"},
     {"--act-zero-point", true, "quantize: symmetric (default, zero point 0) or asymmetric int8 activations"},
     {"--weight-rounding", true, "quantize: nearest (default) or gptq (error feedback through input moments)"},
     {"--mixed-precision", true, "quantize: layers nearest an output whose SQNR is below DB stay float (host)"},
     {"--report-on", true, "measure the report's int8 error on these input sets instead of the calibration sets",
      true},
     {"--tune", false, "search tile sizes and buffering depth per layer against the cost model"},
     {"--serial-schedule", false, "single-buffered tiles and serial tokens (no overlap; for comparisons)"},
     {"--list-lowerings", false, "list the NPU lowerings (operator, lowering, summary) and exit"},
     {"--list-backend-passes", false, "list the NPU backend passes (name, summary) and exit"},
     MaxMemoryOption},
    runCompile,
};

} // namespace npuc
