// A small builder of ONNX models over the protobuf classes the frontend links: enough to write the project's
// own demo and test networks (float32 and integer initializers, nodes with int/ints/float attributes).
#pragma once

#include "npu/support/Status.h"

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace onnx {
class ModelProto;
class NodeProto;
} // namespace onnx

namespace npu::modelgen {

/// One node being built; attribute setters return *this so a node reads as one expression.
class NodeBuilder {
public:
  explicit NodeBuilder(onnx::NodeProto *N) : N(N) {}
  NodeBuilder &attr(const std::string &Name, int64_t V);
  NodeBuilder &attr(const std::string &Name, float V);
  NodeBuilder &attr(const std::string &Name, const std::vector<int64_t> &V);

private:
  onnx::NodeProto *N;
};

class OnnxWriter {
public:
  /// A model with one graph named GraphName that imports the default ONNX domain at Opset.
  OnnxWriter(const std::string &GraphName, int64_t Opset);
  ~OnnxWriter();
  OnnxWriter(const OnnxWriter &) = delete;
  OnnxWriter &operator=(const OnnxWriter &) = delete;
  OnnxWriter(OnnxWriter &&);
  OnnxWriter &operator=(OnnxWriter &&);

  void addInput(const std::string &Name, const std::vector<int64_t> &Dims);
  void addOutput(const std::string &Name, const std::vector<int64_t> &Dims);
  /// A float32 constant (raw_data, little-endian as ONNX requires).
  void addInitializer(const std::string &Name, const std::vector<int64_t> &Dims, const std::vector<float> &V);
  /// Integer constants (quantized models: int8 weights, uint8/int8 zero points, int32 biases).
  void addInitializer(const std::string &Name, const std::vector<int64_t> &Dims, const std::vector<int8_t> &V);
  void addInitializer(const std::string &Name, const std::vector<int64_t> &Dims, const std::vector<uint8_t> &V);
  void addInitializer(const std::string &Name, const std::vector<int64_t> &Dims, const std::vector<int32_t> &V);
  NodeBuilder addNode(const std::string &OpType, const std::string &Name,
                      const std::vector<std::string> &Inputs, const std::vector<std::string> &Outputs);

  /// The serialized model. Protobuf writes the fields of a message without maps in a fixed order, so the same
  /// calls give the same bytes.
  std::string serialize() const;
  Status writeFile(const std::string &Path) const;

private:
  std::unique_ptr<onnx::ModelProto> M;
  /// An initializer of ONNX data type DataType from little-endian bytes.
  void addRaw(const std::string &Name, const std::vector<int64_t> &Dims, int DataType, std::string Raw);
};

} // namespace npu::modelgen
