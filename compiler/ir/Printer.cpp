// Prints the Graph IR text form: inputs, constants (exact data), nodes with attributes, outputs.
#include "npu/compiler/ir/Printer.h"
#include "TextFormat.h"

#include "npu/support/Sha256.h"

#include <cmath>

namespace npu::ir {

namespace {

constexpr int64_t MaxListInts = 64, MaxListFloats = 16;

std::string valueName(const Graph &G, ValueId Id) {
  if (Id == NoValue)
    return "_";
  std::string R = "%"; // built in two steps: GCC 12 warns falsely on "%" + std::string
  R += formatName(G.value(Id).Name);
  return R;
}

std::string typeText(const std::optional<TensorType> &T) { return T ? formatType(*T) : std::string("?"); }

std::string hexOf(const uint8_t *P, size_t N) {
  static const char Hex[] = "0123456789abcdef";
  std::string R = "0x";
  R.reserve(2 + 2 * N);
  for (size_t I = 0; I < N; ++I) {
    R += Hex[P[I] >> 4];
    R += Hex[P[I] & 15];
  }
  return R;
}

/// Small integer and f32/f64 tensors print as a value list; the rest as hex bytes, or splat when uniform.
std::string dataText(const Tensor &T, const PrintOptions &Opts) {
  ElemType E = T.elemType();
  int64_t N = T.numElements();
  if (Opts.ElideConstantsAbove >= 0 && static_cast<int64_t>(T.byteSize()) > Opts.ElideConstantsAbove) {
    std::string_view Bytes(reinterpret_cast<const char *>(T.bytes()), T.byteSize());
    return "elided \"sha256:" + sha256Hex(Bytes) + "\"";
  }
  bool IntLike = isIntegerType(E) || E == ElemType::Bool;
  bool ListFloat = (E == ElemType::Float32 || E == ElemType::Float64) && N <= MaxListFloats;
  if (ListFloat)
    for (int64_t I = 0; I < N; ++I)
      if (std::isnan(T.getDouble(I)))
        ListFloat = false;
  if ((IntLike && N <= MaxListInts) || ListFloat) {
    std::string R = "[";
    for (int64_t I = 0; I < N; ++I) {
      if (I)
        R += ", ";
      if (E == ElemType::UInt64)
        R += std::to_string(T.data<uint64_t>()[I]);
      else if (IntLike)
        R += std::to_string(T.getInt64(I));
      else if (E == ElemType::Float32)
        R += formatFloat(T.data<float>()[I]);
      else
        R += formatDouble(T.data<double>()[I]);
    }
    return R + "]";
  }
  size_t ES = elemTypeSize(E);
  bool Uniform = N > 1;
  for (int64_t I = 1; I < N && Uniform; ++I)
    Uniform = std::equal(T.bytes(), T.bytes() + ES, T.bytes() + I * ES);
  if (Uniform)
    return "splat " + hexOf(T.bytes(), ES);
  return hexOf(T.bytes(), T.byteSize());
}

template <typename L, typename F> std::string listText(const L &V, const char *Empty, F Fmt) {
  if (V.empty())
    return std::string(Empty) + "[]";
  std::string R = "[";
  for (size_t I = 0; I < V.size(); ++I)
    R += (I ? ", " : "") + Fmt(V[I]);
  return R + "]";
}

std::string attrText(const Attribute &A) {
  struct Visitor {
    std::string operator()(int64_t V) const { return std::to_string(V); }
    std::string operator()(float V) const { return formatFloat(V); }
    std::string operator()(const std::string &V) const { return quoteString(V); }
    std::string operator()(const std::vector<int64_t> &V) const {
      return listText(V, "ints", [](int64_t X) { return std::to_string(X); });
    }
    std::string operator()(const std::vector<float> &V) const {
      return listText(V, "floats", [](float X) { return formatFloat(X); });
    }
    std::string operator()(const std::vector<std::string> &V) const {
      return listText(V, "strings", [](const std::string &X) { return quoteString(X); });
    }
    std::string operator()(const Tensor &V) const {
      return "tensor<" + formatType(V.type()) + "> " + dataText(V, PrintOptions());
    }
  };
  return std::visit(Visitor{}, A.Val);
}

} // namespace

std::string printNode(const Graph &G, const Node &N) {
  std::string R;
  for (size_t I = 0; I < N.Outputs.size(); ++I) {
    if (I)
      R += ", ";
    R += valueName(G, N.Outputs[I]);
    if (N.Outputs[I] != NoValue)
      R += ": " + typeText(G.value(N.Outputs[I]).Type);
  }
  if (N.Outputs.empty())
    R += "()";
  R += " = " + formatIdent(N.OpType) + "(";
  for (size_t I = 0; I < N.Inputs.size(); ++I)
    R += (I ? ", " : "") + valueName(G, N.Inputs[I]);
  R += ")";
  if (!N.Attrs.empty()) {
    R += " {";
    for (size_t I = 0; I < N.Attrs.size(); ++I)
      R += (I ? ", " : "") + formatIdent(N.Attrs[I].Name) + " = " + attrText(N.Attrs[I]);
    R += "}";
  }
  if (!N.Name.empty())
    R += " name " + quoteString(N.Name);
  return R;
}

std::string printGraph(const Graph &G, const PrintOptions &Opts) {
  std::string R = "graph " + quoteString(G.Name) + " {\n";
  for (ValueId Id : G.Inputs)
    R += "  input " + valueName(G, Id) + ": " + typeText(G.value(Id).Type) + "\n";
  for (size_t I = 0; I < G.numValues(); ++I) {
    const Value &V = G.value(static_cast<ValueId>(I));
    if (V.Kind != ValueKind::Constant)
      continue;
    R += "  const " + valueName(G, static_cast<ValueId>(I)) + ": " + typeText(V.Type) + " = ";
    R += V.Data ? dataText(*V.Data, Opts) : std::string("missing");
    R += "\n";
  }
  for (const Node &N : G.nodes())
    R += "  " + printNode(G, N) + "\n";
  R += "  output";
  for (size_t I = 0; I < G.Outputs.size(); ++I)
    R += (I ? ", " : " ") + valueName(G, G.Outputs[I]);
  return R + "\n}\n";
}

} // namespace npu::ir
