// Text assembly <-> isa::Program. The syntax is documented in docs/assembly.md; field names come from Isa.def.
#pragma once

#include "npu/isa/Program.h"
#include "npu/support/MemoryLimit.h"

#include <string>
#include <string_view>

namespace npu::isa {

/// Assembles a program for config C. Errors name the source, the line and the offending token
/// ("prog.s:12: load: field 'sram' value 9000 does not fit ..."). Values wider than their field are errors, and
/// so is data (.random, .zero, ...) that would take more than Limit, before it is generated.
Expected<Program> assemble(std::string_view Text, const HardwareConfig &C, const std::string &SourceName,
                           const MemoryLimit &Limit = {});
Expected<Program> assembleFile(const std::string &Path, const HardwareConfig &C, const MemoryLimit &Limit = {});

/// Prints a whole program (directives, data, micro-ops, instructions) as assembly text that assembles back,
/// for the same config, to a byte-identical container.
std::string disassemble(const Program &P);
/// One instruction as a single assembly line, without a trailing newline.
std::string formatInstruction(const IsaLayout &L, const Instruction &I);

} // namespace npu::isa
