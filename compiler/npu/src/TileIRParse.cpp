// Parser of the tile IR text (printTileProgram): tensors, the micro-op table and instructions with symbolic
// DRAM operands. Instruction lines go through the assembler (one at a time), so fields, flags and ranges are
// checked exactly as in assembly; the `dram=%tensor+OFFSET` suffix is resolved here.
#include "npu/backend/TileIR.h"

#include "npu/compiler/support/Try.h"
#include "npu/isa/Assembler.h"

#include <cctype>
#include <cstring>
#include <map>

namespace npu::backend {

namespace {

/// A cursor over one line.
class LineReader {
public:
  LineReader(std::string_view L, int No) : L(L), No(No) {}

  void skipSpace() {
    while (P < L.size() && std::isspace(static_cast<unsigned char>(L[P])))
      ++P;
  }
  bool atEnd() {
    skipSpace();
    return P == L.size();
  }
  bool accept(std::string_view Word) {
    skipSpace();
    if (L.substr(P, Word.size()) != Word)
      return false;
    P += Word.size();
    return true;
  }
  Status expect(std::string_view Word) {
    if (!accept(Word))
      return error("expected '", Word, "'");
    return Status::ok();
  }
  /// A bare word [A-Za-z0-9_./-]+ or a quoted string with \" \\ \xHH escapes.
  Expected<std::string> name() {
    skipSpace();
    std::string R;
    if (P < L.size() && L[P] == '"') {
      for (++P; P < L.size() && L[P] != '"'; ++P) {
        if (L[P] != '\\') {
          R += L[P];
          continue;
        }
        if (++P == L.size())
          break;
        if (L[P] == 'x' && P + 2 < L.size() && std::isxdigit(static_cast<unsigned char>(L[P + 1])) &&
            std::isxdigit(static_cast<unsigned char>(L[P + 2]))) {
          R += char(std::stoi(std::string(L.substr(P + 1, 2)), nullptr, 16));
          P += 2;
        } else {
          R += L[P];
        }
      }
      if (P == L.size())
        return error("unterminated string");
      ++P;
      return R;
    }
    while (P < L.size() && (std::isalnum(static_cast<unsigned char>(L[P])) || std::strchr("_./-", L[P])))
      R += L[P++];
    if (R.empty())
      return error("expected a name");
    return R;
  }
  /// A non-negative decimal or 0x hexadecimal integer.
  Expected<uint64_t> number() {
    skipSpace();
    const int Base = L.substr(P, 2) == "0x" ? 16 : 10;
    if (Base == 16)
      P += 2;
    const size_t Begin = P;
    uint64_t V = 0;
    for (; P < L.size() && std::isxdigit(static_cast<unsigned char>(L[P])); ++P) {
      if (Base == 10 && !std::isdigit(static_cast<unsigned char>(L[P])))
        break;
      const uint64_t D = uint64_t(
          std::isdigit(static_cast<unsigned char>(L[P])) ? L[P] - '0' : std::tolower(L[P]) - 'a' + 10);
      if (V > (UINT64_MAX - D) / uint64_t(Base))
        return error("number out of range");
      V = V * uint64_t(Base) + D;
    }
    if (P == Begin)
      return error("expected a number");
    return V;
  }
  std::string_view rest() const { return L.substr(P); }

  template <typename... Ts> Error error(Ts &&...Parts) const {
    return makeError("line ", No, ": ", std::forward<Ts>(Parts)..., " (at '", std::string(L.substr(P, 24)),
                     "')");
  }

private:
  std::string_view L;
  int No;
  size_t P = 0;
};

Expected<TileTensor::Kind> tensorKind(std::string_view Word) {
  if (Word == "input")
    return TileTensor::Input;
  if (Word == "output")
    return TileTensor::Output;
  if (Word == "const")
    return TileTensor::Const;
  if (Word == "temp")
    return TileTensor::Temp;
  return makeError("unknown tensor kind");
}

struct PendingAlias {
  size_t Tensor;
  std::string Of;
  int Line;
};

class TileParser {
public:
  TileParser(const HardwareConfig &C, bool AllowElided) : C(C), AllowElided(AllowElided) {}

