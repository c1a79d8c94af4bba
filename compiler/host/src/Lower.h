// Lowering of Graph IR nodes to kernels: the context handed to each op family's lowering functions (internal).
#pragma once

#include "Emit.h"

#include <map>
#include <string_view>

namespace npu::host {

/// What a lowering function sees: the program, the module, and the node (or fused group) at hand.
class LowerCtx {
public:
  LowerCtx(Program &P, ModuleEnv &E) : P(P), E(E) {}
  Program &P;
  ModuleEnv &E;
  /// The nodes of the current step: the node itself, or a fused group with its anchor first.
  std::vector<const ir::Node *> Group;
  /// Kernels made for the current step.
  std::vector<KernelOut> Kernels;

  const ir::Node &node() const { return *Group[0]; }
  const ir::TensorType &type(ir::ValueId V) const { return P.type(V); }
  const ir::Shape &dims(ir::ValueId V) const { return P.type(V).Dims; }
  ir::ElemType elem(ir::ValueId V) const { return P.type(V).Elem; }
  const ir::Tensor *known(ir::ValueId V) const { return P.known(V); }
  int slot(ir::ValueId V) const { return P.slotOf(V); }
  /// Buffer of value V inside kernel K.
  Buf buf(KB &K, ir::ValueId V) { return K.buf(slot(V), elem(V)); }
  /// A unique kernel name for the current node.
  std::string kernelName(const std::string &Suffix = "");
  void add(KernelOut O) { Kernels.push_back(std::move(O)); }
};

using LowerFn = Status (*)(LowerCtx &C);
using LowerTable = std::map<std::string_view, LowerFn>;

void addElementwiseLowering(LowerTable &T);
void addMovementLowering(LowerTable &T);
void addReduceLowering(LowerTable &T);
void addConvPoolLowering(LowerTable &T);
void addMatMulLowering(LowerTable &T);
void addQuantLowering(LowerTable &T);
void addNpuLowering(LowerTable &T);
void addQGemmLowering(LowerTable &T);

const LowerTable &lowerTable();

/// Lowers a fused group (anchor Conv/Gemm/MatMul in f32 plus epilogue nodes) to the packed GEMM kernels;
/// an error means the group must be lowered node by node instead.
Status lowerFusedGemm(LowerCtx &C);

/// Computes compute-type output values from compute-type input values.
using ElemFn = std::function<llvm::Value *(KB &K, const std::vector<llvm::Value *> &In)>;

/// One kernel computing Out[i] = Fn(In_0[b_0(i)], ...) under numpy broadcasting (dims coalesced first).
/// Omitted inputs (NoValue) are passed as nullptr.
Status emitBroadcastMap(LowerCtx &C, const std::vector<ir::ValueId> &Ins, ir::ValueId Out, const ElemFn &Fn,
                        double CostPerElem = 1);

/// An operand of an affine map: element offset = Base + sum over dims of Idx[d] * Strides[d].
struct Access {
  ir::ValueId V = ir::NoValue;
  ir::Shape Strides;
  int64_t Base = 0;
};

/// One kernel computing Out at every index of Space from the inputs at their affine offsets (dims where every
/// operand is contiguous are merged first so the inner loop is long).
Status emitAffineMap(LowerCtx &C, const ir::Shape &Space, const std::vector<Access> &Ins, const Access &Out,
                     const ElemFn &Fn, double CostPerElem = 1);

/// Row-major strides of a value's shape.
ir::Shape rowMajor(const ir::Shape &S);

/// Rounds a compute value to what storing it as T and loading it back gives (f16/bf16; others unchanged).
llvm::Value *roundToStorage(KB &K, llvm::Value *V, ir::ElemType T);

/// std::min / std::max on compute values, with their NaN behaviour (the first argument wins ties/unordered).
llvm::Value *stdMin(KB &K, llvm::Value *A, llvm::Value *B, ir::ElemType T);
llvm::Value *stdMax(KB &K, llvm::Value *A, llvm::Value *B, ir::ElemType T);

/// BatchNormalization (inference) as y = x * A[c] + B[c], with A and B formed as the reference forms them.
void batchNormAffine(const ir::Tensor &Scale, const ir::Tensor &Bias, const ir::Tensor &Mean, const ir::Tensor &Var,
                     double Eps, std::vector<float> &A, std::vector<float> &B);

/// The plain operator of a graph-pass fused node ("Conv" for npu.FusedConv, "Gemm" for npu.FusedGemm), else
/// the node's own op type.
std::string_view baseOpType(const ir::Node &N);

/// Applies a fused node's activation attribute (relu, leaky_relu, clip) to a float compute value; V unchanged for
/// plain nodes.
Expected<llvm::Value *> fusedActivation(KB &K, const ir::Node &N, llvm::Value *V);

/// Error for a configuration a lowering does not handle (the node then falls back or fails).
Error noCodegen(const LowerCtx &C, const std::string &Why);

} // namespace npu::host
