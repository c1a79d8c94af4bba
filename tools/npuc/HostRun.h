// npuc's host path: the artifact of `compile --target host` and the executor host segments run on.
#pragma once

#include "Command.h"

#include "npu/backend/HostArtifact.h"
#include "npu/runtime/ModelRunner.h"

namespace npuc {

/// True for the backends that run a model on the host path instead of an NPU device (host, gpu).
bool isHostBackend(const std::string &Backend);

// The artifact of `npuc compile --target host` and of `npuc run MODEL.onnx` (shared with the Python module).
using npu::backend::compileHostArtifact;
using npu::backend::hostArtifact;

/// The value of --threads: a number of host threads from 0 (all cores) to 1024, else an error saying so.
npu::Expected<int> threadsOption(const Args &A);

/// How host segments run, from --backend (host, gpu or an NPU device), --host-backend ref|jit and --threads.
/// Usage errors come back as an error whose message starts with "usage: ".
npu::Expected<npu::runtime::ModelRunOptions> hostRunOptions(const Args &A, const std::string &Backend);

} // namespace npuc
