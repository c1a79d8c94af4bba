// Parses the Graph IR text form back into a Graph (grammar in docs/graph-ir.md).
#include "Lexer.h"
#include "npu/compiler/ir/Printer.h"
#include "npu/compiler/support/Try.h"
#include "npu/support/MemoryLimit.h"

#include <charconv>
#include <cmath>
#include <limits>
#include <unordered_set>

namespace npu::ir {

namespace {

class Parser {
public:
  explicit Parser(std::string_view Text) : Lex(Text) {}
  Expected<Graph> parse();

private:
  Status bump() {
    auto T = Lex.next();
    if (!T)
      return T.error();
    Cur = *T;
    return Status::ok();
  }
  Error error(const std::string &Msg) const {
    return makeError("line ", Cur.Line, ", col ", Cur.Col, ": ", Msg);
  }
  bool isPunct(char C) const { return Cur.Kind == Tok::Punct && Cur.Text[0] == C; }
  bool isIdent(std::string_view S) const { return Cur.Kind == Tok::Ident && Cur.Text == S; }
  Status expectPunct(char C) {
    if (!isPunct(C))
      return error(std::string("expected '") + C + "'");
    return bump();
  }
  Expected<std::string> identOrString(const char *What);
  Expected<int64_t> parseInt();
  Expected<double> parseNumber(bool &IsFloat);
  Expected<TensorType> parseType();
  Expected<std::optional<TensorType>> parseOptType();
  Expected<QuantParams> parseQuant();
  Expected<std::shared_ptr<const Tensor>> parseData(const TensorType &T);
  Expected<Attribute::Storage> parseAttrValue();
  Expected<ValueId> useValue();
  Expected<ValueId> defineValue(const std::string &Name, ValueKind Kind);
  Status parseNode();

