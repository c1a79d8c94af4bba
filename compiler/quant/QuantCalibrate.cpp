// Calibration: runs the float graph on the calibration sets and estimates a symmetric range per f32 tensor.
#include "QuantCalibrate.h"
#include "QuantRewrite.h"

#include "npu/compiler/frontend/TensorProto.h"
#include "npu/compiler/ops/OpRegistry.h"
#include "npu/compiler/ref/Interpreter.h"
#include "npu/compiler/support/Try.h"

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <map>
#include <memory>
#include <numeric>

namespace npu::passes {

using namespace ir;
namespace fs = std::filesystem;

namespace {

constexpr size_t HistBins = 2048;

Expected<CalibSet> loadOneSet(const Graph &G, const fs::path &Dir) {
  CalibSet S;
  S.Dir = Dir.string();
  for (size_t K = 0; K < G.Inputs.size(); ++K) {
    fs::path P = Dir / ("input_" + std::to_string(K) + ".pb");
    NPU_ASSIGN(frontend::NamedTensor T, frontend::readTensorProtoFile(P.string()));
    const TensorType &Want = G.type(G.Inputs[K]);
    if (T.Data.elemType() != Want.Elem || T.Data.shape() != Want.Dims)
      return makeError(P.string(), ": ", formatType(T.Data.type()), " does not match graph input '",
                       G.value(G.Inputs[K]).Name, "' ", formatType(Want));
    S.Inputs.push_back(std::move(T.Data));
  }
  return S;
}

} // namespace

Expected<std::vector<CalibSet>> loadCalibSets(const Graph &G, const std::vector<std::string> &Dirs) {
  std::vector<CalibSet> Sets;
  for (const std::string &D : Dirs) {
    std::error_code EC;
    if (!fs::is_directory(D, EC))
      return makeError("calibration folder '", D, "' does not exist");
    if (fs::exists(fs::path(D) / "input_0.pb") || G.Inputs.empty()) {
      NPU_ASSIGN(CalibSet S, loadOneSet(G, D));
      Sets.push_back(std::move(S));
      continue;
    }
    std::vector<fs::path> Subs;
    for (const auto &E : fs::directory_iterator(D, EC))
      if (E.is_directory() && fs::exists(E.path() / "input_0.pb"))
        Subs.push_back(E.path());
    if (Subs.empty())
      return makeError("calibration folder '", D, "' holds no input_0.pb (nor subfolders with one)");
    std::sort(Subs.begin(), Subs.end());
    for (const fs::path &P : Subs) {
      NPU_ASSIGN(CalibSet S, loadOneSet(G, P));
      Sets.push_back(std::move(S));
    }
  }
  return Sets;
}

Status runObserved(const Graph &G, const std::vector<Tensor> &Inputs,
                   const std::function<void(ValueId, const Tensor &)> &Observe) {
  if (Inputs.size() != G.Inputs.size())
    return makeError("graph '", G.Name, "' takes ", G.Inputs.size(), " inputs, got ", Inputs.size());
  std::vector<const Tensor *> Val(G.numValues(), nullptr);
  std::vector<std::unique_ptr<Tensor>> Owned(G.numValues());
  std::vector<int64_t> LastUse(G.numValues(), -1);
  for (size_t I = 0; I < G.numValues(); ++I)
    Val[I] = G.value(ValueId(I)).Data.get();
  for (size_t I = 0; I < Inputs.size(); ++I) {
    Val[size_t(G.Inputs[I])] = &Inputs[I];
    Observe(G.Inputs[I], Inputs[I]);
  }
  for (size_t K = 0; K < G.nodes().size(); ++K)
    for (ValueId In : G.nodes()[K].Inputs)
      if (In != NoValue)
        LastUse[size_t(In)] = int64_t(K);
  for (size_t K = 0; K < G.nodes().size(); ++K) {
    const Node &N = G.nodes()[K];
    std::vector<const Tensor *> Ins;
    for (ValueId In : N.Inputs)
      Ins.push_back(In == NoValue ? nullptr : Val[size_t(In)]);
    auto Outs = ref::runNode(N, Ins);
    if (!Outs)
      return Outs.error().withContext(describeNode(N));
    for (size_t O = 0; O < N.Outputs.size(); ++O) {
      if (N.Outputs[O] == NoValue)
        continue;
      Observe(N.Outputs[O], (*Outs)[O]);
      Owned[size_t(N.Outputs[O])] = std::make_unique<Tensor>(std::move((*Outs)[O]));
      Val[size_t(N.Outputs[O])] = Owned[size_t(N.Outputs[O])].get();
    }
    // Intermediates are dropped after their last reader so large models calibrate in little memory.
    for (ValueId In : N.Inputs)
      if (In != NoValue && LastUse[size_t(In)] == int64_t(K) && Owned[size_t(In)]) {
        Owned[size_t(In)].reset();
        Val[size_t(In)] = nullptr;
      }
  }
  return Status::ok();
}

const std::vector<std::string> &calibMethods() {
  static const std::vector<std::string> M = {"minmax", "percentile", "entropy", "mse"};
  return M;
}

double percentileThreshold(const std::vector<double> &Hist, double Max, double Fraction) {
  double Total = 0;
  for (double H : Hist)
    Total += H;
  if (Total == 0 || Max == 0)
    return Max;
  double Want = Fraction * Total, Sum = 0;
  for (size_t B = 0; B < Hist.size(); ++B) {
    Sum += Hist[B];
    if (Sum >= Want)
      return Max * double(B + 1) / double(Hist.size()); // the bin's upper edge
  }
  return Max;
}

namespace {

/// Largest share of the nonzero values the entropy estimate may clip before it is overruled.
constexpr double MaxEntropyClip = 0.001;

/// The share of the histogram's values above threshold T.
double clippedShare(const std::vector<double> &Hist, double Max, double T) {
  double Total = 0, Above = 0;
  for (size_t B = 0; B < Hist.size(); ++B) {
    Total += Hist[B];
    if (Max * double(B) / double(Hist.size()) >= T)
      Above += Hist[B];
  }
  return Total > 0 ? Above / Total : 0.0;
}

} // namespace

double entropyThreshold(const std::vector<double> &Hist, double Max) {
  const size_t Bins = Hist.size(), Levels = 128;
  if (Max == 0 || Bins < Levels)
    return Max;
  double BestKl = INFINITY;
  size_t Best = Bins;
  for (size_t I = Levels; I <= Bins; ++I) {
    // P: the first I bins with the clipped tail folded into the last one; Q: the same bins merged into 128
    // levels and spread back evenly over their non-empty bins (TensorRT's calibration).
    std::vector<double> P(Hist.begin(), Hist.begin() + long(I));
    for (size_t K = I; K < Bins; ++K)
      P[I - 1] += Hist[K];
    std::vector<double> Q(I, 0.0);
    for (size_t L = 0; L < Levels; ++L) {
      size_t B = L * I / Levels, E = (L + 1) * I / Levels;
      double Sum = 0;
      size_t NonZero = 0;
      for (size_t K = B; K < E; ++K) {
        Sum += Hist[K];
        NonZero += Hist[K] != 0;
      }
      for (size_t K = B; K < E; ++K)
        Q[K] = Hist[K] != 0 ? Sum / double(NonZero) : 0.0;
    }
    double PS = 0, QS = 0;
    for (size_t K = 0; K < I; ++K)
      PS += P[K], QS += Q[K];
    if (PS == 0 || QS == 0)
      continue;
    double Kl = 0;
    for (size_t K = 0; K < I; ++K) {
      if (P[K] == 0)
        continue;
      double PK = P[K] / PS, QK = Q[K] / QS;
      Kl += PK * std::log(PK / (QK > 0 ? QK : 1e-12));
    }
    if (Kl < BestKl) {
      BestKl = Kl;
      Best = I;
    }
  }
  return Max * double(Best) / double(Bins);
}

double mseThreshold(const std::vector<double> &Hist, double Max) {
  const size_t Bins = Hist.size();
  if (Max == 0 || Bins == 0)
    return Max;
  // Suffix sums of n, n*x and n*x^2 over the bin centres give the clipping error of every threshold in O(1).
  std::vector<double> S0(Bins + 1, 0.0), S1(Bins + 1, 0.0), S2(Bins + 1, 0.0);
  for (size_t B = Bins; B-- > 0;) {
    const double X = Max * (double(B) + 0.5) / double(Bins);
    S0[B] = S0[B + 1] + Hist[B], S1[B] = S1[B + 1] + Hist[B] * X, S2[B] = S2[B + 1] + Hist[B] * X * X;
  }
  double BestErr = INFINITY, Best = Max;
  for (size_t I = 1; I <= Bins; ++I) {
    // Threshold at bin I's upper edge: the bins below round with step T/127 (uniform error step^2/12), the
    // ones above clip to T.
    const double T = Max * double(I) / double(Bins), Step = T / 127.0;
    const double Err = (S0[0] - S0[I]) * Step * Step / 12.0 + (S2[I] - 2 * T * S1[I] + T * T * S0[I]);
    if (Err < BestErr)
      BestErr = Err, Best = T;
  }
  return Best;
}

Expected<std::vector<double>> calibrateRanges(const Graph &G, const std::vector<CalibSet> &Sets,
                                              const std::string &Method, std::vector<std::string> *Notes,
                                              std::vector<std::pair<double, double>> *Signed) {
  if (std::find(calibMethods().begin(), calibMethods().end(), Method) == calibMethods().end())
    return makeError("unknown calibration method '", Method, "' (minmax, percentile, entropy, mse)");
  if (Sets.empty())
    return makeError("no calibration data");
  std::vector<double> Max(G.numValues(), -1.0);
  if (Signed)
    Signed->assign(G.numValues(), {0.0, 0.0});
  auto IsF32 = [](const Tensor &T) { return T.elemType() == ElemType::Float32; };
  // Pass 1: max |x|, which is the minmax estimate and the histogram range of the others.
  for (const CalibSet &S : Sets)
    NPU_TRY(runObserved(G, S.Inputs, [&](ValueId V, const Tensor &T) {
              if (!IsF32(T))
                return;
              double M = std::max(Max[size_t(V)], 0.0);
              std::pair<double, double> MinMax = Signed ? (*Signed)[size_t(V)] : std::pair{0.0, 0.0};
              for (int64_t I = 0; I < T.numElements(); ++I)
                if (const double X = T.data<float>()[I]; std::isfinite(X)) {
                  M = std::max(M, std::fabs(X));
                  MinMax = {std::min(MinMax.first, X), std::max(MinMax.second, X)};
                }
              Max[size_t(V)] = M;
              if (Signed)
                (*Signed)[size_t(V)] = MinMax;
            }).withContext("calibration on " + S.Dir));
  if (Method == "minmax")
    return Max;
  // Pass 2: histograms of |x| over [0, max].
  std::vector<std::vector<double>> Hist(G.numValues());
  std::vector<double> Zeros(G.numValues(), 0.0);
  for (const CalibSet &S : Sets)
    NPU_TRY(runObserved(G, S.Inputs, [&](ValueId V, const Tensor &T) {
      if (!IsF32(T) || Max[size_t(V)] <= 0)
        return;
      std::vector<double> &H = Hist[size_t(V)];
      H.resize(HistBins, 0.0);
      double Scale = double(HistBins) / Max[size_t(V)];
      for (int64_t I = 0; I < T.numElements(); ++I) {
        double A = std::fabs(double(T.data<float>()[I]));
        // Exact zeros (most of a post-Relu tensor) are exact at any scale: they say nothing about the
        // threshold and would make the entropy estimate clip far too much.
        if (A == 0)
          Zeros[size_t(V)] += 1;
        else if (std::isfinite(A))
          H[std::min(HistBins - 1, size_t(A * Scale))] += 1;
      }
    }));
  std::vector<double> R = Max;
  for (size_t V = 0; V < R.size(); ++V) {
    if (Hist[V].empty())
      continue;
    if (Method == "entropy") {
      R[V] = entropyThreshold(Hist[V], Max[V]);
      // KL divergence happily clips a long tail that carries the signal (a detector's few high scores):
      // beyond a small clipped share fall back to the percentile, and say so.
      const double Clipped = clippedShare(Hist[V], Max[V], R[V]);
      if (Clipped > MaxEntropyClip) {
        const double P = percentileThreshold(Hist[V], Max[V], 0.9999);
        if (Notes)
          Notes->push_back("entropy range of '" + G.value(ValueId(V)).Name + "' clips " +
                           std::to_string(100 * Clipped) + "% of its nonzero values; using the 99.99th percentile (" +
                           std::to_string(P) + " instead of " + std::to_string(R[V]) + ")");
        R[V] = P;
      }
      continue;
    }
    if (Method == "mse") {
      R[V] = mseThreshold(Hist[V], Max[V]);
      continue;
    }
    Hist[V][0] += Zeros[V]; // the percentile is of all |x|, zeros included
    R[V] = percentileThreshold(Hist[V], Max[V], 0.9999);
  }
  return R;
}

/// Concats chained through their outputs (DenseNet's Concat(Concat(...), features)) form groups. The leaf
/// inputs of a group that nothing else reads get the widest leaf range, so every producer writes the group's
/// scale directly: no npu.Requantize before a Concat (one rounding instead of two), and the NPU stores each
/// producer's result straight into its slice of the concat output.
std::vector<double> unifyConcatRanges(const Graph &G, std::vector<double> Ranges,
                                      std::vector<std::pair<double, double>> *Bounds) {
  const auto &Nodes = G.nodes();
  std::vector<int> Readers(G.numValues(), 0), ConcatOf(G.numValues(), -1);
  for (size_t K = 0; K < Nodes.size(); ++K) {
    for (ValueId V : Nodes[K].Inputs)
      if (V != NoValue)
        ++Readers[size_t(V)];
    if (Nodes[K].OpType == "Concat" && Nodes[K].hasOutput(0))
      ConcatOf[size_t(Nodes[K].Outputs[0])] = int(K);
  }
  for (ValueId V : G.Outputs)
    ++Readers[size_t(V)];
  std::vector<size_t> Group(Nodes.size());
  std::iota(Group.begin(), Group.end(), 0);
  auto Find = [&](size_t X) {
    while (Group[X] != X)
      X = Group[X] = Group[Group[X]];
    return X;
  };
  for (size_t K = 0; K < Nodes.size(); ++K)
    if (Nodes[K].OpType == "Concat")
      for (ValueId V : Nodes[K].Inputs)
        if (V != NoValue && ConcatOf[size_t(V)] >= 0)
          Group[Find(size_t(ConcatOf[size_t(V)]))] = Find(K);
  std::map<size_t, double> Widest;
  std::map<size_t, std::pair<double, double>> Union;
  auto ForLeaves = [&](auto &&F) {
    for (size_t K = 0; K < Nodes.size(); ++K)
      if (Nodes[K].OpType == "Concat")
        for (ValueId V : Nodes[K].Inputs)
          if (V != NoValue && ConcatOf[size_t(V)] < 0 && Ranges[size_t(V)] >= 0)
            F(Find(K), V);
  };
  ForLeaves([&](size_t Grp, ValueId V) {
    Widest[Grp] = std::max(Widest[Grp], Ranges[size_t(V)]);
    if (Bounds) {
      auto [It, New] = Union.try_emplace(Grp, (*Bounds)[size_t(V)]);
      It->second = {std::min(It->second.first, (*Bounds)[size_t(V)].first),
                    std::max(It->second.second, (*Bounds)[size_t(V)].second)};
    }
  });
  ForLeaves([&](size_t Grp, ValueId V) {
    if (Readers[size_t(V)] != 1 || G.value(V).Kind != ValueKind::NodeOutput)
      return;
    Ranges[size_t(V)] = Widest[Grp];
    if (Bounds)
      (*Bounds)[size_t(V)] = Union[Grp];
  });
  return Ranges;
}

} // namespace npu::passes
