// Tolerance comparison of an interpreter output against an expected tensor.
#include "npu/compiler/check/Conformance.h"
#include "npu/compiler/ir/Compare.h"

#include <sstream>

namespace npu::check {

using ir::ElemType;

std::string compareTensors(const ir::Tensor &Got, const ir::Tensor &Exp, const CheckOptions &Opts) {
  std::ostringstream OS;
  if (Got.elemType() != Exp.elemType() || Got.shape() != Exp.shape()) {
    OS << "got " << ir::formatType(Got.type()) << ", expected " << ir::formatType(Exp.type());
    return OS.str();
  }
  const ElemType E = Got.elemType();
  const Tolerance Tol = E == ElemType::Float16    ? Opts.Float16
                        : E == ElemType::BFloat16 ? Opts.BFloat16
                                                  : Opts.Float32;
  const ir::CompareResult R = ir::compareTensors(Got, Exp, Tol.Rtol, Tol.Atol);
  if (R.Match)
    return "";
  OS.precision(9);
  OS << "element " << *R.FirstMismatch << ": got ";
  if (R.IsFloat)
    OS << R.FirstActual << " expected " << R.FirstExpected;
  else
    OS << Got.getInt64(int64_t(*R.FirstMismatch)) << " expected " << Exp.getInt64(int64_t(*R.FirstMismatch));
  OS << " (" << R.Mismatches << " of " << R.Elements << " elements differ)";
  return OS.str();
}

} // namespace npu::check
