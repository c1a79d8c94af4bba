// Model artifact serialization: little-endian, length-prefixed fields; NPU programs as embedded NPUB
// containers.
#include "npu/backend/Artifact.h"
#include "npu/support/Sha256.h"

#include <cstring>

namespace npu::backend {

namespace {

class Writer {
public:
  std::vector<uint8_t> Out;
  void u8(uint8_t V) { Out.push_back(V); }
  void u32(uint32_t V) {
    for (int K = 0; K < 4; ++K)
      Out.push_back(uint8_t(V >> (8 * K)));
  }
  void u64(uint64_t V) {
    for (int K = 0; K < 8; ++K)
      Out.push_back(uint8_t(V >> (8 * K)));
  }
  void bytes(const std::vector<uint8_t> &B) {
    u64(B.size());
    Out.insert(Out.end(), B.begin(), B.end());
  }
  void str(const std::string &S) { bytes(std::vector<uint8_t>(S.begin(), S.end())); }
  void value(const ArtifactValue &V) {
    str(V.Name);
    u8(uint8_t(V.Elem));
    u32(uint32_t(V.Dims.size()));
    for (int64_t D : V.Dims)
      u64(uint64_t(D));
  }
  void values(const std::vector<ArtifactValue> &Vs) {
    u32(uint32_t(Vs.size()));
    for (const ArtifactValue &V : Vs)
      value(V);
  }
};

class Reader {
public:
  /// Reads B[0, End): the body before the checksum.
  Reader(const std::vector<uint8_t> &B, size_t End) : B(B), End(End) {}
  bool Bad = false;
  bool need(uint64_t N) {
    if (Bad || N > End - Pos)
      Bad = true;
    return !Bad;
  }
  uint64_t uint(int Bytes) {
    if (!need(uint64_t(Bytes)))
      return 0;
    uint64_t V = 0;
    for (int K = 0; K < Bytes; ++K)
      V |= uint64_t(B[Pos++]) << (8 * K);
    return V;
  }
  std::vector<uint8_t> bytes() {
    uint64_t N = uint(8);
    if (!need(N))
      return {};
    std::vector<uint8_t> R(B.begin() + long(Pos), B.begin() + long(Pos + N));
    Pos += N;
    return R;
  }
  std::string str() {
    auto V = bytes();
    return std::string(V.begin(), V.end());
  }
  ArtifactValue value() {
    ArtifactValue V;
    V.Name = str();
    V.Elem = ir::ElemType(uint(1));
    uint64_t Rank = uint(4);
    if (Rank > 64)
      Bad = true;
    for (uint64_t K = 0; K < Rank && !Bad; ++K)
      V.Dims.push_back(int64_t(uint(8)));
    if (uint8_t(V.Elem) >= uint8_t(ir::NumElemTypes))
      Bad = true;
    return V;
  }
  std::vector<ArtifactValue> values() {
    std::vector<ArtifactValue> R;
    uint64_t N = uint(4);
    for (uint64_t K = 0; K < N && !Bad; ++K)
      R.push_back(value());
    return R;
  }
  size_t Pos = 4;

