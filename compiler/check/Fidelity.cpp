// Fidelity figures of an int8 output against the fp32 reference (npuc check --target npu, the tests).
#include "npu/compiler/check/Fidelity.h"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <sstream>
#include <vector>

namespace npu::check {

namespace {

std::vector<int64_t> topK(const ir::Tensor &T, int K) {
  std::vector<int64_t> Idx(size_t(T.numElements()));
  std::iota(Idx.begin(), Idx.end(), 0);
  std::partial_sort(Idx.begin(), Idx.begin() + K, Idx.end(), [&](int64_t A, int64_t B) {
    double X = T.getDouble(A), Y = T.getDouble(B);
    return X > Y || (X == Y && A < B);
  });
  Idx.resize(size_t(K));
  return Idx;
}

} // namespace

bool isScoreRow(const ir::Tensor &Ref) {
  int64_t NonUnit = 0;
  for (int64_t D : Ref.shape())
    NonUnit += D != 1;
  return Ref.numElements() > 1 && NonUnit == 1 && ir::isFloatType(Ref.elemType());
}

Fidelity measureFidelity(const ir::Tensor &Got, const ir::Tensor &Ref) {
  Fidelity F;
  double Signal = 0, Noise = 0, Dot = 0, GotSq = 0;
  const int64_t N = std::min(Got.numElements(), Ref.numElements());
  for (int64_t I = 0; I < N; ++I) {
    const double G = Got.getDouble(I), R = Ref.getDouble(I);
    Signal += R * R, Noise += (G - R) * (G - R), Dot += G * R, GotSq += G * G;
    F.MaxAbsError = std::max(F.MaxAbsError, std::fabs(G - R));
  }
  F.SqnrDb = Noise == 0 ? INFINITY : Signal == 0 ? -INFINITY : 10 * std::log10(Signal / Noise);
  F.Cosine = Signal == 0 && GotSq == 0 ? 1.0 : Signal == 0 || GotSq == 0 ? 0.0 : Dot / std::sqrt(Signal * GotSq);
  if (N == Ref.numElements() && N == Got.numElements() && isScoreRow(Ref)) {
    F.Scores = true;
    F.K = int(std::min<int64_t>(5, N));
    std::vector<int64_t> A = topK(Got, F.K), B = topK(Ref, F.K);
    F.Top1 = A[0], F.RefTop1 = B[0];
    for (int64_t X : A)
      F.TopKOverlap += std::count(B.begin(), B.end(), X) != 0;
  }
  return F;
}

std::string formatFidelity(const Fidelity &F) {
  std::ostringstream OS;
  OS.setf(std::ios::fixed);
  OS.precision(1);
  OS << "SQNR " << F.SqnrDb << " dB, ";
  OS.precision(5);
  OS << "cos " << F.Cosine << ", ";
  OS.unsetf(std::ios::fixed);
  OS.precision(4);
  OS << "max abs err " << F.MaxAbsError;
  if (F.Scores)
    OS << ", top-1 #" << F.Top1 << (F.Top1 == F.RefTop1 ? " (same as fp32)" : " (fp32 #" + std::to_string(F.RefTop1) + ", DIFFERENT)")
       << ", top-" << F.K << " " << F.TopKOverlap << "/" << F.K;
  return OS.str();
}

} // namespace npu::check
