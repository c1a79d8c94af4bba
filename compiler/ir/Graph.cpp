// Graph IR construction and attribute access.
#include "npu/compiler/ir/Graph.h"

#include <algorithm>

namespace npu::ir {

std::string_view attrKindName(AttrKind K) {
  switch (K) {
  case AttrKind::Int:
    return "int";
  case AttrKind::Float:
    return "float";
  case AttrKind::String:
    return "string";
  case AttrKind::Ints:
    return "ints";
  case AttrKind::Floats:
    return "floats";
  case AttrKind::Strings:
    return "strings";
  case AttrKind::Tensor:
    return "tensor";
  }
  return "?";
}

const Attribute *Node::findAttr(std::string_view N) const {
  for (const Attribute &A : Attrs)
    if (A.Name == N)
      return &A;
  return nullptr;
}

int64_t Node::getInt(std::string_view N, int64_t Default) const {
  const Attribute *A = findAttr(N);
  if (const auto *V = A ? std::get_if<int64_t>(&A->Val) : nullptr)
    return *V;
  return Default;
}

float Node::getFloat(std::string_view N, float Default) const {
  const Attribute *A = findAttr(N);
  if (const auto *V = A ? std::get_if<float>(&A->Val) : nullptr)
    return *V;
  return Default;
}

std::string Node::getString(std::string_view N, std::string Default) const {
  const Attribute *A = findAttr(N);
  if (const auto *V = A ? std::get_if<std::string>(&A->Val) : nullptr)
    return *V;
  return Default;
}

std::vector<int64_t> Node::getInts(std::string_view N, std::vector<int64_t> Default) const {
  const Attribute *A = findAttr(N);
  if (const auto *V = A ? std::get_if<std::vector<int64_t>>(&A->Val) : nullptr)
    return *V;
  return Default;
}

std::vector<float> Node::getFloats(std::string_view N, std::vector<float> Default) const {
  const Attribute *A = findAttr(N);
  if (const auto *V = A ? std::get_if<std::vector<float>>(&A->Val) : nullptr)
    return *V;
  return Default;
}

const Tensor *Node::getTensor(std::string_view N) const {
  const Attribute *A = findAttr(N);
  return A ? std::get_if<Tensor>(&A->Val) : nullptr;
}

void Node::setAttr(std::string N, Attribute::Storage Val) {
  for (Attribute &A : Attrs)
    if (A.Name == N) {
      A.Val = std::move(Val);
      return;
    }
  Attrs.push_back(Attribute{std::move(N), std::move(Val)});
}

void Node::removeAttr(std::string_view N) {
  Attrs.erase(std::remove_if(Attrs.begin(), Attrs.end(), [&](const Attribute &A) { return A.Name == N; }),
              Attrs.end());
}

ValueId Graph::findValue(std::string_view N) const {
  auto It = ByName.find(std::string(N));
  return It == ByName.end() ? NoValue : It->second;
}

ValueId Graph::addValueImpl(Value V) {
  ValueId Id = static_cast<ValueId>(Values.size());
  ByName.emplace(V.Name, Id);
  Values.push_back(std::move(V));
  return Id;
}

ValueId Graph::addInput(std::string N, TensorType Type) {
  ValueId Id = addValueImpl(Value{std::move(N), ValueKind::Input, std::move(Type), nullptr});
  Inputs.push_back(Id);
  return Id;
}

ValueId Graph::addConstant(std::string N, Tensor Data) {
  TensorType T = Data.type();
  return addConstant(std::move(N), std::make_shared<const Tensor>(std::move(Data)), std::move(T));
}

ValueId Graph::addConstant(std::string N, std::shared_ptr<const Tensor> Data,
                           std::optional<TensorType> Type) {
  return addValueImpl(Value{std::move(N), ValueKind::Constant, std::move(Type), std::move(Data)});
}

ValueId Graph::addValue(std::string N, std::optional<TensorType> Type) {
  return addValueImpl(Value{std::move(N), ValueKind::NodeOutput, std::move(Type), nullptr});
}

Node &Graph::addNode(std::string OpType, std::vector<ValueId> Ins, std::vector<ValueId> Outs, std::string N) {
  Nodes.push_back(Node{std::move(N), std::move(OpType), std::move(Ins), std::move(Outs), {}});
  return Nodes.back();
}

std::string Graph::uniqueName(const std::string &Base) const {
  if (findValue(Base) == NoValue)
    return Base;
  for (size_t I = 1;; ++I) {
    std::string N = Base + "_" + std::to_string(I);
    if (findValue(N) == NoValue)
      return N;
  }
}

} // namespace npu::ir
