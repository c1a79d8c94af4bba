// Binding tensors to DRAM: type/shape/layout checks, int4 packing, input matching and output extraction.
#include "npu/runtime/Binding.h"
#include "npu/compiler/ir/Compare.h"

#include <cctype>

#include <algorithm>

namespace npu::runtime {

std::vector<const isa::TensorBinding *> inputBindings(const isa::Program &P) {
  std::vector<const isa::TensorBinding *> Out;
  for (const isa::TensorBinding &B : P.IO)
    if (B.IsInput)
      Out.push_back(&B);
  return Out;
}

std::vector<const isa::TensorBinding *> outputBindings(const isa::Program &P) {
  std::vector<const isa::TensorBinding *> Out;
  for (const isa::TensorBinding &B : P.IO)
    if (!B.IsInput)
      Out.push_back(&B);
  return Out;
}

static std::string bindingWhat(const isa::TensorBinding &B) {
  return std::string(B.IsInput ? "input" : "output") + " '" + B.Name + "'";
}

/// Only row-major is understood so far; blocked layouts will be added here.
// A layout is a label for how the declared shape's dimensions read (row-major, NCHW, NCHWc, ...): the data is
// always the declared shape stored densely in row-major order, so the runtime moves it unchanged. Conversions
// between layouts are written "FROM>TO"; the runtime does not perform any yet, so they are refused here.
static Status checkLayout(const isa::TensorBinding &B) {
  if (B.Layout.empty())
    return makeError(bindingWhat(B), ": empty layout name");
  for (char C : B.Layout)
    if (!std::isalnum(static_cast<unsigned char>(C)) && C != '-' && C != '_')
      return makeError(bindingWhat(B), ": layout '", B.Layout,
                       "' is not a plain layout name; the runtime moves data in the declared shape's row-major order "
                       "and performs no layout conversion");
  return Status::ok();
}

Status checkTensorForBinding(const isa::TensorBinding &B, const NamedTensor &T) {
  NPU_TRY(checkLayout(B));
  std::string Want = B.DType == "int4" ? "int8" : B.DType;
  std::string Got = dtypeName(T.Data.elemType());
  if (Want != Got)
    return makeError(bindingWhat(B), " is ", B.DType, " ", ir::formatShape(B.Shape), " but the tensor",
                     T.Name.empty() ? "" : " '" + T.Name + "'", " is ", Got,
                     B.DType == "int4" ? " (an int4 binding takes int8 data)" : "");
  if (!ir::sameShapeIgnoringLeadingOnes(B.Shape, T.Data.shape()))
    return makeError(bindingWhat(B), " has shape ", ir::formatShape(B.Shape), " but the tensor",
                     T.Name.empty() ? "" : " '" + T.Name + "'", " has shape ", ir::formatShape(T.Data.shape()));
  return Status::ok();
}

Expected<std::vector<uint8_t>> packInt4(const ir::Tensor &T) {
  assert(T.elemType() == ir::ElemType::Int8 && "int4 packing takes int8 tensors");
  const int8_t *Values = T.data<int8_t>();
  uint64_t N = uint64_t(T.numElements());
  std::vector<uint8_t> Out((N + 1) / 2, 0);
  for (uint64_t I = 0; I < N; ++I) {
    int8_t V = Values[I];
    if (V < -8 || V > 7)
      return makeError("element ", I, " = ", int(V), " does not fit int4 (-8..7)");
    Out[I / 2] |= uint8_t((uint8_t(V) & 0xF) << (I % 2 ? 4 : 0));
  }
  return Out;
}

std::vector<int8_t> unpackInt4(const uint8_t *Packed, uint64_t Count) {
  std::vector<int8_t> Out(Count);
  for (uint64_t I = 0; I < Count; ++I) {
    uint8_t Nibble = (Packed[I / 2] >> (I % 2 ? 4 : 0)) & 0xF;
    Out[I] = int8_t(Nibble >= 8 ? int(Nibble) - 16 : int(Nibble));
  }
  return Out;
}

static Status checkInsideDram(const isa::TensorBinding &B, size_t DramBytes) {
  uint64_t Size = B.byteSize();
  if (B.Address > DramBytes || Size > DramBytes - B.Address)
    return makeError(bindingWhat(B), " at ", B.Address, " (", Size, " bytes) lies outside DRAM of ",
                     DramBytes, " bytes");
  return Status::ok();
}

Status writeBinding(const isa::TensorBinding &B, const NamedTensor &T, std::vector<uint8_t> &Dram) {
  NPU_TRY(checkTensorForBinding(B, T));
  NPU_TRY(checkInsideDram(B, Dram.size()));
  if (B.DType == "int4") {
    auto Packed = packInt4(T.Data);
    if (!Packed)
      return Packed.error().withContext(bindingWhat(B));
    std::copy(Packed->begin(), Packed->end(), Dram.begin() + B.Address);
    return Status::ok();
  }
  const std::vector<uint8_t> &Bytes = T.Data.byteVector();
  std::copy(Bytes.begin(), Bytes.end(), Dram.begin() + B.Address);
  return Status::ok();
}

Expected<NamedTensor> readBinding(const isa::TensorBinding &B, const std::vector<uint8_t> &Dram) {
  NPU_TRY(checkLayout(B));
  if (ir::shapeNumElements(B.Shape) < 0)
    return makeError(bindingWhat(B), ": shape ", ir::formatShape(B.Shape), " is not a tensor shape");
  NPU_TRY(checkInsideDram(B, Dram.size()));
  const uint8_t *Src = Dram.data() + B.Address;
  if (B.DType == "int4")
    return NamedTensor{B.Name, ir::Tensor::of(B.Shape, unpackInt4(Src, B.elementCount()))};
  auto Type = parseDType(B.DType);
  if (!Type)
    return Type.error().withContext(bindingWhat(B));
  ir::Tensor T(*Type, B.Shape);
  std::copy(Src, Src + T.byteSize(), T.bytes());
  return NamedTensor{B.Name, std::move(T)};
}

Expected<std::vector<std::optional<size_t>>>
bindInputs(const isa::Program &P, const std::vector<std::optional<NamedTensor>> &Inputs, std::vector<uint8_t> &Dram) {
  std::vector<const isa::TensorBinding *> Bindings = inputBindings(P);
  std::vector<std::optional<size_t>> Source(Bindings.size());
  for (size_t K = 0; K < Inputs.size(); ++K) {
    if (!Inputs[K])
      continue;
    const NamedTensor &T = *Inputs[K];
    std::optional<size_t> Slot;
    for (size_t I = 0; I < Bindings.size() && !T.Name.empty(); ++I)
      if (Bindings[I]->Name == T.Name)
        Slot = I;
    if (!Slot && K < Bindings.size())
      Slot = K;
    if (!Slot)
      return makeError("input_", K, " ('", T.Name, "') has no input to feed: the program has ",
                       Bindings.size(), " input", Bindings.size() == 1 ? "" : "s", " and none is named '",
                       T.Name, "'");
    if (Source[*Slot])
      return makeError("input_", K, " and input_", *Source[*Slot], " both feed input '",
                       Bindings[*Slot]->Name, "'");
    if (Status S = writeBinding(*Bindings[*Slot], T, Dram); !S)
      return S.error().withContext(makeError("input_", K).message());
    Source[*Slot] = K;
  }
  return Source;
}

Expected<std::vector<NamedTensor>> readOutputs(const isa::Program &P, const std::vector<uint8_t> &Dram) {
  std::vector<NamedTensor> Out;
  for (const isa::TensorBinding *B : outputBindings(P)) {
    auto T = readBinding(*B, Dram);
    if (!T)
      return T.error();
    Out.push_back(T.takeValue());
  }
  return Out;
}

} // namespace npu::runtime
