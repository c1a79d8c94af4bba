// Element-wise tensor comparison with tolerances and a readable report of the first difference.
#include "npu/compiler/ir/Compare.h"

#include <algorithm>
#include <cmath>
#include <sstream>

namespace npu::ir {

namespace {

std::string formatValue(double V, bool IsFloat) {
  std::ostringstream OS;
  if (IsFloat)
    OS.precision(9);
  else
    OS << std::fixed, OS.precision(0);
  OS << V;
  return OS.str();
}

std::vector<int64_t> multiIndex(uint64_t Flat, const Shape &S) {
  std::vector<int64_t> Index(S.size());
  for (size_t D = S.size(); D-- > 0;) {
    const uint64_t Dim = uint64_t(S[D]);
    Index[D] = Dim ? int64_t(Flat % Dim) : 0;
    Flat = Dim ? Flat / Dim : 0;
  }
  return Index;
}

Shape withoutLeadingOnes(const Shape &S) {
  auto It = std::find_if(S.begin(), S.end(), [](int64_t D) { return D != 1; });
  return Shape(It, S.end());
}

} // namespace

bool sameShapeIgnoringLeadingOnes(const Shape &A, const Shape &B) {
  return withoutLeadingOnes(A) == withoutLeadingOnes(B);
}

std::string CompareResult::summary() const {
  if (!Problem.empty())
    return Problem;
  if (Match)
    return "match (" + std::to_string(Elements) + " elements)";
  std::ostringstream OS;
  OS << Mismatches << " of " << Elements << " elements differ (max abs error " << formatValue(MaxAbsError, true)
     << ")";
  if (FirstMismatch)
    OS << "; first at " << formatShape(FirstMismatchIndex) << ": got " << formatValue(FirstActual, IsFloat)
       << ", expected " << formatValue(FirstExpected, IsFloat);
  return OS.str();
}

CompareResult compareTensors(const Tensor &Actual, const Tensor &Expected, double Rtol, double Atol) {
  CompareResult R;
  const ElemType E = Expected.elemType();
  R.IsFloat = isFloatType(E);
  if (Actual.elemType() != E) {
    R.Problem = "element type differs: got " + std::string(elemTypeName(Actual.elemType())) + ", expected " +
                std::string(elemTypeName(E));
    return R;
  }
  if (!sameShapeIgnoringLeadingOnes(Actual.shape(), Expected.shape())) {
    R.Problem = "shape differs: got " + formatShape(Actual.shape()) + ", expected " + formatShape(Expected.shape());
    return R;
  }
  R.Elements = uint64_t(Expected.numElements());
  for (uint64_t I = 0; I < R.Elements; ++I) {
    bool Ok;
    double A, X, Err;
    if (R.IsFloat) {
      A = Actual.getDouble(int64_t(I)), X = Expected.getDouble(int64_t(I));
      if (std::isnan(A) || std::isnan(X)) {
        Ok = std::isnan(A) && std::isnan(X);
        Err = Ok ? 0 : INFINITY;
      } else if (std::isinf(A) || std::isinf(X)) {
        Ok = A == X;
        Err = Ok ? 0 : INFINITY;
      } else {
        Err = std::fabs(A - X);
        Ok = Err <= Atol + Rtol * std::fabs(X);
      }
    } else if (E == ElemType::UInt64) {
      const uint64_t UA = Actual.data<uint64_t>()[I], UX = Expected.data<uint64_t>()[I];
      A = double(UA), X = double(UX);
      Ok = UA == UX;
      Err = UA > UX ? double(UA - UX) : double(UX - UA);
    } else {
      const int64_t IA = Actual.getInt64(int64_t(I)), IX = Expected.getInt64(int64_t(I));
      A = double(IA), X = double(IX);
      Ok = IA == IX;
      Err = std::fabs(double(__int128(IA) - __int128(IX)));
    }
    R.MaxAbsError = std::max(R.MaxAbsError, Err);
    if (Ok)
      continue;
    if (!R.Mismatches) {
      R.FirstMismatch = I;
      R.FirstMismatchIndex = multiIndex(I, Expected.shape());
      R.FirstActual = A, R.FirstExpected = X;
    }
    ++R.Mismatches;
  }
  R.Match = R.Mismatches == 0;
  return R;
}

} // namespace npu::ir
