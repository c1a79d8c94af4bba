// Field layouts, encode/decode and legality rules, all generated from the spec in Isa.def.
#include "npu/isa/Isa.h"

#include <algorithm>
#include <cstring>
#include <sstream>

namespace npu::isa {

const char *opcodeName(Opcode Op) {
  switch (Op) {
#define NPU_OPCODE(E, V, M, F, Q)                                                                  \
  case Opcode::E:                                                                                  \
    return M;
#include "npu/isa/Isa.def"
  }
  return "?";
}
const char *memTypeName(MemType T) {
  switch (T) {
#define NPU_MEMTYPE(E, V, N, Doc)                                                                  \
  case MemType::E:                                                                                 \
    return N;
#include "npu/isa/Isa.def"
  }
  return "?";
}
const char *aluOpName(AluOp A) {
  switch (A) {
#define NPU_ALUOP(E, V, M, Doc)                                                                    \
  case AluOp::E:                                                                                   \
    return M;
#include "npu/isa/Isa.def"
  }
  return "?";
}
const char *queueName(Queue Q) {
  switch (Q) {
  case Queue::Load:
    return "load";
  case Queue::Compute:
    return "compute";
  case Queue::Store:
    return "store";
  }
  return "?";
}
Format opcodeFormat(Opcode Op) {
  switch (Op) {
#define NPU_OPCODE(E, V, M, F, Q)                                                                  \
  case Opcode::E:                                                                                  \
    return Format::F;
#include "npu/isa/Isa.def"
  }
  return Format::None;
}
bool isValidOpcode(int64_t V) {
  for (Opcode O : allOpcodes())
    if (int64_t(O) == V)
      return true;
  return false;
}
bool isValidMemType(int64_t V) {
  for (MemType M : allMemTypes())
    if (int64_t(M) == V)
      return true;
  return false;
}
bool isValidAluOp(int64_t V) {
  for (AluOp A : allAluOps())
    if (int64_t(A) == V)
      return true;
  return false;
}
std::vector<Opcode> allOpcodes() {
  return {
#define NPU_OPCODE(E, V, M, F, Q) Opcode::E,
#include "npu/isa/Isa.def"
  };
}
std::vector<MemType> allMemTypes() {
  return {
#define NPU_MEMTYPE(E, V, N, Doc) MemType::E,
#include "npu/isa/Isa.def"
  };
}
std::vector<AluOp> allAluOps() {
  return {
#define NPU_ALUOP(E, V, M, Doc) AluOp::E,
#include "npu/isa/Isa.def"
  };
}

Queue Instruction::queue() const {
  Queue Q = Queue::Compute;
  switch (opcode()) {
#define NPU_OPCODE(E, V, M, F, Qu)                                                                 \
  case Opcode::E:                                                                                  \
    Q = Queue::Qu;                                                                                 \
    break;
#include "npu/isa/Isa.def"
  }
  // As in VTA: micro-op and accumulator loads are executed by the compute unit; so is the lookup table's,
  // which only the tensor ALU reads.
  if (opcode() == Opcode::Load &&
      (memType() == MemType::Uop || memType() == MemType::Acc || memType() == MemType::Lut))
    Q = Queue::Compute;
  return Q;
}

bool Instruction::operator==(const Instruction &O) const {
  if (H.Op != O.H.Op)
    return false;
  static const HardwareConfig Default = defaultHardwareConfig();
  static const IsaLayout L(Default);
  for (const FieldLayout *F : L.fieldsOf(opcode()))
    if (F->get(*this) != F->get(O))
      return false;
  return true;
}

int64_t FieldLayout::minValue() const { return Kind == FieldKind::S ? signedMin(Width) : 0; }
int64_t FieldLayout::maxValue() const {
  if (Kind == FieldKind::S)
    return signedMax(Width);
  return Width >= 63 ? INT64_MAX : (int64_t(1) << Width) - 1;
}

namespace {

void buildFields(const HardwareConfig &C, std::vector<FieldLayout> &Out) {
  const DerivedConfig &D = C.D;
  (void)D;
  // Lsb is assigned below, per format.
#define NPU_FIELD_REF_Common(M) [](Instruction &I) -> int64_t & { return I.H.M; }
#define NPU_FIELD_REF_Mem(M) [](Instruction &I) -> int64_t & { return I.Mem.M; }
#define NPU_FIELD_REF_Gemm(M) [](Instruction &I) -> int64_t & { return I.Gemm.M; }
#define NPU_FIELD_REF_Alu(M) [](Instruction &I) -> int64_t & { return I.Alu.M; }
#define NPU_FIELD(Fmt, Name, Member, W, K, Doc)                                                    \
  Out.push_back(FieldLayout{Format::Fmt, #Name, #Member, Doc, FieldKind::K, 0, unsigned(W),       \
                            NPU_FIELD_REF_##Fmt(Member)});
#include "npu/isa/Isa.def"
#undef NPU_FIELD_REF_Common
#undef NPU_FIELD_REF_Mem
#undef NPU_FIELD_REF_Gemm
#undef NPU_FIELD_REF_Alu
  unsigned CommonBits = 0;
  for (FieldLayout &F : Out)
    if (F.Fmt == Format::Common) {
      F.Lsb = CommonBits;
      CommonBits += F.Width;
    }
  for (Format Fmt : {Format::Mem, Format::Gemm, Format::Alu}) {
    unsigned Pos = CommonBits;
    for (FieldLayout &F : Out)
      if (F.Fmt == Fmt) {
        F.Lsb = Pos;
        Pos += F.Width;
      }
  }
}

void buildUopFields(const HardwareConfig &C, std::vector<UopFieldLayout> &Out) {
  const DerivedConfig &D = C.D;
  unsigned Pos = 0;
#define NPU_UOP_FIELD(Name, Member, W, Doc)                                                        \
  Out.push_back(UopFieldLayout{#Name, #Member, Doc, Pos, unsigned(W),                              \
                               [](MicroOp &U) -> int64_t & { return U.Member; }});                 \
  Pos += unsigned(W);
#include "npu/isa/Isa.def"
}

uint64_t readBits(const uint8_t *In, unsigned Lsb, unsigned Width) {
  uint64_t V = 0;
  for (unsigned B = 0; B < Width; ++B) {
    unsigned Bit = Lsb + B;
    V |= uint64_t((In[Bit / 8] >> (Bit % 8)) & 1) << B;
  }
  return V;
}

void writeBits(uint8_t *Out, unsigned Lsb, unsigned Width, uint64_t V) {
  for (unsigned B = 0; B < Width; ++B) {
    unsigned Bit = Lsb + B;
    uint8_t Mask = uint8_t(1u << (Bit % 8));
    if ((V >> B) & 1)
      Out[Bit / 8] |= Mask;
    else
      Out[Bit / 8] &= uint8_t(~Mask);
  }
}

} // namespace

IsaLayout::IsaLayout(const HardwareConfig &C) {
  buildFields(C, Fields);
  buildUopFields(C, UopFields);
  unsigned Max = 0;
  for (Format F : {Format::Mem, Format::Gemm, Format::Alu})
    Max = std::max(Max, formatBits(F));
  InsnBits = (Max + 63) / 64 * 64;
  for (const UopFieldLayout &U : UopFields)
    UopBitsUsed += U.Width;
  UopBytes = UopBitsUsed <= 32 ? 4 : 8;
}

std::vector<const FieldLayout *> IsaLayout::fieldsOf(Opcode Op) const {
  std::vector<const FieldLayout *> R;
  Format Fmt = opcodeFormat(Op);
  for (const FieldLayout &F : Fields)
    if (F.Fmt == Format::Common || F.Fmt == Fmt)
      R.push_back(&F);
  return R;
}

unsigned IsaLayout::formatBits(Format Fmt) const {
  unsigned Bits = 0;
  for (const FieldLayout &F : Fields)
    if (F.Fmt == Format::Common || F.Fmt == Fmt)
      Bits += F.Width;
  return Bits;
}

unsigned maxFormatBits(const HardwareConfig &C) {
  IsaLayout L(C);
  unsigned Max = 0;
  for (Format F : {Format::Mem, Format::Gemm, Format::Alu})
    Max = std::max(Max, L.formatBits(F));
  return Max;
}

Status encode(const IsaLayout &L, const Instruction &I, uint8_t *Out) {
  std::memset(Out, 0, L.instructionBytes());
  if (!isValidOpcode(I.H.Op))
    return makeError("invalid opcode ", I.H.Op);
  for (const FieldLayout *F : L.fieldsOf(I.opcode())) {
    int64_t V = F->get(I);
    if (V < F->minValue() || V > F->maxValue())
      return makeError(opcodeName(I.opcode()), ": field '", F->Name, "' value ", V,
                       " does not fit its ", F->Width, "-bit field (range ", F->minValue(), "..",
                       F->maxValue(), ")");
    writeBits(Out, F->Lsb, F->Width, uint64_t(V));
  }
  return Status::ok();
}

Expected<Instruction> decode(const IsaLayout &L, const uint8_t *In) {
  Instruction I;
  const FieldLayout &OpField = L.allFields().front();
  I.H.Op = int64_t(readBits(In, OpField.Lsb, OpField.Width));
  if (!isValidOpcode(I.H.Op))
    return makeError("invalid opcode ", I.H.Op);
  for (const FieldLayout *F : L.fieldsOf(I.opcode())) {
    uint64_t Raw = readBits(In, F->Lsb, F->Width);
    int64_t V = int64_t(Raw);
    if (F->Kind == FieldKind::S && F->Width < 64 && (Raw >> (F->Width - 1)) & 1)
      V = int64_t(Raw | (~uint64_t(0) << F->Width));
    F->Ref(I) = V;
  }
  if (opcodeFormat(I.opcode()) == Format::Mem && !isValidMemType(I.Mem.Mem))
    return makeError("invalid memory type ", I.Mem.Mem);
  if (opcodeFormat(I.opcode()) == Format::Alu && !isValidAluOp(I.Alu.AluOp))
    return makeError("invalid ALU operation ", I.Alu.AluOp);
  return I;
}

Status encodeUop(const IsaLayout &L, const MicroOp &U, uint8_t *Out) {
  std::memset(Out, 0, L.uopBytes());
  for (const UopFieldLayout &F : L.uopFields()) {
    int64_t V = F.Ref(const_cast<MicroOp &>(U));
    int64_t Max = (int64_t(1) << F.Width) - 1;
    if (V < 0 || V > Max)
      return makeError("micro-op field '", F.Name, "' value ", V, " does not fit its ", F.Width,
                       "-bit field (range 0..", Max, ")");
    writeBits(Out, F.Lsb, F.Width, uint64_t(V));
  }
  return Status::ok();
}

MicroOp decodeUop(const IsaLayout &L, const uint8_t *In) {
  MicroOp U;
  for (const UopFieldLayout &F : L.uopFields())
    F.Ref(U) = int64_t(readBits(In, F.Lsb, F.Width));
  return U;
}

Status checkInstruction(const HardwareConfig &C, const Instruction &I) {
  if (!isValidOpcode(I.H.Op))
    return makeError("invalid opcode ", I.H.Op);
  Opcode Op = I.opcode();
  Queue Q = I.queue();
  // Load has no previous stage and store no next one.
  if (Q == Queue::Load && (I.H.PopPrev || I.H.PushPrev))
    return makeError(opcodeName(Op), " on the load queue cannot use pop_prev/push_prev (no stage before load)");
  if (Q == Queue::Store && (I.H.PopNext || I.H.PushNext))
    return makeError(opcodeName(Op), " on the store queue cannot use pop_next/push_next (no stage after store)");
  switch (opcodeFormat(Op)) {
  case Format::Mem: {
    if (!isValidMemType(I.Mem.Mem))
      return makeError("invalid memory type ", I.Mem.Mem);
    MemType M = I.memType();
    if (Op == Opcode::Load && M == MemType::Output)
      return makeError("load cannot target the output buffer (use inp, wgt, acc or uop)");
    if (Op == Opcode::Store && M != MemType::Output && M != MemType::Acc)
      return makeError("store reads the out or acc buffer, not ", memTypeName(M));
    if (Op == Opcode::Store && (I.Mem.PadTop || I.Mem.PadBottom || I.Mem.PadLeft || I.Mem.PadRight))
      return makeError("store cannot pad");
    // Only activations have a zero point to pad with; the other buffers pad with zeros.
    if (I.Mem.PadValue != 0 && !(Op == Opcode::Load && M == MemType::Input))
      return makeError(opcodeName(Op), ".", memTypeName(M), ": pad_value ", I.Mem.PadValue,
                       " is only for load.inp (other buffers pad with zeros)");
    if ((I.Mem.YSize == 0) != (I.Mem.XSize == 0))
      return makeError(opcodeName(Op), ": y and x must both be zero (a no-op) or both non-zero");
    if (I.Mem.YSize > 1 && I.Mem.XStride < I.Mem.XSize)
      return makeError(opcodeName(Op), ": stride ", I.Mem.XStride, " is smaller than x ", I.Mem.XSize);
    break;
  }
  case Format::Gemm:
  case Format::Alu: {
    const int64_t Begin = Op == Opcode::Gemm ? I.Gemm.UopBegin : I.Alu.UopBegin;
    const int64_t End = Op == Opcode::Gemm ? I.Gemm.UopEnd : I.Alu.UopEnd;
    if (End < Begin)
      return makeError(opcodeName(Op), ": uop_end ", End, " is before uop_begin ", Begin);
    if (uint64_t(End) > C.D.UopDepth)
      return makeError(opcodeName(Op), ": uop_end ", End, " exceeds the micro-op buffer depth ",
                       C.D.UopDepth);
    if (Op == Opcode::Alu) {
      if (!isValidAluOp(I.Alu.AluOp))
        return makeError("invalid ALU operation ", I.Alu.AluOp);
      AluOp A = I.aluOp();
      if (A == AluOp::Clip && !I.Alu.UseImm)
        return makeError("alu.clip takes its bounds from imm and imm2: set use_imm");
      if (A == AluOp::Lut && !I.Alu.UseImm)
        return makeError("alu.lut reads no source rows: set use_imm");
      if (A == AluOp::Clip && I.Alu.Imm > I.Alu.Imm2)
        return makeError("alu.clip: lower bound imm ", I.Alu.Imm, " is above upper bound imm2 ", I.Alu.Imm2);
      if (A == AluOp::Requant && (I.Alu.Shift < 1 || I.Alu.Shift > 62))
        return makeError("alu.requant: shift ", I.Alu.Shift, " must be in 1..62");
      if (A == AluOp::Requant &&
          (I.Alu.Imm2 < signedMin(C.outputBits()) || I.Alu.Imm2 > signedMax(C.outputBits())))
        return makeError("alu.requant: zero point imm2 ", I.Alu.Imm2, " is outside the ",
                         dtypeName(C.OutputType), " output range");
    }
    break;
  }
  case Format::None:
  case Format::Common:
    break;
  }
  return Status::ok();
}

uint64_t rowBytes(const HardwareConfig &C, MemType M) {
  switch (M) {
  case MemType::Uop:
    return C.D.UopRowBytes;
  case MemType::Input:
    return C.D.InputRowBytes;
  case MemType::Weight:
    return C.D.WeightRowBytes;
  case MemType::Acc:
    return C.D.AccRowBytes;
  case MemType::Output:
    return C.D.OutputRowBytes;
  case MemType::Lut:
    return C.D.LutRowBytes;
  }
  return 0;
}

uint64_t bufferDepth(const HardwareConfig &C, MemType M) {
  switch (M) {
  case MemType::Uop:
    return C.D.UopDepth;
  case MemType::Input:
    return C.D.InputDepth;
  case MemType::Weight:
    return C.D.WeightDepth;
  case MemType::Acc:
    return C.D.AccDepth;
  case MemType::Output:
    return C.D.OutputDepth;
  case MemType::Lut:
    return C.D.LutDepth;
  }
  return 0;
}

} // namespace npu::isa
