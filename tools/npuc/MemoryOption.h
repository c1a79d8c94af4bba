// --max-memory SIZE of npuc compile, run, check and asm: the memory bound passed to the importer, the reference
// interpreter, the DRAM image and the assembler (npu::MemoryLimit).
#pragma once

#include "Command.h"

#include "npu/support/MemoryLimit.h"

namespace npuc {

inline const OptionSpec MaxMemoryOption = {
    "--max-memory", true, "refuse tensors, DRAM images and data larger than SIZE (e.g. 2GiB; default 2GiB)"};

/// --max-memory as a limit (a size as config files write it: 4096, 512MiB, 2GiB), or the default.
inline npu::Expected<npu::MemoryLimit> maxMemoryOption(const Args &A) {
  npu::MemoryLimit L;
  if (!A.has("--max-memory"))
    return L;
  auto Bytes = npu::parseConfigBytes(A.get("--max-memory"));
  if (!Bytes || *Bytes == 0)
    return npu::makeError("--max-memory must be a size such as 512MiB or 2GiB, got '", A.get("--max-memory"), "'");
  L.Bytes = *Bytes;
  return L;
}

} // namespace npuc
