// Dispatch of the lowerings that share an operator name with an older one (a grouped npu.QConv, an npu.QAdd
// with a constant operand) or have none (Concat, npu.QLeakyRelu, npu.QLut): one place for the partitioner and the
// segment compiler.
#include "Emitter.h"
#include "LowerMul.h"
#include "Reblock.h"

namespace npu::backend {

const ExtraLowering *extraLowering(const ir::Graph &G, const ir::Node &N) {
  static const ExtraLowering GroupConv{canLowerGroupConv, lowerGroupConv};
  static const ExtraLowering ConstAdd{canLowerConstAdd, lowerConstAdd};
  static const ExtraLowering Concat{canLowerConcat, lowerConcat};
  static const ExtraLowering LeakyRelu{canLowerLeakyRelu, lowerLeakyRelu};
  static const ExtraLowering BroadcastAdd{canLowerBroadcastAdd, lowerBroadcastAdd};
  if (N.OpType == "npu.QConv" && N.getInt("group", 1) != 1)
    return &GroupConv;
  if (N.OpType == "npu.QAdd")
    for (ir::ValueId V : N.Inputs)
      if (V != ir::NoValue && G.value(V).Kind == ir::ValueKind::Constant)
        return &ConstAdd;
  if (N.OpType == "npu.QAdd" && N.Inputs.size() == 2 && G.type(N.Inputs[0]).Dims != G.type(N.Inputs[1]).Dims)
    return &BroadcastAdd;
  if (N.OpType == "Concat")
    return &Concat;
  if (N.OpType == "npu.QLeakyRelu")
    return &LeakyRelu;
  static const ExtraLowering Lut{canLowerLut, lowerLut};
  if (N.OpType == "npu.QLut")
    return &Lut;
  static const ExtraLowering Resize{canLowerResize, lowerResize};
  if (N.OpType == "Resize")
    return &Resize;
  static const ExtraLowering Pad{canLowerPad, lowerPad};
  if (N.OpType == "Pad")
    return &Pad;
  static const ExtraLowering Reblock{canLowerReblock, lowerReblock};
  if (N.OpType == "npu.Reblock")
    return &Reblock;
  static const ExtraLowering Mul{canLowerMul, lowerMul};
  if (N.OpType == "npu.QMul")
    return &Mul;
  return nullptr;
}

} // namespace npu::backend
