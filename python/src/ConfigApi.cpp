// npu.Config: a hardware config (YAML) loaded and validated by the config library, its keys read by their YAML
// names ("core.block_in"), its canonical YAML and hash.
#include "Bindings.h"
#include "Convert.h"

#include "npu/compiler/passes/Pass.h"
#include "npu/config/HardwareConfig.h"

#include <functional>
#include <utility>
#include <vector>

namespace npupy {

using npu::HardwareConfig;

namespace {

py::object keyValue(uint64_t V) { return py::int_(V); }
py::object keyValue(double V) { return py::float_(V); }
py::object keyValue(npu::DType V) { return py::str(npu::dtypeName(V)); }
py::object keyValue(const std::string &V) { return py::str(V); }

using KeyReader = std::function<py::object(const HardwareConfig &)>;

/// Every key of ConfigKeys.def in schema order, named as in the YAML file ("core.block_in", "name").
const std::vector<std::pair<std::string, KeyReader>> &configKeys() {
  static const std::vector<std::pair<std::string, KeyReader>> Keys = {
#define NPU_CONFIG_KEY(Section, Key, Member, Kind, Default, Min, Max, Doc)                                             \
  {std::string(#Section).empty() ? std::string(#Key) : std::string(#Section) + "." + #Key,                             \
   [](const HardwareConfig &C) { return keyValue(C.Member); }},
#include "npu/config/ConfigKeys.def"
  };
  return Keys;
}

py::object configKey(const HardwareConfig &C, const std::string &Key) {
  for (const auto &[Name, Read] : configKeys())
    if (Name == Key)
      return Read(C);
  throw py::key_error("no config key '" + Key + "' (Config.keys() lists them)");
}

py::list keyNames() {
  py::list Out;
  for (const auto &Entry : configKeys())
    Out.append(Entry.first);
  return Out;
}

py::dict derivedValues(const HardwareConfig &C) {
  const npu::DerivedConfig &D = C.D;
  py::dict Out;
  Out["input_depth"] = D.InputDepth, Out["weight_depth"] = D.WeightDepth, Out["acc_depth"] = D.AccDepth;
  Out["output_depth"] = D.OutputDepth, Out["uop_depth"] = D.UopDepth;
  Out["instruction_bytes"] = D.InstructionBytes;
  Out["peak_macs_per_cycle"] = D.PeakMacsPerCycle, Out["peak_gops"] = D.PeakGops;
  return Out;
}

} // namespace

void bindConfig(py::module_ &M) {
  py::class_<HardwareConfig>(M, "Config", "A hardware config: configs/*.yaml, validated, with derived values.")
      .def_static(
          "load", [](const std::string &Path) { return unwrap(npu::loadHardwareConfig(Path)); }, py::arg("path"),
          "Loads and validates a YAML config file (errors name the file, line and key).")
      .def_static(
          "from_yaml",
          [](const std::string &Yaml, const std::string &Source) {
            return unwrap(npu::parseHardwareConfig(Yaml, Source));
          },
          py::arg("yaml"), py::arg("source") = "<string>", "Parses a config from YAML text.")
      .def_static("default", &npu::defaultHardwareConfig,
                  "The default design point (configs/default.yaml as built into the library).")
      .def_property_readonly("name", [](const HardwareConfig &C) { return C.Name; })
      .def_property_readonly(
          "hash", [](const HardwareConfig &C) { return C.Hash; }, "SHA-256 of the canonical YAML (hex).")
      .def_property_readonly("short_hash", &HardwareConfig::shortHash)
      .def_property_readonly("yaml", &HardwareConfig::canonicalYaml, "Every key in schema order, defaults filled in.")
      .def_property_readonly("source", [](const HardwareConfig &C) { return C.SourcePath; })
      .def_property_readonly("derived", &derivedValues, "Buffer depths in rows, instruction size, peak throughput.")
      .def("describe", &HardwareConfig::describe, "The table of `npuc config show`.")
      .def(
          "check_compilable", [](const HardwareConfig &C) { check(npu::passes::checkQuantizeConfig(C)); },
          "Raises npu.Error when models cannot be compiled for this config (as `npuc config check`).")
      .def_static("keys", &keyNames, "The YAML key names, in schema order.")
      .def("__getitem__", &configKey, py::arg("key"))
      .def("__contains__",
           [](const HardwareConfig &, const std::string &Key) {
             for (const auto &Entry : configKeys())
               if (Entry.first == Key)
                 return true;
             return false;
           })
      .def("to_dict",
           [](const HardwareConfig &C) {
             py::dict Out;
             for (const auto &[Name, Read] : configKeys())
               Out[py::str(Name)] = Read(C);
             return Out;
           })
      .def("__eq__", [](const HardwareConfig &A, const HardwareConfig &B) { return A.Hash == B.Hash; })
      .def("__hash__", [](const HardwareConfig &C) { return py::hash(py::str(C.Hash)); })
      .def("__repr__", [](const HardwareConfig &C) { return "<npu.Config '" + C.Name + "' " + C.shortHash() + ">"; });
}

} // namespace npupy
