// Reference kernels of Softmax/LogSoftmax, the Reduce* family, ArgMax/ArgMin and the normalizations.
#include "Kernels.h"

#include <algorithm>
#include <limits>

namespace npu::ref {

namespace {

/// Sizes of a tensor cut around one axis: Outer x D x Inner.
struct AxisSplit {
  int64_t Outer, D, Inner;
};

AxisSplit splitAt(const Shape &S, int64_t Axis) {
  return {ir::shapeNumElements(Shape(S.begin(), S.begin() + Axis)), S[static_cast<size_t>(Axis)],
          ir::shapeNumElements(Shape(S.begin() + Axis + 1, S.end()))};
}

Status kSoftmax(KernelContext &C) {
  const Tensor &X = C.in(0);
  int64_t Axis = *ir::normalizeAxis(C.N.getInt("axis", -1), X.rank());
  AxisSplit S = splitAt(X.shape(), Axis);
  bool Log = C.N.OpType == "LogSoftmax";
  return dispatchFloat(X.elemType(), [&](auto Tag) {
    using T = decltype(Tag);
    using Calc = CalcT<T>;
    const T *In = X.data<T>();
    T *Out = C.out(0).data<T>();
    std::vector<Calc> E(static_cast<size_t>(S.D));
    for (int64_t O = 0; O < S.Outer; ++O)
      for (int64_t I = 0; I < S.Inner; ++I) {
        int64_t Base = O * S.D * S.Inner + I;
        Calc Max = -std::numeric_limits<Calc>::infinity();
        for (int64_t K = 0; K < S.D; ++K)
          Max = std::max(Max, static_cast<Calc>(In[Base + K * S.Inner]));
        Calc Sum = 0;
        for (int64_t K = 0; K < S.D; ++K) {
          E[static_cast<size_t>(K)] = std::exp(static_cast<Calc>(In[Base + K * S.Inner]) - Max);
          Sum += E[static_cast<size_t>(K)];
        }
        for (int64_t K = 0; K < S.D; ++K)
          Out[Base + K * S.Inner] = T(Log ? static_cast<Calc>(In[Base + K * S.Inner]) - Max - std::log(Sum)
                                          : E[static_cast<size_t>(K)] / Sum);
      }
  });
}

Status kReduce(KernelContext &C) {
  const Tensor &X = C.in(0);
  auto Reduced = ir::resolveReduceAxes(C.N, X.rank(), C.has(1) ? &C.in(1) : nullptr);
  if (!Reduced)
    return Reduced.error();
  const std::string &Op = C.N.OpType;
  // Output offset of each input element: strides of the kept dims, 0 for reduced ones.
  Shape Kept;
  for (size_t D = 0; D < Reduced->size(); ++D)
    Kept.push_back((*Reduced)[D] ? 1 : X.shape()[D]);
  Shape KeptStr = ir::stridesOf(Kept);
  for (size_t D = 0; D < Reduced->size(); ++D)
    if ((*Reduced)[D])
      KeptStr[D] = 0;
  int64_t NOut = C.out(0).numElements();
  int64_t Count = NOut ? X.numElements() / NOut : 0;
  double Init = 0;
  if (Op == "ReduceProd")
    Init = 1;
  else if (Op == "ReduceMax")
    Init = -std::numeric_limits<double>::infinity();
  else if (Op == "ReduceMin")
    Init = std::numeric_limits<double>::infinity();
  std::vector<double> Acc(static_cast<size_t>(NOut), Init);
  Shape Idx(X.shape().size(), 0);
  for (int64_t E = 0, N = X.numElements(); E < N; ++E) {
    int64_t O = 0;
    for (size_t D = 0; D < Idx.size(); ++D)
      O += Idx[D] * KeptStr[D];
    double V = X.getDouble(E);
    double &A = Acc[static_cast<size_t>(O)];
    if (Op == "ReduceSum" || Op == "ReduceMean")
      A += V;
    else if (Op == "ReduceProd")
      A *= V;
    else if (Op == "ReduceMax")
      A = std::max(A, V);
    else if (Op == "ReduceMin")
      A = std::min(A, V);
    else if (Op == "ReduceL1")
      A += std::fabs(V);
    else if (Op == "ReduceLogSumExp")
      A += std::exp(V);
    else
      A += V * V;
    for (size_t D = Idx.size(); D-- > 0;) {
      if (++Idx[D] < X.shape()[D])
        break;
      Idx[D] = 0;
    }
  }
  for (int64_t O = 0; O < NOut; ++O) {
    double A = Acc[static_cast<size_t>(O)];
    if (Op == "ReduceMean")
      A /= static_cast<double>(Count);
    else if (Op == "ReduceL2")
      A = std::sqrt(A);
    else if (Op == "ReduceLogSumExp")
      A = std::log(A);
    C.out(0).setDouble(O, A);
  }
  return Status::ok();
}

Status kArgMax(KernelContext &C) {
  const Tensor &X = C.in(0);
  int64_t Axis = *ir::normalizeAxis(C.N.getInt("axis", 0), X.rank());
  AxisSplit S = splitAt(X.shape(), Axis);
  bool Max = C.N.OpType == "ArgMax", Last = C.N.getInt("select_last_index", 0) != 0;
  for (int64_t O = 0; O < S.Outer; ++O)
    for (int64_t I = 0; I < S.Inner; ++I) {
      int64_t Base = O * S.D * S.Inner + I, Best = 0;
      double BV = X.getDouble(Base);
      for (int64_t K = 1; K < S.D; ++K) {
        double V = X.getDouble(Base + K * S.Inner);
        bool Better = Max ? (V > BV || (Last && V == BV)) : (V < BV || (Last && V == BV));
        if (Better) {
          BV = V;
          Best = K;
        }
      }
      C.out(0).data<int64_t>()[O * S.Inner + I] = Best;
    }
  return Status::ok();
}

Status kBatchNorm(KernelContext &C) {
  const Tensor &X = C.in(0);
  int64_t N = X.shape()[0], Ch = X.shape()[1], Sp = X.numElements() / std::max<int64_t>(1, N * Ch);
  double Eps = C.N.getFloat("epsilon", 1e-5f), Mom = C.N.getFloat("momentum", 0.9f);
  std::vector<double> Scale = C.in(1).toDoubles(), Bias = C.in(2).toDoubles(), Mean = C.in(3).toDoubles(),
                      Var = C.in(4).toDoubles();
  bool Training = C.N.getInt("training_mode", 0) != 0;
  std::vector<double> BMean = Mean, BVar = Var;
  if (Training) { // batch statistics over everything but the channel axis (population variance)
    for (int64_t K = 0; K < Ch; ++K) {
      double S = 0, S2 = 0;
      for (int64_t B = 0; B < N; ++B)
        for (int64_t P = 0; P < Sp; ++P)
          S += X.getDouble((B * Ch + K) * Sp + P);
      double M = S / static_cast<double>(N * Sp);
      for (int64_t B = 0; B < N; ++B)
        for (int64_t P = 0; P < Sp; ++P) {
          double D = X.getDouble((B * Ch + K) * Sp + P) - M;
          S2 += D * D;
        }
      BMean[static_cast<size_t>(K)] = M;
      BVar[static_cast<size_t>(K)] = S2 / static_cast<double>(N * Sp);
    }
    for (int64_t K = 0; K < Ch && C.N.hasOutput(1); ++K)
      C.out(1).setDouble(K, Mean[static_cast<size_t>(K)] * Mom + BMean[static_cast<size_t>(K)] * (1 - Mom));
    for (int64_t K = 0; K < Ch && C.N.hasOutput(2); ++K)
      C.out(2).setDouble(K, Var[static_cast<size_t>(K)] * Mom + BVar[static_cast<size_t>(K)] * (1 - Mom));
  }
  return dispatchFloat(X.elemType(), [&](auto Tag) {
    using T = decltype(Tag);
    using Calc = CalcT<T>;
    const T *In = X.data<T>();
    T *Out = C.out(0).data<T>();
    for (int64_t K = 0; K < Ch; ++K) {
      Calc A =
          static_cast<Calc>(Scale[static_cast<size_t>(K)] / std::sqrt(BVar[static_cast<size_t>(K)] + Eps));
      Calc B = static_cast<Calc>(Bias[static_cast<size_t>(K)] -
                                 BMean[static_cast<size_t>(K)] * static_cast<double>(A));
      for (int64_t Bt = 0; Bt < N; ++Bt) {
        int64_t Off = (Bt * Ch + K) * Sp;
        for (int64_t P = 0; P < Sp; ++P)
          Out[Off + P] = T(static_cast<Calc>(In[Off + P]) * A + B);
      }
    }
  });
}

/// Normalizes each of Groups consecutive blocks of Size elements; Scale/Bias picked by ParamAt(block, elem).
template <typename F>
void normalizeBlocks(const Tensor &X, Tensor &Y, int64_t Groups, int64_t Size, double Eps, F &&Affine,
                     Tensor *MeanOut, Tensor *InvStdOut) {
  for (int64_t G = 0; G < Groups; ++G) {
    double S = 0, S2 = 0;
    for (int64_t I = 0; I < Size; ++I)
      S += X.getDouble(G * Size + I);
    double M = S / static_cast<double>(Size);
    for (int64_t I = 0; I < Size; ++I) {
      double D = X.getDouble(G * Size + I) - M;
      S2 += D * D;
    }
    double Inv = 1.0 / std::sqrt(S2 / static_cast<double>(Size) + Eps);
    for (int64_t I = 0; I < Size; ++I)
      Y.setDouble(G * Size + I, Affine(G, I, (X.getDouble(G * Size + I) - M) * Inv));
    if (MeanOut)
      MeanOut->setDouble(G, M);
    if (InvStdOut)
      InvStdOut->setDouble(G, Inv);
  }
}

Status kInstanceNorm(KernelContext &C) {
  const Tensor &X = C.in(0);
  int64_t Ch = X.shape()[1], Groups = X.shape()[0] * Ch;
  int64_t Size = Groups ? X.numElements() / Groups : 0;
  std::vector<double> Scale = C.in(1).toDoubles(), Bias = C.in(2).toDoubles();
  normalizeBlocks(
      X, C.out(0), Groups, Size, C.N.getFloat("epsilon", 1e-5f),
      [&](int64_t G, int64_t, double V) {
        return V * Scale[static_cast<size_t>(G % Ch)] + Bias[static_cast<size_t>(G % Ch)];
      },
      nullptr, nullptr);
  return Status::ok();
}

Status kLayerNorm(KernelContext &C) {
  const Tensor &X = C.in(0);
  int64_t Axis = *ir::normalizeAxis(C.N.getInt("axis", -1), X.rank());
  Shape Norm(X.shape().begin() + Axis, X.shape().end());
  int64_t Size = ir::shapeNumElements(Norm), Groups = Size ? X.numElements() / Size : 0;
  // Scale and bias broadcast to the normalized shape.
  std::vector<double> Scale(static_cast<size_t>(Size), 1.0), Bias(static_cast<size_t>(Size), 0.0);
  broadcast1(Norm, C.in(1).shape(),
             [&](int64_t O, int64_t I) { Scale[static_cast<size_t>(O)] = C.in(1).getDouble(I); });
  if (C.has(2))
    broadcast1(Norm, C.in(2).shape(),
               [&](int64_t O, int64_t I) { Bias[static_cast<size_t>(O)] = C.in(2).getDouble(I); });
  normalizeBlocks(
      X, C.out(0), Groups, Size, C.N.getFloat("epsilon", 1e-5f),
      [&](int64_t, int64_t I, double V) {
        return V * Scale[static_cast<size_t>(I)] + Bias[static_cast<size_t>(I)];
      },
      C.N.hasOutput(1) ? &C.out(1) : nullptr, C.N.hasOutput(2) ? &C.out(2) : nullptr);
  return Status::ok();
}

Status kLrn(KernelContext &C) {
  const Tensor &X = C.in(0);
  int64_t N = X.shape()[0], Ch = X.shape()[1], Sp = X.numElements() / std::max<int64_t>(1, N * Ch);
  double Alpha = C.N.getFloat("alpha", 1e-4f), Beta = C.N.getFloat("beta", 0.75f),
         Bias = C.N.getFloat("bias", 1.0f);
  int64_t Size = C.N.getInt("size", 1);
  int64_t Lo = (Size - 1) / 2, Hi = Size - 1 - Lo;
  std::vector<double> V = X.toDoubles();
  for (int64_t B = 0; B < N; ++B)
    for (int64_t K = 0; K < Ch; ++K)
      for (int64_t P = 0; P < Sp; ++P) {
        double Sq = 0;
        for (int64_t J = std::max<int64_t>(0, K - Lo); J <= std::min(Ch - 1, K + Hi); ++J) {
          double E = V[static_cast<size_t>((B * Ch + J) * Sp + P)];
          Sq += E * E;
        }
        size_t At = static_cast<size_t>((B * Ch + K) * Sp + P);
        C.out(0).setDouble(static_cast<int64_t>(At),
                           V[At] / std::pow(Bias + Alpha / static_cast<double>(Size) * Sq, Beta));
      }
  return Status::ok();
}

} // namespace

void addReduceNormKernels(KernelTable &T) {
  T["Softmax"] = kSoftmax;
  T["LogSoftmax"] = kSoftmax;
  for (const char *Name : {"ReduceMean", "ReduceSum", "ReduceMax", "ReduceMin", "ReduceProd", "ReduceL1",
                           "ReduceL2", "ReduceSumSquare", "ReduceLogSumExp"})
    T[Name] = kReduce;
  T["ArgMax"] = kArgMax;
  T["ArgMin"] = kArgMax;
  T["BatchNormalization"] = kBatchNorm;
  T["InstanceNormalization"] = kInstanceNorm;
  T["LayerNormalization"] = kLayerNorm;
  T["LRN"] = kLrn;
}

} // namespace npu::ref
