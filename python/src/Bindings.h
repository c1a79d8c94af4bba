// The parts of the npu Python module, one per area (Module.cpp calls them in order).
#pragma once

#include <pybind11/pybind11.h>

namespace npupy {

void bindConfig(pybind11::module_ &M);  ///< npu.Config
void bindCompile(pybind11::module_ &M); ///< npu.Artifact, npu.compile
void bindRun(pybind11::module_ &M);     ///< npu.run, npu.backends, npu.load_tensor, npu.save_tensor
void bindSweep(pybind11::module_ &M);   ///< npu.sweep

} // namespace npupy
