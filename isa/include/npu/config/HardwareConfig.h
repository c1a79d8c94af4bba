// HardwareConfig: the one description of an accelerator, loaded once from YAML, validated, with derived values.
#pragma once

#include "npu/support/Status.h"

#include <cstdint>
#include <string>
#include <string_view>

namespace npu {

/// Element types the NPU stores in its buffers. All are signed two's complement.
enum class DType { Int4, Int8, Int16, Int32 };

unsigned dtypeBits(DType T);
const char *dtypeName(DType T);
Expected<DType> parseDType(std::string_view Name);
/// Smallest and largest value of a signed type of the given width.
inline int64_t signedMin(unsigned Bits) { return -(int64_t(1) << (Bits - 1)); }
inline int64_t signedMax(unsigned Bits) { return (int64_t(1) << (Bits - 1)) - 1; }

/// Values that follow from the keys, computed once by the loader.
struct DerivedConfig {
  // Bytes of one buffer row: the unit every LOAD/STORE element and every micro-op index refers to.
  uint64_t InputRowBytes = 0;  ///< batch x block_in inputs
  uint64_t WeightRowBytes = 0; ///< block_out x block_in weights (one whole weight tile)
  uint64_t AccRowBytes = 0;    ///< batch x block_out accumulators
  uint64_t OutputRowBytes = 0; ///< batch x block_out outputs
  uint64_t UopRowBytes = 0;    ///< one micro-op word (4 or 8 bytes)
  uint64_t LutRowBytes = 1;    ///< one int8 lookup-table entry
  uint64_t LutDepth = 256;     ///< entries of the lookup table: one per int8 value
  // Buffer depths in rows.
  uint64_t UopDepth = 0, InputDepth = 0, WeightDepth = 0, AccDepth = 0, OutputDepth = 0;
  // ISA field widths.
  unsigned UopIndexBits = 0;    ///< micro-op buffer index
  unsigned InputIndexBits = 0;  ///< input buffer index
  unsigned WeightIndexBits = 0; ///< weight buffer index
  unsigned AccIndexBits = 0;    ///< accumulator (and output) buffer index
  unsigned SramIndexBits = 0;   ///< LOAD/STORE on-chip base: the widest buffer index
  unsigned UopSrcBits = 0;      ///< micro-op source field: input index for GEMM, accumulator index for ALU
  unsigned UopBits = 0;         ///< total micro-op bits (dst + src + wgt)
  unsigned ImmBits = 0;         ///< ALU immediates: the accumulator width
  unsigned ShiftBits = 0;       ///< ALU shift amount: enough for 2 x accumulator width
  unsigned InstructionBits = 0; ///< widest instruction, rounded up to 64-bit words
  unsigned InstructionBytes = 0;
  // Throughput.
  uint64_t PeakMacsPerCycle = 0;
  double PeakGops = 0; ///< 2 x MACs per second, in 10^9
};

struct HardwareConfig {
#define NPU_CONFIG_KEY(Section, Key, Member, Kind, Default, Min, Max, Doc) NPU_CONFIG_MEMBER_##Kind(Member);
#define NPU_CONFIG_MEMBER_UInt(M) uint64_t M = 0
#define NPU_CONFIG_MEMBER_Bytes(M) uint64_t M = 0
#define NPU_CONFIG_MEMBER_DType(M) DType M = DType::Int8
#define NPU_CONFIG_MEMBER_Real(M) double M = 0
#define NPU_CONFIG_MEMBER_Text(M) std::string M
#include "npu/config/ConfigKeys.def"
#undef NPU_CONFIG_MEMBER_UInt
#undef NPU_CONFIG_MEMBER_Bytes
#undef NPU_CONFIG_MEMBER_DType
#undef NPU_CONFIG_MEMBER_Real
#undef NPU_CONFIG_MEMBER_Text

  DerivedConfig D;
  std::string SourcePath; ///< where it was loaded from ("<embedded>" for artifacts)
  std::string Hash;       ///< SHA-256 hex of canonicalYaml()

  /// Full canonical YAML: every key in schema order, defaults filled in, bytes as integers.
  std::string canonicalYaml() const;
  /// First 16 hex digits of the hash, the form printed in reports.
  std::string shortHash() const { return Hash.substr(0, 16); }
  /// Human-readable table of keys and derived values (`npuc config show`).
  std::string describe() const;
  /// Buffer element types' widths.
  unsigned inputBits() const { return dtypeBits(InputType); }
  unsigned weightBits() const { return dtypeBits(WeightType); }
  unsigned accBits() const { return dtypeBits(AccType); }
  unsigned outputBits() const { return dtypeBits(OutputType); }
};

/// Loads and validates a config file, given by path or by the name of a shipped config ("edge": see
/// resolveConfigPath in ConfigFiles.h). Errors name the file, line, column and key.
Expected<HardwareConfig> loadHardwareConfig(const std::string &PathOrName);
/// Same, from YAML text; SourceName is used in error messages.
Expected<HardwareConfig> parseHardwareConfig(std::string_view Yaml, const std::string &SourceName);
/// The default design point: configs/default.yaml as built into the library (the same keys, values and hash).
HardwareConfig defaultHardwareConfig();
/// Every key at its schema default (ConfigKeys.def): what a config file gets for a key it leaves out. Not a
/// design point of its own (alu.concurrent is 0 here, 1 in configs/default.yaml).
HardwareConfig keyDefaultsConfig();
/// A size as config files write it (4096, 32KiB, 1MiB, 2GiB), in bytes.
Expected<uint64_t> parseConfigBytes(const std::string &Text);
/// A number as config files write it: a size (with or without a suffix) or a real number (200, 0.5).
Expected<double> parseConfigNumber(const std::string &Text);

/// ceil(log2(N)) for N >= 1, at least 1: the bits needed to index N entries.
unsigned indexBits(uint64_t N);

} // namespace npu
