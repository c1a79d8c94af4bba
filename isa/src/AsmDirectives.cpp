// Assembler directives: DRAM segments and their data, micro-op table, I/O bindings, metadata, config hash,
// node provenance.
#include "AsmParser.h"

#include <algorithm>
#include <cctype>
#include <set>

namespace npu::isa::asmtext {

namespace {

/// Bytes a single data directive or segment may hold: keeps a typo such as `.zero 1e12` from exhausting
/// memory.
constexpr uint64_t MaxSegmentBytes = uint64_t(1) << 28;

unsigned dataDirectiveBits(const std::string &D) {
  if (D == ".i4")
    return 4;
  if (D == ".i8")
    return 8;
  if (D == ".i16")
    return 16;
  if (D == ".i32")
    return 32;
  return 0;
}

/// splitmix64 (Steele, Lea, Flood 2014): the generator behind .random, specified in docs/assembly.md.
uint64_t splitmix64(uint64_t &State) {
  State += 0x9e3779b97f4a7c15ull;
  uint64_t Z = State;
  Z = (Z ^ (Z >> 30)) * 0xbf58476d1ce4e5b9ull;
  Z = (Z ^ (Z >> 27)) * 0x94d049bb133111ebull;
  return Z ^ (Z >> 31);
}

void appendLittleEndian(std::vector<uint8_t> &Out, int64_t V, unsigned Bits) {
  for (unsigned B = 0; B < Bits; B += 8)
    Out.push_back(uint8_t(uint64_t(V) >> B));
}

int hexValue(char C) {
  if (C >= '0' && C <= '9')
    return C - '0';
  C = char(std::tolower(static_cast<unsigned char>(C)));
  return C >= 'a' && C <= 'f' ? C - 'a' + 10 : -1;
}

} // namespace

Status AsmParser::directive(const Tokens &T) {
  const std::string &D = T[0].Value;
  if (D == ".segment")
    return segmentDirective(T);
  if (D == ".uops")
    return uopsDirective(T);
  if (D == ".equ")
    return Status::ok(); // defined in pass 1
  if (D == ".config_hash")
    return configHashDirective(T);
  if (D == ".dram")
    return dramDirective(T);
  if (dataDirectiveBits(D) || D == ".hex" || D == ".zero")
    return dataDirective(T);
  if (D == ".random")
    return randomDirective(T);
  if (D == ".input" || D == ".output")
    return ioDirective(T, D == ".input");
  if (D == ".meta")
    return metaDirective(T);
  if (D == ".node")
    return nodeDirective(T);
  return err("unknown directive '" + D + "'");
}

Status AsmParser::segmentDirective(const Tokens &T) {
  if (T.size() != 4 || T[1].HasKey || T[2].Value != "at" || T[2].HasKey || T[2].Quoted)
    return err(".segment expects: .segment NAME at ADDR");
  const std::string &Name = T[1].Value;
  if (!T[1].Quoted && !isIdentifier(Name))
    return err(".segment: '" + Name + "' is not a valid name (quote it to use other characters)");
  auto Addr = evalValue(T[3], ".segment address");
  if (!Addr)
    return Addr.error();
  if (*Addr < 0 || (C.DramAddressBits < 63 && uint64_t(*Addr) >= (uint64_t(1) << C.DramAddressBits)))
    return err(".segment '" + Name + "': address " + std::to_string(*Addr) + " is outside the " +
               std::to_string(C.DramAddressBits) + "-bit DRAM address space");
  if (DefinePass)
    return defineSymbol(Name, *Addr);
  P.Segments.push_back(Segment{Name, uint64_t(*Addr), {}});
  SegmentLines.push_back(Line);
  CurSegment = P.Segments.size() - 1;
  HalfByte = false;
  return Status::ok();
}

Status AsmParser::uopsDirective(const Tokens &T) {
  if (T.size() != 3 || T[1].Value != "at" || T[1].HasKey || T[1].Quoted)
    return err(".uops expects: .uops at ADDR");
  auto Addr = evalValue(T[2], ".uops address");
  if (!Addr)
    return Addr.error();
  if (*Addr < 0)
    return err(".uops: address " + std::to_string(*Addr) + " is negative");
  if (DefinePass) {
    if (UopsLine)
      return err(".uops appears twice (first at line " + std::to_string(*UopsLine) + ")");
    UopsLine = Line;
    return defineSymbol("uops", *Addr);
  }
  UopsLine = Line;
  P.UopBase = uint64_t(*Addr);
  CurSegment.reset(); // data lines below belong to no segment until the next .segment
  return Status::ok();
}

Status AsmParser::configHashDirective(const Tokens &T) {
  if (T.size() != 2 || T[1].HasKey)
    return err(".config_hash expects: .config_hash HEX");
  if (ConfigHashLine)
    return err(".config_hash appears twice (first at line " + std::to_string(*ConfigHashLine) + ")");
  ConfigHashLine = Line;
  std::string Want = T[1].Value;
  std::transform(Want.begin(), Want.end(), Want.begin(), [](char Ch) { return char(std::tolower(Ch)); });
  // The full hash, or a prefix of at least the 16 digits reports print, identifies the config.
  if (Want.size() < 16 || Want.size() > C.Hash.size() || C.Hash.compare(0, Want.size(), Want) != 0)
    return err(".config_hash " + T[1].Value + " does not match config '" + C.Name + "' (hash " + C.Hash +
               ")");
  return Status::ok();
}

Status AsmParser::dramDirective(const Tokens &T) {
  if (T.size() != 2 || T[1].HasKey)
    return err(".dram expects: .dram SIZE");
  if (DramLine)
    return err(".dram appears twice (first at line " + std::to_string(*DramLine) + ")");
  auto Size = evalValue(T[1], ".dram");
  if (!Size)
    return Size.error();
  if (*Size <= 0 || (C.DramAddressBits < 63 && uint64_t(*Size) > (uint64_t(1) << C.DramAddressBits)))
    return err(".dram " + std::to_string(*Size) + " must be in 1..2^" + std::to_string(C.DramAddressBits) +
               " (the config's DRAM address space)");
  DramLine = Line;
  P.DramBytes = uint64_t(*Size);
  return Status::ok();
}

Status AsmParser::checkData(uint64_t NewBytes, const std::string &What) const {
  uint64_t Total = NewBytes;
  for (const Segment &S : P.Segments)
    Total += S.Data.size();
  if (Status M = Limit.check(int64_t(Total), 1, What + ": the program's data"); !M)
    return err(M.message());
  return Status::ok();
}

Status AsmParser::appendBytes(const std::vector<uint8_t> &Bytes, const char *Directive) {
  if (!CurSegment)
    return err(std::string(Directive) + " outside a segment (start one with '.segment NAME at ADDR')");
  Segment &S = P.Segments[*CurSegment];
  if (Status M = Limit.check(int64_t(S.Data.size() + Bytes.size()), 1, "segment '" + S.Name + "'"); !M)
    return err(std::string(Directive) + ": " + M.message());
  if (S.Data.size() + Bytes.size() > MaxSegmentBytes)
    return err(std::string(Directive) + ": segment '" + S.Name + "' would exceed the assembler's limit of " +
               std::to_string(MaxSegmentBytes) + " bytes");
  S.Data.insert(S.Data.end(), Bytes.begin(), Bytes.end());
  HalfByte = false;
  return Status::ok();
}

Status AsmParser::appendNibbles(const std::vector<int64_t> &Values, const char *Directive) {
  if (!CurSegment)
    return err(std::string(Directive) + " outside a segment (start one with '.segment NAME at ADDR')");
  std::vector<uint8_t> &Data = P.Segments[*CurSegment].Data;
  if (Status M = Limit.check(int64_t(Data.size() + Values.size() / 2), 1, "segment"); !M)
    return err(std::string(Directive) + ": " + M.message());
  if (Data.size() + Values.size() / 2 + 1 > MaxSegmentBytes)
    return err(std::string(Directive) + ": segment would exceed the assembler's limit of " +
               std::to_string(MaxSegmentBytes) + " bytes");
  for (int64_t V : Values) {
    if (HalfByte)
      Data.back() = uint8_t(Data.back() | ((V & 0xf) << 4));
    else
      Data.push_back(uint8_t(V & 0xf));
    HalfByte = !HalfByte;
  }
  return Status::ok();
}

Status AsmParser::dataDirective(const Tokens &T) {
  const std::string &D = T[0].Value;
  if (T.size() < 2)
    return err(D + " needs at least one value");
  for (size_t K = 1; K < T.size(); ++K)
    if (T[K].HasKey)
      return err(D + ": unexpected '" + T[K].spelling() + "'");
  if (D == ".zero") {
    if (T.size() != 2)
      return err(".zero expects: .zero COUNT");
    auto N = evalValue(T[1], ".zero");
    if (!N)
      return N.error();
    if (*N < 0 || uint64_t(*N) > MaxSegmentBytes)
      return err(".zero: count " + std::to_string(*N) + " must be in 0.." + std::to_string(MaxSegmentBytes));
    NPU_TRY(checkData(uint64_t(*N), ".zero " + std::to_string(*N)));
    return appendBytes(std::vector<uint8_t>(size_t(*N), 0), ".zero");
  }
  if (D == ".hex") {
    std::vector<uint8_t> Bytes;
    for (size_t K = 1; K < T.size(); ++K) {
      const std::string &H = T[K].Value;
      if (T[K].Quoted || H.size() % 2 != 0)
        return err(".hex: '" + H + "' is not an even number of hex digits");
      for (size_t I = 0; I < H.size(); I += 2) {
        int Hi = hexValue(H[I]), Lo = hexValue(H[I + 1]);
        if (Hi < 0 || Lo < 0)
          return err(".hex: '" + H + "' is not an even number of hex digits");
        Bytes.push_back(uint8_t(Hi * 16 + Lo));
      }
    }
    return appendBytes(Bytes, ".hex");
  }
  unsigned Bits = dataDirectiveBits(D);
  std::vector<int64_t> Values;
  for (size_t K = 1; K < T.size(); ++K) {
    auto V = evalValue(T[K], D.c_str());
    if (!V)
      return V.error();
    if (*V < signedMin(Bits) || *V > signedMax(Bits))
      return err(D + ": value " + std::to_string(*V) + " is outside the int" + std::to_string(Bits) +
                 " range " + std::to_string(signedMin(Bits)) + ".." + std::to_string(signedMax(Bits)));
    Values.push_back(*V);
  }
  if (Bits == 4)
    return appendNibbles(Values, ".i4");
  std::vector<uint8_t> Bytes;
  for (int64_t V : Values)
    appendLittleEndian(Bytes, V, Bits);
  return appendBytes(Bytes, D.c_str());
}

Status AsmParser::randomDirective(const Tokens &T) {
  const char *Usage = ".random expects: .random DTYPE COUNT seed=S [min=A] [max=B]";
  if (T.size() < 3 || T[1].HasKey || T[2].HasKey)
    return err(Usage);
  const std::string &DType = T[1].Value;
  unsigned Bits = DType.rfind("int", 0) == 0 ? dataDirectiveBits(".i" + DType.substr(3)) : 0;
  if (!Bits || T[1].Quoted)
    return err(".random: unknown dtype '" + DType + "' (use int4, int8, int16 or int32)");
  auto Count = evalValue(T[2], ".random count");
  if (!Count)
    return Count.error();
  const uint64_t MaxCount = MaxSegmentBytes * 8 / Bits;
  if (*Count < 0 || uint64_t(*Count) > MaxCount)
    return err(".random: count " + std::to_string(*Count) + " must be in 0.." + std::to_string(MaxCount));
  // Refused before a value is generated: the data takes Count * Bits / 8 bytes.
  NPU_TRY(checkData(uint64_t(*Count * Bits + 7) / 8, ".random " + DType + " " + std::to_string(*Count)));
  std::optional<int64_t> Seed;
  int64_t Min = signedMin(Bits), Max = signedMax(Bits);
  std::set<std::string> Seen;
  for (size_t K = 3; K < T.size(); ++K) {
    const Token &Tok = T[K];
    if (!Tok.HasKey || (Tok.Key != "seed" && Tok.Key != "min" && Tok.Key != "max"))
      return err(".random: unexpected '" + Tok.spelling() + "' (" + Usage + ")");
    if (!Seen.insert(Tok.Key).second)
      return err(".random: duplicate '" + Tok.Key + "'");
    auto V = evalValue(Tok, (".random " + Tok.Key).c_str());
    if (!V)
      return V.error();
    if (Tok.Key == "seed") {
      Seed = *V;
      continue;
    }
    if (*V < signedMin(Bits) || *V > signedMax(Bits))
      return err(".random: " + Tok.Key + " " + std::to_string(*V) + " is outside the " + DType + " range");
    (Tok.Key == "min" ? Min : Max) = *V;
  }
  if (!Seed)
    return err(".random: seed=S is required (the data must be reproducible)");
  if (Min > Max)
    return err(".random: min " + std::to_string(Min) + " is above max " + std::to_string(Max));
  uint64_t State = uint64_t(*Seed);
  const uint64_t Span = uint64_t(Max - Min) + 1;
  if (Bits == 4) { // in chunks, so the working memory stays near the data's own size
    int64_t Done = 0;
    do {
      std::vector<int64_t> Values(size_t(std::min<int64_t>(*Count - Done, 1 << 16)));
      for (int64_t &V : Values)
        V = Min + int64_t(splitmix64(State) % Span);
      NPU_TRY(appendNibbles(Values, ".random"));
      Done += int64_t(Values.size());
    } while (Done < *Count);
    return Status::ok();
  }
  std::vector<uint8_t> Bytes;
  Bytes.reserve(size_t(*Count) * Bits / 8);
  for (int64_t K = 0; K < *Count; ++K)
    appendLittleEndian(Bytes, Min + int64_t(splitmix64(State) % Span), Bits);
  return appendBytes(Bytes, ".random");
}

Status AsmParser::ioDirective(const Tokens &T, bool IsInput) {
  const std::string D = T[0].Value;
  const std::string Usage = D + " expects: " + D + " NAME DTYPE DIMS at ADDR [layout=LAYOUT]";
  if (T.size() < 6 || T.size() > 7 || T[1].HasKey || T[2].HasKey || T[3].HasKey || T[4].Value != "at" ||
      T[4].HasKey || T[4].Quoted)
    return err(Usage);
  TensorBinding B;
  B.Name = T[1].Value;
  B.IsInput = IsInput;
  B.DType = T[2].Value;
  if (!isValidTensorDType(B.DType))
    return err(D + " '" + B.Name + "': unknown dtype '" + B.DType +
               "' (use int4, int8, int16, int32, uint8 or float32)");
  // DIMS: positive decimal extents joined by 'x' (20x64), or `scalar` for rank 0.
  const std::string &Dims = T[3].Value;
  if (Dims != "scalar") {
    size_t Pos = 0;
    while (true) {
      size_t X = Dims.find('x', Pos);
      std::string Part = Dims.substr(Pos, X == std::string::npos ? std::string::npos : X - Pos);
      bool Digits = !Part.empty() && Part.size() <= 12 &&
                    std::all_of(Part.begin(), Part.end(), [](char Ch) { return Ch >= '0' && Ch <= '9'; });
      if (!Digits || std::stoll(Part) <= 0)
        return err(D + " '" + B.Name + "': bad dimensions '" + Dims + "' (positive extents like 20x64)");
      B.Shape.push_back(std::stoll(Part));
      if (X == std::string::npos)
        break;
      Pos = X + 1;
    }
  }
  auto Addr = evalValue(T[5], (D + " address").c_str());
  if (!Addr)
    return Addr.error();
  if (*Addr < 0)
    return err(D + " '" + B.Name + "': address " + std::to_string(*Addr) + " is negative");
  B.Address = uint64_t(*Addr);
  if (T.size() == 7) {
    if (!T[6].HasKey || T[6].Key != "layout")
      return err(D + ": unexpected '" + T[6].spelling() + "' (" + Usage + ")");
    B.Layout = T[6].Value;
  }
  if (const TensorBinding *Old = P.findIO(B.Name))
    return err(D + ": tensor '" + B.Name + "' is already bound (as an " +
               (Old->IsInput ? "input" : "output") + ")");
  P.IO.push_back(std::move(B));
  IOLines.push_back(Line);
  return Status::ok();
}

Status AsmParser::metaDirective(const Tokens &T) {
  if (T.size() != 3 || T[1].HasKey || T[2].HasKey)
    return err(".meta expects: .meta KEY \"VALUE\"");
  P.Meta.push_back({T[1].Value, T[2].Value});
  return Status::ok();
}

Status AsmParser::nodeDirective(const Tokens &T) {
  if (T.size() > 2 || (T.size() == 2 && T[1].HasKey))
    return err(".node expects: .node \"NAME\" (or .node alone to end the tagging)");
  if (T.size() == 2 && T[1].Value.empty())
    return err(".node: the node name is empty (write .node alone to end the tagging)");
  CurNode = T.size() == 2 ? T[1].Value : "";
  return Status::ok();
}

} // namespace npu::isa::asmtext