  Lexer Lex;
  Token Cur;
  Graph G;
  std::unordered_set<ValueId> DefinedIds;
};

Expected<std::string> Parser::identOrString(const char *What) {
  if (Cur.Kind != Tok::Ident && Cur.Kind != Tok::String)
    return error(std::string("expected ") + What);
  std::string S = Cur.Text;
  NPU_TRY(bump());
  return S;
}

Expected<int64_t> Parser::parseInt() {
  if (Cur.Kind != Tok::Number)
    return error("expected an integer");
  int64_t V = 0;
  const char *B = Cur.Text.data(), *E = B + Cur.Text.size();
  if (*B == '+')
    ++B;
  auto R = std::from_chars(B, E, V);
  if (R.ec != std::errc() || R.ptr != E)
    return error("bad integer '" + Cur.Text + "'");
  NPU_TRY(bump());
  return V;
}

Expected<double> Parser::parseNumber(bool &IsFloat) {
  std::string Text = Cur.Text;
  if (Cur.Kind == Tok::Ident && (Text == "inf" || Text == "nan")) {
    IsFloat = true;
    NPU_TRY(bump());
    return Text == "inf" ? std::numeric_limits<double>::infinity() : std::numeric_limits<double>::quiet_NaN();
  }
  if (Cur.Kind != Tok::Number)
    return error("expected a number");
  NPU_TRY(bump());
  if (Text == "-inf" || Text == "+inf" || Text == "-nan" || Text == "+nan") {
    IsFloat = true;
    double V = Text.substr(1) == "inf" ? std::numeric_limits<double>::infinity()
                                       : std::numeric_limits<double>::quiet_NaN();
    return Text[0] == '-' ? -V : V;
  }
  IsFloat = Text.find_first_of(".eE") != std::string::npos;
  double V = 0;
  const char *B = Text.data(), *E = B + Text.size();
  if (*B == '+')
    ++B;
  auto R = std::from_chars(B, E, V);
  if (R.ec != std::errc() || R.ptr != E)
    return error("bad number '" + Text + "'");
  return V;
}

Expected<QuantParams> Parser::parseQuant() {
  QuantParams Q;
  NPU_TRY(expectPunct('{'));
  if (isIdent("axis")) {
    NPU_TRY(bump());
    NPU_TRY(expectPunct('='));
    NPU_ASSIGN(int64_t Axis, parseInt());
    Q.Axis = Axis;
  }
  bool List = Q.Axis.has_value();
  if (!isIdent("scale"))
    return error("expected 'scale'");
  NPU_TRY(bump());
  NPU_TRY(expectPunct('='));
  if (List)
    NPU_TRY(expectPunct('['));
  do {
    if (isPunct(','))
      NPU_TRY(bump());
    bool F;
    NPU_ASSIGN(double S, parseNumber(F));
    Q.Scales.push_back(static_cast<float>(S));
  } while (List && isPunct(','));
  if (List)
    NPU_TRY(expectPunct(']'));
  if (!isIdent("zp"))
    return error("expected 'zp'");
  NPU_TRY(bump());
  NPU_TRY(expectPunct('='));
  if (List)
    NPU_TRY(expectPunct('['));
  do {
    if (isPunct(','))
      NPU_TRY(bump());
    NPU_ASSIGN(int64_t Z, parseInt());
    Q.ZeroPoints.push_back(Z);
  } while (List && isPunct(','));
  if (List)
    NPU_TRY(expectPunct(']'));
  NPU_TRY(expectPunct('}'));
  return Q;
}

Expected<TensorType> Parser::parseType() {
  if (Cur.Kind != Tok::Ident)
    return error("expected a type");
  auto E = parseElemType(Cur.Text);
  if (!E)
    return error("unknown element type '" + Cur.Text + "'");
  NPU_TRY(bump());
  TensorType T(*E, {});
  NPU_TRY(expectPunct('['));
  while (!isPunct(']')) {
    if (!T.Dims.empty())
      NPU_TRY(expectPunct(','));
    if (isPunct('?')) {
      T.Dims.push_back(-1);
      NPU_TRY(bump());
    } else {
      NPU_ASSIGN(int64_t D, parseInt());
      if (D < 0)
        return error("negative dim");
      T.Dims.push_back(D);
    }
  }
  NPU_TRY(bump());
  if (isPunct('{')) {
    NPU_ASSIGN(T.Quant, parseQuant());
  }
  return T;
}

Expected<std::optional<TensorType>> Parser::parseOptType() {
  if (isPunct('?')) {
    NPU_TRY(bump());
    return std::optional<TensorType>();
  }
  NPU_ASSIGN(TensorType T, parseType());
  return std::optional<TensorType>(std::move(T));
}

Status decodeHex(const std::string &Hex, std::vector<uint8_t> &Out) {
  if (Hex.size() % 2)
    return makeError("odd number of hex digits");
  Out.resize(Hex.size() / 2);
  for (size_t I = 0; I < Out.size(); ++I)
    Out[I] = static_cast<uint8_t>(std::stoi(Hex.substr(2 * I, 2), nullptr, 16));
  return Status::ok();
}

Expected<std::shared_ptr<const Tensor>> Parser::parseData(const TensorType &T) {
  int64_t N = shapeNumElements(T.Dims);
  size_t ES = elemTypeSize(T.Elem);
  // Graph IR text is written by the tools themselves: the default memory limit bounds a constant.
  if (N < 0 || !MemoryLimit().check(N, ES, "constant").isOk())
    return error("constant shape " + formatShape(T.Dims) + " must be static and at most " +
                 MemoryLimit::formatBytes(MemoryLimit::DefaultBytes));
  if (isIdent("elided"))
    return error("constant data was elided when printing; it cannot be parsed back");
  bool Splat = isIdent("splat");
  if (Splat)
    NPU_TRY(bump());
  if (Cur.Kind == Tok::Hex) {
    std::vector<uint8_t> Bytes;
    if (Status S = decodeHex(Cur.Text, Bytes); !S)
      return error(S.message());
    size_t Want = Splat ? ES : static_cast<size_t>(N) * ES;
    if (Bytes.size() != Want)
      return error("data has " + std::to_string(Bytes.size()) + " bytes, expected " + std::to_string(Want));
    NPU_TRY(bump());
    if (Splat) {
      std::vector<uint8_t> Full(static_cast<size_t>(N) * ES);
      for (size_t I = 0; I < Full.size(); ++I)
        Full[I] = Bytes[I % ES];
      Bytes = std::move(Full);
    }
    return std::make_shared<const Tensor>(T.Elem, T.Dims, std::move(Bytes));
  }
  if (Splat || !isPunct('['))
    return error("expected constant data: [values], 0x<hex> or splat 0x<hex>");
  // Each value takes at least one character: a list the rest of the text cannot hold is refused before the
  // tensor is allocated.
  if (static_cast<uint64_t>(N) > Lex.remaining() + 1)
    return error("constant of " + std::to_string(N) + " elements cannot be written in the " +
                 std::to_string(Lex.remaining()) + " characters left");
  NPU_TRY(bump());
  auto R = std::make_shared<Tensor>(T.Elem, T.Dims);
  int64_t I = 0;
  while (!isPunct(']')) {
    if (I > 0)
      NPU_TRY(expectPunct(','));
    if (I >= N)
      return error("more values than the type's " + std::to_string(N) + " elements");
    if (T.Elem == ElemType::UInt64) {
      uint64_t V = 0;
      auto Res = std::from_chars(Cur.Text.data(), Cur.Text.data() + Cur.Text.size(), V);
      if (Cur.Kind != Tok::Number || Res.ec != std::errc() || Res.ptr != Cur.Text.data() + Cur.Text.size())
        return error("bad u64 value");
      R->data<uint64_t>()[I] = V;
      NPU_TRY(bump());
    } else if (isIntegerType(T.Elem) || T.Elem == ElemType::Bool) {
      NPU_ASSIGN(int64_t V, parseInt());
      if (V < integerTypeMin(T.Elem) || V > integerTypeMax(T.Elem))
        return error("value " + std::to_string(V) + " out of range for " + std::string(elemTypeName(T.Elem)));
      dispatchElemType(T.Elem, [&](auto Tag) {
        using E = decltype(Tag);
        if constexpr (std::is_integral_v<E>)
          R->data<E>()[I] = static_cast<E>(V);
      });
    } else {
      bool F;
      NPU_ASSIGN(double V, parseNumber(F));
      if (T.Elem == ElemType::Float32)
        R->data<float>()[I] = static_cast<float>(V);
      else
        R->setDouble(I, V);
    }
    ++I;
  }
  NPU_TRY(bump());
  if (I != N)
    return error("got " + std::to_string(I) + " values, the type has " + std::to_string(N));
  return std::shared_ptr<const Tensor>(R);
}

Expected<Attribute::Storage> Parser::parseAttrValue() {
  if (Cur.Kind == Tok::String) {
    std::string S = Cur.Text;
    NPU_TRY(bump());
    return Attribute::Storage(S);
  }
  if (Cur.Kind == Tok::Ident && (Cur.Text == "ints" || Cur.Text == "floats" || Cur.Text == "strings")) {
    std::string K = Cur.Text;
    NPU_TRY(bump());
    NPU_TRY(expectPunct('['));
    NPU_TRY(expectPunct(']'));
    if (K == "ints")
      return Attribute::Storage(std::vector<int64_t>{});
    if (K == "floats")
      return Attribute::Storage(std::vector<float>{});
    return Attribute::Storage(std::vector<std::string>{});
  }
  if (isIdent("tensor")) {
    NPU_TRY(bump());
    NPU_TRY(expectPunct('<'));
    NPU_ASSIGN(TensorType T, parseType());
    NPU_TRY(expectPunct('>'));
    NPU_ASSIGN(auto Data, parseData(T));
    return Attribute::Storage(*Data);
  }
  if (isPunct('[')) {
    NPU_TRY(bump());
    if (Cur.Kind == Tok::String) {
      std::vector<std::string> L;
      while (true) {
        if (Cur.Kind != Tok::String)
          return error("expected a string");
        L.push_back(Cur.Text);
        NPU_TRY(bump());
        if (!isPunct(','))
          break;
        NPU_TRY(bump());
      }
      NPU_TRY(expectPunct(']'));
      return Attribute::Storage(L);
    }
    std::vector<double> Vals;
    std::vector<int64_t> Ints;
    bool AnyFloat = false, FirstFloat = false;
    while (true) {
      bool F = false;
      std::string Text = Cur.Text;
      NPU_ASSIGN(double V, parseNumber(F));
      if (Vals.empty())
        FirstFloat = F;
      else if (F != FirstFloat)
        return error("list mixes integers and floats");
      AnyFloat |= F;
      Vals.push_back(V);
      if (!F) {
        int64_t I = 0;
        auto R = std::from_chars(Text.data() + (Text[0] == '+'), Text.data() + Text.size(), I);
        if (R.ec != std::errc())
          return error("bad integer '" + Text + "'");
        Ints.push_back(I);
      }
      if (!isPunct(','))
        break;
      NPU_TRY(bump());
    }
    NPU_TRY(expectPunct(']'));
    if (!AnyFloat)
      return Attribute::Storage(Ints);
    std::vector<float> Fs(Vals.begin(), Vals.end());
    return Attribute::Storage(Fs);
  }
  std::string Text = Cur.Text;
  bool F = false;
  NPU_ASSIGN(double V, parseNumber(F));
  if (F)
    return Attribute::Storage(static_cast<float>(V));
  int64_t I = 0;
  auto R = std::from_chars(Text.data() + (Text[0] == '+'), Text.data() + Text.size(), I);
  if (R.ec != std::errc())
    return error("bad integer '" + Text + "'");
  return Attribute::Storage(I);
}

Expected<ValueId> Parser::useValue() {
  if (isIdent("_")) {
    NPU_TRY(bump());
    return NoValue;
  }
  if (Cur.Kind != Tok::Name)
    return error("expected a %value or _");
  ValueId Id = G.findValue(Cur.Text);
  if (Id == NoValue) // forward reference: defined later (or reported as undefined at the end)
    Id = G.addValue(Cur.Text, std::nullopt);
  NPU_TRY(bump());
  return Id;
}

Expected<ValueId> Parser::defineValue(const std::string &Name, ValueKind Kind) {
  ValueId Id = G.findValue(Name);
  if (Id != NoValue && DefinedIds.count(Id))
    return error("value %" + Name + " is defined twice");
  if (Id != NoValue && Kind != ValueKind::NodeOutput)
    return error("value %" + Name + " is used before its definition as an input or constant");
  if (Id == NoValue) {
    Id = G.addValue(Name, std::nullopt);
    G.value(Id).Kind = Kind;
  }
  DefinedIds.insert(Id);
  return Id;
}

Status Parser::parseNode() {
  std::vector<ValueId> Outs;
  std::vector<std::pair<ValueId, std::optional<TensorType>>> Typed;
  if (isPunct('(')) {
    NPU_TRY(bump());
    NPU_TRY(expectPunct(')'));
  } else {
    while (true) {
      if (isIdent("_")) {
        Outs.push_back(NoValue);
        NPU_TRY(bump());
      } else {
        if (Cur.Kind != Tok::Name)
          return error("expected an item: input, const, output or a node");
        std::string Name = Cur.Text;
        NPU_TRY(bump());
        NPU_ASSIGN(ValueId Id, defineValue(Name, ValueKind::NodeOutput));
        NPU_TRY(expectPunct(':'));
        NPU_ASSIGN(G.value(Id).Type, parseOptType());
        Outs.push_back(Id);
      }
      if (!isPunct(','))
        break;
      NPU_TRY(bump());
    }
  }
  NPU_TRY(expectPunct('='));
  NPU_ASSIGN(std::string Op, identOrString("an operator name"));
  NPU_TRY(expectPunct('('));
  std::vector<ValueId> Ins;
  while (!isPunct(')')) {
    if (!Ins.empty())
      NPU_TRY(expectPunct(','));
    NPU_ASSIGN(ValueId Id, useValue());
    Ins.push_back(Id);
  }
  NPU_TRY(bump());
  G.addNode(Op, std::move(Ins), std::move(Outs));
  size_t NodeIndex = G.nodes().size() - 1;
  if (isPunct('{')) {
    NPU_TRY(bump());
    while (!isPunct('}')) {
      if (!G.nodes()[NodeIndex].Attrs.empty())
        NPU_TRY(expectPunct(','));
      NPU_ASSIGN(std::string Name, identOrString("an attribute name"));
      NPU_TRY(expectPunct('='));
      NPU_ASSIGN(Attribute::Storage V, parseAttrValue());
      G.nodes()[NodeIndex].Attrs.push_back(Attribute{Name, std::move(V)});
    }
    NPU_TRY(bump());
  }
  if (isIdent("name")) {
    NPU_TRY(bump());
    if (Cur.Kind != Tok::String)
      return error("expected the node name string");
    G.nodes()[NodeIndex].Name = Cur.Text;
    NPU_TRY(bump());
  }
  return Status::ok();
}

Expected<Graph> Parser::parse() {
  NPU_TRY(bump());
  if (!isIdent("graph"))
    return error("expected 'graph'");
  NPU_TRY(bump());
  if (Cur.Kind != Tok::String)
    return error("expected the graph name string");
  G.Name = Cur.Text;
  NPU_TRY(bump());
  NPU_TRY(expectPunct('{'));
  bool SawOutput = false;
  while (!isPunct('}')) {
    if (Cur.Kind == Tok::End)
      return error("unexpected end of text, missing '}'");
    if (isIdent("input") || isIdent("const")) {
      bool IsConst = isIdent("const");
      NPU_TRY(bump());
      if (Cur.Kind != Tok::Name)
        return error("expected a %value name");
      std::string Name = Cur.Text;
      NPU_TRY(bump());
      NPU_ASSIGN(ValueId Id, defineValue(Name, IsConst ? ValueKind::Constant : ValueKind::Input));
      NPU_TRY(expectPunct(':'));
      NPU_ASSIGN(G.value(Id).Type, parseOptType());
      if (IsConst) {
        NPU_TRY(expectPunct('='));
        if (!G.value(Id).Type)
          return error("a constant needs a type");
        NPU_ASSIGN(G.value(Id).Data, parseData(*G.value(Id).Type));
      } else {
        G.Inputs.push_back(Id);
      }
    } else if (isIdent("output")) {
      if (SawOutput)
        return error("second 'output' line");
      SawOutput = true;
      NPU_TRY(bump());
      while (Cur.Kind == Tok::Name || isIdent("_")) {
        NPU_ASSIGN(ValueId Id, useValue());
        G.Outputs.push_back(Id);
        if (!isPunct(','))
          break;
        NPU_TRY(bump());
      }
    } else {
      NPU_TRY(parseNode());
    }
  }
  NPU_TRY(bump());
  if (Cur.Kind != Tok::End)
    return error("text after the graph's closing '}'");
  for (size_t I = 0; I < G.numValues(); ++I)
    if (!DefinedIds.count(static_cast<ValueId>(I)))
      return makeError("value %", G.value(static_cast<ValueId>(I)).Name, " is used but never defined");
  return std::move(G);
}

} // namespace

Expected<Graph> parseGraph(std::string_view Text) { return Parser(Text).parse(); }

} // namespace npu::ir
