// Technology files and the area and energy models: per-operation figures scaled by the config's widths and
// counts, SRAM energy interpolated by array size, and operation counts read statically from a program.
#include "npu/codesign/Tech.h"

#include "ReadText.h"

#include "npu/hw/Area.h"
#include "npu/support/Json.h"
#include "npu/timing/TimingRules.h"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <map>
#include <sstream>

namespace npu::codesign {

namespace {

const char *BufferNames[5] = {"uop", "inp", "wgt", "acc", "out"};

/// Areas and energies with the six significant digits they always had.
double num(double V) { return jsonNumber(V, "%.6g"); }

struct TechParser {
  std::string Source;
  Error at(const YAML::Node &N, const std::string &Msg) const {
    return makeError(Source, ":", N.Mark().line + 1, ":", N.Mark().column + 1, ": ", Msg);
  }
  /// Reads every key of the mapping N into Fields (all required, no others).
  Status numbers(const YAML::Node &N, const std::string &Section, std::map<std::string, double *> Fields,
                 TechModel &T) {
    if (!N.IsMap())
      return at(N, Section + ": expected a mapping");
    for (auto It = N.begin(); It != N.end(); ++It) {
      const std::string K = It->first.Scalar();
      const YAML::Node V = It->second;
      if (Section == "energy_pj" && K == "sram_64bit") {
        NPU_TRY(sram(V, T));
        Fields.erase("sram_64bit");
        continue;
      }
      auto F = Fields.find(K);
      if (F == Fields.end())
        return at(It->first, Section + "." + K + ": unknown key (configs/tech/45nm.yaml lists them)");
      auto X = V.IsScalar() ? parseConfigNumber(V.Scalar()) : Expected<double>(makeError("expected a number"));
      if (!X || *X <= 0)
        return at(V, Section + "." + K + ": expected a positive number");
      *F->second = *X;
      Fields.erase(F);
    }
    if (!Fields.empty())
      return at(N, Section + "." + Fields.begin()->first + ": missing");
    return Status::ok();
  }
  Status sram(const YAML::Node &N, TechModel &T) {
    if (!N.IsMap() || N.size() == 0)
      return at(N, "energy_pj.sram_64bit: expected a mapping of array sizes to pJ (8KiB: 10)");
    for (auto It = N.begin(); It != N.end(); ++It) {
      auto Bytes = parseConfigBytes(It->first.Scalar());
      auto Pj = It->second.IsScalar() ? parseConfigNumber(It->second.Scalar())
                                      : Expected<double>(makeError("expected a number"));
      if (!Bytes || *Bytes == 0 || !Pj || *Pj <= 0)
        return at(It->first, "energy_pj.sram_64bit: expected SIZE: PJ with both positive");
      T.SramPj64.push_back({double(*Bytes), *Pj});
    }
    std::sort(T.SramPj64.begin(), T.SramPj64.end());
    return Status::ok();
  }
};

} // namespace

double TechModel::mulPj(unsigned A, unsigned B) const {
  return A * B <= 64 ? Int8MulPj * A * B / 64.0 : Int32MulPj * A * B / 1024.0;
}
double TechModel::mulUm2(unsigned A, unsigned B) const {
  return A * B <= 64 ? Int8MulUm2 * A * B / 64.0 : Int32MulUm2 * A * B / 1024.0;
}
double TechModel::addPj(unsigned Bits) const { return Bits <= 8 ? Int8AddPj * Bits / 8.0 : Int32AddPj * Bits / 32.0; }
double TechModel::addUm2(unsigned Bits) const {
  return Bits <= 8 ? Int8AddUm2 * Bits / 8.0 : Int32AddUm2 * Bits / 32.0;
}

double TechModel::sramPjPerByte(double Bytes) const {
  if (SramPj64.empty())
    return 0;
  if (SramPj64.size() == 1)
    return SramPj64[0].second / 8;
  size_t K = 1;
  while (K + 1 < SramPj64.size() && Bytes > SramPj64[K].first)
    ++K;
  const auto [X0, Y0] = SramPj64[K - 1];
  const auto [X1, Y1] = SramPj64[K];
  const double F = (std::log(Bytes) - std::log(X0)) / (std::log(X1) - std::log(X0));
  return std::exp(std::log(Y0) + F * (std::log(Y1) - std::log(Y0))) / 8;
}

Expected<TechModel> parseTech(const std::string &Text, const std::string &SourceName) {
  TechParser P{SourceName};
  YAML::Node Root;
  try {
    Root = YAML::Load(Text);
  } catch (const YAML::Exception &E) {
    return makeError(SourceName, ":", E.mark.line + 1, ":", E.mark.column + 1, ": invalid YAML: ", E.msg);
  }
  if (!Root.IsMap())
    return makeError(SourceName, ": a technology file is a mapping (name, source, energy_pj, area_um2)");
  TechModel T;
  for (const char *K : {"name", "source", "energy_pj", "area_um2"})
    if (!Root[K])
      return makeError(SourceName, ": ", K, ": missing");
  for (auto It = Root.begin(); It != Root.end(); ++It) {
    const std::string K = It->first.Scalar();
    if (K == "name" || K == "source") {
      if (!It->second.IsScalar())
        return P.at(It->second, K + ": expected text");
      (K == "name" ? T.Name : T.Source) = It->second.Scalar();
    } else if (K == "energy_pj") {
      NPU_TRY(P.numbers(It->second, K,
                        {{"int8_mul", &T.Int8MulPj},
                         {"int8_add", &T.Int8AddPj},
                         {"int32_add", &T.Int32AddPj},
                         {"int32_mul", &T.Int32MulPj},
                         {"dram_64bit", &T.DramPj64},
                         {"sram_64bit", nullptr}},
                        T));
    } else if (K == "area_um2") {
      NPU_TRY(P.numbers(It->second, K,
                        {{"int8_mul", &T.Int8MulUm2},
                         {"int8_add", &T.Int8AddUm2},
                         {"int32_add", &T.Int32AddUm2},
                         {"int32_mul", &T.Int32MulUm2},
                         {"sram_bit", &T.SramBitUm2},
                         {"sram_array_efficiency", &T.SramArrayEfficiency},
                         {"transistor", &T.TransistorUm2}},
                        T));
    } else {
      return P.at(It->first, "unknown key '" + K + "' (name, source, energy_pj, area_um2)");
    }
  }
  if (T.SramPj64.empty())
    return makeError(SourceName, ": energy_pj.sram_64bit: missing");
  return T;
}

Expected<TechModel> loadTech(const std::string &Path) {
  auto Text = readText(Path, "technology file");
  if (!Text)
    return Text.error();
  return parseTech(*Text, Path);
}

const TechModel &defaultTech() {
  static const TechModel T = [] {
    auto R = parseTech(
#include "TechDefault.inc"
        , "configs/tech/45nm.yaml (built in)");
    assert(R && "the built-in technology file must parse");
    return R.takeValue();
  }();
  return T;
}

namespace {

std::vector<std::pair<std::string, double>> sramArea(const HardwareConfig &C, const TechModel &T, double &Total) {
  const uint64_t Bytes[5] = {C.UopBufferBytes, C.InputBufferBytes, C.WeightBufferBytes, C.AccBufferBytes,
                             C.OutputBufferBytes};
  std::vector<std::pair<std::string, double>> R;
  Total = 0;
  for (unsigned K = 0; K < 5; ++K) {
    const double A = double(Bytes[K]) * 8 * T.SramBitUm2 / T.SramArrayEfficiency;
    R.push_back({BufferNames[K], A});
    Total += A;
  }
  return R;
}

} // namespace

AreaBreakdown configArea(const HardwareConfig &C, const TechModel &T) {
  AreaBreakdown A;
  A.Method = "tech";
  const double Macs = double(C.Batch * C.BlockIn * C.BlockOut);
  A.MacArray = Macs * (T.mulUm2(C.inputBits(), C.weightBits()) + T.addUm2(C.accBits()));
  A.AluLanes = double(C.AluLanes) * (T.addUm2(C.accBits()) + T.mulUm2(C.accBits(), C.accBits()));
  A.SramByBuffer = sramArea(C, T, A.Sram);
  return A;
}

AreaBreakdown yosysArea(const HardwareConfig &C, const TechModel &T, const hw::AreaReport &R) {
  AreaBreakdown A;
  A.Method = "yosys";
  A.MacArray = double(R.PeCount * R.Pe.Transistors) * T.TransistorUm2;
  A.AluLanes = double(R.LaneCount * R.AluLane.Transistors) * T.TransistorUm2;
  A.SramByBuffer = sramArea(C, T, A.Sram);
  return A;
}

std::string AreaBreakdown::toJson() const {
  Json Srams = Json::object();
  for (const auto &[Buffer, Um2] : SramByBuffer)
    Srams[Buffer] = num(Um2);
  return jsonLine({{"method", Method},
                   {"total_um2", num(total())},
                   {"mac_array_um2", num(MacArray)},
                   {"alu_lanes_um2", num(AluLanes)},
                   {"sram_um2", num(Sram)},
                   {"sram", std::move(Srams)}});
}

EnergyBreakdown runEnergy(const sim::SimStats &S, const HardwareConfig &C, const TechModel &T) {
  EnergyBreakdown E;
  const DerivedConfig &D = C.D;
  E.Mac = double(S.Macs) * (T.mulPj(C.inputBits(), C.weightBits()) + T.addPj(C.accBits()));
  E.Alu = double(S.AluLaneOps) * T.addPj(C.accBits());
  const uint64_t Mul = S.Macs / std::max<uint64_t>(D.PeakMacsPerCycle, 1); // GEMM micro-ops that multiply
  const uint64_t Reads[5] = {(S.GemmUops + S.AluUops) * D.UopRowBytes, Mul * D.InputRowBytes, Mul * D.WeightRowBytes,
                             Mul * D.AccRowBytes + 2 * S.AluUops * D.AccRowBytes + S.BytesStored[3], S.BytesStored[4]};
  const uint64_t Writes[5] = {S.BytesLoaded[0], S.BytesLoaded[1], S.BytesLoaded[2],
                              (S.GemmUops + S.AluUops) * D.AccRowBytes + S.BytesLoaded[3],
                              S.AluUops * D.OutputRowBytes};
  const uint64_t Sizes[5] = {C.UopBufferBytes, C.InputBufferBytes, C.WeightBufferBytes, C.AccBufferBytes,
                             C.OutputBufferBytes};
  uint64_t DramBytes = 0;
  for (unsigned K = 0; K < 5; ++K) {
    EnergyBreakdown::Buffer B{BufferNames[K], Reads[K], Writes[K], 0};
    B.Pj = double(Reads[K] + Writes[K]) * T.sramPjPerByte(double(Sizes[K]));
    E.Sram += B.Pj;
    E.Buffers.push_back(B);
  }
  for (unsigned K = 0; K < isa::NumMemTypes; ++K) // the lookup table's loads too
    DramBytes += S.BytesLoaded[K] + S.BytesStored[K];
  E.Dram = double(DramBytes) * T.DramPj64 / 8;
  return E;
}

std::string EnergyBreakdown::toJson(const TechModel &T) const {
  Json Srams = Json::object();
  for (const Buffer &B : Buffers)
    Srams[B.Name] = {{"read_bytes", B.ReadBytes}, {"write_bytes", B.WriteBytes}, {"pj", num(B.Pj)}};
  return jsonLine({{"tech", T.Name},
                   {"total_pj", num(total())},
                   {"mac_pj", num(Mac)},
                   {"alu_pj", num(Alu)},
                   {"sram_pj", num(Sram)},
                   {"dram_pj", num(Dram)},
                   {"sram", std::move(Srams)}});
}

namespace {

/// Adds one instruction's operations to S, as the functional simulator counts them.
void countInstruction(sim::SimStats &S, const HardwareConfig &C, const isa::Instruction &I) {
  ++S.Instructions;
  switch (I.opcode()) {
  case isa::Opcode::Gemm: {
    ++S.Gemms;
    const uint64_t U = timing::loopUops(I);
    S.GemmUops += U;
    if (!I.Gemm.Reset)
      S.Macs += U * C.D.PeakMacsPerCycle;
    break;
  }
  case isa::Opcode::Alu: {
    ++S.Alus;
    const uint64_t U = timing::loopUops(I);
    S.AluUops += U;
    S.AluLaneOps += U * C.Batch * C.BlockOut;
    break;
  }
  case isa::Opcode::Load:
  case isa::Opcode::Store: {
    const bool Load = I.opcode() == isa::Opcode::Load;
    ++(Load ? S.Loads : S.Stores);
    const uint64_t Bytes = uint64_t(I.Mem.YSize) * uint64_t(I.Mem.XSize) * isa::rowBytes(C, I.memType());
    (Load ? S.BytesLoaded : S.BytesStored)[unsigned(I.memType())] += Bytes;
    break;
  }
  default:
    ++S.Finishes;
    break;
  }
}

} // namespace

sim::SimStats staticCounts(const std::vector<const isa::Program *> &Programs) {
  sim::SimStats S;
  for (const isa::Program *P : Programs)
    for (const isa::Instruction &I : P->Insns)
      countInstruction(S, P->Config, I);
  return S;
}

std::string addJsonMember(const std::string &Object, const std::string &Key, const std::string &Value) {
  Json J = Json::parse(Object, nullptr, false);
  Json V = Json::parse(Value, nullptr, false);
  if (!J.is_object() || V.is_discarded())
    return Object;
  J[Key] = std::move(V);
  return jsonText(J);
}

} // namespace npu::codesign