  const size_t End;

private:
  const std::vector<uint8_t> &B;
};

/// The SHA-256 digest of the first N bytes.
std::array<uint8_t, 32> digestOf(const std::vector<uint8_t> &Bytes, size_t N) {
  return sha256(std::string_view(reinterpret_cast<const char *>(Bytes.data()), N));
}

} // namespace

bool isModelArtifact(const std::vector<uint8_t> &Bytes) {
  return Bytes.size() >= 4 && std::memcmp(Bytes.data(), ModelMagic, 4) == 0;
}

Expected<std::vector<uint8_t>> writeModelArtifact(const ModelArtifact &A) {
  Writer W;
  W.Out.assign(ModelMagic, ModelMagic + 4);
  W.u32(ModelVersion);
  W.str(A.Config.Hash);
  W.str(A.Config.canonicalYaml());
  W.values(A.Inputs);
  W.values(A.Outputs);
  W.u32(uint32_t(A.Meta.size()));
  for (const auto &[K, V] : A.Meta) {
    W.str(K);
    W.str(V);
  }
  W.u32(uint32_t(A.Segments.size()));
  for (const ArtifactSegment &S : A.Segments) {
    W.u8(S.K);
    W.str(S.Name);
    W.values(S.Inputs);
    W.values(S.Outputs);
    W.u32(uint32_t(S.Nodes.size()));
    for (const std::string &N : S.Nodes)
      W.str(N);
    if (S.K == ArtifactSegment::Npu) {
      auto C = isa::writeContainer(S.Program);
      if (!C)
        return C.error().withContext("segment '" + S.Name + "'");
      W.bytes(*C);
    } else {
      W.str(S.HostGraph);
    }
  }
  const auto Digest = digestOf(W.Out, W.Out.size());
  W.Out.insert(W.Out.end(), Digest.begin(), Digest.end());
  return W.Out;
}

Expected<ModelArtifact> readModelArtifact(const std::vector<uint8_t> &Bytes, const std::string &SourceName) {
  if (!isModelArtifact(Bytes))
    return makeError(SourceName, ": not a model artifact (bad magic)");
  if (Bytes.size() < 8 + 32)
    return makeError(SourceName, ": truncated model artifact (", Bytes.size(), " bytes)");
  // The last 32 bytes are the SHA-256 of everything before them.
  const size_t Body = Bytes.size() - 32;
  Reader R(Bytes, Body);
  uint32_t Version = uint32_t(R.uint(4));
  if (!R.Bad && Version != ModelVersion)
    return makeError(SourceName, ": model artifact version ", Version, " is not supported (this build reads ",
                     ModelVersion, ")");
  const auto Digest = digestOf(Bytes, Body);
  if (std::memcmp(Digest.data(), Bytes.data() + Body, 32) != 0)
    return makeError(SourceName, ": corrupted or truncated model artifact (checksum mismatch)");
  ModelArtifact A;
  std::string Hash = R.str(), Yaml = R.str();
  if (R.Bad)
    return makeError(SourceName, ": truncated model artifact header");
  auto C = parseHardwareConfig(Yaml, "<embedded>");
  if (!C)
    return C.error().withContext(SourceName);
  if (C->Hash != Hash)
    return makeError(SourceName, ": the embedded config's hash ", C->Hash.substr(0, 16),
                     " does not match the recorded ", Hash.substr(0, 16), " (corrupted artifact)");
  A.Config = C.takeValue();
  A.Inputs = R.values();
  A.Outputs = R.values();
  uint64_t NMeta = R.uint(4);
  for (uint64_t K = 0; K < NMeta && !R.Bad; ++K) {
    std::string Key = R.str();
    A.Meta.push_back({Key, R.str()});
  }
  uint64_t NSeg = R.uint(4);
  for (uint64_t K = 0; K < NSeg && !R.Bad; ++K) {
    ArtifactSegment S;
    S.K = ArtifactSegment::Kind(R.uint(1));
    S.Name = R.str();
    S.Inputs = R.values();
    S.Outputs = R.values();
    uint64_t NN = R.uint(4);
    for (uint64_t J = 0; J < NN && !R.Bad; ++J)
      S.Nodes.push_back(R.str());
    if (R.Bad)
      break;
    if (S.K == ArtifactSegment::Npu) {
      auto P = isa::readContainer(R.bytes(), SourceName + " segment '" + S.Name + "'", &A.Config);
      if (R.Bad)
        break;
      if (!P)
        return P.error();
      S.Program = P.takeValue();
    } else if (S.K == ArtifactSegment::Host) {
      S.HostGraph = R.str();
    } else {
      return makeError(SourceName, ": segment '", S.Name, "' has unknown kind ", int(S.K));
    }
    A.Segments.push_back(std::move(S));
  }
  if (R.Bad)
    return makeError(SourceName, ": truncated or corrupted model artifact");
  if (R.Pos != Body)
    return makeError(SourceName, ": ", Body - R.Pos, " trailing bytes after the model artifact");
  return A;
}

} // namespace npu::backend
