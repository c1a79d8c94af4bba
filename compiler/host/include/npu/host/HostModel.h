// Host (CPU) path: compiles a whole Graph IR graph to native code with LLVM ORC LLJIT and runs it.
#pragma once

#include "npu/compiler/ir/Graph.h"
#include "npu/support/Status.h"

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

namespace npu::host {

struct HostOptions {
  /// Worker threads for the kernels; 0 means every core of the machine.
  int Threads = 0;
  /// LLVM optimization level of the generated code (0..3).
  int OptLevel = 3;
  /// Directory of the on-disk object cache; empty picks $XDG_CACHE_HOME/npu/host-jit (or ~/.cache/...).
  std::string CacheDir;
  /// Reads and writes the on-disk object cache.
  bool UseDiskCache = true;
  /// Reuses objects compiled earlier by this process.
  bool UseMemoryCache = true;
  /// Nodes without a code generator run on the reference interpreter; when false they are an error.
  bool AllowFallback = true;
  /// Fuses a Conv/Gemm/MatMul with the BatchNormalization, bias Add, residual Add and activation after it.
  bool Fuse = true;
  /// Overrides the host CPU (e.g. "x86-64-v3") and its feature string; empty: ask LLVM about this machine.
  std::string Cpu, Features;
  /// Times every step of run() (see HostModel::profile()).
  bool Profile = false;
  /// Values fixed at compile time for these graph inputs (e.g. a Reshape's shape fed as an input); run()
  /// refuses other values for them.
  std::map<std::string, ir::Tensor> SpecializeInputs;
};

/// Figures about one compile.
struct HostStats {
  double LowerMs = 0;   ///< graph analysis, LLVM IR generation and weight packing
  double CompileMs = 0; ///< LLVM optimization and machine code generation (0 on a cache hit)
  double LinkMs = 0;    ///< loading the object into the JIT
  bool CacheHit = false;
  std::string CacheSource; ///< "memory", "disk" or "" (compiled)
  int Kernels = 0;         ///< generated kernels (a fused group counts once)
  int FusedNodes = 0;      ///< nodes folded into another node's kernel
  int FoldedNodes = 0;     ///< nodes evaluated at compile time (all inputs constant)
  int AliasedNodes = 0;    ///< reshapes that reuse their input's memory (no code)
  int FallbackNodes = 0;   ///< nodes run by the reference interpreter
  std::vector<std::string> FallbackOps; ///< their op types, one entry per node
  std::string Cpu, Features, Triple;
  int VectorBits = 0;
  double totalMs() const { return LowerMs + CompileMs + LinkMs; }
};

/// Process-wide counters of the object cache (for tests and reports).
struct CacheCounters {
  int64_t MemoryHits = 0, DiskHits = 0, Misses = 0, Stores = 0;
};
CacheCounters cacheCounters();

/// Time spent in one step over all profiled runs.
struct StepProfile {
  std::string Kernel; ///< the kernel's symbol, or "fallback <op>"
  std::string Ops;    ///< the op types of the step's nodes, joined by '+'
  std::vector<std::string> Nodes; ///< the names of the step's nodes (the op type where a node has none)
  double Ms = 0;
  int64_t Runs = 0;
  double Work = 0; ///< the kernel's own estimate of its operations per run (flops for GEMMs)
};

class HostModel {
public:
  virtual ~HostModel();
  /// Runs the model: Inputs[K] feeds graph input K and must have its type. One tensor per graph output.
  virtual Expected<std::vector<ir::Tensor>> run(const std::vector<ir::Tensor> &Inputs) = 0;
  /// Like run(), writing into Outputs: tensors already of the right types are reused (no allocation).
  virtual Status runInto(const std::vector<ir::Tensor> &Inputs, std::vector<ir::Tensor> &Outputs) = 0;
  virtual const HostStats &stats() const = 0;
  /// The generated LLVM IR (textual), as it was compiled (before optimization).
  virtual const std::string &irText() const = 0;
  /// Per-step times when compiled with HostOptions::Profile (else empty).
  virtual std::vector<StepProfile> profile() const = 0;
};

/// Lowers every node of G to LLVM IR, compiles it for the host CPU (or takes it from the cache) and loads it.
Expected<std::unique_ptr<HostModel>> compileHostModel(const ir::Graph &G, const HostOptions &Opts = {});

/// True when the host path has a code generator for the operator (others may fall back).
bool hasHostKernel(std::string_view OpType);

/// The default on-disk cache directory ($XDG_CACHE_HOME/npu/host-jit or $HOME/.cache/npu/host-jit).
std::string defaultCacheDir();

} // namespace npu::host
