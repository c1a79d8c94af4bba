// npu.compile and npu.Artifact: an ONNX model through the frontend, the target's pass pipeline (quantization
// calibrated on folders or numpy arrays) and the NPU backend, as `npuc compile` does; artifacts saved and loaded.
#include "Artifact.h"
#include "Bindings.h"
#include "Convert.h"

#include "npu/backend/HostArtifact.h"
#include "npu/compiler/frontend/LoadModel.h"
#include "npu/compiler/ir/Compare.h"
#include "npu/compiler/passes/PassManager.h"
#include "npu/runtime/TensorProto.h"

#include <pybind11/stl.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <optional>
#include <sstream>

namespace npupy {

using namespace npu;
namespace fs = std::filesystem;

namespace {

/// A private folder under the temporary directory, removed with its files when it goes out of scope.
class TempDir {
public:
  TempDir() {
    std::string Pattern = (fs::temp_directory_path() / "npu-calib-XXXXXX").string();
    if (!mkdtemp(Pattern.data()))
      throw NpuError("cannot create a temporary folder for the calibration sets");
    Path = Pattern;
  }
  TempDir(const TempDir &) = delete;
  TempDir &operator=(const TempDir &) = delete;
  ~TempDir() {
    std::error_code Ec;
    fs::remove_all(Path, Ec);
  }
  fs::path Path;
};

/// Writes calibration set K (a dict of input name to array, or one array for a one-input model) as the
/// input_N.pb files of the folder the quantizer reads; returns the folder.
std::string writeCalibSet(const ir::Graph &G, const py::handle &Set, size_t K, const fs::path &Root) {
  const fs::path Dir = Root / ("set_" + std::to_string(K));
  fs::create_directories(Dir);
  const bool IsDict = py::isinstance<py::dict>(Set);
  if (!IsDict && G.Inputs.size() != 1)
    throw NpuError("calib[" + std::to_string(K) + "]: the model has " + std::to_string(G.Inputs.size()) +
                   " inputs: give a dict of input name to array");
  for (size_t I = 0; I < G.Inputs.size(); ++I) {
    const std::string &Name = G.value(G.Inputs[I]).Name;
    if (IsDict && !Set.cast<py::dict>().contains(Name))
      throw NpuError("calib[" + std::to_string(K) + "]: no array for input '" + Name + "'");
    const ir::TensorType &Want = G.type(G.Inputs[I]);
    ir::NamedTensor T =
        toTensor(Name, IsDict ? Set.cast<py::dict>()[py::str(Name)] : Set, runtimeType(Want.Elem, Name));
    if (T.Data.shape() != Want.Dims && ir::sameShapeIgnoringLeadingOnes(T.Data.shape(), Want.Dims))
      T.Data.reshape(Want.Dims); // (3,32,32) for [1,3,32,32]
    check(runtime::writeTensorProto(T, (Dir / ("input_" + std::to_string(I) + ".pb")).string()));
  }
  return Dir.string();
}

HardwareConfig configArg(const py::object &Config) {
  if (Config.is_none())
    return defaultHardwareConfig();
  if (py::isinstance<HardwareConfig>(Config))
    return Config.cast<HardwareConfig>();
  return unwrap(loadHardwareConfig(py::str(Config).cast<std::string>()));
}

struct CompileArgs {
  std::string Model, Target;
  HardwareConfig Config;
  passes::PassOptions Pass;
  backend::CompileOptions Backend;
  bool Report = false;
};

/// After the frontend: the pass pipeline and the backend of the target, with the GIL released.
PyArtifact compileGraph(ir::Graph &G, CompileArgs &Args) {
  py::gil_scoped_release Unlocked;
  std::ostringstream Report;
  Args.Pass.Config = &Args.Config;
  Args.Pass.Report = Args.Report ? &Report : nullptr;
  check(passes::runPipeline(G, passes::defaultPipeline(Args.Target), Args.Pass, passes::PipelineOptions())
            .withContext(Args.Model));
  PyArtifact Out;
  if (Args.Target == "host") {
    Out.A = unwrap(backend::hostArtifact(G, Args.Config));
  } else {
    auto R = backend::compileModel(G, Args.Config, Args.Backend);
    if (!R)
      throw NpuError(Args.Model + ": " + R.message());
    if (Args.Report)
      Report << backend::formatPlacementReport(*R);
    Out.A = std::move(R->Artifact);
    Out.TileIr = std::move(R->TileText);
    Out.Placements = std::move(R->Placements);
  }
  Out.Report = Report.str();
  return Out;
}

PyArtifact compile(const py::object &Model, const py::object &Config, const std::string &Target,
                   const py::object &CalibDir, const py::object &Calib, const std::string &CalibMethod,
                   bool BiasCorrection, const py::object &CalibHeadroom, const std::string &ActZeroPoint,
                   const std::string &WeightRounding, const py::object &MixedPrecision, const py::object &InputShapes,
                   bool Tune, bool SerialSchedule, bool Report) {
  if (Target != "npu" && Target != "host")
    throw py::value_error("target must be 'npu' or 'host', got '" + Target + "'");
  const auto &Methods = passes::calibMethods();
  if (std::find(Methods.begin(), Methods.end(), CalibMethod) == Methods.end())
    throw py::value_error("calib_method must be minmax, percentile, entropy or mse, got '" + CalibMethod + "'");
  CompileArgs Args{py::str(Model).cast<std::string>(), Target, configArg(Config), {}, {}, Report};
  Args.Pass.CalibDirs = pathList(CalibDir);
  Args.Pass.CalibMethod = CalibMethod;
  Args.Pass.BiasCorrection = BiasCorrection;
  if (!CalibHeadroom.is_none() && (Args.Pass.CalibHeadroom = CalibHeadroom.cast<double>()) < 1)
    throw py::value_error("calib_headroom must be a factor >= 1");
  if (ActZeroPoint != "symmetric" && ActZeroPoint != "asymmetric")
    throw py::value_error("act_zero_point must be 'symmetric' or 'asymmetric', got '" + ActZeroPoint + "'");
  Args.Pass.AsymmetricActivations = ActZeroPoint == "asymmetric";
  if (WeightRounding != "nearest" && WeightRounding != "gptq")
    throw py::value_error("weight_rounding must be 'nearest' or 'gptq', got '" + WeightRounding + "'");
  Args.Pass.WeightRounding = WeightRounding;
  if (!MixedPrecision.is_none() && !((Args.Pass.MixedPrecisionDb = MixedPrecision.cast<double>()) > 0))
    throw py::value_error("mixed_precision must be an SQNR in dB > 0");
  Args.Backend.Tune = Tune;
  Args.Backend.Serial = SerialSchedule;
  frontend::ImportOptions Import;
  if (!InputShapes.is_none())
    Import.InputShapes = InputShapes.cast<std::map<std::string, std::vector<int64_t>>>();
  Expected<ir::Graph> G = makeError("not loaded");
  {
    py::gil_scoped_release Unlocked;
    G = frontend::loadModel(Args.Model, Import);
  }
  ir::Graph Graph = unwrap(std::move(G));
  std::optional<TempDir> Sets; // the calib arrays as input_K.pb folders, removed after the compilation
  if (!Calib.is_none()) {
    Sets.emplace();
    size_t K = 0;
    for (const py::handle &Set : Calib)
      Args.Pass.CalibDirs.push_back(writeCalibSet(Graph, Set, K++, Sets->Path));
  }
  return compileGraph(Graph, Args);
}

py::list valueList(const std::vector<backend::ArtifactValue> &Values) {
  py::list Out;
  for (const backend::ArtifactValue &V : Values)
    Out.append(py::dict(py::arg("name") = V.Name, py::arg("dtype") = std::string(ir::elemTypeName(V.Elem)),
                        py::arg("shape") = py::tuple(py::cast(V.Dims))));
  return Out;
}

py::list segmentList(const backend::ModelArtifact &A) {
  py::list Out;
  for (const backend::ArtifactSegment &S : A.Segments) {
    const bool Npu = S.K == backend::ArtifactSegment::Npu;
    Out.append(py::dict(py::arg("name") = S.Name, py::arg("kind") = Npu ? "npu" : "host", py::arg("nodes") = S.Nodes,
                        py::arg("inputs") = valueList(S.Inputs), py::arg("outputs") = valueList(S.Outputs),
                        py::arg("instructions") = Npu ? S.Program.Insns.size() : 0));
  }
  return Out;
}

PyArtifact fromBytes(const std::vector<uint8_t> &Bytes, const std::string &Source) {
  if (!backend::isModelArtifact(Bytes))
    throw NpuError(Source + ": not a model artifact (npuc compile or npu.compile writes them)");
  PyArtifact Out;
  Out.A = unwrap(backend::readModelArtifact(Bytes, Source));
  return Out;
}

std::vector<uint8_t> toBytes(const PyArtifact &A) { return unwrap(backend::writeModelArtifact(A.A)); }

} // namespace

PyArtifact loadArtifact(const std::string &Path) {
  std::ifstream In(Path, std::ios::binary);
  if (!In)
    throw NpuError(Path + ": cannot open");
  return fromBytes({std::istreambuf_iterator<char>(In), std::istreambuf_iterator<char>()}, Path);
}

void bindCompile(py::module_ &M) {
  py::class_<PyArtifact>(M, "Artifact", "A compiled model (.npub): NPU programs and host subgraphs in order.")
      .def_static(
          "load", [](const py::object &Path) { return loadArtifact(py::str(Path)); }, py::arg("path"),
          "Reads a .npub written by npuc compile or Artifact.save (its hashes are checked).")
      .def_static(
          "from_bytes",
          [](const py::bytes &B) {
            const std::string S = B;
            return fromBytes({S.begin(), S.end()}, "<bytes>");
          },
          py::arg("data"))
      .def(
          "save",
          [](const PyArtifact &A, const py::object &Path) {
            const std::string P = py::str(Path).cast<std::string>();
            std::vector<uint8_t> Bytes = toBytes(A);
            std::ofstream Out(P, std::ios::binary | std::ios::trunc);
            Out.write(reinterpret_cast<const char *>(Bytes.data()), std::streamsize(Bytes.size()));
            if (!Out)
              throw NpuError(P + ": cannot write");
          },
          py::arg("path"), "Writes the .npub file (the bytes npuc compile -o writes for the same compilation).")
      .def("to_bytes",
           [](const PyArtifact &A) {
             std::vector<uint8_t> Bytes = toBytes(A);
             return py::bytes(reinterpret_cast<const char *>(Bytes.data()), Bytes.size());
           })
      .def_property_readonly("config", [](const PyArtifact &A) { return A.A.Config; })
      .def_property_readonly("inputs", [](const PyArtifact &A) { return valueList(A.A.Inputs); })
      .def_property_readonly("outputs", [](const PyArtifact &A) { return valueList(A.A.Outputs); })
      .def_property_readonly("segments", [](const PyArtifact &A) { return segmentList(A.A); })
      .def_property_readonly("meta",
                             [](const PyArtifact &A) {
                               py::dict Out;
                               for (const auto &[Key, Value] : A.A.Meta)
                                 Out[py::str(Key)] = Value;
                               return Out;
                             })
      .def_property_readonly(
          "report", [](const PyArtifact &A) { return A.Report; },
          "compile(report=True): what the passes did and where each node runs.")
      .def_property_readonly("tile_ir", [](const PyArtifact &A) { return A.TileIr; })
      .def_property_readonly("placements",
                             [](const PyArtifact &A) {
                               py::list Out;
                               for (const backend::NodePlacement &P : A.Placements)
                                 Out.append(py::dict(py::arg("node") = P.Node, py::arg("op") = P.OpType,
                                                     py::arg("npu") = P.Npu, py::arg("reason") = P.Reason));
                               return Out;
                             })
      .def("__repr__", [](const PyArtifact &A) {
        return "<npu.Artifact " + std::to_string(A.A.Segments.size()) + " segments, config '" + A.A.Config.Name + "'>";
      });

  M.def("compile", &compile, py::arg("model"), py::arg("config") = py::none(), py::kw_only(), py::arg("target") = "npu",
        py::arg("calib_dir") = py::none(), py::arg("calib") = py::none(), py::arg("calib_method") = "minmax",
        py::arg("bias_correction") = false, py::arg("calib_headroom") = py::none(),
        py::arg("act_zero_point") = "symmetric", py::arg("weight_rounding") = "nearest",
        py::arg("mixed_precision") = py::none(), py::arg("input_shapes") = py::none(), py::arg("tune") = false,
        py::arg("serial_schedule") = false,
        py::arg("report") = false,
        "Compiles an ONNX model for the NPU (quantized, calibrated on calib_dir folders of input_K.pb files or on\n"
        "calib, a list of {input name: array} dicts) or for the host (target='host', float). config: an\n"
        "npu.Config or a YAML path (default: Config.default()). Returns an npu.Artifact.");
}

} // namespace npupy
