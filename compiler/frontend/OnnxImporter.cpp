// ONNX model import: opset, inputs and their shapes, initializers, nodes (via OnnxNodes.cpp), outputs.
#include "npu/compiler/frontend/OnnxImporter.h"
#include "ImportState.h"
#include "OnnxTensor.h"
#include "npu/compiler/frontend/TensorProto.h"
#include "npu/compiler/ir/Verifier.h"
#include "npu/compiler/ops/OpRegistry.h"
#include "npu/compiler/ref/Interpreter.h"
#include "npu/compiler/support/Try.h"

#include <climits>
#include <fstream>
#include <set>
#include <sstream>

namespace npu::frontend {

using namespace ir;

namespace {
constexpr int64_t MaxOpset = 25;
// Computed values up to this size are evaluated at import time so that shape arithmetic (Shape, Gather,
// Concat, ... feeding a Reshape) gives static shapes.
constexpr int64_t MaxKnownElements = 4096;
} // namespace

Expected<ValueId> ImportState::lookup(const std::string &Name) const {
  if (Name.empty())
    return NoValue;
  ValueId Id = G.findValue(Name);
  if (Id == NoValue)
    return makeError("uses undefined value '", Name, "'");
  return Id;
}

ValueId ImportState::addConstant(const std::string &Base, Tensor Data) {
  ValueId Id = G.addConstant(G.uniqueName(Base), std::move(Data));
  Known[Id] = G.value(Id).Data;
  return Id;
}

std::string ImportState::nodeName(const std::string &Name) {
  int &Count = NodeNames[Name];
  if (Count++ == 0)
    return Name;
  while (true) {
    std::string N = Name + "_" + std::to_string(Count++);
    if (NodeNames.emplace(N, 1).second)
      return N;
  }
}

void ImportState::recordKnown(const Node &N) {
  if (N.OpType == "Shape" || N.OpType == "Size") {
    const Shape &D = G.type(N.Inputs[0]).Dims;
    if (N.OpType == "Size") {
      Tensor T(ElemType::Int64, {});
      T.data<int64_t>()[0] = shapeNumElements(D);
      Known[N.Outputs[0]] = std::make_shared<const Tensor>(std::move(T));
      return;
    }
    int64_t R = static_cast<int64_t>(D.size());
    int64_t Start = N.getInt("start", 0), End = N.getInt("end", R);
    Start = std::clamp<int64_t>(Start < 0 ? Start + R : Start, 0, R);
    End = std::clamp<int64_t>(End < 0 ? End + R : End, 0, R);
    Known[N.Outputs[0]] = std::make_shared<const Tensor>(Tensor::fromInt64s(
        Start < End ? std::vector<int64_t>(D.begin() + Start, D.begin() + End) : std::vector<int64_t>{}));
    return;
  }
  std::vector<const Tensor *> Ins;
  for (ValueId In : N.Inputs) {
    if (In == NoValue) {
      Ins.push_back(nullptr);
      continue;
    }
    auto It = Known.find(In);
    if (It == Known.end() || It->second->numElements() > MaxKnownElements)
      return;
    Ins.push_back(It->second.get());
  }
  for (ValueId Out : N.Outputs)
    if (Out != NoValue &&
        (shapeNumElements(G.type(Out).Dims) > MaxKnownElements || isFloatType(G.type(Out).Elem)))
      return;
  auto Outs = ref::runNode(N, Ins);
  if (!Outs)
    return; // the error shows up again when the graph runs
  for (size_t I = 0; I < N.Outputs.size(); ++I)
    if (N.Outputs[I] != NoValue)
      Known[N.Outputs[I]] = std::make_shared<const Tensor>(std::move((*Outs)[I]));
}

Status ImportState::emit(const std::string &OpType, std::vector<ValueId> Inputs, std::vector<Attribute> Attrs,
                         const std::vector<std::string> &OutNames, const std::string &NodeName) {
  const OpDef *Def = findOp(OpType);
  if (!Def)
    return makeError("unsupported operator");
  Node N{NodeName, OpType, std::move(Inputs), std::vector<ValueId>(OutNames.size(), NoValue),
         std::move(Attrs)};
  for (size_t I = 0; I < OutNames.size(); ++I) // placeholders until the output values exist
    N.Outputs[I] = OutNames[I].empty() ? NoValue : 0;
  NPU_TRY(checkNodeSignature(N, *Def));
  std::vector<const TensorType *> Types;
  std::vector<const Tensor *> Values;
  for (ValueId In : N.Inputs) {
    Types.push_back(In == NoValue ? nullptr : &G.type(In));
    auto It = In == NoValue ? Known.end() : Known.find(In);
    Values.push_back(It == Known.end() ? nullptr : It->second.get());
  }
  InferContext Ctx(N, Types, Values);
  auto Inferred = inferNodeTypes(*Def, Ctx, Limit);
  std::vector<TensorType> OutTypes;
  if (Inferred) {
    OutTypes = *Inferred;
  } else {
    if (!Ctx.missingValue())
      return Inferred.error();
    for (const std::string &Name : OutNames) {
      auto It = Declared.find(Name);
      if (!Name.empty() && It == Declared.end())
        return makeError(Inferred.message(), ", and output '", Name, "' has no declared static shape");
      OutTypes.push_back(Name.empty() ? TensorType() : It->second);
    }
  }
  for (size_t I = 0; I < OutNames.size(); ++I) {
    N.Outputs[I] = NoValue;
    if (OutNames[I].empty())
      continue;
    if (G.findValue(OutNames[I]) != NoValue)
      return makeError("value '", OutNames[I], "' is defined twice");
    N.Outputs[I] = G.addValue(OutNames[I], OutTypes[I]);
  }
  G.nodes().push_back(std::move(N));
  recordKnown(G.nodes().back());
  return Status::ok();
}

Expected<Attribute> convertAttribute(const onnx::AttributeProto &A, const std::string &BaseDir,
                                     const MemoryLimit &Limit) {
  using AP = onnx::AttributeProto;
  if (!A.ref_attr_name().empty())
    return makeError("unsupported: attribute '", A.name(), "' refers to a function attribute");
  auto Type = A.type();
  if (Type == AP::UNDEFINED) { // IR version 1 models leave the type out
    if (A.has_f())
      Type = AP::FLOAT;
    else if (A.has_i())
      Type = AP::INT;
    else if (A.has_s())
      Type = AP::STRING;
    else if (A.has_t())
      Type = AP::TENSOR;
    else if (A.floats_size())
      Type = AP::FLOATS;
    else if (A.ints_size())
      Type = AP::INTS;
    else if (A.strings_size())
      Type = AP::STRINGS;
  }
  Attribute R{A.name(), int64_t(0)};
  switch (Type) {
  case AP::FLOAT:
    R.Val = A.f();
    break;
  case AP::INT:
    R.Val = static_cast<int64_t>(A.i());
    break;
  case AP::STRING:
    R.Val = A.s();
    break;
  case AP::TENSOR: {
    auto T = tensorFromProto(A.t(), BaseDir, Limit);
    if (!T)
      return T.error().withContext("attribute '" + A.name() + "'");
    R.Val = T.takeValue();
    break;
  }
  case AP::FLOATS:
    R.Val = std::vector<float>(A.floats().begin(), A.floats().end());
    break;
  case AP::INTS:
    R.Val = std::vector<int64_t>(A.ints().begin(), A.ints().end());
    break;
  case AP::STRINGS:
    R.Val = std::vector<std::string>(A.strings().begin(), A.strings().end());
    break;
  default:
    return makeError("unsupported attribute '", A.name(), "' of kind ", static_cast<int>(Type),
                     " (graphs, sparse tensors and types are not supported)");
  }
  return R;
}

namespace {

std::string typeKindName(const onnx::TypeProto &T) {
  if (T.has_sequence_type())
    return "a sequence";
  if (T.has_optional_type())
    return "an optional";
  if (T.has_map_type())
    return "a map";
  if (T.has_sparse_tensor_type())
    return "a sparse tensor";
  return "not a tensor";
}

/// Element type and shape of a graph input; Given (from the options) fixes dynamic dims.
Expected<TensorType> inputType(const onnx::ValueInfoProto &V, const std::vector<int64_t> *Given) {
  if (!V.type().has_tensor_type())
    return makeError("unsupported: input '", V.name(), "' is ", typeKindName(V.type()));
  const auto &TT = V.type().tensor_type();
  auto ET = elemTypeFromOnnx(TT.elem_type());
  if (!ET)
    return ET.error().withContext("input '" + V.name() + "'");
  ElemType E = *ET;
  if (Given) {
    if (TT.has_shape() && TT.shape().dim_size() != static_cast<int>(Given->size()))
      return makeError("input '", V.name(), "' has rank ", TT.shape().dim_size(), " but the given shape ",
                       formatShape(*Given), " has rank ", Given->size());
    for (size_t I = 0; I < Given->size(); ++I) {
      if ((*Given)[I] < 0)
        return makeError("given shape ", formatShape(*Given), " for input '", V.name(),
                         "' has a negative dim");
      if (TT.has_shape() && TT.shape().dim(static_cast<int>(I)).has_dim_value() &&
          TT.shape().dim(static_cast<int>(I)).dim_value() != (*Given)[I])
        return makeError("given shape ", formatShape(*Given), " for input '", V.name(),
                         "' contradicts its dim ", I, " = ", TT.shape().dim(static_cast<int>(I)).dim_value());
    }
    return TensorType(E, *Given);
  }
  if (!TT.has_shape())
    return makeError("input '", V.name(), "' has no shape; give one with --input-shape ", V.name(), "=...");
  Shape Dims;
  for (int I = 0; I < TT.shape().dim_size(); ++I) {
    const auto &D = TT.shape().dim(I);
    if (!D.has_dim_value() || D.dim_value() < 0)
      return makeError("input '", V.name(), "' has a dynamic dim ", I,
                       D.has_dim_param() ? " ('" + D.dim_param() + "')" : std::string(),
                       "; give its shape with --input-shape ", V.name(), "=...");
    Dims.push_back(D.dim_value());
  }
  return TensorType(E, Dims);
}

/// The declared type of a value_info/output when it is a tensor with a fully static shape.
std::optional<TensorType> declaredType(const onnx::ValueInfoProto &V) {
  if (!V.type().has_tensor_type() || !V.type().tensor_type().has_shape())
    return std::nullopt;
  auto E = elemTypeFromOnnx(V.type().tensor_type().elem_type());
  if (!E)
    return std::nullopt;
  Shape Dims;
  for (const auto &D : V.type().tensor_type().shape().dim()) {
    if (!D.has_dim_value() || D.dim_value() < 0)
      return std::nullopt;
    Dims.push_back(D.dim_value());
  }
  return TensorType(*E, Dims);
}

Expected<int64_t> defaultOpset(const onnx::ModelProto &M) {
  int64_t Opset = -1;
  for (const auto &O : M.opset_import())
    if (O.domain().empty() || O.domain() == "ai.onnx")
      Opset = O.version();
  if (Opset < 0 && M.opset_import_size() == 0 && M.ir_version() < 3)
    Opset = 1; // before opset_import existed
  if (Opset < 0)
    return makeError("the model imports no version of the default ONNX domain");
  if (Opset < 1 || Opset > MaxOpset)
    return makeError("unsupported opset ", Opset, " (supported: 1 to ", MaxOpset, ", tested from 6)");
  return Opset;
}

Status importGraph(ImportState &S, const onnx::GraphProto &GP, const ImportOptions &Opts) {
  S.G.Name = GP.name();
  if (GP.sparse_initializer_size())
    return makeError("unsupported: sparse initializers");
  std::unordered_map<std::string, const onnx::TensorProto *> Inits;
  for (const auto &T : GP.initializer())
    Inits[T.name()] = &T;
  for (const auto &[Name, Dims] : Opts.InputShapes) {
    bool Found = false;
    for (const auto &V : GP.input())
      Found |= V.name() == Name && !Inits.count(Name);
    if (!Found)
      return makeError("--input-shape names '", Name, "', which is not an input of the model");
  }
  for (const auto &V : GP.input()) {
    if (Inits.count(V.name()))
      continue; // an initializer listed as an input (IR version < 4): a constant
    if (V.name().empty() || S.G.findValue(V.name()) != NoValue)
      return makeError("graph input name '", V.name(), "' is empty or repeated");
    auto It = Opts.InputShapes.find(V.name());
    NPU_ASSIGN(TensorType T, inputType(V, It == Opts.InputShapes.end() ? nullptr : &It->second));
    NPU_TRY(S.Limit.check(shapeNumElements(T.Dims), elemTypeSize(T.Elem), "input '" + V.name() + "' " + formatType(T)));
    S.G.addInput(V.name(), T);
  }
  for (const auto &T : GP.initializer()) {
    if (T.name().empty() || S.G.findValue(T.name()) != NoValue)
      return makeError("initializer name '", T.name(), "' is empty or repeated");
    auto Data = tensorFromProto(T, S.BaseDir, S.Limit);
    if (!Data)
      return Data.error().withContext("initializer '" + T.name() + "'");
    ValueId Id = S.G.addConstant(T.name(), Data.takeValue());
    S.Known[Id] = S.G.value(Id).Data;
  }
  for (const auto &V : GP.value_info())
    if (auto T = declaredType(V))
      S.Declared[V.name()] = *T;
  for (const auto &V : GP.output())
    if (auto T = declaredType(V))
      S.Declared[V.name()] = *T;
  for (int I = 0; I < GP.node_size(); ++I) {
    const auto &P = GP.node(I);
    std::string Name = S.nodeName(P.name().empty() ? P.op_type() + "_" + std::to_string(I) : P.name());
    Status St = convertNode(S, P, Name);
    if (!St)
      return St.withContext("node '" + P.name() + "' (" + P.op_type() + ", opset " + std::to_string(S.Opset) +
                            ")");
  }
  for (const auto &V : GP.output()) {
    if (V.type().value_case() != onnx::TypeProto::VALUE_NOT_SET && !V.type().has_tensor_type())
      return makeError("unsupported: output '", V.name(), "' is ", typeKindName(V.type()));
    ValueId Id = S.G.findValue(V.name());
    if (Id == NoValue)
      return makeError("graph output '", V.name(), "' is never defined");
    if (V.type().has_tensor_type()) {
      const auto &TT = V.type().tensor_type();
      const TensorType &Got = S.G.type(Id);
      auto E = elemTypeFromOnnx(TT.elem_type());
      bool Mismatch = TT.elem_type() != 0 && (!E || *E != Got.Elem);
      if (TT.has_shape()) {
        Mismatch |= TT.shape().dim_size() != Got.rank();
        for (int K = 0; K < TT.shape().dim_size() && !Mismatch; ++K)
          Mismatch |= TT.shape().dim(K).has_dim_value() && TT.shape().dim(K).dim_value() != Got.Dims[K];
      }
      if (Mismatch)
        return makeError("graph output '", V.name(), "' is declared ", onnxDataTypeName(TT.elem_type()),
                         " with another shape than the computed ", formatType(Got));
    }
    S.G.Outputs.push_back(Id);
  }
  return Status::ok();
}

} // namespace

Expected<Graph> importOnnxBytes(std::string_view Bytes, const ImportOptions &Opts, const std::string &BaseDir,
                                const std::string &Label) {
  onnx::ModelProto M;
  if (Bytes.size() > static_cast<size_t>(INT_MAX) ||
      !M.ParseFromArray(Bytes.data(), static_cast<int>(Bytes.size())))
    return makeError(Label, ": not a valid ONNX model (protobuf parse failed)");
  if (!M.has_graph())
    return makeError(Label, ": the model has no graph");
  ImportState S;
  S.BaseDir = BaseDir;
  S.Limit = Opts.Memory;
  auto Opset = defaultOpset(M);
  if (!Opset)
    return Opset.error().withContext(Label);
  S.Opset = *Opset;
  for (const auto &O : M.opset_import())
    if (O.domain() == "com.microsoft")
      S.ContribOpset = O.version();
  if (Status St = importGraph(S, M.graph(), Opts); !St)
    return St.error().withContext(Label);
  if (Status St = verifyGraph(S.G); !St)
    return St.error().withContext(Label + ": imported graph is invalid");
  return std::move(S.G);
}

Expected<Graph> importOnnx(const std::string &Path, const ImportOptions &Opts) {
  std::ifstream In(Path, std::ios::binary);
  if (!In)
    return makeError(Path, ": cannot open");
  std::stringstream SS;
  SS << In.rdbuf();
  std::string Dir =
      Path.find_last_of('/') == std::string::npos ? "." : Path.substr(0, Path.find_last_of('/'));
  return importOnnxBytes(SS.str(), Opts, Dir, Path);
}

Expected<std::vector<std::string>> onnxGraphInputs(const std::string &Path) {
  std::ifstream In(Path, std::ios::binary);
  if (!In)
    return makeError(Path, ": cannot open");
  std::stringstream SS;
  SS << In.rdbuf();
  std::string Bytes = SS.str();
  onnx::ModelProto M;
  if (Bytes.size() > static_cast<size_t>(INT_MAX) || !M.ParseFromString(Bytes))
    return makeError(Path, ": not a valid ONNX model (protobuf parse failed)");
  std::set<std::string> Inits;
  for (const auto &T : M.graph().initializer())
    Inits.insert(T.name());
  std::vector<std::string> Names;
  for (const auto &V : M.graph().input())
    if (!Inits.count(V.name()))
      Names.push_back(V.name());
  return Names;
}

Status addInputShapeOption(ImportOptions &Opts, const std::string &Spec) {
  size_t Eq = Spec.find_last_of('=');
  if (Eq == std::string::npos || Eq == 0)
    return makeError("input shape '", Spec, "' is not NAME=DIMxDIM...");
  std::vector<int64_t> Dims;
  std::string Rest = Spec.substr(Eq + 1);
  size_t Pos = 0;
  while (Pos <= Rest.size() && !Rest.empty()) {
    size_t End = Rest.find_first_of("x,", Pos);
    std::string Part = Rest.substr(Pos, End == std::string::npos ? std::string::npos : End - Pos);
    if (Part.empty() || Part.find_first_not_of("0123456789") != std::string::npos || Part.size() > 15)
      return makeError("input shape '", Spec, "' has a bad dim '", Part, "'");
    Dims.push_back(std::stoll(Part));
    if (End == std::string::npos)
      break;
    Pos = End + 1;
  }
  Opts.InputShapes[Spec.substr(0, Eq)] = Dims;
  return Status::ok();
}

} // namespace npu::frontend