  Expected<TileProgram> run(std::string_view Text) {
    std::vector<std::pair<int, std::string_view>> Lines;
    int No = 0;
    for (size_t B = 0; B <= Text.size();) {
      size_t E = Text.find('\n', B);
      if (E == std::string_view::npos)
        E = Text.size();
      std::string_view L = Text.substr(B, E - B);
      ++No;
      size_t F = L.find_first_not_of(" \t\r");
      if (F != std::string_view::npos && L[F] != '#')
        Lines.push_back({No, L.substr(F)});
      B = E + 1;
    }
    size_t I = 0;
    if (Lines.empty())
      return makeError("empty tile program");
    NPU_TRY(header(LineReader(Lines[0].second, Lines[0].first)));
    for (I = 1; I < Lines.size() && !Lines[I].second.starts_with("uops"); ++I)
      NPU_TRY(tensor(LineReader(Lines[I].second, Lines[I].first)));
    if (I == Lines.size())
      return makeError("line ", No, ": missing 'uops N {'");
    NPU_TRY(resolveAliases());
    NPU_ASSIGN(I, uops(Lines, I));
    for (; I < Lines.size(); ++I) {
      LineReader R(Lines[I].second, Lines[I].first);
      if (R.accept("}")) {
        if (!R.atEnd() || I + 1 != Lines.size())
          return R.error("text after the end of the program");
        return std::move(P);
      }
      if (R.accept("node ")) {
        auto N = R.name();
        if (!N)
          return N.error();
        Node = *N;
        continue;
      }
      NPU_TRY(instruction(R, Lines[I].first));
    }
    return makeError("line ", No, ": missing '}' at the end of the program");
  }

private:
  const HardwareConfig &C;
  bool AllowElided;
  TileProgram P;
  std::map<std::string, int> ByName;
  std::vector<PendingAlias> Aliases;
  std::string Node;

  Status header(LineReader R) {
    NPU_TRY(R.expect("tile_program"));
    NPU_TRY(R.expect("config"));
    auto Name = R.name();
    if (!Name)
      return Name.error();
    NPU_TRY(R.expect("hash"));
    auto Hash = R.name();
    if (!Hash)
      return Hash.error();
    if (*Name != C.Name || *Hash != C.shortHash())
      return R.error("the program is for config '", *Name, "' (", *Hash, "), not '", C.Name, "' (",
                     C.shortHash(), ")");
    NPU_TRY(R.expect("{"));
    return R.atEnd() ? Status::ok() : Status(R.error("unexpected text"));
  }

  Status tensor(LineReader R) {
    TileTensor T;
    auto Kind = R.name();
    if (!Kind)
      return Kind.error();
    auto K = tensorKind(*Kind);
    if (!K)
      return R.error("expected a tensor (input, output, const, temp) or 'uops'");
    T.K = *K;
    NPU_TRY(R.expect("%"));
    NPU_ASSIGN(T.Name, R.name());
    NPU_TRY(R.expect(":"));
    NPU_ASSIGN(T.Bytes, R.number());
    NPU_TRY(R.expect("bytes"));
    if (R.accept("[")) {
      do {
        NPU_ASSIGN(uint64_t D, R.number());
        T.Shape.push_back(int64_t(D));
      } while (R.accept("x"));
      NPU_TRY(R.expect("]"));
    }
    if (R.accept("int32"))
      T.DType = "int32";
    else if (R.accept("int16"))
      T.DType = "int16";
    if (R.accept("in")) {
      NPU_TRY(R.expect("%"));
      NPU_ASSIGN(std::string Of, R.name());
      NPU_TRY(R.expect("+"));
      NPU_ASSIGN(T.AliasOffset, R.number());
      Aliases.push_back({P.Tensors.size(), Of, 0});
    }
    NPU_TRY(R.expect("at"));
    NPU_ASSIGN(T.Address, R.number());
    if (T.K == TileTensor::Const) {
      NPU_TRY(R.expect("="));
      if (R.accept("elided")) {
        if (!AllowElided)
          return R.error("constant '", T.Name, "' was printed without its data");
        T.Data.assign(T.Bytes, 0);
      } else {
        NPU_TRY(R.expect("0x"));
        std::string_view Hex = R.rest();
        size_t End = 0;
        while (End < Hex.size() && std::isxdigit(static_cast<unsigned char>(Hex[End])))
          ++End;
        if (End != 2 * T.Bytes)
          return R.error("constant '", T.Name, "' has ", End / 2, " bytes of data, ", T.Bytes, " declared");
        for (size_t B = 0; B < End; B += 2)
          T.Data.push_back(uint8_t(std::stoi(std::string(Hex.substr(B, 2)), nullptr, 16)));
        R = LineReader(Hex.substr(End), 0);
      }
    }
    if (!R.atEnd())
      return R.error("unexpected text after tensor '", T.Name, "'");
    if (!ByName.emplace(T.Name, int(P.Tensors.size())).second)
      return R.error("tensor '", T.Name, "' is declared twice");
    P.addTensor(std::move(T));
    return Status::ok();
  }

