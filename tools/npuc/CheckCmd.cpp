// npuc check: run ONNX backend-test folders through a target and compare with their stored outputs.
#include "CheckNpu.h"
#include "Command.h"
#include "HostRun.h"
#include "MemoryOption.h"
#include "QuantFlags.h"

#include "npu/compiler/check/Conformance.h"
#include "npu/compiler/passes/Pass.h"
#include "npu/host/HostCheck.h"

#include <algorithm>
#include <cstdlib>
#include <iostream>
#include <utility>

namespace npuc {

namespace {

const char *const NpuOnlyFlags[] = {"--config",          "--backend",        "--calib",          "--artifact",
                                    "--min-sqnr",        "--min-cos",        "--cross-validate", "--calib-method",
                                    "--bias-correction", "--calib-headroom", "--act-zero-point", "--weight-rounding",
                                    "--mixed-precision"};

/// Runs the conformance runner with E and turns its counts into the exit status.
int runWith(const Command &Self, npu::check::Executor &E, const Args &A) {
  npu::check::RunOptions RO;
  RO.Filter = A.get("--filter");
  RO.Quiet = A.has("--quiet");
  auto Counts = npu::check::runConformance(A.Positional, E, RO, std::cout);
  if (!Counts) {
    const std::string &M = Counts.message();
    return M.rfind("usage: ", 0) == 0 ? usageError(Self, M.substr(7)) : fail("check: " + M);
  }
  return npu::check::exitStatus(*Counts);
}

/// --target npu: the options of the quantize pass, the compile and the fidelity thresholds.
int runNpuTarget(const Command &Self, const Args &A) {
  NpuCheckOptions Opts;
  auto Limit = maxMemoryOption(A);
  if (!Limit)
    return usageError(Self, Limit.message());
  Opts.Memory = *Limit;
  Opts.ConfigPath = A.get("--config"); // empty: the bundled configs/default.yaml
  Opts.Backend = A.get("--backend", "func");
  if (int E = quantizeFlags(Self, A, Opts.Quant))
    return E;
  Opts.Artifact = A.get("--artifact");
  Opts.CrossValidate = A.has("--cross-validate");
  if (Opts.CrossValidate && A.has("--calib"))
    return usageError(Self, "--cross-validate calibrates on the folder's other data sets; drop --calib");
  for (auto [Flag, Dest] : {std::pair{"--min-sqnr", &Opts.MinSqnr}, std::pair{"--min-cos", &Opts.MinCos}})
    if (double D = 0; A.has(Flag)) {
      if (!parseNumber(A.get(Flag), D))
        return usageError(Self, std::string(Flag) + " must be a number, got '" + A.get(Flag) + "'");
      *Dest = D;
    }
  auto C = Opts.ConfigPath.empty() ? bundledDefaultConfig() : npu::loadHardwareConfig(Opts.ConfigPath);
  if (!C)
    return fail(C.message());
  NpuExecutor E(Opts, *C);
  return runWith(Self, E, A);
}

int runCheckCmd(const Command &Self, const Args &A) {
  if (A.Positional.empty())
    return usageError(Self, "missing the test folders (DIR...)");
  std::string Target = A.get("--target", "ref");
  if (Target != "ref" && Target != "host" && Target != "gpu" && Target != "npu")
    return usageError(Self, "--target must be ref, npu, host or gpu");
  if (Target == "npu")
    return runNpuTarget(Self, A);
  for (const char *NpuOnly : NpuOnlyFlags)
    if (A.has(NpuOnly))
      return usageError(Self, std::string(NpuOnly) + " applies to --target npu only");
  if (A.has("--threads") && Target != "host")
    return usageError(Self, "--threads applies to --target host only");
  auto Limit = maxMemoryOption(A);
  if (!Limit)
    return usageError(Self, Limit.message());
  npu::check::CheckOptions Tolerances;
  Tolerances.Memory = *Limit;
  if (Target == "ref") {
    npu::check::RefExecutor E(Tolerances);
    return runWith(Self, E, A);
  }
  if (Target == "gpu") {
    npu::host::GpuExecutor E(Tolerances, npu::host::GpuOptions());
    return runWith(Self, E, A);
  }
  npu::host::HostOptions HO;
  if (A.has("--threads")) {
    auto T = threadsOption(A);
    if (!T)
      return usageError(Self, T.message());
    HO.Threads = *T;
  }
  npu::host::HostExecutor E(Tolerances, HO);
  return runWith(Self, E, A);
}

} // namespace

const Command CheckCommand = {
    "check",
    "Run ONNX backend-test folders and compare with their reference outputs",
    "npuc check DIR... [--target ref|npu|host|gpu] [--filter TEXT] [--quiet] [--threads N]\n"
    "                [--config FILE.yaml] [--backend func|systemc|rtl] [--calib DIR]... [--calib-method M]\n"
    "                [--bias-correction] [--cross-validate] [--artifact FILE.npub] [--min-sqnr DB] [--min-cos C]\n"
    "                [--act-zero-point=symmetric|asymmetric] [--weight-rounding nearest|gptq] [--mixed-precision=DB]\n"
    "                [--max-memory SIZE]",
    "Each DIR is an ONNX backend-test folder (model.onnx + test_data_set_N/input_K.pb, output_K.pb) or a\n"
    "folder containing many. Every data set is imported, run on the target and compared with output_K.pb\n"
    "(float32: rtol 1e-3, atol 1e-7; integers exactly). Prints one line per test and last\n"
    "'N passed, N failed, N unsupported' (', N skipped' when some were). Outcomes, the same for every target:\n"
    "PASS: every data set matched; FAIL: a mismatch, or an import, compile or run error; UNSUPPORTED: the error\n"
    "names an out-of-scope feature (8/4-bit floats, 4/2-bit integers, strings, complex numbers, sequence,\n"
    "optional, map and sparse values; npu: inputs/outputs of element types its runtime does not carry; the\n"
    "list is in docs/cli.md); SKIP: the target cannot run here (gpu without a GPU).\n"
    "Exit status 0 when no test failed and one passed, 77 when every test was skipped, else 1.\n"
    "--target npu quantizes each model (calibrated on --calib or on the folder's own data sets), compiles it\n"
    "for --config (default: configs/default.yaml as built into npuc), runs every data set through the artifact on --backend and\n"
    "compares the outputs bit for bit with the reference interpreter running the same quantized graph: that\n"
    "decides PASS/FAIL. The error against the stored fp32 outputs is printed as a figure, with the top-1\n"
    "class of score outputs. --artifact runs a given compiled artifact instead (and says whether it is\n"
    "byte-identical to the check's own compilation).\n"
    "Fidelity: every output of every set is compared with the stored fp32 output: SQNR (dB), cosine, max abs\n"
    "error, and for score rows the top-1 index and the top-5 overlap. --min-sqnr / --min-cos fail a folder\n"
    "below them on a held-out set (one no --calib folder names; all sets when all were calibrated on).\n"
    "--cross-validate compiles once per data set, calibrated on the folder's other sets, and judges that set.\n"
    "--target host compiles each model with the LLVM JIT for this CPU (docs/host-path.md) and compares with\n"
    "the stored outputs like --target ref; it also counts the generated kernels and the nodes that fell\n"
    "back to the reference interpreter. --target gpu compiles each model to PTX and runs it on an NVIDIA GPU\n"
    "through the CUDA driver (same comparison); without a GPU every test is SKIP with the reason.\n\n"
    "examples:\n"
    "  npuc check ../shared/testdata/onnx-node --target ref\n"
    "  npuc check ../shared/testdata/onnx-node --filter conv --quiet\n"
    "  npuc check ../shared/testdata/onnx-pytorch --target host --threads 2 --quiet\n"
    "  npuc check model_dir --target npu --config configs/edge.yaml --artifact model.npub\n"
    "  npuc check ../shared/testdata/models/mnist-8 --target npu --cross-validate --min-sqnr 25\n",
    {{"--target", true, "ref (reference interpreter), npu (compiled, on --backend), host (LLVM JIT) or gpu"},
     {"--threads", true, "host: JIT worker threads (default 0: every core)"},
     {"--config", true, "npu: hardware config (default: configs/default.yaml as built into npuc)"},
     {"--backend", true, "npu: device for the NPU segments, func (default), systemc or rtl"},
     {"--calib", true, "npu: calibration folder (default: the test folder's data sets); repeatable", true},
     {"--artifact", true, "npu: run this compiled artifact (one test folder)"},
     {"--calib-method", true, "npu: calibration range estimator: minmax (default), percentile, entropy or mse"},
     {"--bias-correction", false, "npu: quantize with empirical bias correction"},
     {"--calib-headroom", true, "npu: widen calibrated ranges by this factor (default 1 for int8, 4 for int16)"},
     {"--act-zero-point", true, "npu: symmetric (default, zero point 0) or asymmetric int8 activations"},
     {"--weight-rounding", true, "npu: nearest (default) or gptq weight rounding"},
     {"--mixed-precision", true, "npu: leave the layers nearest an output below DB float (on the host)"},
     {"--cross-validate", false, "npu: calibrate on the other data sets of the folder, once per set"},
     {"--min-sqnr", true, "npu: fail when an output's SQNR against fp32 is below DB on a held-out set"},
     {"--min-cos", true, "npu: fail when an output's cosine similarity against fp32 is below C on a held-out set"},
     {"--filter", true, "only tests whose folder name contains this text"},
     {"--quiet", false, "print only failures and the summary"},
     MaxMemoryOption},
    runCheckCmd,
};

} // namespace npuc
