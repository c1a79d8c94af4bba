// Program helpers (DRAM image, verification) and the .npub container reader/writer.
#include "npu/isa/Program.h"
#include "npu/support/Sha256.h"

#include <algorithm>
#include <cassert>
#include <cstring>
#include <fstream>
#include <sstream>

namespace npu::isa {

bool isValidTensorDType(const std::string &T) { return tensorDTypeBits(T) != 0; }

unsigned tensorDTypeBits(const std::string &T) {
  if (T == "int4")
    return 4;
  if (T == "int8" || T == "uint8")
    return 8;
  if (T == "int16")
    return 16;
  if (T == "int32" || T == "float32")
    return 32;
  return 0;
}

uint64_t TensorBinding::elementCount() const {
  uint64_t N = 1;
  for (int64_t D : Shape)
    N *= uint64_t(D);
  return N;
}

uint64_t TensorBinding::byteSize() const { return (elementCount() * tensorDTypeBits(DType) + 7) / 8; }

const TensorBinding *Program::findIO(const std::string &Name) const {
  for (const TensorBinding &B : IO)
    if (B.Name == Name)
      return &B;
  return nullptr;
}

const std::string &Program::nodeOf(size_t I) const {
  static const std::string None;
  if (I >= InsnNode.size() || InsnNode[I] == NoNode || InsnNode[I] >= NodeNames.size())
    return None;
  return NodeNames[InsnNode[I]];
}

void Program::setNode(size_t I, const std::string &Name) {
  assert(I < Insns.size() && "setNode on a missing instruction");
  if (InsnNode.size() < Insns.size())
    InsnNode.resize(Insns.size(), NoNode);
  auto It = std::find(NodeNames.begin(), NodeNames.end(), Name);
  if (It == NodeNames.end()) {
    NodeNames.push_back(Name);
    It = NodeNames.end() - 1;
  }
  InsnNode[I] = uint32_t(It - NodeNames.begin());
}

Status checkBuiltFor(const Program &P, const HardwareConfig &C) {
  if (!P.Config.Hash.empty() && !C.Hash.empty() && P.Config.Hash != C.Hash)
    return makeError("program was built for config '", P.Config.Name, "' (", P.Config.shortHash(),
                     ") but the device runs config '", C.Name, "' (", C.shortHash(), ")");
  return Status::ok();
}

Status Program::verify() const {
  for (size_t I = 0; I < Insns.size(); ++I)
    if (Status S = checkInstruction(Config, Insns[I]); !S)
      return S.withContext(makeError("instruction ", I).message());
  if (Insns.empty() || Insns.back().opcode() != Opcode::Finish)
    return makeError("the program must end with finish");
  if (Uops.size() > Config.D.UopDepth * 1024)
    return makeError("micro-op table of ", Uops.size(), " entries is implausibly large");
  if (Config.DramAddressBits < 64 && DramBytes > (uint64_t(1) << Config.DramAddressBits))
    return makeError("DRAM size ", DramBytes, " exceeds the ", Config.DramAddressBits, "-bit address space");
  struct Range {
    std::string What;
    uint64_t Begin, End;
  };
  std::vector<Range> Ranges;
  for (const Segment &S : Segments)
    Ranges.push_back({"segment '" + S.Name + "'", S.Address, S.Address + S.Data.size()});
  if (!Uops.empty())
    Ranges.push_back({"micro-op table", UopBase, UopBase + uopTableBytes()});
  for (const Range &R : Ranges)
    if (R.End > DramBytes || R.End < R.Begin)
      return makeError(R.What, " [", R.Begin, ", ", R.End, ") lies outside DRAM of ", DramBytes, " bytes");
  std::sort(Ranges.begin(), Ranges.end(), [](const Range &A, const Range &B) { return A.Begin < B.Begin; });
  for (size_t I = 1; I < Ranges.size(); ++I)
    if (Ranges[I].Begin < Ranges[I - 1].End)
      return makeError(Ranges[I - 1].What, " overlaps ", Ranges[I].What);
  if (!InsnNode.empty() && InsnNode.size() != Insns.size())
    return makeError("node provenance has ", InsnNode.size(), " entries for ", Insns.size(), " instructions");
  for (size_t I = 0; I < InsnNode.size(); ++I)
    if (InsnNode[I] != NoNode && InsnNode[I] >= NodeNames.size())
      return makeError("instruction ", I, " names node ", InsnNode[I], " of ", NodeNames.size());
  for (const std::string &Name : NodeNames)
    if (Name.empty())
      return makeError("a node name is empty");
  for (const TensorBinding &B : IO) {
    if (!isValidTensorDType(B.DType))
      return makeError("I/O tensor '", B.Name, "': unknown dtype '", B.DType, "'");
    for (int64_t D : B.Shape)
      if (D <= 0)
        return makeError("I/O tensor '", B.Name, "': dimensions must be positive");
    if (B.Address + B.byteSize() > DramBytes)
      return makeError("I/O tensor '", B.Name, "' at ", B.Address, " (", B.byteSize(),
                       " bytes) lies outside DRAM of ", DramBytes, " bytes");
  }
  return Status::ok();
}

Expected<std::vector<uint8_t>> Program::dramImage(const MemoryLimit &Limit) const {
  NPU_TRY(verify());
  if (Status S = Limit.check(int64_t(std::min<uint64_t>(DramBytes, INT64_MAX)), 1, "DRAM image (.dram)"); !S)
    return S.error();
  std::vector<uint8_t> Dram(DramBytes, 0);
  for (const Segment &S : Segments)
    std::copy(S.Data.begin(), S.Data.end(), Dram.begin() + S.Address);
  IsaLayout L(Config);
  for (size_t I = 0; I < Uops.size(); ++I)
    if (Status S = encodeUop(L, Uops[I], Dram.data() + UopBase + I * Config.D.UopRowBytes); !S)
      return S.error().withContext(makeError("micro-op ", I).message());
  return Dram;
}

namespace {

// Section tags, in the order they are written.
enum Tag : uint32_t {
  TagConfig = 1,
  TagInsns = 2,
  TagUops = 3,
  TagSegments = 4,
  TagIO = 5,
  TagMeta = 6,
  TagNodes = 7, ///< since version 2
};

/// The last section of each container version.
uint32_t lastTag(uint32_t Version) { return Version == 1 ? TagMeta : TagNodes; }

class Writer {
public:
  std::vector<uint8_t> Out;
  void u8(uint8_t V) { Out.push_back(V); }
  void u32(uint32_t V) {
    for (int I = 0; I < 4; ++I)
      Out.push_back(uint8_t(V >> (8 * I)));
  }
  void u64(uint64_t V) {
    for (int I = 0; I < 8; ++I)
      Out.push_back(uint8_t(V >> (8 * I)));
  }
  void str(const std::string &S) {
    u64(S.size());
    Out.insert(Out.end(), S.begin(), S.end());
  }
  void bytes(const uint8_t *P, size_t N) { Out.insert(Out.end(), P, P + N); }
};

class Reader {
public:
  Reader(const uint8_t *P, size_t N, std::string Where) : P(P), N(N), Where(std::move(Where)) {}
  bool Failed = false;
  std::string Why;
  size_t Pos = 0;
  bool need(size_t K) {
    if (Failed)
      return false;
    if (N - Pos < K) {
      Failed = true;
      Why = Where + ": truncated (needs " + std::to_string(K) + " more bytes at offset " +
            std::to_string(Pos) + ")";
      return false;
    }
    return true;
  }
  uint8_t u8() { return need(1) ? P[Pos++] : 0; }
  uint32_t u32() {
    uint32_t V = 0;
    if (need(4))
      for (int I = 0; I < 4; ++I)
        V |= uint32_t(P[Pos++]) << (8 * I);
    return V;
  }
  uint64_t u64() {
    uint64_t V = 0;
    if (need(8))
      for (int I = 0; I < 8; ++I)
        V |= uint64_t(P[Pos++]) << (8 * I);
    return V;
  }
  std::string str() {
    uint64_t Len = u64();
    if (!need(Len))
      return "";
    std::string S(reinterpret_cast<const char *>(P + Pos), Len);
    Pos += Len;
    return S;
  }
  const uint8_t *take(uint64_t K) {
    if (!need(K))
      return nullptr;
    const uint8_t *R = P + Pos;
    Pos += K;
    return R;
  }
  bool atEnd() const { return Pos == N; }

private:
  const uint8_t *P;
  size_t N;
  std::string Where;
};

void section(Writer &W, uint32_t T, const Writer &Body) {
  W.u32(T);
  W.u64(Body.Out.size());
  W.bytes(Body.Out.data(), Body.Out.size());
}

Status writeInsns(Writer &B, const IsaLayout &L, const Program &P) {
  B.u32(L.instructionBytes());
  B.u64(P.Insns.size());
  std::vector<uint8_t> Buf(L.instructionBytes());
  for (size_t I = 0; I < P.Insns.size(); ++I) {
    if (Status S = encode(L, P.Insns[I], Buf.data()); !S)
      return S.error().withContext(makeError("instruction ", I).message());
    B.bytes(Buf.data(), Buf.size());
  }
  return Status::ok();
}

Status writeUops(Writer &B, const IsaLayout &L, const Program &P) {
  B.u64(P.UopBase);
  B.u32(L.uopBytes());
  B.u64(P.Uops.size());
  std::vector<uint8_t> Buf(L.uopBytes());
  for (size_t I = 0; I < P.Uops.size(); ++I) {
    if (Status S = encodeUop(L, P.Uops[I], Buf.data()); !S)
      return S.error().withContext(makeError("micro-op ", I).message());
    B.bytes(Buf.data(), Buf.size());
  }
  return Status::ok();
}

void writeSegments(Writer &B, const Program &P) {
  B.u64(P.Segments.size());
  for (const Segment &S : P.Segments) {
    B.str(S.Name);
    B.u64(S.Address);
    B.u64(S.Data.size());
    B.bytes(S.Data.data(), S.Data.size());
  }
}

void writeIO(Writer &B, const Program &P) {
  B.u64(P.IO.size());
  for (const TensorBinding &T : P.IO) {
    B.str(T.Name);
    B.u8(T.IsInput ? 1 : 0);
    B.str(T.DType);
    B.u64(T.Shape.size());
    for (int64_t D : T.Shape)
      B.u64(uint64_t(D));
    B.u64(T.Address);
    B.str(T.Layout);
  }
}

void writeMeta(Writer &B, const Program &P) {
  B.u64(P.Meta.size());
  for (auto &[K, V] : P.Meta) {
    B.str(K);
    B.str(V);
  }
}

/// Canonical form: only the names in use, in order of first use, so equal provenance gives equal bytes.
void writeNodes(Writer &B, const Program &P) {
  std::vector<uint32_t> Renumber(P.NodeNames.size(), Program::NoNode);
  std::vector<std::string> Names;
  bool Any = false;
  for (uint32_t N : P.InsnNode) {
    if (N == Program::NoNode)
      continue;
    Any = true;
    if (Renumber[N] == Program::NoNode) {
      Renumber[N] = uint32_t(Names.size());
      Names.push_back(P.NodeNames[N]);
    }
  }
  B.u64(Names.size());
  for (const std::string &N : Names)
    B.str(N);
  B.u64(Any ? P.InsnNode.size() : 0);
  if (Any)
    for (uint32_t N : P.InsnNode)
      B.u32(N == Program::NoNode ? N : Renumber[N]);
}

Status readIO(Reader &S, Program &P, const std::string &Name) {
  uint64_t Count = S.u64();
  for (uint64_t I = 0; I < Count && !S.Failed; ++I) {
    TensorBinding B;
    B.Name = S.str();
    B.IsInput = S.u8() != 0;
    B.DType = S.str();
    uint64_t Rank = S.u64();
    if (Rank > 16)
      return makeError(Name, ": I/O tensor '", B.Name, "' has rank ", Rank, " (at most 16)");
    for (uint64_t D = 0; D < Rank; ++D)
      B.Shape.push_back(int64_t(S.u64()));
    B.Address = S.u64();
    B.Layout = S.str();
    P.IO.push_back(std::move(B));
  }
  return Status::ok();
}

/// Reads section T of a container into P (Hash: the config hash recorded in the header; Want: the config the
/// caller selected, or null).
Status readSection(uint32_t T, Reader &S, Program &P, const std::string &Name, const std::string &Hash,
                   const HardwareConfig *Want) {
  switch (T) {
  case TagConfig: {
    std::string Yaml = S.str();
    auto C = parseHardwareConfig(Yaml, Name + " (embedded config)");
    if (!C)
      return C.error();
    if (C->Hash != Hash)
      return makeError(Name, ": embedded config does not match the recorded hash ", Hash);
    P.Config = C.takeValue();
    if (Want && Want->Hash != P.Config.Hash)
      return makeError(Name, ": compiled for config '", P.Config.Name, "' (hash ", P.Config.shortHash(),
                       ") but the selected config is '", Want->Name, "' (hash ", Want->shortHash(), ")");
    return Status::ok();
  }
  case TagInsns: {
    IsaLayout L(P.Config);
    uint32_t IB = S.u32();
    uint64_t Count = S.u64();
    if (IB != L.instructionBytes())
      return makeError(Name, ": instruction size ", IB, " does not match the config's ", L.instructionBytes());
    for (uint64_t I = 0; I < Count && !S.Failed; ++I) {
      const uint8_t *W = S.take(IB);
      if (!W)
        break;
      auto Insn = decode(L, W);
      if (!Insn)
        return makeError(Name, ": instruction ", I, ": ", Insn.message());
      P.Insns.push_back(*Insn);
    }
    return Status::ok();
  }
  case TagUops: {
    IsaLayout L(P.Config);
    P.UopBase = S.u64();
    uint32_t UB = S.u32();
    uint64_t Count = S.u64();
    if (UB != L.uopBytes())
      return makeError(Name, ": micro-op size ", UB, " does not match the config's ", L.uopBytes());
    for (uint64_t I = 0; I < Count && !S.Failed; ++I) {
      const uint8_t *W = S.take(UB);
      if (W)
        P.Uops.push_back(decodeUop(L, W));
    }
    return Status::ok();
  }
  case TagSegments: {
    uint64_t Count = S.u64();
    for (uint64_t I = 0; I < Count && !S.Failed; ++I) {
      Segment Seg;
      Seg.Name = S.str();
      Seg.Address = S.u64();
      uint64_t Size = S.u64();
      const uint8_t *D = S.take(Size);
      if (D)
        Seg.Data.assign(D, D + Size);
      P.Segments.push_back(std::move(Seg));
    }
    return Status::ok();
  }
  case TagIO:
    return readIO(S, P, Name);
  case TagMeta: {
    uint64_t Count = S.u64();
    for (uint64_t I = 0; I < Count && !S.Failed; ++I) {
      std::string K = S.str();
      std::string V = S.str();
      P.Meta.push_back({K, V});
    }
    return Status::ok();
  }
  case TagNodes: {
    uint64_t Count = S.u64();
    for (uint64_t I = 0; I < Count && !S.Failed; ++I)
      P.NodeNames.push_back(S.str());
    uint64_t Tags = S.u64();
    if (Tags != 0 && Tags != P.Insns.size())
      return makeError(Name, ": node provenance has ", Tags, " entries for ", P.Insns.size(), " instructions");
    for (uint64_t I = 0; I < Tags && !S.Failed; ++I)
      P.InsnNode.push_back(S.u32());
    return Status::ok();
  }
  default:
    return makeError(Name, ": unexpected section ", T);
  }
}

} // namespace

Expected<std::vector<uint8_t>> writeContainer(const Program &P) {
  NPU_TRY(P.verify());
  IsaLayout L(P.Config);
  Writer W;
  W.bytes(reinterpret_cast<const uint8_t *>(ContainerMagic), 4);
  W.u32(ContainerVersion);
  W.str(P.Config.Hash);
  W.u64(P.DramBytes);
  Writer Config, Insns, Uops, Segments, IO, Meta, Nodes;
  Config.str(P.Config.canonicalYaml());
  NPU_TRY(writeInsns(Insns, L, P));
  NPU_TRY(writeUops(Uops, L, P));
  writeSegments(Segments, P);
  writeIO(IO, P);
  writeMeta(Meta, P);
  writeNodes(Nodes, P);
  for (auto [T, B] : {std::pair{TagConfig, &Config}, {TagInsns, &Insns}, {TagUops, &Uops},
                     {TagSegments, &Segments}, {TagIO, &IO}, {TagMeta, &Meta}, {TagNodes, &Nodes}})
    section(W, T, *B);
  // A digest of everything before it detects corruption anywhere in the file.
  auto Digest = sha256(std::string_view(reinterpret_cast<const char *>(W.Out.data()), W.Out.size()));
  W.bytes(Digest.data(), Digest.size());
  return W.Out;
}

Expected<Program> readContainer(const std::vector<uint8_t> &Bytes, const std::string &Name,
                                const HardwareConfig *Want) {
  if (Bytes.size() < 8 || std::memcmp(Bytes.data(), ContainerMagic, 4) != 0)
    return makeError(Name, ": not an NPU program container (bad magic; expected 'NPUB')");
  if (Bytes.size() < 8 + 32)
    return makeError(Name, ": truncated container (", Bytes.size(), " bytes)");
  size_t Body = Bytes.size() - 32;
  auto Digest = sha256(std::string_view(reinterpret_cast<const char *>(Bytes.data()), Body));
  Reader R(Bytes.data(), Body, Name);
  R.take(4);
  uint32_t Version = R.u32();
  if (Version != ContainerVersion && Version != 1)
    return makeError(Name, ": container format version ", Version,
                     " is not supported (this build reads version ", ContainerVersion, ")");
  if (std::memcmp(Digest.data(), Bytes.data() + Body, 32) != 0)
    return makeError(Name, ": corrupted or truncated container (checksum mismatch)");
  Program P;
  std::string Hash = R.str();
  P.DramBytes = R.u64();
  uint32_t Expect = TagConfig;
  while (!R.Failed && !R.atEnd()) {
    uint32_t T = R.u32();
    uint64_t Len = R.u64();
    const uint8_t *Data = R.take(Len);
    if (!Data)
      break;
    if (T != Expect || T > lastTag(Version))
      return makeError(Name, ": unexpected section ", T, " (expected ", Expect, ")");
    ++Expect;
    Reader S(Data, Len, Name + " section " + std::to_string(T));
    NPU_TRY(readSection(T, S, P, Name, Hash, Want));
    if (S.Failed)
      return makeError(S.Why);
    if (!S.atEnd())
      return makeError(Name, ": section ", T, " has trailing bytes");
  }
  if (R.Failed)
    return makeError(R.Why);
  if (Expect != lastTag(Version) + 1)
    return makeError(Name, ": truncated container (missing section ", Expect, ")");
  if (Status S = P.verify(); !S)
    return S.error().withContext(Name);
  return P;
}

Expected<Program> readContainerFile(const std::string &Path, const HardwareConfig *Want) {
  std::ifstream In(Path, std::ios::binary);
  if (!In)
    return makeError(Path, ": cannot open the program container");
  std::vector<uint8_t> Bytes((std::istreambuf_iterator<char>(In)), std::istreambuf_iterator<char>());
  return readContainer(Bytes, Path, Want);
}

Status writeContainerFile(const Program &P, const std::string &Path) {
  auto Bytes = writeContainer(P);
  if (!Bytes)
    return Bytes.error();
  std::ofstream Out(Path, std::ios::binary);
  if (!Out)
    return makeError(Path, ": cannot write the program container");
  Out.write(reinterpret_cast<const char *>(Bytes->data()), std::streamsize(Bytes->size()));
  if (!Out)
    return makeError(Path, ": write failed");
  return Status::ok();
}

} // namespace npu::isa
