// Import of onnxruntime's quantized com.microsoft operators, each decomposed into its QDQ definition.
//
// QLinearAdd / QLinearMul / QLinearConcat / QLinearGlobalAveragePool / QLinearAveragePool /
// QLinearLeakyRelu / QLinearSigmoid / QGemm (docs/ContribOperators.md of onnxruntime) are defined as
// "dequantize the inputs, compute in float, quantize the result" (round half to even, saturate). Each becomes
// exactly that: DequantizeLinear per quantized input -> the float operator -> QuantizeLinear, every generated
// node named NAME/... after the model's node, so the quantize pass converts them like any QDQ pattern.
#include "ImportState.h"
#include "npu/compiler/support/Try.h"

#include <array>
#include <cstdint>
#include <map>
#include <string_view>

namespace npu::frontend {

using namespace ir;

namespace {

/// Inputs each operator takes (positional; the optional ones may be omitted or named "").
struct InputCount {
  std::string_view Op;
  size_t Min, Max;
};
constexpr std::array<InputCount, 8> Counts = {{{"QLinearAdd", 7, 8},
                                               {"QLinearMul", 7, 8},
                                               {"QLinearConcat", 5, SIZE_MAX},
                                               {"QLinearGlobalAveragePool", 4, 5},
                                               {"QLinearAveragePool", 4, 5},
                                               {"QLinearLeakyRelu", 4, 5},
                                               {"QLinearSigmoid", 4, 5},
                                               {"QGemm", 6, 9}}};

/// One com.microsoft node being decomposed: its inputs by position (NoValue where omitted), its converted
/// attributes and its output name.
struct Contrib {
  ImportState &S;
  const std::string &Name, &Op;
  std::vector<ValueId> Ins;
  std::vector<Attribute> Attrs;
  std::string Out;

  ValueId in(size_t I) const { return I < Ins.size() ? Ins[I] : NoValue; }
  const Tensor *known(ValueId V) const {
    auto It = V == NoValue ? S.Known.end() : S.Known.find(V);
    return It == S.Known.end() ? nullptr : It->second.get();
  }
  std::optional<Attribute> take(std::string_view N) { return takeAttr(Attrs, N); }
  Expected<int64_t> takeInt(std::string_view N, int64_t Default) {
    auto A = take(N);
    if (!A)
      return Default;
    if (const auto *V = std::get_if<int64_t>(&A->Val))
      return *V;
    return makeError("attribute '", N, "' must be an int");
  }
  /// Checks that input I is present.
  Status require(size_t I, const char *What) const {
    if (in(I) == NoValue)
      return makeError(Op, " needs input ", I, " (", What, ")");
    return Status::ok();
  }
  /// Emits a node NAME/What computing one new value from Inputs; returns that value.
  Expected<ValueId> emit(const std::string &OpType, std::vector<ValueId> Inputs, std::vector<Attribute> A,
                         const std::string &What) {
    std::string V = S.G.uniqueName(Name + "/" + What);
    NPU_TRY(S.emit(OpType, std::move(Inputs), std::move(A), {V}, S.nodeName(Name + "/" + What)));
    return S.G.findValue(V);
  }
  /// Emits the last node, which defines the ONNX output.
  Status emitOut(const std::string &OpType, std::vector<ValueId> Inputs, std::vector<Attribute> A,
                 const std::string &What) {
    return S.emit(OpType, std::move(Inputs), std::move(A), {Out}, S.nodeName(Name + "/" + What));
  }

