// Emitter: appending tile instructions, micro-op kernels (loaded once per layer) and constant tensors.
#include "Emitter.h"

#include "npu/compiler/ops/BlockedLayout.h"
#include "npu/compiler/passes/Pass.h"

namespace npu::backend {

using isa::MemType;

void Emitter::push(isa::Instruction I, int Tensor, uint64_t Offset) {
  P.Insns.push_back({I, Tensor, Offset, Node});
}

void Emitter::load(MemType Mem, int64_t Sram, int Tensor, uint64_t Offset, int64_t Y, int64_t X,
                   int64_t Stride, int64_t PadT, int64_t PadB, int64_t PadL, int64_t PadR, int64_t PadValue) {
  isa::Instruction I;
  I.H.Op = int64_t(isa::Opcode::Load);
  I.Mem = {int64_t(Mem), Sram, 0, Y, X, Stride, PadT, PadB, PadL, PadR, PadValue};
  push(I, Tensor, Offset);
}

void Emitter::storeOut(int64_t Sram, int Tensor, uint64_t Offset, int64_t Y, int64_t X, int64_t Stride) {
  store(MemType::Output, Sram, Tensor, Offset, Y, X, Stride);
}

void Emitter::store(MemType Mem, int64_t Sram, int Tensor, uint64_t Offset, int64_t Y, int64_t X,
                    int64_t Stride) {
  isa::Instruction I;
  I.H.Op = int64_t(isa::Opcode::Store);
  I.Mem = {int64_t(Mem), Sram, 0, Y, X, Stride, 0, 0, 0, 0};
  push(I, Tensor, Offset);
}

Expected<int64_t> Emitter::uopSlot(const std::vector<isa::MicroOp> &Kernel) {
  std::vector<int64_t> Key;
  for (const isa::MicroOp &U : Kernel)
    Key.insert(Key.end(), {U.Dst, U.Src, U.Wgt});
  if (auto It = UopSlots.find(Key); It != UopSlots.end())
    return It->second;
  const int64_t Depth = int64_t(C.D.UopDepth), Size = int64_t(Kernel.size());
  if (Size > Depth)
    return makeError("a micro-op kernel of ", Size, " entries does not fit the ", Depth,
                     "-entry micro-op buffer");
  if (UopNext + Size > Depth) {
    // Instructions run in order, so once the buffer is full the earlier kernels can be overwritten.
    UopSlots.clear();
    UopNext = 0;
    UopFill = -1;
  }
  // A kernel that follows the layer's last micro-op LOAD in the buffer widens that LOAD instead of adding
  // one: a compute-queue LOAD waits for both compute pipes to drain and pays the DRAM latency, so a layer
  // loads its kernels in as few transfers as possible. Each LOAD's kernels are appended to the DRAM table as
  // they come (the fill's are the table's last entries); the dedup-uops pass stores each kernel once
  // afterwards.
  isa::MemFields *Fill = UopFill >= 0 ? &P.Insns[size_t(UopFill)].I.Mem : nullptr;
  const uint64_t Rb = C.D.UopRowBytes, MaxSize = (uint64_t(1) << C.SizeBits) - 1;
  if (Fill && Fill->SramBase + Fill->XSize == UopNext && uint64_t(Fill->XSize + Size) <= MaxSize) {
    Fill->XSize += Size;
    Fill->XStride = Fill->XSize;
  } else {
    UopFill = int64_t(P.Insns.size());
    load(MemType::Uop, UopNext, UopTable, P.Uops.size() * Rb, 1, Size, Size);
  }
  P.Uops.insert(P.Uops.end(), Kernel.begin(), Kernel.end());
  UopSlots[Key] = UopNext;
  UopNext += Size;
  return UopSlots[Key];
}

Status Emitter::gemm(const std::vector<isa::MicroOp> &Kernel, isa::GemmFields F) {
  auto Slot = uopSlot(Kernel);
  if (!Slot)
    return Slot.error();
  F.UopBegin = *Slot;
  F.UopEnd = *Slot + int64_t(Kernel.size());
  isa::Instruction I;
  I.H.Op = int64_t(isa::Opcode::Gemm);
  I.Gemm = F;
  push(I, -1, 0);
  return Status::ok();
}

Status Emitter::alu(isa::AluOp Op, const std::vector<isa::MicroOp> &Kernel, isa::AluFields F) {
  auto Slot = uopSlot(Kernel);
  if (!Slot)
    return Slot.error();
  F.AluOp = int64_t(Op);
  F.UopBegin = *Slot;
  F.UopEnd = *Slot + int64_t(Kernel.size());
  isa::Instruction I;
  I.H.Op = int64_t(isa::Opcode::Alu);
  I.Alu = F;
  push(I, -1, 0);
  return Status::ok();
}

int Emitter::constant(const std::string &Name, std::vector<uint8_t> Data) {
  if (auto It = Consts.find(Name); It != Consts.end())
    return It->second;
  TileTensor T;
  T.Name = Name;
  T.K = TileTensor::Const;
  T.Bytes = Data.size();
  T.Data = std::move(Data);
  return Consts[Name] = P.addTensor(std::move(T));
}

int Emitter::weightTiles(const std::string &Name, const std::vector<uint8_t> &Int8Values) {
  if (C.weightBits() == 8)
    return constant(Name, Int8Values);
  std::vector<uint8_t> Packed((Int8Values.size() + 1) / 2, 0);
  for (size_t I = 0; I < Int8Values.size(); ++I)
    Packed[I / 2] |= uint8_t((Int8Values[I] & 0xF) << (4 * (I % 2)));
  return constant(Name, std::move(Packed));
}

int Emitter::channelRows(const std::string &Name, const std::vector<int64_t> &Values, int64_t Blocks) {
  const int64_t B = int64_t(C.Batch), Bo = int64_t(C.BlockOut);
  std::vector<uint8_t> Data;
  Data.reserve(size_t(Blocks * B * Bo * 4));
  for (int64_t Blk = 0; Blk < Blocks; ++Blk)
    for (int64_t Lane = 0; Lane < B; ++Lane)
      for (int64_t O = 0; O < Bo; ++O) {
        const int64_t Ch = Blk * Bo + O;
        const int64_t V = Values.size() == 1            ? Values[0]
                          : Ch < int64_t(Values.size()) ? Values[size_t(Ch)]
                                                        : 0;
        const uint32_t U = uint32_t(int32_t(V));
        for (int K = 0; K < 4; ++K)
          Data.push_back(uint8_t(U >> (8 * K)));
      }
  return constant(Name, std::move(Data));
}

int Emitter::identityTile() {
  const int64_t Bo = int64_t(C.BlockOut), Bi = int64_t(C.BlockIn);
  std::vector<uint8_t> Data(size_t(Bo * Bi), 0);
  for (int64_t O = 0; O < Bo && O < Bi; ++O)
    Data[size_t(O * Bi + O)] = 1;
  return weightTiles("npu.identity_tile", Data);
}

ir::ElemType actElem(const HardwareConfig &C) { return passes::activationType(&C); }

std::pair<int64_t, int64_t> actBounds(const ir::Node &N, const HardwareConfig &C) {
  const ir::ElemType T = actElem(C);
  return {N.getInt("act_min", ir::integerTypeMin(T)), N.getInt("act_max", ir::integerTypeMax(T))};
}

bool needsClip(const ir::Node &N, const HardwareConfig &C) {
  const ir::ElemType T = actElem(C);
  return actBounds(N, C) != std::pair{ir::integerTypeMin(T), ir::integerTypeMax(T)};
}

Status checkActType(const ir::Graph &G, ir::ValueId V, const HardwareConfig &C) {
  const ir::ElemType T = G.type(V).Elem;
  if (T != actElem(C))
    return makeError("value '", G.value(V).Name, "' is ", ir::elemTypeName(T), ", the NPU path takes ",
                     ir::elemTypeName(actElem(C)), " (config '", C.Name, "')");
  return Status::ok();
}

Status checkBlockedAct(const ir::Graph &G, ir::ValueId V, const HardwareConfig &C, int64_t BlockC) {
  const ir::TensorType &T = G.type(V);
  NPU_TRY(checkActType(G, V, C));
  auto B = ir::decodeBlocked(T.Dims);
  if (!B)
    return B.error();
  if (B->Spatial.size() > 2)
    return makeError("value '", G.value(V).Name, "' has ", B->Spatial.size(),
                     " spatial dims (the NPU path takes 0 to 2)");
  if (B->BlockC != BlockC || B->BlockN > int64_t(C.Batch))
    return makeError("value '", G.value(V).Name, "' is blocked n=", B->BlockN, " c=", B->BlockC,
                     "; the config's rows hold n<=", C.Batch, " c=", BlockC);
  return Status::ok();
}

RowTensor rowGeometry(const ir::Shape &Dims) {
  RowTensor R;
  auto B = ir::decodeBlocked(Dims);
  R.NOuter = B->NOuter;
  R.COuter = B->COuter;
  R.H = B->Spatial.size() == 2 ? B->Spatial[0] : 1;
  R.W = B->Spatial.empty() ? 1 : B->Spatial.back();
  return R;
}

} // namespace npu::backend
