// Element-wise tensor comparison with tolerances and a readable report of the first difference.
#include "npu/runtime/Compare.h"

#include <cmath>
#include <sstream>

namespace npu::runtime {

static std::string formatValue(double V, bool IsFloat) {
  std::ostringstream OS;
  if (IsFloat)
    OS.precision(9);
  else
    OS << std::fixed, OS.precision(0);
  OS << V;
  return OS.str();
}

std::string CompareResult::summary() const {
  if (!Problem.empty())
    return Problem;
  if (Match)
    return "match (" + std::to_string(Elements) + " elements)";
  std::ostringstream OS;
  OS << Mismatches << " of " << Elements << " elements differ (max abs error "
     << formatValue(MaxAbsError, true) << ")";
  if (FirstMismatch)
    OS << "; first at " << formatShape(FirstMismatchIndex) << ": got " << formatValue(FirstActual, IsFloat)
       << ", expected " << formatValue(FirstExpected, IsFloat);
  return OS.str();
}

static std::vector<int64_t> multiIndex(uint64_t Flat, const std::vector<int64_t> &Shape) {
  std::vector<int64_t> Index(Shape.size());
  for (size_t D = Shape.size(); D-- > 0;) {
    uint64_t Dim = uint64_t(Shape[D]);
    Index[D] = Dim ? int64_t(Flat % Dim) : 0;
    Flat = Dim ? Flat / Dim : 0;
  }
  return Index;
}

CompareResult compareTensors(const Tensor &Actual, const Tensor &Expected, double Rtol, double Atol) {
  CompareResult R;
  R.IsFloat = isFloatType(Expected.Type);
  if (Actual.Type != Expected.Type) {
    R.Problem = std::string("element type differs: got ") + elemTypeName(Actual.Type) + ", expected " +
                elemTypeName(Expected.Type);
    return R;
  }
  if (!sameShapeIgnoringLeadingOnes(Actual.Shape, Expected.Shape)) {
    R.Problem =
        "shape differs: got " + formatShape(Actual.Shape) + ", expected " + formatShape(Expected.Shape);
    return R;
  }
  if (Actual.Data.size() != Actual.byteSize() || Expected.Data.size() != Expected.byteSize()) {
    R.Problem = "tensor data size does not match its shape";
    return R;
  }
  R.Elements = Expected.elementCount();
  for (uint64_t I = 0; I < R.Elements; ++I) {
    bool Ok;
    double A, E, Err;
    if (R.IsFloat) {
      A = Actual.realAt(I), E = Expected.realAt(I);
      if (std::isnan(A) || std::isnan(E)) {
        Ok = std::isnan(A) && std::isnan(E);
        Err = Ok ? 0 : INFINITY;
      } else if (std::isinf(A) || std::isinf(E)) {
        Ok = A == E;
        Err = Ok ? 0 : INFINITY;
      } else {
        Err = std::fabs(A - E);
        Ok = Err <= Atol + Rtol * std::fabs(E);
      }
    } else {
      int64_t IA = Actual.intAt(I), IE = Expected.intAt(I);
      A = double(IA), E = double(IE);
      Ok = IA == IE;
      Err = std::fabs(double(__int128(IA) - __int128(IE)));
    }
    R.MaxAbsError = std::max(R.MaxAbsError, Err);
    if (Ok)
      continue;
    if (!R.Mismatches) {
      R.FirstMismatch = I;
      R.FirstMismatchIndex = multiIndex(I, Expected.Shape);
      R.FirstActual = A, R.FirstExpected = E;
    }
    ++R.Mismatches;
  }
  R.Match = R.Mismatches == 0;
  return R;
}

} // namespace npu::runtime
