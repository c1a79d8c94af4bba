// Tolerance comparison of an interpreter output against an expected tensor.
#include "npu/compiler/check/Conformance.h"

#include <cmath>
#include <sstream>

namespace npu::check {

using ir::ElemType;

std::string compareTensors(const ir::Tensor &Got, const ir::Tensor &Exp, const CheckOptions &Opts) {
  std::ostringstream OS;
  if (Got.elemType() != Exp.elemType() || Got.shape() != Exp.shape()) {
    OS << "got " << ir::formatType(Got.type()) << ", expected " << ir::formatType(Exp.type());
    return OS.str();
  }
  ElemType E = Got.elemType();
  bool Float = ir::isFloatType(E);
  Tolerance Tol = E == ElemType::Float16    ? Opts.Float16
                  : E == ElemType::BFloat16 ? Opts.BFloat16
                                            : Opts.Float32;
  int64_t Bad = 0, First = -1;
  for (int64_t I = 0; I < Got.numElements(); ++I) {
    bool Ok;
    if (!Float) {
      Ok = E == ElemType::UInt64 ? Got.data<uint64_t>()[I] == Exp.data<uint64_t>()[I]
                                 : Got.getInt64(I) == Exp.getInt64(I);
    } else {
      double G = Got.getDouble(I), X = Exp.getDouble(I);
      if (std::isnan(X) || std::isinf(X))
        Ok = (std::isnan(X) && std::isnan(G)) || G == X;
      else
        Ok = std::fabs(G - X) <= Tol.Atol + Tol.Rtol * std::fabs(X);
    }
    if (!Ok && Bad++ == 0)
      First = I;
  }
  if (!Bad)
    return "";
  OS.precision(9);
  OS << "element " << First << ": got ";
  if (Float)
    OS << Got.getDouble(First) << " expected " << Exp.getDouble(First);
  else
    OS << Got.getInt64(First) << " expected " << Exp.getInt64(First);
  OS << " (" << Bad << " of " << Got.numElements() << " elements differ)";
  return OS.str();
}

} // namespace npu::check
