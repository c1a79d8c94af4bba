// The assembler's driver: the two passes, values and symbols, instructions, micro-ops and the final checks.
#include "AsmParser.h"

#include <algorithm>
#include <cctype>
#include <fstream>
#include <set>
#include <sstream>

namespace npu::isa {

namespace asmtext {

std::vector<std::pair<std::string, int64_t>> suffixChoices(Format F) {
  std::vector<std::pair<std::string, int64_t>> R;
  if (F == Format::Mem)
    for (MemType M : allMemTypes())
      R.push_back({memTypeName(M), int64_t(M)});
  if (F == Format::Alu)
    for (AluOp A : allAluOps())
      R.push_back({aluOpName(A), int64_t(A)});
  return R;
}

AsmParser::AsmParser(const HardwareConfig &C, std::string SourceName, const MemoryLimit &Limit)
    : C(C), Limit(Limit), L(C), Source(std::move(SourceName)) {
  P.Config = C;
}

Error AsmParser::err(const std::string &Msg) const { return errAt(Line, Msg); }
Error AsmParser::errAt(unsigned At, const std::string &Msg) const {
  return makeError(Source, ":", At, ": ", Msg);
}

Expected<Program> AsmParser::run(std::string_view Text) {
  std::vector<Tokens> Lines;
  size_t Pos = 0;
  while (Pos < Text.size()) {
    size_t End = Text.find('\n', Pos);
    if (End == std::string_view::npos)
      End = Text.size();
    Line = unsigned(Lines.size() + 1);
    auto T = tokenizeLine(Text.substr(Pos, End - Pos));
    if (!T)
      return err(T.message());
    Lines.push_back(T.takeValue());
    Pos = End + 1;
  }
  LastLine = unsigned(std::max<size_t>(Lines.size(), 1));
  DefinePass = true;
  for (size_t I = 0; I < Lines.size(); ++I) {
    Line = unsigned(I + 1);
    if (!Lines[I].empty())
      NPU_TRY(definePass(Lines[I]));
  }
  DefinePass = false;
  UopsLine.reset(); // pass 2 sets it again where .uops appears, so uop lines above it are caught
  for (size_t I = 0; I < Lines.size(); ++I) {
    Line = unsigned(I + 1);
    if (!Lines[I].empty())
      NPU_TRY(statement(Lines[I]));
  }
  NPU_TRY(finish());
  return std::move(P);
}

Status AsmParser::defineSymbol(const std::string &Name, int64_t Value) {
  if (Name == "uops" && !UopsLine)
    return err("'uops' is reserved for the address of the micro-op table");
  if (auto It = SymbolLines.find(Name); It != SymbolLines.end())
    return err("symbol '" + Name + "' is already defined at line " + std::to_string(It->second));
  Symbols[Name] = Value;
  SymbolLines[Name] = Line;
  return Status::ok();
}

Expected<int64_t> AsmParser::evalValue(const Token &T, const char *What) const {
  if (T.Quoted)
    return err(std::string(What) + ": expected a number or symbol, not the string " + quoteString(T.Value));
  if (T.Value.empty())
    return err(std::string(What) + ": missing value");
  auto V = evalExpr(T.Value);
  if (!V)
    return err(std::string(What) + ": " + V.message());
  return V;
}

Expected<int64_t> AsmParser::evalExpr(std::string_view S) const {
  // expr := [+|-] product { (+|-) product },  product := atom { * atom },  atom := integer | symbol
  size_t Pos = 0;
  auto Atom = [&]() -> Expected<int64_t> {
    size_t Begin = Pos;
    if (Pos < S.size() && isIdentifierStart(S[Pos])) {
      while (Pos < S.size() && isIdentifierChar(S[Pos]))
        ++Pos;
      std::string Name(S.substr(Begin, Pos - Begin));
      auto It = Symbols.find(Name);
      if (It == Symbols.end())
        return makeError("undefined symbol '", Name, "'",
                         DefinePass ? " (.equ, .segment and .uops may only use symbols defined above them)"
                                    : "");
      return It->second;
    }
    while (Pos < S.size() && std::isalnum(static_cast<unsigned char>(S[Pos])))
      ++Pos;
    if (Pos == Begin)
      return makeError("'", S, "' is not a number or symbol");
    return parseInteger(S.substr(Begin, Pos - Begin));
  };
  int64_t Sum = 0;
  bool First = true;
  while (Pos < S.size() || First) {
    bool Neg = false;
    if (Pos < S.size() && (S[Pos] == '+' || S[Pos] == '-')) {
      Neg = S[Pos] == '-';
      ++Pos;
    } else if (!First) {
      return makeError("unexpected '", S.substr(Pos), "' in value '", S, "'");
    }
    auto Product = Atom();
    if (!Product)
      return Product.error();
    int64_t Term = *Product;
    while (Pos < S.size() && S[Pos] == '*') {
      ++Pos;
      auto Factor = Atom();
      if (!Factor)
        return Factor.error();
      if (__builtin_mul_overflow(Term, *Factor, &Term))
        return makeError("value '", S, "' does not fit in 64 bits");
    }
    bool Overflow = Neg ? __builtin_sub_overflow(Sum, Term, &Sum) : __builtin_add_overflow(Sum, Term, &Sum);
    if (Overflow)
      return makeError("value '", S, "' does not fit in 64 bits");
    First = false;
  }
  return Sum;
}

Status AsmParser::definePass(const Tokens &T) {
  const std::string &Head = T[0].Value;
  if (T[0].HasKey || T[0].Quoted)
    return Status::ok(); // statement() reports it in pass 2
  if (Head == ".equ") {
    if (T.size() != 3 || T[1].HasKey || T[2].HasKey)
      return err(".equ expects: .equ NAME VALUE");
    if (!isIdentifier(T[1].Value))
      return err(".equ: '" + T[1].Value + "' is not a valid symbol name");
    auto V = evalValue(T[2], ".equ");
    if (!V)
      return V.error();
    return defineSymbol(T[1].Value, *V);
  }
  if (Head == ".segment" || Head == ".uops")
    return directive(T);
  return Status::ok();
}

Status AsmParser::statement(const Tokens &T) {
  const Token &Head = T[0];
  if (Head.HasKey || Head.Quoted || Head.Value.empty())
    return err("expected a mnemonic or a directive, not '" + Head.spelling() + "'");
  if (Head.Value[0] == '.')
    return directive(T);
  if (Head.Value == "uop")
    return microOp(T);
  return instruction(T);
}

Status AsmParser::instruction(const Tokens &T) {
  const std::string &Mnemonic = T[0].Value;
  size_t Dot = Mnemonic.find('.');
  std::string Base = Mnemonic.substr(0, Dot);
  std::optional<Opcode> Op;
  for (Opcode O : allOpcodes())
    if (Base == opcodeName(O))
      Op = O;
  if (!Op)
    return err("unknown mnemonic '" + Mnemonic + "'");
  Instruction I;
  I.H.Op = int64_t(*Op);
  std::vector<const FieldLayout *> Fields = L.fieldsOf(*Op);
  const FieldLayout *SuffixField = nullptr;
  for (const FieldLayout *F : Fields)
    if (F->Kind == FieldKind::Suffix)
      SuffixField = F;
  if (SuffixField) {
    auto Choices = suffixChoices(SuffixField->Fmt);
    std::string List;
    for (auto &[Name, V] : Choices)
      List += (List.empty() ? "" : "|") + Name;
    if (Dot == std::string::npos)
      return err("'" + Base + "' needs a " + SuffixField->Name + " suffix: " + Base + ".{" + List + "}");
    std::string Suffix = Mnemonic.substr(Dot + 1);
    auto It = std::find_if(Choices.begin(), Choices.end(), [&](auto &Ch) { return Ch.first == Suffix; });
    if (It == Choices.end())
      return err("unknown mnemonic '" + Mnemonic + "' (" + Base + " takes ." + List + ")");
    SuffixField->Ref(I) = It->second;
  } else if (Dot != std::string::npos) {
    return err("unknown mnemonic '" + Mnemonic + "' ('" + Base + "' takes no suffix)");
  }

  std::set<std::string> Seen;
  for (size_t K = 1; K < T.size(); ++K) {
    const Token &Tok = T[K];
    const std::string Name = Tok.HasKey ? Tok.Key : Tok.Value;
    auto It =
        std::find_if(Fields.begin(), Fields.end(), [&](const FieldLayout *F) { return F->Name == Name; });
    if (Tok.Quoted && !Tok.HasKey)
      return err(Mnemonic + ": unexpected string " + quoteString(Tok.Value));
    if (It == Fields.end()) {
      bool Elsewhere = std::any_of(L.allFields().begin(), L.allFields().end(),
                                   [&](const FieldLayout &F) { return F.Name == Name; });
      if (Elsewhere)
        return err(Mnemonic + ": field '" + Name + "' does not belong to " + Base);
      return err(Mnemonic + ": unknown field '" + Name + "'");
    }
    const FieldLayout &F = **It;
    if (!Seen.insert(Name).second)
      return err(Mnemonic + ": duplicate field '" + Name + "'");
    if (F.Kind == FieldKind::Suffix)
      return err(Mnemonic + ": '" + Name + "' is written as the mnemonic suffix");
    if (F.Fmt == Format::Common && F.Kind != FieldKind::Flag)
      return err(Mnemonic + ": '" + Name + "' is given by the mnemonic");
    if (F.Kind == FieldKind::Flag) {
      if (Tok.HasKey)
        return err(Mnemonic + ": flag '" + Name + "' is written as a bare word, without a value");
      F.Ref(I) = 1;
      continue;
    }
    if (!Tok.HasKey)
      return err(Mnemonic + ": field '" + Name + "' needs a value (" + Name + "=...)");
    auto V = evalValue(Tok, (Mnemonic + ": field '" + Name + "'").c_str());
    if (!V)
      return V.error();
    if (*V < F.minValue() || *V > F.maxValue())
      return err(Mnemonic + ": field '" + Name + "' value " + std::to_string(*V) + " does not fit its " +
                 std::to_string(F.Width) + "-bit field (range " + std::to_string(F.minValue()) + ".." +
                 std::to_string(F.maxValue()) + ")");
    F.Ref(I) = *V;
  }
  if (Status S = checkInstruction(C, I); !S) {
    // Most rule messages already start with the opcode's name; others get the mnemonic as context.
    const std::string &Msg = S.message();
    return err(Msg.rfind(Base, 0) == 0 ? Msg : Mnemonic + ": " + Msg);
  }
  P.Insns.push_back(I);
  InsnLines.push_back(Line);
  if (!CurNode.empty())
    P.setNode(P.Insns.size() - 1, CurNode);
  return Status::ok();
}

Status AsmParser::microOp(const Tokens &T) {
  if (!UopsLine)
    return err("uop line before any '.uops at ADDR' directive");
  MicroOp U;
  std::set<std::string> Seen;
  for (size_t K = 1; K < T.size(); ++K) {
    const Token &Tok = T[K];
    const std::string Name = Tok.HasKey ? Tok.Key : Tok.Value;
    auto It = std::find_if(L.uopFields().begin(), L.uopFields().end(),
                           [&](const UopFieldLayout &F) { return F.Name == Name; });
    if (It == L.uopFields().end())
      return err("uop: unknown field '" + Name + "'");
    if (!Seen.insert(Name).second)
      return err("uop: duplicate field '" + Name + "'");
    if (!Tok.HasKey)
      return err("uop: field '" + Name + "' needs a value (" + Name + "=...)");
    auto V = evalValue(Tok, ("uop: field '" + Name + "'").c_str());
    if (!V)
      return V.error();
    int64_t Max = (int64_t(1) << It->Width) - 1;
    if (*V < 0 || *V > Max)
      return err("uop: field '" + Name + "' value " + std::to_string(*V) + " does not fit its " +
                 std::to_string(It->Width) + "-bit field (range 0.." + std::to_string(Max) + ")");
    It->Ref(U) = *V;
  }
  P.Uops.push_back(U);
  return Status::ok();
}

Status AsmParser::checkLayout() {
  struct Range {
    std::string What;
    uint64_t Begin, End;
    unsigned Line;
  };
  std::vector<Range> Ranges;
  for (size_t I = 0; I < P.Segments.size(); ++I) {
    const Segment &S = P.Segments[I];
    Ranges.push_back({"segment '" + S.Name + "'", S.Address, S.Address + S.Data.size(), SegmentLines[I]});
  }
  if (!P.Uops.empty())
    Ranges.push_back({"micro-op table", P.UopBase, P.UopBase + P.uopTableBytes(), *UopsLine});
  auto Describe = [](const Range &R) {
    std::ostringstream OS;
    OS << R.What << " [0x" << std::hex << R.Begin << ", 0x" << R.End << ")";
    return OS.str();
  };
  for (const Range &R : Ranges)
    if (R.End > P.DramBytes)
      return errAt(R.Line, Describe(R) + " lies outside DRAM of " + std::to_string(P.DramBytes) + " bytes" +
                               (DramLine ? " (.dram at line " + std::to_string(*DramLine) + ")" : ""));
  // Report each overlap at the later of the two declarations.
  for (size_t A = 0; A < Ranges.size(); ++A)
    for (size_t B = A + 1; B < Ranges.size(); ++B) {
      const Range &X = Ranges[A], &Y = Ranges[B];
      if (X.Begin < Y.End && Y.Begin < X.End && X.Begin < X.End && Y.Begin < Y.End) {
        const Range &Later = X.Line > Y.Line ? X : Y, &Earlier = X.Line > Y.Line ? Y : X;
        return errAt(Later.Line, Describe(Later) + " overlaps " + Describe(Earlier) + " (line " +
                                     std::to_string(Earlier.Line) + ")");
      }
    }
  for (size_t I = 0; I < P.IO.size(); ++I) {
    const TensorBinding &B = P.IO[I];
    if (B.Address + B.byteSize() > P.DramBytes)
      return errAt(IOLines[I], std::string(B.IsInput ? "input" : "output") + " '" + B.Name + "' (" +
                                   std::to_string(B.byteSize()) + " bytes at " + std::to_string(B.Address) +
                                   ") lies outside DRAM of " + std::to_string(P.DramBytes) + " bytes");
  }
  return Status::ok();
}

Status AsmParser::finish() {
  if (P.Insns.empty())
    return errAt(LastLine, "the program has no instructions (it must end with finish)");
  if (P.Insns.back().opcode() != Opcode::Finish)
    return errAt(InsnLines.back(), std::string("the program must end with finish (the last instruction is ") +
                                       opcodeName(P.Insns.back().opcode()) + ")");
  if (!P.InsnNode.empty())
    P.InsnNode.resize(P.Insns.size(), Program::NoNode); // untagged instructions after the last tagged one
  if (!DramLine) {
    // Default DRAM size: everything the program declares, rounded up to whole 4 KiB pages.
    uint64_t End = 0;
    for (const Segment &S : P.Segments)
      End = std::max<uint64_t>(End, S.Address + S.Data.size());
    if (!P.Uops.empty())
      End = std::max<uint64_t>(End, P.UopBase + P.uopTableBytes());
    for (const TensorBinding &B : P.IO)
      End = std::max<uint64_t>(End, B.Address + B.byteSize());
    P.DramBytes = std::max<uint64_t>((End + 4095) / 4096 * 4096, 4096);
  }
  NPU_TRY(checkLayout());
  if (Status S = P.verify(); !S)
    return makeError(Source, ": ", S.message());
  return Status::ok();
}

} // namespace asmtext

Expected<Program> assemble(std::string_view Text, const HardwareConfig &C, const std::string &SourceName,
                           const MemoryLimit &Limit) {
  asmtext::AsmParser Parser(C, SourceName, Limit);
  return Parser.run(Text);
}

Expected<Program> assembleFile(const std::string &Path, const HardwareConfig &C, const MemoryLimit &Limit) {
  std::ifstream In(Path, std::ios::binary);
  if (!In)
    return makeError(Path, ": cannot open the assembly file");
  std::ostringstream Text;
  Text << In.rdbuf();
  if (In.bad())
    return makeError(Path, ": read failed");
  return assemble(Text.str(), C, Path, Limit);
}

} // namespace npu::isa
