// Reference kernels of the elementwise operators: activations, arithmetic with numpy broadcasting, Clip,
// Cast.
#include "Kernels.h"

#include <algorithm>
#include <cmath>
#include <limits>

namespace npu::ref {

namespace {

using ir::BFloat16;
using ir::Half;

template <typename T> constexpr bool IsFloat = !std::is_integral_v<T>;

/// Applies F (on the calculation type) to every element of input 0.
template <typename F> Status unaryFloat(KernelContext &C, F Fn) {
  return dispatchFloat(C.in(0).elemType(), [&](auto Tag) {
    using T = decltype(Tag);
    using Calc = CalcT<T>;
    const T *X = C.in(0).data<T>();
    T *Y = C.out(0).data<T>();
    for (int64_t I = 0, N = C.in(0).numElements(); I < N; ++I)
      Y[I] = T(static_cast<Calc>(Fn(static_cast<Calc>(X[I]))));
  });
}

template <typename F> Status unaryNumeric(KernelContext &C, F Fn) {
  ir::dispatchElemType(C.in(0).elemType(), [&](auto Tag) {
    using T = decltype(Tag);
    if constexpr (!std::is_same_v<T, bool>) {
      using Calc = CalcT<T>;
      const T *X = C.in(0).data<T>();
      T *Y = C.out(0).data<T>();
      for (int64_t I = 0, N = C.in(0).numElements(); I < N; ++I)
        Y[I] = T(static_cast<Calc>(Fn(static_cast<Calc>(X[I]))));
    }
  });
  return Status::ok();
}

/// A float activation; Alpha/Beta/Gamma are the attributes with the operator's defaults.
#define FLOAT_KERNEL(NAME, DA, DB, DG, EXPR)                                                                 \
  Status NAME(KernelContext &C) {                                                                            \
    float Alpha = C.N.getFloat("alpha", DA), Beta = C.N.getFloat("beta", DB),                                \
          Gamma = C.N.getFloat("gamma", DG);                                                                 \
    (void)Alpha, (void)Beta, (void)Gamma;                                                                    \
    return unaryFloat(C, [&](auto X) -> decltype(X) {                                                        \
      using V [[maybe_unused]] = decltype(X);                                                                \
      return EXPR;                                                                                           \
    });                                                                                                      \
  }

template <typename V> V sigmoid(V X) {
  return X >= 0 ? V(1) / (V(1) + std::exp(-X)) : std::exp(X) / (V(1) + std::exp(X));
}
template <typename V> V softplus(V X) { return X > V(30) ? X : std::log1p(std::exp(X)); }

FLOAT_KERNEL(kSigmoid, 0, 0, 0, sigmoid(X))
FLOAT_KERNEL(kSiLU, 0, 0, 0, X *sigmoid(X))
FLOAT_KERNEL(kTanh, 0, 0, 0, std::tanh(X))
FLOAT_KERNEL(kExp, 0, 0, 0, std::exp(X))
FLOAT_KERNEL(kLog, 0, 0, 0, std::log(X))
FLOAT_KERNEL(kSqrt, 0, 0, 0, std::sqrt(X))
FLOAT_KERNEL(kReciprocal, 0, 0, 0, V(1) / X)
FLOAT_KERNEL(kErf, 0, 0, 0, std::erf(X))
FLOAT_KERNEL(kSin, 0, 0, 0, std::sin(X))
FLOAT_KERNEL(kCos, 0, 0, 0, std::cos(X))
FLOAT_KERNEL(kSoftsign, 0, 0, 0, X / (V(1) + std::fabs(X)))
FLOAT_KERNEL(kSoftplus, 0, 0, 0, softplus(X))
FLOAT_KERNEL(kMish, 0, 0, 0, X *std::tanh(softplus(X)))
FLOAT_KERNEL(kCeil, 0, 0, 0, std::ceil(X))
FLOAT_KERNEL(kFloor, 0, 0, 0, std::floor(X))
FLOAT_KERNEL(kRound, 0, 0, 0, std::nearbyint(X))
FLOAT_KERNEL(kHardSwish, 0, 0, 0, X *std::max(V(0), std::min(V(1), X *V(1.0f / 6.0f) + V(0.5f))))
FLOAT_KERNEL(kHardSigmoid, 0.2f, 0.5f, 0, std::max(V(0), std::min(V(1), V(Alpha) * X + V(Beta))))
FLOAT_KERNEL(kLeakyRelu, 0.01f, 0, 0, X >= V(0) ? X : V(Alpha) * X)
FLOAT_KERNEL(kElu, 1.0f, 0, 0, X >= V(0) ? X : V(Alpha) * (std::exp(X) - V(1)))
FLOAT_KERNEL(kCelu, 1.0f, 0, 0,
             std::max(V(0), X) + std::min(V(0), V(Alpha) * (std::exp(X / V(Alpha)) - V(1))))
FLOAT_KERNEL(kThresholdedRelu, 1.0f, 0, 0, X > V(Alpha) ? X : V(0))
FLOAT_KERNEL(kSelu, 1.67326319f, 0, 1.05070102f,
             X > V(0) ? V(Gamma) * X : V(Gamma) * (V(Alpha) * std::exp(X) - V(Alpha)))

Status kGelu(KernelContext &C) {
  bool Tanh = C.N.getString("approximate", "none") == "tanh";
  return unaryFloat(C, [&](auto X) -> decltype(X) {
    using V = decltype(X);
    if (Tanh)
      return V(0.5) * X * (V(1) + std::tanh(V(0.7978845608028654) * (X + V(0.044715) * X * X * X)));
    return V(0.5) * X * (V(1) + std::erf(X / V(1.4142135623730951)));
  });
}

Status kRelu(KernelContext &C) {
  return unaryNumeric(C, [](auto X) { return X > decltype(X)(0) ? X : decltype(X)(0); });
}
Status kNeg(KernelContext &C) {
  return unaryNumeric(C, [](auto X) -> decltype(X) {
    if constexpr (std::is_integral_v<decltype(X)>) // wraps like numpy instead of overflowing
      return static_cast<decltype(X)>(0 - static_cast<std::make_unsigned_t<decltype(X)>>(X));
    else
      return -X;
  });
}
Status kAbs(KernelContext &C) {
  return unaryNumeric(C, [](auto X) -> decltype(X) { return X < decltype(X)(0) ? decltype(X)(0 - X) : X; });
}
Status kSign(KernelContext &C) {
  return unaryNumeric(C, [](auto X) -> decltype(X) {
    using V = decltype(X);
    return X > V(0) ? V(1) : (X < V(0) ? V(-1) : V(0));
  });
}

Status kIdentity(KernelContext &C) {
  copyTensorBytes(C.out(0), C.in(0));
  if (C.Out.size() > 1) // Dropout's mask: nothing is dropped at inference
    std::memset(C.out(1).bytes(), 1, C.out(1).byteSize());
  return Status::ok();
}

Status kNot(KernelContext &C) {
  for (int64_t I = 0; I < C.in(0).numElements(); ++I)
    C.out(0).data<bool>()[I] = !C.in(0).data<bool>()[I];
  return Status::ok();
}

Status kClip(KernelContext &C) {
  ir::dispatchElemType(C.in(0).elemType(), [&](auto Tag) {
    using T = decltype(Tag);
    if constexpr (!std::is_same_v<T, bool>) {
      using Calc = CalcT<T>;
      Calc Lo = std::numeric_limits<Calc>::lowest(), Hi = std::numeric_limits<Calc>::max();
      if constexpr (IsFloat<Calc>) {
        Lo = -std::numeric_limits<Calc>::infinity();
        Hi = std::numeric_limits<Calc>::infinity();
      }
      if (C.has(1))
        Lo = static_cast<Calc>(C.in(1).data<T>()[0]);
      if (C.has(2))
        Hi = static_cast<Calc>(C.in(2).data<T>()[0]);
      const T *X = C.in(0).data<T>();
      T *Y = C.out(0).data<T>();
      for (int64_t I = 0, N = C.in(0).numElements(); I < N; ++I) {
        Calc V = static_cast<Calc>(X[I]);
        Y[I] = T(std::min(std::max(V, Lo), Hi)); // min > max gives max, as numpy.clip
      }
    }
  });
  return Status::ok();
}

/// One element converted like numpy's astype: floats to integers truncate (out of range saturates here).
template <typename D, typename S> D convertValue(S V) {
  if constexpr (std::is_same_v<D, bool>) {
    return static_cast<CalcT<S>>(V) != CalcT<S>(0);
  } else if constexpr (std::is_integral_v<D> && !std::is_integral_v<S>) {
    double X = static_cast<double>(static_cast<CalcT<S>>(V));
    if (std::isnan(X))
      return D(0);
    X = std::trunc(X);
    if (X <= static_cast<double>(std::numeric_limits<D>::lowest()))
      return std::numeric_limits<D>::lowest();
    if (X >= static_cast<double>(std::numeric_limits<D>::max()))
      return std::numeric_limits<D>::max();
    return static_cast<D>(X);
  } else if constexpr (std::is_same_v<D, Half> || std::is_same_v<D, BFloat16>) {
    return D(static_cast<float>(static_cast<CalcT<S>>(V)));
  } else {
    return static_cast<D>(static_cast<CalcT<S>>(V));
  }
}

Status kCast(KernelContext &C) {
  ir::dispatchElemType(C.in(0).elemType(), [&](auto STag) {
    using S = decltype(STag);
    ir::dispatchElemType(C.out(0).elemType(), [&](auto DTag) {
      using D = decltype(DTag);
      const S *X = C.in(0).data<S>();
      D *Y = C.out(0).data<D>();
      for (int64_t I = 0, N = C.in(0).numElements(); I < N; ++I)
        Y[I] = convertValue<D>(X[I]);
    });
  });
  return Status::ok();
}

enum class BinOp { Add, Sub, Mul, Div, Mod, FMod, Pow, Max, Min, Eq, Lt, Gt, Le, Ge, And, Or, Xor };

template <typename Calc> Calc arith(BinOp Op, Calc A, Calc B, bool &DivZero) {
  switch (Op) {
  case BinOp::Add:
    return static_cast<Calc>(A + B);
  case BinOp::Sub:
    return static_cast<Calc>(A - B);
  case BinOp::Mul:
    return static_cast<Calc>(A * B);
  case BinOp::Max:
    return A > B ? A : B;
  case BinOp::Min:
    return A < B ? A : B;
  case BinOp::Div:
    if constexpr (std::is_integral_v<Calc>) {
      if (B == 0) {
        DivZero = true;
        return 0;
      }
      if constexpr (std::is_signed_v<Calc>)
        if (B == -1) // avoids the INT_MIN / -1 trap; wraps like numpy
          return static_cast<Calc>(0 - static_cast<std::make_unsigned_t<Calc>>(A));
      return static_cast<Calc>(A / B);
    } else {
      return A / B;
    }
  case BinOp::Mod:
  case BinOp::FMod:
    if constexpr (std::is_integral_v<Calc>) {
      if (B == 0) {
        DivZero = true;
        return 0;
      }
      if constexpr (std::is_signed_v<Calc>)
        if (B == -1)
          return 0;
      Calc R = static_cast<Calc>(A % B);
      if (Op == BinOp::Mod && R != 0 && ((R < 0) != (B < 0)))
        R = static_cast<Calc>(R + B);
      return R;
    } else {
      Calc R = std::fmod(A, B);
      if (Op == BinOp::Mod && R != 0 && ((R < 0) != (B < 0)))
        R += B;
      return R;
    }
  default:
    return A;
  }
}

Status binary(KernelContext &C, BinOp Op) {
  const Tensor &A = C.in(0), &B = C.in(1);
  Tensor &Y = C.out(0);
  bool DivZero = false;
  bool Compare = Op >= BinOp::Eq;
  ir::dispatchElemType(A.elemType(), [&](auto Tag) {
    using T = decltype(Tag);
    using Calc = CalcT<T>;
    const T *PA = A.data<T>(), *PB = B.data<T>();
    if (Compare) {
      bool *PY = Y.data<bool>();
      broadcast2(Y.shape(), A.shape(), B.shape(), [&](int64_t O, int64_t IA, int64_t IB) {
        Calc X = static_cast<Calc>(PA[IA]), Z = static_cast<Calc>(PB[IB]);
        bool R = false;
        switch (Op) {
        case BinOp::Eq:
          R = X == Z;
          break;
        case BinOp::Lt:
          R = X < Z;
          break;
        case BinOp::Gt:
          R = X > Z;
          break;
        case BinOp::Le:
          R = X <= Z;
          break;
        case BinOp::Ge:
          R = X >= Z;
          break;
        case BinOp::And:
          R = X && Z;
          break;
        case BinOp::Or:
          R = X || Z;
          break;
        default:
          R = (X != 0) != (Z != 0);
        }
        PY[O] = R;
      });
      return;
    }
    if constexpr (!std::is_same_v<T, bool>) {
      T *PY = Y.data<T>();
      if (A.shape() == B.shape()) { // no broadcasting: a plain loop the compiler can vectorize
        for (int64_t I = 0, N = Y.numElements(); I < N; ++I)
          PY[I] = T(arith<Calc>(Op, static_cast<Calc>(PA[I]), static_cast<Calc>(PB[I]), DivZero));
        return;
      }
      broadcast2(Y.shape(), A.shape(), B.shape(), [&](int64_t O, int64_t IA, int64_t IB) {
        PY[O] = T(arith<Calc>(Op, static_cast<Calc>(PA[IA]), static_cast<Calc>(PB[IB]), DivZero));
      });
    }
  });
  if (DivZero)
    return makeError("integer division by zero");
  return Status::ok();
}

Status kPow(KernelContext &C) {
  const Tensor &A = C.in(0), &B = C.in(1);
  Tensor &Y = C.out(0);
  std::vector<double> BV = B.toDoubles();
  ir::dispatchElemType(A.elemType(), [&](auto Tag) {
    using T = decltype(Tag);
    if constexpr (!std::is_same_v<T, bool>) {
      const T *PA = A.data<T>();
      T *PY = Y.data<T>();
      broadcast2(Y.shape(), A.shape(), B.shape(), [&](int64_t O, int64_t IA, int64_t IB) {
        double R = std::pow(static_cast<double>(static_cast<CalcT<T>>(PA[IA])), BV[static_cast<size_t>(IB)]);
        PY[O] = convertValue<T>(R);
      });
    }
  });
  return Status::ok();
}

Status kVariadic(KernelContext &C, BinOp Op) {
  bool SameShapes = true;
  for (size_t I = 0; I < C.In.size(); ++I)
    SameShapes &= C.in(I).shape() == C.out(0).shape();
  if (SameShapes) { // accumulate in place in the output (elementwise, so the aliasing is harmless)
    copyTensorBytes(C.out(0), C.in(0));
    for (size_t I = 1; I < C.In.size(); ++I) {
      std::vector<const Tensor *> Ins = {&C.out(0), &C.in(I)};
      KernelContext Sub{C.N, Ins, C.Out};
      NPU_TRY(binary(Sub, Op));
    }
    return Status::ok();
  }
  // Folds the inputs pairwise, each step broadcasting into the final shape.
  Tensor Acc = C.in(0);
  for (size_t I = 1; I < C.In.size(); ++I) {
    auto Shp = ir::broadcastShapes(Acc.shape(), C.in(I).shape());
    if (!Shp)
      return Shp.error();
    Tensor Next(Acc.elemType(), *Shp);
    std::vector<const Tensor *> Ins = {&Acc, &C.in(I)};
    std::vector<Tensor> Outs;
    Outs.push_back(std::move(Next));
    KernelContext Sub{C.N, Ins, Outs};
    NPU_TRY(binary(Sub, Op));
    Acc = std::move(Outs[0]);
  }
  if (Acc.shape() != C.out(0).shape()) { // a single input smaller than the result cannot happen; guard anyway
    size_t ES = ir::elemTypeSize(Acc.elemType());
    broadcast1(C.out(0).shape(), Acc.shape(), [&](int64_t O, int64_t I) {
      std::memcpy(C.out(0).bytes() + O * ES, Acc.bytes() + I * ES, ES);
    });
  } else {
    C.out(0) = std::move(Acc);
  }
  return Status::ok();
}

Status kMean(KernelContext &C) {
  NPU_TRY(kVariadic(C, BinOp::Add));
  double N = static_cast<double>(C.In.size());
  Tensor &Y = C.out(0);
  ir::dispatchElemType(Y.elemType(), [&](auto Tag) {
    using T = decltype(Tag);
    if constexpr (!std::is_same_v<T, bool>) {
      T *P = Y.data<T>();
      for (int64_t I = 0; I < Y.numElements(); ++I)
        P[I] = T(static_cast<CalcT<T>>(static_cast<CalcT<T>>(P[I]) / static_cast<CalcT<T>>(N)));
    }
  });
  return Status::ok();
}

Status kPRelu(KernelContext &C) {
  return dispatchFloat(C.in(0).elemType(), [&](auto Tag) {
    using T = decltype(Tag);
    using Calc = CalcT<T>;
    const T *X = C.in(0).data<T>(), *S = C.in(1).data<T>();
    T *Y = C.out(0).data<T>();
    broadcast2(C.out(0).shape(), C.in(0).shape(), C.in(1).shape(), [&](int64_t O, int64_t IX, int64_t IS) {
      Calc V = static_cast<Calc>(X[IX]);
      Y[O] = T(V < 0 ? static_cast<Calc>(S[IS]) * V : V);
    });
  });
}

Status kWhere(KernelContext &C) {
  const bool *Cond = C.in(0).data<bool>();
  size_t ES = ir::elemTypeSize(C.out(0).elemType());
  const Shape &O = C.out(0).shape();
  Shape SC = broadcastStrides(O, C.in(0).shape());
  Shape SX = broadcastStrides(O, C.in(1).shape()), SY = broadcastStrides(O, C.in(2).shape());
  Shape Idx(O.size(), 0);
  for (int64_t I = 0, N = C.out(0).numElements(); I < N; ++I) {
    int64_t OC = 0, OX = 0, OY = 0;
    for (size_t D = 0; D < O.size(); ++D) {
      OC += Idx[D] * SC[D];
      OX += Idx[D] * SX[D];
      OY += Idx[D] * SY[D];
    }
    const uint8_t *Src = Cond[OC] ? C.in(1).bytes() + OX * ES : C.in(2).bytes() + OY * ES;
    std::memcpy(C.out(0).bytes() + I * ES, Src, ES);
    for (size_t D = O.size(); D-- > 0;) {
      if (++Idx[D] < O[D])
        break;
      Idx[D] = 0;
    }
  }
  return Status::ok();
}

} // namespace

void addElementwiseKernels(KernelTable &T) {
  T["Sigmoid"] = kSigmoid;
  T["Tanh"] = kTanh;
  T["Exp"] = kExp;
  T["Log"] = kLog;
  T["Sqrt"] = kSqrt;
  T["Reciprocal"] = kReciprocal;
  T["Erf"] = kErf;
  T["Sin"] = kSin;
  T["Cos"] = kCos;
  T["Softsign"] = kSoftsign;
  T["Softplus"] = kSoftplus;
  T["Mish"] = kMish;
  T["npu.SiLU"] = kSiLU;
  T["Ceil"] = kCeil;
  T["Floor"] = kFloor;
  T["Round"] = kRound;
  T["HardSwish"] = kHardSwish;
  T["HardSigmoid"] = kHardSigmoid;
  T["LeakyRelu"] = kLeakyRelu;
  T["Elu"] = kElu;
  T["Celu"] = kCelu;
  T["ThresholdedRelu"] = kThresholdedRelu;
  T["Selu"] = kSelu;
  T["Gelu"] = kGelu;
  T["Relu"] = kRelu;
  T["Neg"] = kNeg;
  T["Abs"] = kAbs;
  T["Sign"] = kSign;
  T["Identity"] = kIdentity;
  T["Dropout"] = kIdentity;
  T["Not"] = kNot;
  T["Clip"] = kClip;
  T["Cast"] = kCast;
  T["CastLike"] = kCast;
  T["Add"] = [](KernelContext &C) { return binary(C, BinOp::Add); };
  T["Sub"] = [](KernelContext &C) { return binary(C, BinOp::Sub); };
  T["Mul"] = [](KernelContext &C) { return binary(C, BinOp::Mul); };
  T["Div"] = [](KernelContext &C) { return binary(C, BinOp::Div); };
  T["Mod"] = [](KernelContext &C) { return binary(C, C.N.getInt("fmod", 0) ? BinOp::FMod : BinOp::Mod); };
  T["Pow"] = kPow;
  T["Equal"] = [](KernelContext &C) { return binary(C, BinOp::Eq); };
  T["Less"] = [](KernelContext &C) { return binary(C, BinOp::Lt); };
  T["Greater"] = [](KernelContext &C) { return binary(C, BinOp::Gt); };
  T["LessOrEqual"] = [](KernelContext &C) { return binary(C, BinOp::Le); };
  T["GreaterOrEqual"] = [](KernelContext &C) { return binary(C, BinOp::Ge); };
  T["And"] = [](KernelContext &C) { return binary(C, BinOp::And); };
  T["Or"] = [](KernelContext &C) { return binary(C, BinOp::Or); };
  T["Xor"] = [](KernelContext &C) { return binary(C, BinOp::Xor); };
  T["Sum"] = [](KernelContext &C) { return kVariadic(C, BinOp::Add); };
  T["Max"] = [](KernelContext &C) { return kVariadic(C, BinOp::Max); };
  T["Min"] = [](KernelContext &C) { return kVariadic(C, BinOp::Min); };
  T["Mean"] = kMean;
  T["PRelu"] = kPRelu;
  T["Where"] = kWhere;
}

} // namespace npu::ref
