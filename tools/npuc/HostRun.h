// npuc's host path: the artifact of `compile --target host` and the executor host segments run on.
#pragma once

#include "Command.h"

#include "npu/backend/Artifact.h"
#include "npu/compiler/frontend/LoadModel.h"
#include "npu/runtime/ModelRunner.h"

namespace npuc {

/// True for the backends that run a model on the host path instead of an NPU device (host, gpu).
bool isHostBackend(const std::string &Backend);

/// The artifact of `npuc compile --target host`: one host segment holding the optimized float graph G (the
/// host pipeline's output), JIT-compiled when it is loaded. Config is only recorded.
npu::Expected<npu::backend::ModelArtifact> hostArtifact(const npu::ir::Graph &G,
                                                        const npu::HardwareConfig &Config);

/// Imports an ONNX model, runs the host pass pipeline and packages it like hostArtifact (npuc run MODEL.onnx).
npu::Expected<npu::backend::ModelArtifact> compileHostArtifact(const std::string &OnnxPath,
                                                               const npu::frontend::ImportOptions &Import);

/// How host segments run, from --backend (host, gpu or an NPU device), --host-backend ref|jit and --threads.
/// Usage errors come back as an error whose message starts with "usage: ".
npu::Expected<npu::runtime::ModelRunOptions> hostRunOptions(const Args &A, const std::string &Backend);

} // namespace npuc
