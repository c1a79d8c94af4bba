// Tensor types and tensors: element counts, formatting, and typed element access.
#include "npu/compiler/ir/Tensor.h"
#include "TextFormat.h"

#include <cmath>

namespace npu::ir {

bool TensorType::isStatic() const {
  for (int64_t D : Dims)
    if (D < 0)
      return false;
  return true;
}

int64_t shapeNumElements(const Shape &S) {
  int64_t N = 1;
  for (int64_t D : S) {
    if (D < 0)
      return -1;
    if (D != 0 && N > (int64_t(1) << 62) / D)
      return -1;
    N *= D;
  }
  return N;
}

std::string formatShape(const Shape &S) {
  std::string R = "[";
  for (size_t I = 0; I < S.size(); ++I) {
    if (I)
      R += ",";
    R += S[I] < 0 ? std::string("?") : std::to_string(S[I]);
  }
  return R + "]";
}

std::string formatType(const TensorType &T) {
  std::string R = std::string(elemTypeName(T.Elem)) + formatShape(T.Dims);
  if (!T.Quant)
    return R;
  const QuantParams &Q = *T.Quant;
  auto List = [&](auto &Vals, auto Fmt) {
    std::string L = Q.Axis ? "[" : "";
    for (size_t I = 0; I < Vals.size(); ++I)
      L += (I ? ", " : "") + Fmt(Vals[I]);
    return L + (Q.Axis ? "]" : "");
  };
  R += "{";
  if (Q.Axis)
    R += "axis=" + std::to_string(*Q.Axis) + " ";
  R += "scale=" + List(Q.Scales, [](float F) { return formatFloat(F); });
  R += " zp=" + List(Q.ZeroPoints, [](int64_t V) { return std::to_string(V); });
  return R + "}";
}

Tensor::Tensor(ElemType E, Shape D) : Elem(E), Dims(std::move(D)) {
  NumElements = shapeNumElements(Dims);
  assert(NumElements >= 0 && "tensor shape must be static");
  Bytes.assign(static_cast<size_t>(NumElements) * elemTypeSize(E), 0);
}

Tensor::Tensor(ElemType E, Shape D, std::vector<uint8_t> B)
    : Elem(E), Dims(std::move(D)), Bytes(std::move(B)) {
  NumElements = shapeNumElements(Dims);
  assert(NumElements >= 0 && Bytes.size() == static_cast<size_t>(NumElements) * elemTypeSize(E));
}

Tensor Tensor::fromInt64s(const std::vector<int64_t> &Values) {
  Tensor R(ElemType::Int64, {static_cast<int64_t>(Values.size())});
  for (size_t I = 0; I < Values.size(); ++I)
    R.data<int64_t>()[I] = Values[I];
  return R;
}

double Tensor::getDouble(int64_t I) const {
  return dispatchElemType(Elem, [&](auto Tag) -> double {
    using T = decltype(Tag);
    return static_cast<double>(static_cast<const T *>(static_cast<const void *>(Bytes.data()))[I]);
  });
}

int64_t Tensor::getInt64(int64_t I) const {
  return dispatchElemType(Elem, [&](auto Tag) -> int64_t {
    using T = decltype(Tag);
    T V = static_cast<const T *>(static_cast<const void *>(Bytes.data()))[I];
    if constexpr (std::is_integral_v<T>) {
      return static_cast<int64_t>(V);
    } else {
      double D = static_cast<double>(V);
      if (!(D > -9.2e18 && D < 9.2e18)) // NaN or out of range: no UB
        return 0;
      return static_cast<int64_t>(D);
    }
  });
}

void Tensor::setDouble(int64_t I, double V) {
  dispatchElemType(Elem, [&](auto Tag) {
    using T = decltype(Tag);
    T *P = static_cast<T *>(static_cast<void *>(Bytes.data()));
    if constexpr (std::is_same_v<T, bool>) {
      P[I] = V != 0;
    } else if constexpr (std::is_integral_v<T>) {
      if (std::isnan(V))
        V = 0;
      if constexpr (std::is_signed_v<T>)
        P[I] = static_cast<T>(
            static_cast<int64_t>(std::fmax(std::fmin(V, 9.2e18), -9.2e18))); // wraps to T like numpy's astype
      else
        P[I] = static_cast<T>(static_cast<uint64_t>(std::fmax(std::fmin(V, 1.8e19), 0.0)));
    } else if constexpr (std::is_same_v<T, double>) {
      P[I] = V;
    } else {
      P[I] = T(static_cast<float>(V));
    }
  });
}

std::vector<int64_t> Tensor::toInt64s() const {
  std::vector<int64_t> R(static_cast<size_t>(NumElements));
  for (int64_t I = 0; I < NumElements; ++I)
    R[static_cast<size_t>(I)] = getInt64(I);
  return R;
}

std::vector<double> Tensor::toDoubles() const {
  std::vector<double> R(static_cast<size_t>(NumElements));
  for (int64_t I = 0; I < NumElements; ++I)
    R[static_cast<size_t>(I)] = getDouble(I);
  return R;
}

void Tensor::reshape(Shape NewDims) {
  assert(shapeNumElements(NewDims) == NumElements);
  Dims = std::move(NewDims);
}

} // namespace npu::ir