  /// A per-tensor scale or zero point: one value (a constant of shape [1] becomes a scalar, so that scale and
  /// zero point shapes agree); NoValue stays NoValue.
  Expected<ValueId> perTensor(size_t I, const char *What) {
    ValueId V = in(I);
    if (V == NoValue)
      return V;
    if (const Tensor *T = known(V)) {
      if (T->numElements() != 1)
        return makeError(Op, " input ", I, " (", What, ") must be a scalar (per-tensor), got ",
                         formatShape(T->shape()));
      if (T->rank() == 0)
        return V;
      Tensor One(T->elemType(), {});
      One.setDouble(0, T->getDouble(0));
      return S.addConstant(Name + "/" + What, std::move(One));
    }
    return V;
  }
  /// DequantizeLinear(X, X_scale, X_zero_point) of the inputs at X, X + 1, X + 2, per tensor.
  Expected<ValueId> dequantize(size_t X, const std::string &What) {
    NPU_TRY(require(X, What.c_str()));
    NPU_TRY(require(X + 1, (What + "_scale").c_str()));
    NPU_ASSIGN(ValueId Sc, perTensor(X + 1, (What + "_scale").c_str()));
    NPU_ASSIGN(ValueId Zp, perTensor(X + 2, (What + "_zero_point").c_str()));
    std::vector<ValueId> DqIns = {in(X), Sc};
    if (Zp != NoValue)
      DqIns.push_back(Zp);
    return emit("DequantizeLinear", DqIns, {}, "dequantize_" + What);
  }
  /// QuantizeLinear(F, Y_scale, Y_zero_point) into the output, per tensor; without a zero point the output
  /// has type Elem with zero point 0.
  Status quantize(ValueId F, size_t Scale, size_t Zp, ElemType Elem) {
    NPU_TRY(require(Scale, "output scale"));
    NPU_ASSIGN(ValueId Sc, perTensor(Scale, "y_scale"));
    NPU_ASSIGN(ValueId Z, perTensor(Zp, "y_zero_point"));
    if (Z == NoValue)
      Z = S.addConstant(Name + "/y_zero_point", Tensor(Elem, {}));
    return emitOut("QuantizeLinear", {F, Sc, Z}, {}, "quantize");
  }
  ElemType elem(size_t I) const { return S.type(Ins[I]).Elem; }
};

/// The permutation from channels-last to channels-first (or back) for rank R.
std::vector<int64_t> channelsPerm(int64_t R, bool ToFirst) {
  std::vector<int64_t> P = {0};
  if (ToFirst)
    P.push_back(R - 1);
  for (int64_t K = ToFirst ? 1 : 2; K < (ToFirst ? R - 1 : R); ++K)
    P.push_back(K);
  if (!ToFirst)
    P.push_back(1);
  return P;
}

/// QLinearAdd / QLinearMul: (A, A_scale, A_zp?, B, B_scale, B_zp?, C_scale, C_zp?).
Status convertBinary(Contrib &C) {
  NPU_ASSIGN(ValueId A, C.dequantize(0, "A"));
  NPU_ASSIGN(ValueId B, C.dequantize(3, "B"));
  const bool Add = C.Op == "QLinearAdd";
  NPU_ASSIGN(ValueId F, C.emit(Add ? "Add" : "Mul", {A, B}, {}, Add ? "add" : "mul"));
  return C.quantize(F, 6, 7, C.elem(0));
}

/// QLinearConcat: (Y_scale, Y_zp, then X, X_scale, X_zp per input), attribute axis.
Status convertConcat(Contrib &C) {
  if ((C.Ins.size() - 2) % 3 != 0)
    return makeError("QLinearConcat needs Y_scale, Y_zero_point and triples (X, X_scale, X_zero_point), got ",
                     C.Ins.size(), " inputs");
  auto Axis = C.take("axis");
  if (!Axis || !std::get_if<int64_t>(&Axis->Val))
    return makeError("QLinearConcat needs an int attribute 'axis'");
  std::vector<ValueId> Parts;
  for (size_t I = 2; I < C.Ins.size(); I += 3) {
    std::string What = "X";
    What += std::to_string((I - 2) / 3);
    NPU_ASSIGN(ValueId X, C.dequantize(I, What));
    Parts.push_back(X);
  }
  NPU_ASSIGN(ValueId F, C.emit("Concat", Parts, {*Axis}, "concat"));
  NPU_TRY(C.require(1, "Y_zero_point"));
  return C.quantize(F, 0, 1, C.elem(1));
}

/// QLinearGlobalAveragePool / QLinearAveragePool / QLinearLeakyRelu / QLinearSigmoid:
/// (X, X_scale, X_zp?, Y_scale, Y_zp?); the pools with channels_last = 1 run between two int8 Transposes.
Status convertUnary(Contrib &C) {
  static const std::map<std::string, std::string, std::less<>> FloatOp = {
      {"QLinearGlobalAveragePool", "GlobalAveragePool"},
      {"QLinearAveragePool", "AveragePool"},
      {"QLinearLeakyRelu", "LeakyRelu"},
      {"QLinearSigmoid", "Sigmoid"}};
  const std::string &Op = FloatOp.at(C.Op);
  const bool Pool = Op.find("Pool") != std::string::npos;
  int64_t Last = 0;
  if (Pool) {
    NPU_ASSIGN(Last, C.takeInt("channels_last", 0));
  }
  if (Last != 0 && Last != 1)
    return makeError(C.Op, ": unsupported channels_last=", Last, " (0 or 1)");
  NPU_TRY(C.require(0, "X"));
  const ElemType E = C.elem(0);
  const int64_t R = C.S.type(C.Ins[0]).rank();
  if (Last && R < 3)
    return makeError(C.Op, ": channels_last needs an input of rank 3 or more, got rank ", R);
  if (Last) {
    NPU_ASSIGN(C.Ins[0],
               C.emit("Transpose", {C.Ins[0]}, {{"perm", channelsPerm(R, true)}}, "to_channels_first"));
  }
  NPU_ASSIGN(ValueId X, C.dequantize(0, "X"));
  NPU_ASSIGN(ValueId F, C.emit(Op, {X}, C.Attrs, Op));
  if (!Last)
    return C.quantize(F, 3, 4, E);
  std::string Final = C.Out;
  C.Out = C.S.G.uniqueName(C.Name + "/quantized");
  NPU_TRY(C.quantize(F, 3, 4, E));
  ValueId Q = C.S.G.findValue(C.Out);
  C.Out = Final;
  return C.emitOut("Transpose", {Q}, {{"perm", channelsPerm(R, false)}}, "to_channels_last");
}

/// QGemm's b_scale / b_zero_point: per tensor, or per column of B (dim 1, or 0 with transB) with the zero
/// point made the scale's shape.
Expected<std::pair<ValueId, ValueId>> gemmWeightParams(Contrib &C, int64_t Columns) {
  NPU_TRY(C.require(4, "b_scale"));
  const Tensor *Sc = C.known(C.in(4));
  const int64_t N = Sc ? Sc->numElements() : 1;
  if (N == 1 || !Sc) {
    NPU_ASSIGN(ValueId S, C.perTensor(4, "b_scale"));
    NPU_ASSIGN(ValueId Z, C.perTensor(5, "b_zero_point"));
    return std::make_pair(S, Z);
  }
  if (Sc->rank() != 1 || N != Columns)
    return makeError("QGemm b_scale of shape ", formatShape(Sc->shape()), " is neither per tensor nor per column (",
                     Columns, " columns)");
  ValueId Z = C.in(5);
  const Tensor *ZT = C.known(Z);
  if (Z != NoValue && !ZT)
    return makeError("QGemm b_zero_point must be a constant with a per-column b_scale");
  if (ZT && ZT->shape() != Sc->shape()) {
    if (ZT->numElements() != 1)
      return makeError("QGemm b_zero_point of shape ", formatShape(ZT->shape()), " does not match b_scale");
    Tensor Full(ZT->elemType(), {N});
    for (int64_t K = 0; K < N; ++K)
      Full.setDouble(K, ZT->getDouble(0));
    Z = C.S.addConstant(C.Name + "/b_zero_point", std::move(Full));
  }
  return std::make_pair(C.in(4), Z);
}

/// QGemm's int32 bias C at zero point 0 and scale alpha * a_scale * b_scale (per column with b_scale).
Expected<ValueId> gemmBias(Contrib &C, float Alpha, int64_t Columns) {
  const Tensor *As = C.known(C.in(1)), *Bs = C.known(C.in(4));
  if (!As || !Bs)
    return makeError("QGemm with a bias C needs constant a_scale and b_scale");
  if (C.elem(6) != ElemType::Int32)
    return makeError("QGemm bias C must be int32, got ", elemTypeName(C.elem(6)));
  const int64_t N = Bs->numElements();
  Tensor Scale(ElemType::Float32, N == 1 ? Shape{} : Shape{N});
  for (int64_t K = 0; K < N; ++K)
    Scale.setDouble(K, double(float(double(Alpha) * As->getDouble(0) * Bs->getDouble(K))));
  std::vector<Attribute> A;
  const Shape &CD = C.S.type(C.in(6)).Dims;
  if (N > 1) {
    if (CD.empty() || CD.back() != Columns)
      return makeError("QGemm bias C of shape ", formatShape(CD), " with a per-column b_scale must have ",
                       Columns, " columns");
    A.push_back({"axis", int64_t(CD.size()) - 1});
  }
  ValueId S = C.S.addConstant(C.Name + "/C_scale", std::move(Scale));
  return C.emit("DequantizeLinear", {C.in(6), S}, A, "dequantize_C");
}

/// QGemm: (A, a_scale, a_zp, B, b_scale, b_zp?, C?, y_scale?, y_zp?), attributes alpha, transA, transB.
Status convertQGemm(Contrib &C) {
  NPU_ASSIGN(ValueId A, C.dequantize(0, "A"));
  NPU_TRY(C.require(3, "B"));
  std::vector<Attribute> GemmAttrs;
  float Alpha = 1.0f;
  if (auto Al = C.take("alpha")) {
    if (!std::get_if<float>(&Al->Val))
      return makeError("QGemm attribute 'alpha' must be a float");
    Alpha = std::get<float>(Al->Val);
    GemmAttrs.push_back(*Al);
  }
  NPU_ASSIGN(int64_t TransA, C.takeInt("transA", 0));
  NPU_ASSIGN(int64_t TransB, C.takeInt("transB", 0));
  GemmAttrs.push_back({"transA", TransA});
  GemmAttrs.push_back({"transB", TransB});
  const Shape &BD = C.S.type(C.in(3)).Dims;
  if (BD.size() != 2)
    return makeError("QGemm input B must be 2-D, got ", formatShape(BD));
  const int64_t Columns = TransB ? BD[0] : BD[1];
  NPU_ASSIGN(auto BParams, gemmWeightParams(C, Columns));
  std::vector<ValueId> BIns = {C.in(3), BParams.first};
  if (BParams.second != NoValue)
    BIns.push_back(BParams.second);
  std::vector<Attribute> BAttrs;
  if (C.S.type(BParams.first).rank() == 1)
    BAttrs.push_back({"axis", TransB ? int64_t(0) : int64_t(1)});
  NPU_ASSIGN(ValueId B, C.emit("DequantizeLinear", BIns, BAttrs, "dequantize_B"));
  std::vector<ValueId> GemmIns = {A, B};
  if (C.in(6) != NoValue) {
    NPU_ASSIGN(ValueId Bias, gemmBias(C, Alpha, Columns));
    GemmIns.push_back(Bias);
  }
  if (C.in(7) == NoValue) {
    if (C.in(8) != NoValue)
      return makeError("QGemm has y_zero_point without y_scale");
    return C.emitOut("Gemm", GemmIns, GemmAttrs, "gemm");
  }
  if (C.in(8) == NoValue)
    return makeError("QGemm with y_scale needs y_zero_point (it gives the output type)");
  NPU_ASSIGN(ValueId F, C.emit("Gemm", GemmIns, GemmAttrs, "gemm"));
  return C.quantize(F, 7, 8, C.elem(8));
}

Status convertContrib(Contrib &C) {
  if (C.Op == "QLinearAdd" || C.Op == "QLinearMul")
    return convertBinary(C);
  if (C.Op == "QLinearConcat")
    return convertConcat(C);
  if (C.Op == "QGemm")
    return convertQGemm(C);
  return convertUnary(C);
}

} // namespace

Status convertContribNode(ImportState &S, const onnx::NodeProto &P, const std::string &Name) {
  const InputCount *Count = nullptr;
  for (const InputCount &K : Counts)
    Count = K.Op == P.op_type() ? &K : Count;
  if (!Count)
    return makeError("unsupported operator 'com.microsoft.", P.op_type(), "'");
  if (S.ContribOpset > 1)
    return makeError("unsupported com.microsoft opset ", S.ContribOpset, " (supported: 1)");
  const size_t NumIns = static_cast<size_t>(P.input_size());
  if (NumIns < Count->Min || NumIns > Count->Max)
    return makeError(P.op_type(), " needs ", Count->Min,
                     Count->Max == SIZE_MAX ? " or more" : " to " + std::to_string(Count->Max), " inputs, got ",
                     NumIns);
  if (P.output_size() != 1 || P.output(0).empty())
    return makeError(P.op_type(), " needs one output");
  Contrib C{S, Name, P.op_type(), {}, {}, P.output(0)};
  for (const auto &In : P.input()) {
    NPU_ASSIGN(ValueId Id, S.lookup(In));
    C.Ins.push_back(Id);
  }
  for (const auto &A : P.attribute()) {
    NPU_ASSIGN(Attribute At, convertAttribute(A, S.BaseDir, S.Limit));
    C.Attrs.push_back(std::move(At));
  }
  return convertContrib(C);
}

} // namespace npu::frontend
