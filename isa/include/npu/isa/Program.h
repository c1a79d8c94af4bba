// isa::Program and its container format (.npub): instructions, micro-ops, DRAM image, I/O table, config.
#pragma once

#include "npu/config/HardwareConfig.h"
#include "npu/isa/Isa.h"
#include "npu/support/MemoryLimit.h"

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace npu::isa {

/// A named, initialized region of DRAM.
struct Segment {
  std::string Name;
  uint64_t Address = 0;
  std::vector<uint8_t> Data;
  bool operator==(const Segment &) const = default;
};

/// One tensor of the program's interface: where the runtime writes an input or reads an output.
struct TensorBinding {
  std::string Name;
  bool IsInput = true;
  std::string DType; ///< int4, int8, int16, int32, uint8 or float32 (int4 packed two per byte, low first)
  std::vector<int64_t> Shape; ///< logical shape
  uint64_t Address = 0;       ///< DRAM byte address
  std::string Layout = "row-major";
  bool operator==(const TensorBinding &) const = default;
  uint64_t elementCount() const;
  uint64_t byteSize() const;
};

/// Every element type an I/O binding may declare.
bool isValidTensorDType(const std::string &DType);
unsigned tensorDTypeBits(const std::string &DType);

struct Program {
  HardwareConfig Config;
  std::vector<Instruction> Insns;
  uint64_t UopBase = 0; ///< DRAM byte address where the micro-op table is placed
  std::vector<MicroOp> Uops;
  std::vector<Segment> Segments;
  std::vector<TensorBinding> IO;
  uint64_t DramBytes = 0; ///< DRAM size the program may touch; every access is checked against it
  std::vector<std::pair<std::string, std::string>> Meta; ///< free-form provenance (tool, source file, ...)
  /// Per-instruction provenance: the graph node (e.g. the ONNX node) each instruction was generated for.
  /// InsnNode is empty when no instruction is tagged; otherwise it has one entry per instruction, an index
  /// into NodeNames or NoNode. Names are non-empty. The container stores the names in order of first use.
  std::vector<std::string> NodeNames;
  std::vector<uint32_t> InsnNode;
  static constexpr uint32_t NoNode = 0xffffffffu;

  /// The DRAM address range of the micro-op table.
  uint64_t uopTableBytes() const { return Uops.size() * Config.D.UopRowBytes; }
  /// Builds the initial DRAM image: zeros, the segments and the packed micro-op table. A DRAM larger than
  /// Limit is an error before anything is allocated.
  Expected<std::vector<uint8_t>> dramImage(const MemoryLimit &Limit = {}) const;
  /// Structural checks: every instruction legal, segments inside DRAM and not overlapping, I/O inside DRAM.
  Status verify() const;
  const TensorBinding *findIO(const std::string &Name) const;
  /// The node instruction I was generated for, or "" when it has none.
  const std::string &nodeOf(size_t I) const;
  /// Tags instruction I (which must exist) with node Name, adding the name if it is new.
  void setNode(size_t I, const std::string &Name);
};

/// Refuses to run P on a device of config C when P was built for another config (the config hashes differ;
/// a program without a recorded hash, hand-built in a test, runs anywhere). The one place where a program meets
/// the device's config: the functional simulator, the SystemC model and the RTL call it when they run.
Status checkBuiltFor(const Program &P, const HardwareConfig &C);

constexpr char ContainerMagic[4] = {'N', 'P', 'U', 'B'};
/// Version 2 added the node provenance section; version 1 files (without it) are still read.
constexpr uint32_t ContainerVersion = 2;

/// Serializes a program. Deterministic: the same program gives the same bytes.
Expected<std::vector<uint8_t>> writeContainer(const Program &P);
/// Parses and verifies a container. A truncated, corrupted, foreign or newer file is an error naming
/// SourceName; if Expected is given, a config hash other than Expected->Hash is refused.
Expected<Program> readContainer(const std::vector<uint8_t> &Bytes, const std::string &SourceName,
                                const HardwareConfig *Expected = nullptr);
Expected<Program> readContainerFile(const std::string &Path, const HardwareConfig *Expected = nullptr);
Status writeContainerFile(const Program &P, const std::string &Path);

} // namespace npu::isa
