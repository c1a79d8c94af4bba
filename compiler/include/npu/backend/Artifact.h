// The model artifact (.npub, magic NPUM): a segment plan of NPU programs and host subgraphs with the model's
// I/O signature and the embedded hardware config (format: docs/artifact.md).
#pragma once

#include "npu/compiler/ir/Tensor.h"
#include "npu/config/HardwareConfig.h"
#include "npu/isa/Program.h"

#include <string>
#include <utility>
#include <vector>

namespace npu::backend {

/// A graph value crossing a segment boundary (or the model's interface): name, element type, logical dims.
struct ArtifactValue {
  std::string Name;
  ir::ElemType Elem = ir::ElemType::Float32;
  std::vector<int64_t> Dims;
  bool operator==(const ArtifactValue &) const = default;
};

struct ArtifactSegment {
  enum Kind : uint8_t { Npu = 0, Host = 1 };
  Kind K = Host;
  std::string Name;
  std::vector<ArtifactValue> Inputs, Outputs; ///< bound by name to the program's I/O or the subgraph's
  isa::Program Program;                       ///< Npu: bindings named like the values
  std::string HostGraph;                      ///< Host: Graph IR text of the subgraph
  std::vector<std::string> Nodes;             ///< the original graph nodes this segment runs
};

struct ModelArtifact {
  HardwareConfig Config;
  std::vector<ArtifactValue> Inputs, Outputs;
  std::vector<ArtifactSegment> Segments;
  std::vector<std::pair<std::string, std::string>> Meta; ///< tool, model, tuning record, ...
};

constexpr char ModelMagic[4] = {'N', 'P', 'U', 'M'};
constexpr uint32_t ModelVersion = 2; ///< 2: a SHA-256 of the file ends it

/// True when Bytes start with the model artifact's magic (plain programs start with NPUB).
bool isModelArtifact(const std::vector<uint8_t> &Bytes);
/// Deterministic serialization: the same artifact gives the same bytes.
Expected<std::vector<uint8_t>> writeModelArtifact(const ModelArtifact &A);
/// Parses and checks an artifact (config hash, every NPU program's config). Errors name SourceName.
Expected<ModelArtifact> readModelArtifact(const std::vector<uint8_t> &Bytes, const std::string &SourceName);

} // namespace npu::backend
