// C++ view of the ISA spec (Isa.def): enums, the decoded Instruction and MicroOp, per-config field layouts,
// encode/decode with range checks, and the legality rules shared by the assembler and the simulators.
#pragma once

#include "npu/config/HardwareConfig.h"
#include "npu/support/Status.h"

#include <array>
#include <cstdint>
#include <string>
#include <vector>

namespace npu::isa {

enum class Opcode : uint8_t {
#define NPU_OPCODE(E, V, M, F, Q) E = V,
#include "npu/isa/Isa.def"
};
enum class MemType : uint8_t {
#define NPU_MEMTYPE(E, V, N, Doc) E = V,
#include "npu/isa/Isa.def"
};
enum class AluOp : uint8_t {
#define NPU_ALUOP(E, V, M, Doc) E = V,
#include "npu/isa/Isa.def"
};
/// How many on-chip buffers the spec names (sizes the per-buffer statistics).
constexpr unsigned NumMemTypes = 0
#define NPU_MEMTYPE(E, V, N, Doc) +1
#include "npu/isa/Isa.def"
    ;
/// Instruction formats (field groups after the Common header).
enum class Format : uint8_t { Common, Mem, Gemm, Alu, None };
/// The three command queues fed by fetch.
enum class Queue : uint8_t { Load, Compute, Store };

const char *opcodeName(Opcode Op);
const char *memTypeName(MemType M);
const char *aluOpName(AluOp A);
const char *queueName(Queue Q);
Format opcodeFormat(Opcode Op);
bool isValidOpcode(int64_t V);
bool isValidMemType(int64_t V);
bool isValidAluOp(int64_t V);
/// All values of each enum in spec order.
std::vector<Opcode> allOpcodes();
std::vector<MemType> allMemTypes();
std::vector<AluOp> allAluOps();

// One struct of int64 members per format, generated from the spec by filtering on the format.
struct CommonFields {
#define NPU_FIELD(Fmt, Name, Member, W, K, Doc) NPU_FIELD_IF_##Fmt##_Common(Member)
#define NPU_FIELD_IF_Common_Common(M) int64_t M = 0;
#define NPU_FIELD_IF_Mem_Common(M)
#define NPU_FIELD_IF_Gemm_Common(M)
#define NPU_FIELD_IF_Alu_Common(M)
#include "npu/isa/Isa.def"
};
struct MemFields {
#define NPU_FIELD(Fmt, Name, Member, W, K, Doc) NPU_FIELD_IF_##Fmt##_Mem(Member)
#define NPU_FIELD_IF_Common_Mem(M)
#define NPU_FIELD_IF_Mem_Mem(M) int64_t M = 0;
#define NPU_FIELD_IF_Gemm_Mem(M)
#define NPU_FIELD_IF_Alu_Mem(M)
#include "npu/isa/Isa.def"
};
struct GemmFields {
#define NPU_FIELD(Fmt, Name, Member, W, K, Doc) NPU_FIELD_IF_##Fmt##_Gemm(Member)
#define NPU_FIELD_IF_Common_Gemm(M)
#define NPU_FIELD_IF_Mem_Gemm(M)
#define NPU_FIELD_IF_Gemm_Gemm(M) int64_t M = 0;
#define NPU_FIELD_IF_Alu_Gemm(M)
#include "npu/isa/Isa.def"
};
struct AluFields {
#define NPU_FIELD(Fmt, Name, Member, W, K, Doc) NPU_FIELD_IF_##Fmt##_Alu(Member)
#define NPU_FIELD_IF_Common_Alu(M)
#define NPU_FIELD_IF_Mem_Alu(M)
#define NPU_FIELD_IF_Gemm_Alu(M)
#define NPU_FIELD_IF_Alu_Alu(M) int64_t M = 0;
#include "npu/isa/Isa.def"
};
/// A decoded instruction. Only the Common fields and those of its opcode's format are meaningful.
struct Instruction {
  CommonFields H;
  MemFields Mem;
  GemmFields Gemm;
  AluFields Alu;

  Opcode opcode() const { return Opcode(H.Op); }
  MemType memType() const { return MemType(Mem.Mem); }
  AluOp aluOp() const { return AluOp(Alu.AluOp); }
  /// The command queue fetch routes this instruction to.
  Queue queue() const;
  /// Fields of other formats are ignored: equal encodings compare equal.
  bool operator==(const Instruction &O) const;
};

struct MicroOp {
#define NPU_UOP_FIELD(Name, Member, W, Doc) int64_t Member = 0;
#include "npu/isa/Isa.def"
  bool operator==(const MicroOp &O) const = default;
};

enum class FieldKind : uint8_t { U, S, Flag, Suffix };

/// Where one field sits in the encoded word for a given config.
struct FieldLayout {
  Format Fmt;
  const char *Name;
  const char *Member;
  const char *Doc;
  FieldKind Kind;
  unsigned Lsb;
  unsigned Width;
  int64_t &(*Ref)(Instruction &);
  int64_t get(const Instruction &I) const { return Ref(const_cast<Instruction &>(I)); }
  int64_t minValue() const;
  int64_t maxValue() const;
};

struct UopFieldLayout {
  const char *Name;
  const char *Member;
  const char *Doc;
  unsigned Lsb;
  unsigned Width;
  int64_t &(*Ref)(MicroOp &);
};

/// Field positions for one config. Built by the config loader's validation, so widths are known to fit.
class IsaLayout {
public:
  explicit IsaLayout(const HardwareConfig &C);
  /// Common fields followed by the opcode's format fields.
  std::vector<const FieldLayout *> fieldsOf(Opcode Op) const;
  const std::vector<FieldLayout> &allFields() const { return Fields; }
  const std::vector<UopFieldLayout> &uopFields() const { return UopFields; }
  /// Bits used by a format including the Common header.
  unsigned formatBits(Format F) const;
  unsigned instructionBits() const { return InsnBits; }
  unsigned instructionBytes() const { return InsnBits / 8; }
  unsigned uopBits() const { return UopBitsUsed; }
  unsigned uopBytes() const { return UopBytes; }

private:
  std::vector<FieldLayout> Fields;
  std::vector<UopFieldLayout> UopFields;
  unsigned InsnBits = 0, UopBitsUsed = 0, UopBytes = 0;
};

/// Widest format in bits for a config (used by config validation, before D.InstructionBits is set).
unsigned maxFormatBits(const HardwareConfig &C);

/// Encodes into L.instructionBytes() little-endian bytes. A value outside its field is an error naming the
/// field, the value and the range: never a silent truncation.
Status encode(const IsaLayout &L, const Instruction &I, uint8_t *Out);
Expected<Instruction> decode(const IsaLayout &L, const uint8_t *In);
Status encodeUop(const IsaLayout &L, const MicroOp &U, uint8_t *Out);
MicroOp decodeUop(const IsaLayout &L, const uint8_t *In);

/// Semantic rules beyond field ranges: memory type legal for the opcode, token flags legal for the
/// instruction's queue, uop_begin <= uop_end, clip/requant operands. Used by the assembler and the simulators.
Status checkInstruction(const HardwareConfig &C, const Instruction &I);

/// Row size in bytes of each on-chip buffer, and its depth in rows.
uint64_t rowBytes(const HardwareConfig &C, MemType M);
uint64_t bufferDepth(const HardwareConfig &C, MemType M);

} // namespace npu::isa
