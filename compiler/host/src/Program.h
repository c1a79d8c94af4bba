// The host program: specialized graph, buffer slots, steps (kernels or fallbacks) and memory plan (internal).
#pragma once

#include "npu/compiler/ir/Graph.h"
#include "npu/host/HostModel.h"

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace npu::host {

/// Signature of every generated CPU task: runs work items [Lo, Hi) of one kernel. Args[i] is the buffer of the
/// step's i-th argument slot; slot 0 is an int32 status word a kernel sets on a run-time error (1: integer
/// division by zero, 2: index out of range).
using TaskFn = void (*)(void **Args, int64_t Lo, int64_t Hi, void *Scratch);

enum class StepKind { Kernel, Fallback };

/// One thing the executor does, in order.
struct Step {
  StepKind Kind = StepKind::Kernel;
  std::vector<int> Nodes; ///< graph node indices; a fused group lists its anchor first
  std::string Symbol;     ///< kernel function name
  std::vector<int> ArgSlots; ///< the slots whose buffers the kernel gets, in its argument order
  int64_t WorkItems = 1;  ///< the parallel range of the kernel
  double CostPerItem = 1; ///< rough operations per work item (decides how many threads to use)
  size_t ScratchBytes = 0;
  std::vector<int> TempSlots; ///< arena slots of the step's node(s) that hold no graph value (packed operands)
  TaskFn Fn = nullptr;
};

/// Where a slot's memory comes from at run time.
enum class SlotKind { Status, Input, Constant, Arena, Output, Unused };

struct Slot {
  SlotKind Kind = SlotKind::Unused;
  int Index = -1;             ///< graph input/output position for Input/Output
  size_t Bytes = 0;
  size_t Offset = 0;          ///< in the arena
  std::shared_ptr<const ir::Tensor> Data; ///< Constant
  std::shared_ptr<void> Raw;              ///< a derived constant (packed weights), 64-byte aligned
  ir::ValueId Value = ir::NoValue;
  int AliasOf = -1; ///< shares another slot's memory (a reshape of it, or a part of a concatenation)
  size_t AliasOffset = 0; ///< bytes into the AliasOf slot
};

/// Compile-time view of the graph shared by lowering and execution.
struct Program {
  ir::Graph G; ///< a copy with static types everywhere
  std::vector<std::shared_ptr<const ir::Tensor>> Known; ///< per value: data known at compile time, or null
  std::vector<int> SlotOf;  ///< per value: its slot, or -1
  std::vector<Slot> Slots;  ///< slot 0 is the status word
  std::vector<int> Uses;    ///< per value: number of node inputs using it (+1 if a graph output)
  std::vector<int> FusedInto; ///< per node: the anchor node of its fused group, or -1
  std::vector<bool> Folded;   ///< per node: evaluated at compile time
  std::vector<Step> Steps;
  size_t ArenaBytes = 0;
  size_t ScratchBytes = 0;  ///< per thread
  std::vector<std::pair<int, ir::Tensor>> Specialized; ///< graph input index, value it was compiled for

  int slotOf(ir::ValueId V) const { return V == ir::NoValue ? -1 : SlotOf[static_cast<size_t>(V)]; }
  const ir::Tensor *known(ir::ValueId V) const {
    return V == ir::NoValue ? nullptr : Known[static_cast<size_t>(V)].get();
  }
  const ir::TensorType &type(ir::ValueId V) const { return G.type(V); }
  /// A new slot holding derived constant data (packed weights, folded parameters), 64-byte aligned.
  int addRawSlot(const std::vector<float> &Data);
  /// A new zero-filled derived constant slot of Floats floats; its memory is rawData(slot).
  int addRawSlot(size_t Floats);
  /// A new arena slot of Bytes bytes for a temporary of the node being lowered (lives across its steps).
  int addTempSlot(size_t Bytes);
  float *rawData(int Slot) { return static_cast<float *>(Slots[static_cast<size_t>(Slot)].Raw.get()); }
};

/// Runs fallback node N on the reference interpreter, for both executors: each input is its compile-time-known
/// value or what Read fills in (the tensor comes with the value's type); each output that has a slot goes to
/// Write(slot, tensor).
Status runFallbackNode(const Program &P, const ir::Node &N,
                       const std::function<Status(ir::ValueId, ir::Tensor &)> &Read,
                       const std::function<Status(int, const ir::Tensor &)> &Write);

/// Copies G, fixes specialized inputs, folds nodes whose inputs are all known, re-infers types and assigns
/// slots to the values that live at run time.
Expected<Program> buildProgram(const ir::Graph &G, const HostOptions &Opts, HostStats &Stats);

/// Groups anchor nodes (Conv/Gemm/MatMul in f32) with the single-use elementwise nodes after them.
void planFusion(Program &P);

/// Assigns arena offsets to the values computed at run time (after the steps are known). Every arena buffer is
/// followed by at least 512 bytes that belong to no other buffer (see arenaBacked).
void planMemory(Program &P);

/// True when V lives in the arena (directly or through views) and is no graph output: reading up to 512 bytes
/// past its end is then harmless.
bool arenaBacked(const Program &P, ir::ValueId V);

/// Finds which inputs of an operator must be known at compile time for code generation.
bool inputNeedsValue(std::string_view OpType, size_t Input);

} // namespace npu::host
