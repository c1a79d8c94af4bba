// LLVM IR building blocks for host kernels: module environment, kernel builder, loops, typed element access.
#pragma once

#include "Program.h"

#include <llvm/IR/IRBuilder.h>
#include <llvm/IR/Module.h>

#include <functional>
#include <set>
#include <string>
#include <vector>

namespace npu::host {

/// What the code is generated for.
struct TargetInfo {
  bool Gpu = false;
  int VectorBits = 256; ///< CPU SIMD register width used by the hand-blocked kernels
  std::string Triple, Cpu, Features;
};

/// The module all kernels of one model go into, with cached types and helpers for globals and math calls.
class ModuleEnv {
public:
  ModuleEnv(llvm::Module &M, TargetInfo T);
  llvm::LLVMContext &Ctx;
  llvm::Module &M;
  TargetInfo T;
  llvm::Type *I1, *I8, *I16, *I32, *I64, *F16, *F32, *F64, *Ptr, *Void;

  /// An internal constant array global (deduplicated by content).
  llvm::GlobalVariable *constI64s(const std::vector<int64_t> &V);
  llvm::GlobalVariable *constF32s(const std::vector<float> &V);
  llvm::GlobalVariable *constF64s(const std::vector<double> &V);
  /// A unique symbol name starting with Base.
  std::string uniqueName(const std::string &Base);
  /// Slots some kernel reads or writes.
  std::set<int> UsedSlots;
  /// Kernels already in the module by the text of their body: identical kernels are emitted once.
  std::map<std::string, std::string> KernelBodies;
  /// Shared helper functions (micro-kernels), created once per module by their generator.
  std::map<std::string, llvm::Function *> Helpers;

private:
  std::map<std::string, llvm::GlobalVariable *> Globals;
  std::map<std::string, int> Names;
};

/// A buffer pointer of a kernel and the slot it came from (for alias information).
struct Buf {
  llvm::Value *Ptr = nullptr;
  int Slot = -1; ///< -1: scratch
  ir::ElemType Elem = ir::ElemType::Float32;
};

/// What a finished kernel tells the driver.
struct KernelOut {
  std::string Symbol;
  std::vector<int> ArgSlots; ///< the slots behind the kernel's argument pointers, in order
  int64_t WorkItems = 1;
  double CostPerItem = 1;
  size_t ScratchBytes = 0;
  bool Fresh = true; ///< false when an identical kernel emitted earlier is reused
  std::vector<int> TempSlots;
};

/// Builds one task function `void name(ptr args, i64 lo, i64 hi, ptr scratch)`. args[i] is the buffer of the
/// i-th slot the kernel asked for (KernelOut::ArgSlots), so kernels differing only in their buffers are shared.
class KB {
public:
  KB(ModuleEnv &E, const std::string &Name);
  /// Builds the body of a helper function with its own signature (no task arguments; buffers are Buf{ptr}).
  KB(ModuleEnv &E, llvm::Function *Helper);
  ~KB();
  /// Closes a helper function (ret void).
  void finishHelper();
  KB(const KB &) = delete;
  KB &operator=(const KB &) = delete;

  ModuleEnv &E;
  llvm::IRBuilder<> B;
  llvm::Function *F = nullptr;
  llvm::Value *Bufs, *Lo, *Hi, *Scratch;

  /// The buffer of a slot, typed for element access (the pointer is loaded once at entry).
  Buf buf(int Slot, ir::ElemType Elem);
  Buf scratch(ir::ElemType Elem, int64_t ByteOffset = 0);
  llvm::Value *c64(int64_t V) { return B.getInt64(static_cast<uint64_t>(V)); }
  llvm::Value *c32(int32_t V) { return B.getInt32(static_cast<uint32_t>(V)); }
  llvm::Value *cf(double V, ir::ElemType E = ir::ElemType::Float32);
  /// A stack variable in the entry block (promoted to registers by the optimizer).
  llvm::AllocaInst *var(llvm::Type *T, llvm::Value *Init = nullptr);
  llvm::Value *get(llvm::AllocaInst *A) { return B.CreateLoad(A->getAllocatedType(), A); }
  void set(llvm::AllocaInst *A, llvm::Value *V) { B.CreateStore(V, A); }

