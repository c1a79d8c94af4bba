// Runtime tensors compared by the Graph IR comparer.
#include "npu/runtime/Compare.h"
#include "npu/runtime/ModelRunner.h"

namespace npu::runtime {

CompareResult compareTensors(const Tensor &Actual, const Tensor &Expected, double Rtol, double Atol) {
  CompareResult R;
  R.IsFloat = isFloatType(Expected.Type);
  if (Actual.Type != Expected.Type) { // named as the runtime names its types
    R.Problem = std::string("element type differs: got ") + elemTypeName(Actual.Type) + ", expected " +
                elemTypeName(Expected.Type);
    return R;
  }
  if (Actual.Data.size() != Actual.byteSize() || Expected.Data.size() != Expected.byteSize()) {
    R.Problem = "tensor data size does not match its shape";
    return R;
  }
  return ir::compareTensors(toIrTensor(Actual), toIrTensor(Expected), Rtol, Atol);
}

} // namespace npu::runtime
