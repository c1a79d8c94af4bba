// npu.run: a model artifact on an NPU backend (func, systemc, rtl) or the host, numpy arrays in and out, and the
// statistics `npuc run --stats` writes (with the run's energy), parsed into a dict.
#include "Artifact.h"
#include "Bindings.h"
#include "Convert.h"

#include "npu/codesign/Tech.h"
#include "npu/runtime/HostJit.h"
#include "npu/runtime/Device.h"
#include "npu/runtime/LayerReport.h"
#include "npu/runtime/ModelLatency.h"
#include "npu/runtime/ModelRunner.h"
#include "npu/runtime/TensorProto.h"

#include <pybind11/stl.h>

#include <fstream>

namespace npupy {

using namespace npu;

namespace {

/// Inputs in the artifact's order from a dict (by name), a list or tuple (by position), or one array.
std::vector<std::optional<ir::NamedTensor>> inputTensors(const backend::ModelArtifact &A, const py::object &In) {
  std::vector<py::object> Given(A.Inputs.size());
  if (py::isinstance<py::dict>(In)) {
    py::dict D = In.cast<py::dict>();
    for (const auto &[Key, Value] : D) {
      std::string Name = py::str(Key).cast<std::string>();
      size_t K = 0;
      while (K < A.Inputs.size() && A.Inputs[K].Name != Name)
        ++K;
      if (K == A.Inputs.size())
        throw NpuError("the model has no input '" + Name + "' (Artifact.inputs lists them)");
      Given[K] = py::reinterpret_borrow<py::object>(Value);
    }
  } else if (py::isinstance<py::list>(In) || py::isinstance<py::tuple>(In)) {
    py::sequence S = In.cast<py::sequence>();
    if (S.size() != A.Inputs.size())
      throw NpuError("the model takes " + std::to_string(A.Inputs.size()) + " inputs, got " + std::to_string(S.size()));
    for (size_t K = 0; K < Given.size(); ++K)
      Given[K] = S[K];
  } else if (!In.is_none() && A.Inputs.size() == 1) {
    Given[0] = In;
  }
  std::vector<std::optional<ir::NamedTensor>> Out;
  for (size_t K = 0; K < Given.size(); ++K) {
    const backend::ArtifactValue &V = A.Inputs[K];
    if (!Given[K])
      throw NpuError("no array for input '" + V.Name + "' (every input is required)");
    Out.push_back(toTensor(V.Name, Given[K], runtimeType(V.Elem, V.Name)));
  }
  return Out;
}

/// The device of an NPU backend; none for the host, which runs artifacts without NPU segments only.
std::unique_ptr<runtime::Device> deviceFor(const backend::ModelArtifact &A, const std::string &Backend) {
  if (Backend != "host")
    return unwrap(runtime::makeDevice(Backend, A.Config));
  for (const backend::ArtifactSegment &S : A.Segments)
    if (S.K == backend::ArtifactSegment::Npu)
      throw NpuError("segment '" + S.Name +
                     "' is an NPU program: run this artifact on an NPU backend (func, "
                     "systemc, rtl); backend 'host' runs artifacts compiled with target='host'");
  return nullptr;
}

/// The --stats JSON of npuc run: the timing backends' statistics (or the operation counts alone), the model's
/// latency L and the run's energy from the technology file
/// (configs/tech/45nm.yaml built in by default).
std::string statsJson(const backend::ModelArtifact &A, const runtime::ModelOutcome &R, const std::string &Backend,
                      const runtime::ModelLatency &L, const py::object &TechPath) {
  const HardwareConfig &C = A.Config;
  std::string Json = R.Total.toJson(C);
  sim::SimStats Counts = R.Total;
  if (runtime::hasTiming(R)) {
    sim::TimingStats T = unwrap(runtime::modelTiming(R));
    Json = runtime::timingStatsJson(T, C, Backend);
    Counts = T.Counts;
  }
  codesign::TechModel Tech =
      TechPath.is_none() ? codesign::defaultTech() : unwrap(codesign::loadTech(py::str(TechPath).cast<std::string>()));
  Json = codesign::addJsonMember(Json, "latency", L.toJson());
  return codesign::addJsonMember(Json, "energy", codesign::runEnergy(Counts, C, Tech).toJson(Tech));
}

/// The trace of npuc run --trace: the NPU segments' spans and the host segments on a host track, placed by L.
void writeTrace(const backend::ModelArtifact &A, const runtime::ModelOutcome &R, const runtime::ModelLatency &L,
                const std::string &Path) {
  if (!runtime::hasTiming(R))
    throw NpuError("trace: no NPU segment ran on a timing backend (systemc, rtl), so there is nothing to trace");
  std::string Json = unwrap(runtime::modelTraceJson(A, R, L));
  std::ofstream Out(Path, std::ios::binary | std::ios::trunc);
  Out << Json;
  if (!Out)
    throw NpuError(Path + ": cannot write the trace file");
}

host::HostOptions jitOptions(int Threads) {
  host::HostOptions O;
  O.Threads = Threads;
  return O;
}

py::tuple run(const py::object &Art, const py::object &Inputs, const std::string &Backend,
              const std::string &HostBackend, int Threads, std::optional<double> HostGflops, const py::object &Tech,
              const py::object &Trace) {
  const PyArtifact Loaded = py::isinstance<PyArtifact>(Art) ? PyArtifact() : loadArtifact(py::str(Art));
  const backend::ModelArtifact &A = py::isinstance<PyArtifact>(Art) ? Art.cast<const PyArtifact &>().A : Loaded.A;
  if (Backend != "func" && Backend != "systemc" && Backend != "rtl" && Backend != "host")
    throw py::value_error("backend must be func, systemc, rtl or host, got '" + Backend + "'");
  if (HostBackend != "jit" && HostBackend != "ref")
    throw py::value_error("host_backend must be jit or ref, got '" + HostBackend + "'");
  if (Threads < 0)
    throw py::value_error("threads must be >= 0 (0: every core)");
  if (HostGflops && !(*HostGflops > 0))
    throw py::value_error("host_gflops must be a positive number of GFLOP/s");
  runtime::ModelRunOptions Opts; // host segments: the LLVM JIT as npuc run's default, or the interpreter
  if (Backend == "host" || HostBackend == "jit")
    Opts.Host = host::jitHostExecutor(jitOptions(Threads));
  std::vector<std::optional<ir::NamedTensor>> In = inputTensors(A, Inputs);
  std::unique_ptr<runtime::Device> Dev = deviceFor(A, Backend);
  Expected<runtime::ModelOutcome> R = makeError("not run");
  {
    py::gil_scoped_release Unlocked;
    R = runtime::runModel(Dev.get(), A, In, Opts);
  }
  if (!R)
    throw NpuError(R.message());
  const runtime::ModelLatency L = runtime::modelLatency(*R, A.Config, HostGflops);
  if (!Trace.is_none())
    writeTrace(A, *R, L, py::str(Trace).cast<std::string>());
  py::dict Outputs;
  for (size_t K = 0; K < R->Outputs.size(); ++K)
    Outputs[py::str(K < A.Outputs.size() ? A.Outputs[K].Name : R->Outputs[K].Name)] = toNumpy(R->Outputs[K].Data);
  return py::make_tuple(Outputs, parseJson(statsJson(A, *R, Backend, L, Tech)));
}

py::array loadTensor(const py::object &Path) {
  return toNumpy(unwrap(runtime::readTensorProto(py::str(Path).cast<std::string>())).Data);
}

void saveTensor(const py::object &Path, const py::array &Array, const std::string &Name) {
  const std::string Type = py::str(Array.dtype()).cast<std::string>();
  ir::ElemType Elem = unwrap(runtime::parseDType(Type));
  check(runtime::writeTensorProto(toTensor(Name, Array, Elem), py::str(Path).cast<std::string>()));
}

} // namespace

void bindRun(py::module_ &M) {
  M.def("load_tensor", &loadTensor, py::arg("path"),
        "Reads an ONNX TensorProto file (input_K.pb, output_K.pb of the backend-test layout) as a numpy array.");
  M.def("save_tensor", &saveTensor, py::arg("path"), py::arg("array"), py::arg("name") = "",
        "Writes a numpy array (int8, uint8, int16, int32, int64 or float32) as an ONNX TensorProto file.");
  M.def("run", &run, py::arg("artifact"), py::arg("inputs") = py::none(), py::arg("backend") = "func", py::kw_only(),
        py::arg("host_backend") = "jit", py::arg("threads") = 0, py::arg("host_gflops") = py::none(),
        py::arg("tech") = py::none(), py::arg("trace") = py::none(),
        "Runs an npu.Artifact on backend func, systemc, rtl or host. inputs: {name: array}, a list in the\n"
        "artifact's input order, or one array. Returns (outputs, stats): outputs {name: array} in the\n"
        "artifact's output order; stats the dict of `npuc run --stats` (systemc and rtl: total_cycles, units,\n"
        "the per-layer table stats['nodes'], ...; every backend: counts, latency and energy). host_backend: jit\n"
        "or ref for host segments; host_gflops: model host time as FLOPs / G instead of measuring it (as\n"
        "npuc run --host-gflops); trace: write a Chrome/Perfetto trace to this path (systemc, rtl).");
  M.def(
      "backends",
      [] {
        return std::vector<std::string>{"func", "systemc", "rtl", "host"};
      },
      "The backends npu.run accepts.");
}

} // namespace npupy
