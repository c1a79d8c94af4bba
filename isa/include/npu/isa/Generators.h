// Text generated from the single ISA spec (Isa.def) and config schema (ConfigKeys.def): RTL package and docs.
#pragma once

#include "npu/config/HardwareConfig.h"

#include <string>

namespace npu::isa {

/// SystemVerilog package `npu_isa_pkg`: config keys (CFG_*), derived depths, opcodes, memory types,
/// ALU ops and every field's LSB/WIDTH for this config. Marked as generated.
std::string generateSvPackage(const HardwareConfig &C);
/// Markdown reference of every instruction and micro-op field for this config.
std::string generateIsaDoc(const HardwareConfig &C);
/// Markdown reference of every config key: section, type, default, range, meaning.
std::string generateConfigSchemaDoc();

} // namespace npu::isa
