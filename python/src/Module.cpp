// The npu Python module: configs, compilation of ONNX models and runs on the simulators and the host, with
// numpy arrays in and out (docs/python.md).
#include "Bindings.h"
#include "Convert.h"

PYBIND11_MODULE(npu, M) {
  M.doc() = "The NPU compiler stack from Python: npu.Config, npu.compile, npu.Artifact, npu.run (docs/python.md).";
  pybind11::register_exception<npupy::NpuError>(M, "Error", PyExc_RuntimeError);
  npupy::bindConfig(M);
  npupy::bindCompile(M);
  npupy::bindRun(M);
  npupy::bindSweep(M);
}
