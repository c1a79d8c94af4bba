// Emitter: what every per-operator lowering uses to append tile instructions, micro-op kernels (loaded once
// per layer; the dedup-uops pass stores each once in DRAM) and constant tensors for one NPU segment.
#pragma once

#include "npu/backend/Schedule.h"
#include "npu/backend/TileIR.h"
#include "npu/compiler/ir/Graph.h"

#include <algorithm>
#include <map>

namespace npu::backend {

/// Geometry of a blocked activation as the NPU sees it: one buffer row per (n-block, c-block, position).
struct RowTensor {
  int Tensor = -1;
  int64_t NOuter = 1, COuter = 1, H = 1, W = 1;
  int64_t rows() const { return NOuter * COuter * H * W; }
  /// Row index of (n-block, c-block, h, w).
  int64_t row(int64_t Nb, int64_t Cb, int64_t Hh, int64_t Ww) const {
    return ((Nb * COuter + Cb) * H + Hh) * W + Ww;
  }
};

class Emitter {
public:
  Emitter(const HardwareConfig &C, TileProgram &P) : C(C), P(P) {}

  const HardwareConfig &config() const { return C; }
  TileProgram &program() { return P; }
  void setNode(std::string Name) {
    Node = std::move(Name);
    UopSlots.clear(); // each layer loads its kernels afresh (the buffer is reused from row 0)
    UopNext = 0;
    UopFill = -1;
  }

  /// LOAD into Mem from Tensor at byte Offset (pads: top, bottom, left, right; the padding elements hold
  /// PadValue, which only a LOAD inp may set: the input's zero point).
  void load(isa::MemType Mem, int64_t Sram, int Tensor, uint64_t Offset, int64_t Y, int64_t X, int64_t Stride,
            int64_t PadT = 0, int64_t PadB = 0, int64_t PadL = 0, int64_t PadR = 0, int64_t PadValue = 0);
  void storeOut(int64_t Sram, int Tensor, uint64_t Offset, int64_t Y, int64_t X, int64_t Stride);
  /// STORE from Mem (out: the narrowed output rows; acc: the int32 accumulator rows).
  void store(isa::MemType Mem, int64_t Sram, int Tensor, uint64_t Offset, int64_t Y, int64_t X, int64_t Stride);
  /// GEMM over a kernel; F holds the loop counts and factors (its uop range is filled in).
  Status gemm(const std::vector<isa::MicroOp> &Kernel, isa::GemmFields F);
  Status alu(isa::AluOp Op, const std::vector<isa::MicroOp> &Kernel, isa::AluFields F);

  /// A constant tensor (deduplicated by name within the segment).
  int constant(const std::string &Name, std::vector<uint8_t> Data);
  /// A constant of weight tiles from int8 values, stored at the config's weight width (int4: two per byte, the
  /// even element in the low nibble, as LOAD wgt reads them).
  int weightTiles(const std::string &Name, const std::vector<uint8_t> &Int8Values);
  /// One accumulator row per output-channel block holding Values[block*Bo + o] in every batch lane.
  int channelRows(const std::string &Name, const std::vector<int64_t> &Values, int64_t Blocks);
  /// The Bo x Bi identity weight tile (widens int8 rows into the accumulators).
  int identityTile();

  /// The tile tensor of a graph value (registered by the segment compiler).
  std::map<ir::ValueId, RowTensor> Values;

  /// Scheduling: the node being lowered, a schedule the tuner asks for (null: the lowering chooses by the
  /// cost model), the largest buffering depth allowed, and the schedules the lowerings chose, in order.
  const std::string &node() const { return Node; }
  const LayerSchedule *forcedSchedule() const {
    auto It = Forced.find(Node);
    return It == Forced.end() ? nullptr : &It->second;
  }
  int64_t maxBuffers() const {
    return SerialOnly ? 1 : std::max<int64_t>(1, std::min<int64_t>(4, int64_t(C.TokenQueueDepth)));
  }
  void recordSchedule(LayerSchedule S) {
    S.Node = Node;
    Chosen.push_back(std::move(S));
  }
  std::map<std::string, LayerSchedule> Forced;
  std::vector<LayerSchedule> Chosen;
  bool SerialOnly = false; ///< single-buffered tiles (the serial schedule, for comparisons)

private:
  Expected<int64_t> uopSlot(const std::vector<isa::MicroOp> &Kernel);
  void push(isa::Instruction I, int Tensor, uint64_t Offset);

