// Entry points between the LLVM-free executor and the LLVM-based code generators (internal).
#pragma once

#include "Program.h"

#include <memory>
#include <string>

namespace npu::host {

/// Keeps the JIT (and the code it loaded) alive.
class CompiledCode {
public:
  virtual ~CompiledCode();
};

/// Lowers P to LLVM IR for the host CPU, compiles it (or takes the object from the cache), loads it with ORC
/// LLJIT and sets every kernel step's Fn. Fills Stats and IrText.
Expected<std::unique_ptr<CompiledCode>> compileForHost(Program &P, const HostOptions &Opts, HostStats &Stats,
                                                       std::string &IrText);

} // namespace npu::host