  Status resolveAliases() {
    for (const PendingAlias &A : Aliases) {
      auto It = ByName.find(A.Of);
      if (It == ByName.end())
        return makeError("tensor '", P.Tensors[A.Tensor].Name, "' lives in unknown tensor '", A.Of, "'");
      P.Tensors[A.Tensor].AliasOf = It->second;
    }
    return Status::ok();
  }

  Expected<size_t> uops(const std::vector<std::pair<int, std::string_view>> &Lines, size_t I) {
    LineReader R(Lines[I].second, Lines[I].first);
    NPU_TRY(R.expect("uops"));
    NPU_ASSIGN(uint64_t Count, R.number());
    if (R.accept("at")) { // the table's DRAM address (0 until plan-dram runs)
      NPU_ASSIGN(P.UopAddress, R.number());
    }
    NPU_TRY(R.expect("{"));
    for (++I; I < Lines.size(); ++I) {
      LineReader U(Lines[I].second, Lines[I].first);
      if (U.accept("}")) {
        if (P.Uops.size() != Count)
          return U.error("the micro-op table has ", P.Uops.size(), " entries, ", Count, " declared");
        return I + 1;
      }
      while (!U.atEnd()) {
        isa::MicroOp M;
        NPU_TRY(U.expect("("));
        NPU_ASSIGN(uint64_t D, U.number());
        NPU_TRY(U.expect(","));
        NPU_ASSIGN(uint64_t S, U.number());
        NPU_TRY(U.expect(","));
        NPU_ASSIGN(uint64_t W, U.number());
        NPU_TRY(U.expect(")"));
        M.Dst = int64_t(D), M.Src = int64_t(S), M.Wgt = int64_t(W);
        P.Uops.push_back(M);
      }
    }
    return makeError("missing '}' after the micro-op table");
  }

  Status instruction(LineReader R, int No) {
    std::string_view Line = R.rest();
    TileInsn T;
    T.Node = Node;
    if (size_t D = Line.find(" dram="); D != std::string_view::npos) {
      LineReader Sym(Line.substr(D + 6), No);
      if (Sym.accept("@uops")) {
        T.Tensor = UopTable;
      } else {
        NPU_TRY(Sym.expect("%"));
        NPU_ASSIGN(std::string Name, Sym.name());
        auto It = ByName.find(Name);
        if (It == ByName.end())
          return Sym.error("unknown tensor '", Name, "'");
        T.Tensor = It->second;
      }
      NPU_TRY(Sym.expect("+"));
      NPU_ASSIGN(T.Offset, Sym.number());
      if (!Sym.atEnd())
        return Sym.error("unexpected text after the DRAM operand");
      Line = Line.substr(0, D);
    }
    // The assembler checks the instruction exactly as in a .s file; a finish makes the snippet a program.
    auto Prog = isa::assemble(std::string(Line) + "\nfinish\n", C, "tile");
    if (!Prog) {
      std::string M = Prog.message();
      if (M.starts_with("tile:1: "))
        M = M.substr(8);
      return makeError("line ", No, ": ", M);
    }
    if (Prog->Insns.size() != 2)
      return makeError("line ", No, ": expected one instruction");
    T.I = Prog->Insns[0];
    P.Insns.push_back(std::move(T));
    return Status::ok();
  }
};

} // namespace

Expected<TileProgram> parseTileProgram(std::string_view Text, const HardwareConfig &C, bool AllowElided) {
  return TileParser(C, AllowElided).run(Text);
}

} // namespace npu::backend