  /// for (i = Begin; i < End; ++i) Body(i)  (i64; Begin/End may be constants or values).
  void loop(llvm::Value *Begin, llvm::Value *End, const std::function<void(llvm::Value *)> &Body);
  void loop(int64_t N, const std::function<void(llvm::Value *)> &Body) { loop(c64(0), c64(N), Body); }
  void ifThen(llvm::Value *Cond, const std::function<void()> &Then);
  void ifThenElse(llvm::Value *Cond, const std::function<void()> &Then, const std::function<void()> &Else);

  /// Element I of a buffer, converted to its compute type (float for f16/bf16/f32, i1 for bool).
  llvm::Value *load(const Buf &Bf, llvm::Value *I);
  /// Stores a compute-type value as element I (rounding to f16/bf16 once).
  void store(const Buf &Bf, llvm::Value *I, llvm::Value *V);
  /// Raw vector load/store of N consecutive f32 starting at element I (no conversion).
  llvm::Value *loadVec(const Buf &Bf, llvm::Value *I, unsigned N, unsigned Align = 4);
  void storeVec(const Buf &Bf, llvm::Value *I, llvm::Value *V, unsigned Align = 4);
  void maskedStoreVec(const Buf &Bf, llvm::Value *I, llvm::Value *V, unsigned Lanes);
  /// Marks a memory instruction as accessing Slot's buffer (scoped alias metadata is set at finish()).
  void tag(llvm::Instruction *Inst, int Slot);
  /// Sets the status word (run-time errors such as an integer division by zero).
  void setStatus(int Code);

  /// Closes the function; Items is the size of its parallel range.
  KernelOut finish(int64_t Items, double CostPerItem, size_t ScratchBytes = 0);

private:
  llvm::BasicBlock *Entry;
  llvm::Instruction *AllocaPoint;
  std::map<int, llvm::Value *> SlotPtrs;
  std::vector<int> ArgSlots;
  std::vector<std::pair<llvm::Instruction *, int>> MemOps;
  bool Finished = false;
};

/// The type values of an element type are computed in.
llvm::Type *computeType(ModuleEnv &E, ir::ElemType T);
/// Converts a compute value like the reference's Cast (floats to integers truncate and saturate, NaN gives 0).
llvm::Value *convert(KB &K, llvm::Value *V, ir::ElemType From, ir::ElemType To);
/// Calls a math function (exp, log, sqrt, tanh, erf, sin, cos, log1p, floor, ceil, rint, fabs, pow) on a float
/// or double value, through LLVM intrinsics or libm on the CPU and libdevice on the GPU.
llvm::Value *math(KB &K, const std::string &Name, llvm::Value *X, llvm::Value *Y = nullptr);
/// The ordered floating compare or the signed/unsigned integer compare matching C++ semantics.
llvm::Value *cmpLt(KB &K, llvm::Value *A, llvm::Value *B, ir::ElemType T);
llvm::Value *cmpGt(KB &K, llvm::Value *A, llvm::Value *B, ir::ElemType T);
/// A value of type Ty: integer or floating constant.
llvm::Value *constOf(KB &K, ir::ElemType T, double V);

/// Emits a loop nest over Out whose body computes one element: Body(Idx, Flat) gets every dim's index and the
/// row-major flat index. Work items are rows of the last dim (split into chunks when rows are few) on the CPU,
/// and single elements on the GPU. Returns the number of work items.
int64_t emitNest(KB &K, const ir::Shape &Out,
                 const std::function<void(const std::vector<llvm::Value *> &Idx, llvm::Value *Flat)> &Body);

/// Emits a loop over work items [Lo, Hi): Body(Item).
void emitItems(KB &K, const std::function<void(llvm::Value *Item)> &Body);

/// Splits a flat index into per-dim indices of shape S (constant divisors).
std::vector<llvm::Value *> unflatten(KB &K, llvm::Value *Flat, const ir::Shape &S);

} // namespace npu::host
