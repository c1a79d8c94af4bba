// The assembler's state machine (internal to isa/src): symbols, the program being built and line handlers.
#pragma once

#include "AsmLexer.h"
#include "npu/support/MemoryLimit.h"

#include "npu/isa/Assembler.h"

#include <map>
#include <optional>

namespace npu::isa::asmtext {

/// Turns assembly text into a Program in two passes: pass 1 defines the symbols (.equ, segment names, `uops`)
/// in order, pass 2 builds everything else with every symbol known. Every error is "source:line: message".
class AsmParser {
public:
  AsmParser(const HardwareConfig &C, std::string SourceName, const MemoryLimit &Limit = {});
  Expected<Program> run(std::string_view Text);

private:
  using Tokens = std::vector<Token>;

  // Symbols and values (Assembler.cpp).
  Status defineSymbol(const std::string &Name, int64_t Value);
  Expected<int64_t> evalValue(const Token &T, const char *What) const;
  Expected<int64_t> evalExpr(std::string_view S) const;

  // Lines (Assembler.cpp).
  Status definePass(const Tokens &T);
  Status statement(const Tokens &T);
  Status instruction(const Tokens &T);
  Status microOp(const Tokens &T);
  Status finish();

  // Directives (AsmDirectives.cpp).
  Status directive(const Tokens &T);
  Status segmentDirective(const Tokens &T);
  Status dataDirective(const Tokens &T);
  Status randomDirective(const Tokens &T);
  Status ioDirective(const Tokens &T, bool IsInput);
  Status metaDirective(const Tokens &T);
  Status nodeDirective(const Tokens &T);
  Status configHashDirective(const Tokens &T);
  Status dramDirective(const Tokens &T);
  Status uopsDirective(const Tokens &T);
  /// Appends bytes to the current segment (error if there is none or it grows too large).
  /// What a data directive that adds NewBytes may allocate: the program's data, every segment together, stays
  /// within Limit (checked before a value is generated).
  Status checkData(uint64_t NewBytes, const std::string &What) const;
  Status appendBytes(const std::vector<uint8_t> &Bytes, const char *Directive);
  /// Appends 4-bit values, continuing a half-filled byte left by the previous .i4 / .random int4.
  Status appendNibbles(const std::vector<int64_t> &Values, const char *Directive);
  Status checkLayout();

  Error err(const std::string &Msg) const;
  Error errAt(unsigned Line, const std::string &Msg) const;

  const HardwareConfig &C;
  MemoryLimit Limit; ///< bounds the data directives (--max-memory)
  IsaLayout L;
  std::string Source;
  unsigned Line = 0; ///< line being processed (1-based)
  unsigned LastLine = 0;
  bool DefinePass = true;

  Program P;
  std::map<std::string, int64_t> Symbols;
  std::map<std::string, unsigned> SymbolLines;
  std::optional<size_t> CurSegment; ///< index into P.Segments that data lines append to
  bool HalfByte = false;            ///< the current segment's last byte has only its low nibble set
  std::string CurNode;              ///< the node `.node` tags the following instructions with ("": none)
  std::optional<unsigned> DramLine, UopsLine, ConfigHashLine;
  std::vector<unsigned> SegmentLines, IOLines, InsnLines;
};

/// The names of the values a Suffix-kind field takes in the given format (load.inp, alu.add), from Isa.def.
std::vector<std::pair<std::string, int64_t>> suffixChoices(Format F);

} // namespace npu::isa::asmtext
