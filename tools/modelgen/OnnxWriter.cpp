// The ONNX model builder: fills onnx::ModelProto through the generated protobuf API.
#include "OnnxWriter.h"

#include <onnx/onnx_pb.h>

#include <cstring>
#include <fstream>

namespace npu::modelgen {

namespace {

void setValueInfo(onnx::ValueInfoProto *V, const std::string &Name, const std::vector<int64_t> &Dims) {
  V->set_name(Name);
  onnx::TypeProto_Tensor *T = V->mutable_type()->mutable_tensor_type();
  T->set_elem_type(onnx::TensorProto::FLOAT);
  for (int64_t D : Dims)
    T->mutable_shape()->add_dim()->set_dim_value(D);
}

} // namespace

NodeBuilder &NodeBuilder::attr(const std::string &Name, int64_t V) {
  onnx::AttributeProto *A = N->add_attribute();
  A->set_name(Name);
  A->set_type(onnx::AttributeProto::INT);
  A->set_i(V);
  return *this;
}

NodeBuilder &NodeBuilder::attr(const std::string &Name, float V) {
  onnx::AttributeProto *A = N->add_attribute();
  A->set_name(Name);
  A->set_type(onnx::AttributeProto::FLOAT);
  A->set_f(V);
  return *this;
}

NodeBuilder &NodeBuilder::attr(const std::string &Name, const std::vector<int64_t> &V) {
  onnx::AttributeProto *A = N->add_attribute();
  A->set_name(Name);
  A->set_type(onnx::AttributeProto::INTS);
  for (int64_t X : V)
    A->add_ints(X);
  return *this;
}

OnnxWriter::OnnxWriter(const std::string &GraphName, int64_t Opset)
    : M(std::make_unique<onnx::ModelProto>()) {
  // IR version 8 is what opsets 13-17 were released with; every ONNX reader of this era accepts it.
  M->set_ir_version(8);
  M->set_producer_name("npu-modelgen");
  onnx::OperatorSetIdProto *O = M->add_opset_import();
  O->set_domain("");
  O->set_version(Opset);
  M->mutable_graph()->set_name(GraphName);
}

OnnxWriter::~OnnxWriter() = default;
OnnxWriter::OnnxWriter(OnnxWriter &&) = default;
OnnxWriter &OnnxWriter::operator=(OnnxWriter &&) = default;

void OnnxWriter::addInput(const std::string &Name, const std::vector<int64_t> &Dims) {
  setValueInfo(M->mutable_graph()->add_input(), Name, Dims);
}

void OnnxWriter::addOutput(const std::string &Name, const std::vector<int64_t> &Dims) {
  setValueInfo(M->mutable_graph()->add_output(), Name, Dims);
}

void OnnxWriter::addRaw(const std::string &Name, const std::vector<int64_t> &Dims, int DataType, std::string Raw) {
  onnx::TensorProto *T = M->mutable_graph()->add_initializer();
  T->set_name(Name);
  T->set_data_type(DataType);
  for (int64_t D : Dims)
    T->add_dims(D);
  T->set_raw_data(std::move(Raw));
}

namespace {
/// The little-endian bytes of 32-bit values.
template <typename T> std::string bytes32(const std::vector<T> &V) {
  std::string Raw(V.size() * 4, '\0');
  for (size_t I = 0; I < V.size(); ++I) {
    uint32_t Bits;
    std::memcpy(&Bits, &V[I], 4);
    for (int B = 0; B < 4; ++B)
      Raw[I * 4 + B] = char((Bits >> (8 * B)) & 0xFF);
  }
  return Raw;
}
} // namespace

void OnnxWriter::addInitializer(const std::string &Name, const std::vector<int64_t> &Dims,
                                const std::vector<float> &V) {
  addRaw(Name, Dims, onnx::TensorProto::FLOAT, bytes32(V));
}

void OnnxWriter::addInitializer(const std::string &Name, const std::vector<int64_t> &Dims,
                                const std::vector<int32_t> &V) {
  addRaw(Name, Dims, onnx::TensorProto::INT32, bytes32(V));
}

void OnnxWriter::addInitializer(const std::string &Name, const std::vector<int64_t> &Dims,
                                const std::vector<int8_t> &V) {
  addRaw(Name, Dims, onnx::TensorProto::INT8, std::string(V.begin(), V.end()));
}

void OnnxWriter::addInitializer(const std::string &Name, const std::vector<int64_t> &Dims,
                                const std::vector<uint8_t> &V) {
  addRaw(Name, Dims, onnx::TensorProto::UINT8, std::string(V.begin(), V.end()));
}

NodeBuilder OnnxWriter::addNode(const std::string &OpType, const std::string &Name,
                                const std::vector<std::string> &Inputs,
                                const std::vector<std::string> &Outputs) {
  onnx::NodeProto *N = M->mutable_graph()->add_node();
  N->set_op_type(OpType);
  N->set_name(Name);
  for (const std::string &I : Inputs)
    N->add_input(I);
  for (const std::string &O : Outputs)
    N->add_output(O);
  return NodeBuilder(N);
}

std::string OnnxWriter::serialize() const {
  std::string Bytes;
  M->SerializeToString(&Bytes);
  return Bytes;
}

Status OnnxWriter::writeFile(const std::string &Path) const {
  std::ofstream Out(Path, std::ios::binary | std::ios::trunc);
  std::string Bytes = serialize();
  Out.write(Bytes.data(), std::streamsize(Bytes.size()));
  if (!Out)
    return makeError(Path, ": cannot write the model");
  return Status::ok();
}

} // namespace npu::modelgen