  const HardwareConfig &C;
  TileProgram &P;
  std::string Node;
  std::map<std::vector<int64_t>, int64_t> UopSlots; ///< kernel -> first uop buffer row, this layer
  int64_t UopNext = 0;
  int64_t UopFill = -1; ///< this layer's last micro-op LOAD (index in P.Insns), which new kernels may widen
  std::map<std::string, int> Consts;
};

/// Lowerings, one per operator family, registered in npu/backend/Lowerings.def. Each checks what it supports
/// first (canLower*), so the partitioner can leave an unsupported node on the host with the reason.
Status canLowerConv(const ir::Graph &G, const ir::Node &N, const HardwareConfig &C);
Status lowerConv(Emitter &E, const ir::Graph &G, const ir::Node &N);
Status canLowerMatMul(const ir::Graph &G, const ir::Node &N, const HardwareConfig &C);
Status lowerMatMul(Emitter &E, const ir::Graph &G, const ir::Node &N);
/// npu.MaxPool, npu.QAvgPool, npu.QGlobalAvgPool.
Status canLowerPool(const ir::Graph &G, const ir::Node &N, const HardwareConfig &C);
Status lowerPool(Emitter &E, const ir::Graph &G, const ir::Node &N);
/// Relu and npu.Requantize on blocked int8, npu.QAdd of two blocked tensors of equal shape.
Status canLowerElementwise(const ir::Graph &G, const ir::Node &N, const HardwareConfig &C);
Status lowerElementwise(Emitter &E, const ir::Graph &G, const ir::Node &N);
Status canLowerGroupConv(const ir::Graph &G, const ir::Node &N, const HardwareConfig &C);
Status lowerGroupConv(Emitter &E, const ir::Graph &G, const ir::Node &N);
Status canLowerConstAdd(const ir::Graph &G, const ir::Node &N, const HardwareConfig &C);
Status lowerConstAdd(Emitter &E, const ir::Graph &G, const ir::Node &N);
Status canLowerConcat(const ir::Graph &G, const ir::Node &N, const HardwareConfig &C);
Status lowerConcat(Emitter &E, const ir::Graph &G, const ir::Node &N);
Status canLowerBroadcastAdd(const ir::Graph &G, const ir::Node &N, const HardwareConfig &C);
Status lowerBroadcastAdd(Emitter &E, const ir::Graph &G, const ir::Node &N);
Status canLowerLeakyRelu(const ir::Graph &G, const ir::Node &N, const HardwareConfig &C);
Status lowerLeakyRelu(Emitter &E, const ir::Graph &G, const ir::Node &N);
Status canLowerLut(const ir::Graph &G, const ir::Node &N, const HardwareConfig &C);
Status lowerLut(Emitter &E, const ir::Graph &G, const ir::Node &N);
Status canLowerResize(const ir::Graph &G, const ir::Node &N, const HardwareConfig &C);
Status lowerResize(Emitter &E, const ir::Graph &G, const ir::Node &N);
Status canLowerPad(const ir::Graph &G, const ir::Node &N, const HardwareConfig &C);
Status lowerPad(Emitter &E, const ir::Graph &G, const ir::Node &N);
/// A Reshape of a blocked tensor that keeps its rows (the layout pass makes them): an alias, else a row copy.
Status canLowerReshape(const ir::Graph &G, const ir::Node &N, const HardwareConfig &C);
Status lowerReshape(Emitter &E, const ir::Graph &G, const ir::Node &N);

/// Shared checks: a blocked int8 activation whose rows are the config's rows.
Status checkBlockedAct(const ir::Graph &G, ir::ValueId V, const HardwareConfig &C, int64_t BlockC);
/// What the NPU's input and output buffers hold: the config's activation type (int8 or int16); every
/// activation a lowering reads or writes has it.
ir::ElemType actElem(const HardwareConfig &C);
/// The node's activation bounds act_min / act_max (default: the range of the config's activation type).
std::pair<int64_t, int64_t> actBounds(const ir::Node &N, const HardwareConfig &C);
/// True when those bounds are narrower than the activation type's range: the requant saturates to the type
/// (the output buffer's), one clip does the rest.
bool needsClip(const ir::Node &N, const HardwareConfig &C);
/// An error unless V is an activation of the config's type (an operand or result of a lowering).
Status checkActType(const ir::Graph &G, ir::ValueId V, const HardwareConfig &C);
/// RowTensor geometry of a blocked value (spatial rank 1 or 2; rank 1 as H = 1).
RowTensor rowGeometry(const ir::Shape &Dims);

} // namespace npu::backend
