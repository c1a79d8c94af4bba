// Program -> assembly text that assembles back to a byte-identical container (syntax: docs/assembly.md).
#include "AsmLexer.h"
#include "AsmParser.h"

#include "npu/isa/Assembler.h"

#include <sstream>

namespace npu::isa {

namespace {

std::string hex(uint64_t V) {
  std::ostringstream OS;
  OS << "0x" << std::hex << V;
  return OS.str();
}

std::string segmentName(const std::string &Name) {
  return asmtext::isIdentifier(Name) ? Name : asmtext::quoteString(Name);
}

std::string dims(const std::vector<int64_t> &Shape) {
  if (Shape.empty())
    return "scalar";
  std::string S;
  for (size_t I = 0; I < Shape.size(); ++I) {
    if (I)
      S += 'x';
    S += std::to_string(Shape[I]);
  }
  return S;
}

void withIndex(std::ostringstream &OS, const std::string &Text, size_t Index) {
  constexpr size_t Column = 56;
  OS << Text << std::string(Text.size() < Column ? Column - Text.size() : 1, ' ') << "; #" << Index << "\n";
}

} // namespace

std::string formatInstruction(const IsaLayout &L, const Instruction &I) {
  std::string S = opcodeName(I.opcode());
  std::vector<const FieldLayout *> Fields = L.fieldsOf(I.opcode());
  for (const FieldLayout *F : Fields)
    if (F->Kind == FieldKind::Suffix) {
      std::string Name = "?";
      Name += std::to_string(F->get(I));
      for (auto &[Choice, V] : asmtext::suffixChoices(F->Fmt))
        if (V == F->get(I))
          Name = Choice;
      S += "." + Name;
    }
  for (const FieldLayout *F : Fields) {
    int64_t V = F->get(I);
    if (F->Kind == FieldKind::Suffix || (F->Fmt == Format::Common && F->Kind != FieldKind::Flag) || V == 0)
      continue;
    S += " ";
    S += F->Name;
    if (F->Kind == FieldKind::Flag)
      continue;
    // DRAM byte addresses read best in hex, like the .segment addresses they point into.
    S += '=';
    S += std::string(F->Name) == "dram" ? hex(uint64_t(V)) : std::to_string(V);
  }
  return S;
}

std::string disassemble(const Program &P) {
  const HardwareConfig &C = P.Config;
  IsaLayout L(C);
  std::ostringstream OS;
  // The name goes into a comment, so one with odd characters is printed escaped.
  std::string Name = asmtext::wordOrQuoted(C.Name);
  OS << "; NPU program for config " << (Name == C.Name ? "'" + Name + "'" : Name) << ", hash " << C.Hash
     << "\n";
  OS << "; " << P.Insns.size() << " instructions, " << P.Uops.size() << " micro-ops, " << P.Segments.size()
     << " segments, " << P.IO.size() << " I/O bindings\n";
  OS << ".config_hash " << C.Hash << "\n";
  OS << ".dram " << hex(P.DramBytes) << "\n";
  for (const Segment &S : P.Segments) {
    OS << "\n.segment " << segmentName(S.Name) << " at " << hex(S.Address) << "  ; " << S.Data.size()
       << " bytes\n";
    static const char *Digits = "0123456789abcdef";
    constexpr size_t BytesPerLine = 32;
    for (size_t Pos = 0; Pos < S.Data.size(); Pos += BytesPerLine) {
      std::string Line = ".hex ";
      for (size_t K = Pos; K < S.Data.size() && K < Pos + BytesPerLine; ++K) {
        Line += Digits[S.Data[K] >> 4];
        Line += Digits[S.Data[K] & 15];
      }
      OS << Line << "\n";
    }
  }
  if (!P.Uops.empty() || P.UopBase != 0) {
    OS << "\n.uops at " << hex(P.UopBase) << "\n";
    for (size_t I = 0; I < P.Uops.size(); ++I) {
      std::string Line = "uop";
      for (const UopFieldLayout &F : L.uopFields())
        Line += std::string(" ") + F.Name + "=" + std::to_string(F.Ref(const_cast<MicroOp &>(P.Uops[I])));
      withIndex(OS, Line, I);
    }
  }
  if (!P.IO.empty())
    OS << "\n";
  for (const TensorBinding &B : P.IO) {
    OS << (B.IsInput ? ".input " : ".output ") << asmtext::wordOrQuoted(B.Name) << " " << B.DType << " "
       << dims(B.Shape) << " at " << hex(B.Address);
    if (B.Layout != "row-major")
      OS << " layout=" << asmtext::wordOrQuoted(B.Layout);
    OS << "\n";
  }
  if (!P.Meta.empty())
    OS << "\n";
  for (auto &[K, V] : P.Meta)
    OS << ".meta " << asmtext::wordOrQuoted(K) << " " << asmtext::quoteString(V) << "\n";
  OS << "\n";
  for (size_t I = 0; I < P.Insns.size(); ++I) {
    // `.node` lines appear where the provenance changes, so the tags assemble back unchanged.
    const std::string &Node = P.nodeOf(I);
    if (Node != (I ? P.nodeOf(I - 1) : std::string()))
      OS << (Node.empty() ? std::string(".node") : ".node " + asmtext::quoteString(Node)) << "\n";
    withIndex(OS, formatInstruction(L, P.Insns[I]), I);
  }
  return OS.str();
}

} // namespace npu::isa
