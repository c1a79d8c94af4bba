// Loads, validates and canonicalizes hardware configs; the schema itself lives in ConfigKeys.def.
#include "npu/config/HardwareConfig.h"
#include "npu/config/ConfigFiles.h"
#include "npu/isa/Isa.h"
#include "npu/support/Math.h"
#include "npu/support/Sha256.h"

#include <yaml-cpp/yaml.h>

#include <cassert>
#include <charconv>
#include <cmath>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <map>
#include <set>
#include <sstream>

namespace npu {

unsigned dtypeBits(DType T) {
  switch (T) {
  case DType::Int4:
    return 4;
  case DType::Int8:
    return 8;
  case DType::Int16:
    return 16;
  case DType::Int32:
    return 32;
  }
  return 0;
}

const char *dtypeName(DType T) {
  switch (T) {
  case DType::Int4:
    return "int4";
  case DType::Int8:
    return "int8";
  case DType::Int16:
    return "int16";
  case DType::Int32:
    return "int32";
  }
  return "?";
}

Expected<DType> parseDType(std::string_view Name) {
  for (DType T : {DType::Int4, DType::Int8, DType::Int16, DType::Int32})
    if (Name == dtypeName(T))
      return T;
  return makeError("unknown element type '", Name, "' (expected int4, int8, int16 or int32)");
}

unsigned indexBits(uint64_t N) {
  unsigned Bits = 1;
  while (Bits < 64 && (uint64_t(1) << Bits) < N)
    ++Bits;
  return Bits;
}

namespace {

enum class Kind { UInt, Bytes, DType, Real, Text };

struct KeyInfo {
  const char *Section;
  const char *Key;
  Kind K;
  const char *Default; // as YAML text
  double Min, Max;
  const char *Doc;
};

#define NPU_STR(X) #X
const std::vector<KeyInfo> &schema() {
  static const std::vector<KeyInfo> Keys = {
#define NPU_CONFIG_KEY(Section, Key, Member, K, Default, Min, Max, Doc)                            \
  {#Section, #Key, Kind::K, NPU_STR(Default), double(Min), double(Max), Doc},
#include "npu/config/ConfigKeys.def"
  };
  return Keys;
}

std::string fullKey(const KeyInfo &K) {
  return std::string(K.Section).empty() ? K.Key : std::string(K.Section) + "." + K.Key;
}

std::string unquote(std::string S) {
  if (S.size() >= 2 && S.front() == '"' && S.back() == '"')
    return S.substr(1, S.size() - 2);
  return S;
}

/// Where each key was written, for error messages.
struct Located {
  YAML::Node Node;
  bool Present = false;
};

struct Loader {
  std::string Source;
  std::map<std::string, Located> Values;

  Error errorAt(const std::string &Key, const std::string &Msg) const {
    auto It = Values.find(Key);
    std::ostringstream OS;
    OS << Source;
    if (It != Values.end() && It->second.Present) {
      YAML::Mark M = It->second.Node.Mark();
      OS << ":" << M.line + 1 << ":" << M.column + 1;
    }
    OS << ": " << Key << ": " << Msg;
    return Error(OS.str());
  }
};

Expected<uint64_t> parseUInt(const std::string &Text) {
  uint64_t V = 0;
  const char *B = Text.data(), *E = B + Text.size();
  int Base = 10;
  if (Text.size() > 2 && Text[0] == '0' && (Text[1] == 'x' || Text[1] == 'X')) {
    B += 2;
    Base = 16;
  }
  if (B == E || Text[0] == '-')
    return makeError("expected a non-negative integer, got '", Text, "'");
  auto [P, Ec] = std::from_chars(B, E, V, Base);
  if (Ec != std::errc() || P != E)
    return makeError("expected a non-negative integer, got '", Text, "'");
  return V;
}

Expected<uint64_t> parseBytes(const std::string &Text) {
  static const std::pair<const char *, uint64_t> Units[] = {
      {"KiB", 1ull << 10}, {"MiB", 1ull << 20}, {"GiB", 1ull << 30}, {"B", 1}};
  for (auto [Suffix, Mult] : Units) {
    std::string S(Suffix);
    if (Text.size() > S.size() && Text.compare(Text.size() - S.size(), S.size(), S) == 0) {
      std::string Num = Text.substr(0, Text.size() - S.size());
      while (!Num.empty() && Num.back() == ' ')
        Num.pop_back();
      auto V = parseUInt(Num);
      if (!V)
        return makeError("expected a size such as 4096, 32KiB or 1MiB, got '", Text, "'");
      return *V * Mult;
    }
  }
  auto V = parseUInt(Text);
  if (!V)
    return makeError("expected a size such as 4096, 32KiB or 1MiB, got '", Text, "'");
  return *V;
}

Expected<double> parseReal(const std::string &Text) {
  double V = 0;
  auto [P, Ec] = std::from_chars(Text.data(), Text.data() + Text.size(), V);
  if (Ec != std::errc() || P != Text.data() + Text.size() || !std::isfinite(V))
    return makeError("expected a number, got '", Text, "'");
  return V;
}

std::string formatReal(double V) {
  char Buf[64];
  auto [P, Ec] = std::to_chars(Buf, Buf + sizeof(Buf), V);
  return std::string(Buf, P);
}

/// Reads the scalar of one key into the config member, range-checked.
Status assignKey(HardwareConfig &C, const KeyInfo &K, const std::string &Text) {
  auto CheckRange = [&](double V) -> Status {
    if (V < K.Min || V > K.Max)
      return makeError("value ", Text, " is outside the allowed range ", formatReal(K.Min), "..",
                       formatReal(K.Max));
    return Status::ok();
  };
  std::string Key = fullKey(K);
#define NPU_CONFIG_KEY(Section, KeyName, Member, Kd, Default, Min, Max, Doc)                       \
  if (Key == fullKey(KeyInfo{#Section, #KeyName, Kind::Kd, "", 0, 0, ""}))                         \
    return assign_##Kd(C.Member, Text, CheckRange);
  auto assign_UInt = [](uint64_t &M, const std::string &T, auto &Check) -> Status {
    auto V = parseUInt(T);
    if (!V)
      return V.error();
    NPU_TRY(Check(double(*V)));
    M = *V;
    return Status::ok();
  };
  auto assign_Bytes = [](uint64_t &M, const std::string &T, auto &Check) -> Status {
    auto V = parseBytes(T);
    if (!V)
      return V.error();
    if (*V == 0)
      return makeError("a buffer size must be positive, got ", T);
    NPU_TRY(Check(double(*V)));
    M = *V;
    return Status::ok();
  };
  auto assign_DType = [](DType &M, const std::string &T, auto &) -> Status {
    auto V = parseDType(T);
    if (!V)
      return V.error();
    M = *V;
    return Status::ok();
  };
  auto assign_Real = [](double &M, const std::string &T, auto &Check) -> Status {
    auto V = parseReal(T);
    if (!V)
      return V.error();
    NPU_TRY(Check(*V));
    M = *V;
    return Status::ok();
  };
  // One line of text: a control character (a newline, a NUL) would not survive canonicalYaml() unchanged,
  // so the config's hash would change on a round trip.
  auto assign_Text = [](std::string &M, const std::string &T, auto &) -> Status {
    for (unsigned char Ch : T)
      if (Ch < 0x20 || Ch == 0x7f)
        return makeError("text must be one line without control characters, found byte ", unsigned(Ch));
    M = T;
    return Status::ok();
  };
#include "npu/config/ConfigKeys.def"
  return makeError("internal: key not in schema");
}

std::string memberText(const HardwareConfig &C, const KeyInfo &K) {
  std::string Key = fullKey(K);
  std::ostringstream OS;
#define NPU_CONFIG_KEY(Section, KeyName, Member, Kd, Default, Min, Max, Doc)                       \
  if (Key == fullKey(KeyInfo{#Section, #KeyName, Kind::Kd, "", 0, 0, ""}))                         \
    text_##Kd(OS, C.Member);
  auto text_UInt = [](std::ostream &O, uint64_t V) { O << V; };
  auto text_Bytes = [](std::ostream &O, uint64_t V) { O << V; };
  auto text_DType = [](std::ostream &O, DType V) { O << dtypeName(V); };
  auto text_Real = [](std::ostream &O, double V) { O << formatReal(V); };
  auto text_Text = [](std::ostream &O, const std::string &V) {
    O << '"';
    for (char Ch : V)
      O << (Ch == '"' || Ch == '\\' ? "\\" : "") << Ch;
    O << '"';
  };
#include "npu/config/ConfigKeys.def"
  return OS.str();
}

/// Derived values and cross-key rules. Errors point at the key most responsible.
Status derive(HardwareConfig &C, const Loader &L) {
  DerivedConfig &D = C.D;
  D = DerivedConfig();
  if (C.AccType != DType::Int16 && C.AccType != DType::Int32)
    return L.errorAt("dtypes.accumulator", "the accumulator must be int16 or int32");
  for (auto [Key, T] : {std::pair{"dtypes.input", C.InputType}, {"dtypes.weight", C.WeightType},
                        {"dtypes.output", C.OutputType}})
    if (T == DType::Int32)
      return L.errorAt(Key, "must be int4, int8 or int16");
  if (C.outputBits() > C.accBits())
    return L.errorAt("dtypes.output", "is wider than the accumulator");

  auto RowBytes = [&](const char *Key, uint64_t Elems, unsigned Bits, uint64_t &Out) -> Status {
    uint64_t TotalBits = Elems * Bits;
    if (TotalBits % 8)
      return L.errorAt(Key, makeError("a row of ", Elems, " elements of ", Bits,
                                      " bits is not a whole number of bytes")
                                .message());
    Out = TotalBits / 8;
    return Status::ok();
  };
  NPU_TRY(RowBytes("core.block_in", C.Batch * C.BlockIn, C.inputBits(), D.InputRowBytes));
  NPU_TRY(RowBytes("core.block_in", C.BlockOut * C.BlockIn, C.weightBits(), D.WeightRowBytes));
  NPU_TRY(RowBytes("core.block_out", C.Batch * C.BlockOut, C.accBits(), D.AccRowBytes));
  NPU_TRY(RowBytes("core.block_out", C.Batch * C.BlockOut, C.outputBits(), D.OutputRowBytes));

  auto Depth = [&](const char *Key, uint64_t Bytes, uint64_t Row, uint64_t &Out) -> Status {
    if (Bytes < Row)
      return L.errorAt(Key, makeError(Bytes, " bytes is smaller than one tile row of ", Row, " bytes")
                                .message());
    if (Bytes % Row)
      return L.errorAt(Key, makeError(Bytes, " bytes is not a whole number of ", Row, "-byte rows")
                                .message());
    Out = Bytes / Row;
    return Status::ok();
  };
  NPU_TRY(Depth("buffers.input", C.InputBufferBytes, D.InputRowBytes, D.InputDepth));
  NPU_TRY(Depth("buffers.weight", C.WeightBufferBytes, D.WeightRowBytes, D.WeightDepth));
  NPU_TRY(Depth("buffers.accumulator", C.AccBufferBytes, D.AccRowBytes, D.AccDepth));
  NPU_TRY(Depth("buffers.output", C.OutputBufferBytes, D.OutputRowBytes, D.OutputDepth));
  if (D.OutputDepth > D.AccDepth)
    return L.errorAt("buffers.output",
                     makeError("holds ", D.OutputDepth, " rows but mirrors only the ", D.AccDepth,
                               " accumulator rows; at most ", D.AccDepth * D.OutputRowBytes, " bytes are usable")
                         .message());

  D.InputIndexBits = indexBits(D.InputDepth);
  D.WeightIndexBits = indexBits(D.WeightDepth);
  D.AccIndexBits = indexBits(D.AccDepth);
  D.UopSrcBits = std::max(D.InputIndexBits, D.AccIndexBits);
  D.UopBits = D.AccIndexBits + D.UopSrcBits + D.WeightIndexBits;
  if (D.UopBits > 64)
    return L.errorAt("buffers.accumulator",
                     makeError("micro-op fields need ", D.UopBits, " bits, more than the 64 a micro-op word holds")
                         .message());
  D.UopRowBytes = D.UopBits <= 32 ? 4 : 8;
  NPU_TRY(Depth("buffers.uop", C.UopBufferBytes, D.UopRowBytes, D.UopDepth));
  D.UopIndexBits = indexBits(D.UopDepth);
  D.SramIndexBits =
      std::max({D.UopIndexBits, D.InputIndexBits, D.WeightIndexBits, D.AccIndexBits, indexBits(D.LutDepth)});
  D.ImmBits = C.accBits();
  D.ShiftBits = indexBits(2 * C.accBits());
  for (auto [Key, Bits] : {std::pair{"buffers.uop", D.UopIndexBits}, {"buffers.input", D.InputIndexBits},
                           {"buffers.weight", D.WeightIndexBits}, {"buffers.accumulator", D.AccIndexBits}})
    if (Bits > 32)
      return L.errorAt(Key, makeError("needs a ", Bits, "-bit index, wider than the 32 bits an index field may have")
                                .message());
  unsigned MaxBits = isa::maxFormatBits(C);
  if (MaxBits > 256)
    return L.errorAt("isa.loop_bits", makeError("instructions would need ", MaxBits,
                                                " bits, more than the 256-bit maximum; narrow the isa.* fields or the buffers")
                                          .message());
  D.InstructionBits = (MaxBits + 63) / 64 * 64;
  D.InstructionBytes = D.InstructionBits / 8;
  D.PeakMacsPerCycle = C.Batch * C.BlockIn * C.BlockOut;
  D.PeakGops = 2.0 * double(D.PeakMacsPerCycle) * C.ClockMHz * 1e6 / 1e9;
  if (C.TokenQueueDepth < 1 || C.CommandQueueDepth < 1)
    return L.errorAt("queues.token_depth", "queue depths must be at least 1");
  // A STORE reads its first burst's (row, block) pairs, up to one per cycle of the burst, from the cycle
  // after its start; the burst must be complete when the port may first grant it (docs/timing.md).
  const uint64_t BurstCycles = ceilDiv(C.DramBurst, C.DramBandwidth);
  if (C.StoreLatency + C.DramLatency < BurstCycles)
    return L.errorAt("dram.latency",
                     makeError("pipeline.store (", C.StoreLatency, ") + dram.latency (", C.DramLatency,
                               ") must be at least the ", BurstCycles,
                               " cycles of a burst (dram.burst / dram.bandwidth, rounded up): a STORE "
                               "assembles its first burst, one (row, block) pair per cycle, before the port "
                               "may grant it")
                         .message());
  return Status::ok();
}

Status applyDefaults(HardwareConfig &C) {
  Loader L;
  L.Source = "<defaults>";
  for (const KeyInfo &K : schema())
    NPU_TRY(assignKey(C, K, unquote(K.Default)));
  return Status::ok();
}

Expected<HardwareConfig> finish(HardwareConfig C, const Loader &L) {
  NPU_TRY(derive(C, L));
  C.SourcePath = L.Source;
  C.Hash = sha256Hex(C.canonicalYaml());
  return C;
}

} // namespace

std::string HardwareConfig::canonicalYaml() const {
  std::ostringstream OS;
  OS << "# canonical npu hardware config\n";
  std::string Section = "\x01";
  for (const KeyInfo &K : schema()) {
    if (Section != K.Section) {
      Section = K.Section;
      if (!Section.empty())
        OS << Section << ":\n";
    }
    OS << (Section.empty() ? "" : "  ") << K.Key << ": " << memberText(*this, K) << "\n";
  }
  return OS.str();
}

std::string HardwareConfig::describe() const {
  std::ostringstream OS;
  OS << "config " << Name << "  (" << SourcePath << ")\n";
  OS << "hash   " << Hash << "\n\nkeys:\n";
  for (const KeyInfo &K : schema()) {
    std::string Key = fullKey(K);
    OS << "  " << Key << std::string(Key.size() < 26 ? 26 - Key.size() : 1, ' ') << memberText(*this, K)
       << "\n";
  }
  OS << "\nderived:\n";
  auto Row = [&](const char *Name, auto Value, const char *Unit = "") {
    std::string N(Name);
    OS << "  " << N << std::string(N.size() < 26 ? 26 - N.size() : 1, ' ') << Value << Unit << "\n";
  };
  Row("input row", D.InputRowBytes, " B");
  Row("weight row", D.WeightRowBytes, " B");
  Row("accumulator row", D.AccRowBytes, " B");
  Row("output row", D.OutputRowBytes, " B");
  Row("micro-op", D.UopRowBytes, " B");
  Row("lookup table", D.LutDepth, " int8 entries");
  Row("uop depth", D.UopDepth, " rows");
  Row("input depth", D.InputDepth, " rows");
  Row("weight depth", D.WeightDepth, " rows");
  Row("accumulator depth", D.AccDepth, " rows");
  Row("output depth", D.OutputDepth, " rows");
  Row("peak MACs/cycle", D.PeakMacsPerCycle);
  Row("peak GOPS", D.PeakGops);
  Row("instruction bits", D.InstructionBits);
  Row("micro-op bits", D.UopBits);
  isa::IsaLayout L(*this);
  OS << "\nISA fields (lsb:width):\n";
  for (isa::Opcode Op : isa::allOpcodes()) {
    OS << "  " << isa::opcodeName(Op) << " (" << L.formatBits(isa::opcodeFormat(Op)) << " bits):";
    for (const isa::FieldLayout *F : L.fieldsOf(Op))
      OS << " " << F->Name << "=" << F->Lsb << ":" << F->Width;
    OS << "\n";
  }
  OS << "  uop:";
  for (const isa::UopFieldLayout &F : L.uopFields())
    OS << " " << F.Name << "=" << F.Lsb << ":" << F.Width;
  OS << "\n";
  return OS.str();
}

Expected<HardwareConfig> parseHardwareConfig(std::string_view Yaml, const std::string &SourceName) {
  Loader L;
  L.Source = SourceName;
  YAML::Node Root;
  try {
    Root = YAML::Load(std::string(Yaml));
  } catch (const YAML::Exception &E) {
    return makeError(SourceName, ":", E.mark.line + 1, ":", E.mark.column + 1, ": invalid YAML: ", E.msg);
  }
  if (!Root.IsMap())
    return makeError(SourceName, ": the config must be a YAML mapping of sections (core, dtypes, buffers, ...)");
  HardwareConfig C;
  if (Status S = applyDefaults(C); !S)
    return S.error().withContext("internal defaults");

  std::set<std::string> Sections;
  for (const KeyInfo &K : schema())
    Sections.insert(K.Section);
  auto Where = [&](const YAML::Node &N) {
    return makeError(SourceName, ":", N.Mark().line + 1, ":", N.Mark().column + 1, ": ").message();
  };
  for (auto It = Root.begin(); It != Root.end(); ++It) {
    // yaml-cpp's iterator yields a temporary pair: copy the nodes (they are handles) rather than bind references.
    const YAML::Node KeyNode = It->first;
    const YAML::Node Value = It->second;
    if (!KeyNode.IsScalar())
      return Error(Where(KeyNode) + "keys must be plain names");
    std::string Top = KeyNode.Scalar();
    bool IsSection = Sections.count(Top) && !Top.empty();
    const KeyInfo *TopKey = nullptr;
    for (const KeyInfo &K : schema())
      if (std::string(K.Section).empty() && Top == K.Key)
        TopKey = &K;
    if (!IsSection && !TopKey)
      return Error(Where(KeyNode) + "unknown key '" + Top + "'");
    std::vector<std::pair<const KeyInfo *, std::pair<YAML::Node, YAML::Node>>> Items;
    if (TopKey) {
      Items.push_back({TopKey, {KeyNode, Value}});
    } else {
      if (!Value.IsMap())
        return Error(Where(Value) + Top + ": expected a mapping of keys");
      for (auto Jt = Value.begin(); Jt != Value.end(); ++Jt) {
        const YAML::Node SubKey = Jt->first;
        const YAML::Node SubValue = Jt->second;
        if (!SubKey.IsScalar())
          return Error(Where(SubKey) + Top + ": keys must be plain names");
        std::string Key = SubKey.Scalar();
        const KeyInfo *Found = nullptr;
        for (const KeyInfo &K : schema())
          if (Top == K.Section && Key == K.Key)
            Found = &K;
        if (!Found)
          return Error(Where(SubKey) + "unknown key '" + Top + "." + Key + "'");
        Items.push_back({Found, {SubKey, SubValue}});
      }
    }
    for (auto &[K, Nodes] : Items) {
      std::string Key = fullKey(*K);
      if (L.Values[Key].Present)
        return Error(Where(Nodes.first) + Key + ": given twice");
      L.Values[Key] = Located{Nodes.second, true};
      if (!Nodes.second.IsScalar())
        return Error(Where(Nodes.second) + Key + ": expected a single value");
      if (Status S = assignKey(C, *K, Nodes.second.Scalar()); !S)
        return Error(Where(Nodes.second) + Key + ": " + S.message());
    }
  }
  return finish(std::move(C), L);
}

Expected<HardwareConfig> loadHardwareConfig(const std::string &PathOrName) {
  auto Resolved = resolveConfigPath(PathOrName);
  if (!Resolved)
    return Resolved.error();
  const std::string &Path = *Resolved;
  std::ifstream In(Path, std::ios::binary);
  if (!In)
    return makeError(Path, ": cannot open the config file");
  std::stringstream SS;
  SS << In.rdbuf();
  return parseHardwareConfig(SS.str(), Path);
}

Expected<uint64_t> parseConfigBytes(const std::string &Text) { return parseBytes(Text); }

Expected<double> parseConfigNumber(const std::string &Text) {
  if (auto B = parseBytes(Text))
    return double(*B);
  return parseReal(Text);
}

HardwareConfig defaultHardwareConfig() {
  // configs/default.yaml as it was at build time (isa/CMakeLists.txt embeds it): the file is the one source of
  // truth for the default design point. tests/unit/config checks that it validates and equals the file.
  static const HardwareConfig Default = [] {
    static const char Yaml[] =
#include "DefaultConfig.inc"
        ;
    auto C = parseHardwareConfig(Yaml, "configs/default.yaml (built in)");
    if (!C) {
      std::cerr << "npu: the built-in configs/default.yaml does not validate: " << C.message() << "\n";
      std::abort();
    }
    return C.takeValue();
  }();
  return Default;
}

HardwareConfig keyDefaultsConfig() {
  auto C = parseHardwareConfig("{}", "<key defaults>");
  assert(C && "the schema's defaults must validate");
  return C.takeValue();
}

} // namespace npu
