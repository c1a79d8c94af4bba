// Builds small ONNX models in memory for the importer tests.
#pragma once

#include "npu/compiler/frontend/OnnxImporter.h"
#include "npu/compiler/ir/Tensor.h"

#include <onnx/onnx_pb.h>

#include <string>
#include <vector>

namespace npu::test {

class OnnxBuilder {
public:
  explicit OnnxBuilder(int64_t Opset, const std::string &Domain = "") {
    M.set_ir_version(7);
    auto *O = M.add_opset_import();
    O->set_domain(Domain);
    O->set_version(Opset);
    M.mutable_graph()->set_name("test");
  }

  /// A tensor input; -1 dims become symbolic ("N").
  void input(const std::string &Name, int32_t ElemType, const std::vector<int64_t> &Dims) {
    valueInfo(M.mutable_graph()->add_input(), Name, ElemType, Dims);
  }
  void output(const std::string &Name, int32_t ElemType = 0, const std::vector<int64_t> &Dims = {}) {
    auto *V = M.mutable_graph()->add_output();
    if (ElemType)
      valueInfo(V, Name, ElemType, Dims);
    else
      V->set_name(Name);
  }
  void initializer(const std::string &Name, const std::vector<float> &Vals,
                   const std::vector<int64_t> &Dims) {
    auto *T = M.mutable_graph()->add_initializer();
    T->set_name(Name);
    T->set_data_type(onnx::TensorProto::FLOAT);
    for (int64_t D : Dims)
      T->add_dims(D);
    for (float V : Vals)
      T->add_float_data(V);
  }
  void initializerInts(const std::string &Name, const std::vector<int64_t> &Vals) {
    auto *T = M.mutable_graph()->add_initializer();
    T->set_name(Name);
    T->set_data_type(onnx::TensorProto::INT64);
    T->add_dims(static_cast<int64_t>(Vals.size()));
    for (int64_t V : Vals)
      T->add_int64_data(V);
  }
  onnx::NodeProto &node(const std::string &Op, const std::vector<std::string> &Ins,
                        const std::vector<std::string> &Outs, const std::string &Name = "") {
    auto *N = M.mutable_graph()->add_node();
    N->set_op_type(Op);
    N->set_name(Name);
    for (const auto &I : Ins)
      N->add_input(I);
    for (const auto &O : Outs)
      N->add_output(O);
    return *N;
  }
  static void attr(onnx::NodeProto &N, const std::string &Name, int64_t V) {
    auto *A = N.add_attribute();
    A->set_name(Name);
    A->set_type(onnx::AttributeProto::INT);
    A->set_i(V);
  }
  static void attr(onnx::NodeProto &N, const std::string &Name, float V) {
    auto *A = N.add_attribute();
    A->set_name(Name);
    A->set_type(onnx::AttributeProto::FLOAT);
    A->set_f(V);
  }
  static void attr(onnx::NodeProto &N, const std::string &Name, const std::string &V) {
    auto *A = N.add_attribute();
    A->set_name(Name);
    A->set_type(onnx::AttributeProto::STRING);
    A->set_s(V);
  }
  static void attr(onnx::NodeProto &N, const std::string &Name, const std::vector<int64_t> &V) {
    auto *A = N.add_attribute();
    A->set_name(Name);
    A->set_type(onnx::AttributeProto::INTS);
    for (int64_t X : V)
      A->add_ints(X);
  }
  static void attr(onnx::NodeProto &N, const std::string &Name, const std::vector<float> &V) {
    auto *A = N.add_attribute();
    A->set_name(Name);
    A->set_type(onnx::AttributeProto::FLOATS);
    for (float X : V)
      A->add_floats(X);
  }

  std::string bytes() const { return M.SerializeAsString(); }
  Expected<ir::Graph> import(const frontend::ImportOptions &Opts = {}) const {
    return frontend::importOnnxBytes(bytes(), Opts, "", "test.onnx");
  }

  onnx::ModelProto M;

private:
  static void valueInfo(onnx::ValueInfoProto *V, const std::string &Name, int32_t ElemType,
                        const std::vector<int64_t> &Dims) {
    V->set_name(Name);
    auto *T = V->mutable_type()->mutable_tensor_type();
    T->set_elem_type(ElemType);
    auto *S = T->mutable_shape();
    for (int64_t D : Dims) {
      auto *Dim = S->add_dim();
      if (D < 0)
        Dim->set_dim_param("N");
      else
        Dim->set_dim_value(D);
    }
  }
};

constexpr int32_t OnnxFloat = onnx::TensorProto::FLOAT;
constexpr int32_t OnnxInt64 = onnx::TensorProto::INT64;

} // namespace npu::test
