// Graph IR: values (inputs, constants, node outputs), nodes with attributes, graph inputs and outputs.
#pragma once

#include "npu/compiler/ir/Tensor.h"

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <variant>
#include <vector>

namespace npu::ir {

enum class AttrKind { Int, Float, String, Ints, Floats, Strings, Tensor };

/// A named node attribute. The variant's index is the AttrKind.
struct Attribute {
  using Storage = std::variant<int64_t, float, std::string, std::vector<int64_t>, std::vector<float>,
                               std::vector<std::string>, ir::Tensor>;
  std::string Name;
  Storage Val;

  AttrKind kind() const { return static_cast<AttrKind>(Val.index()); }
  bool operator==(const Attribute &) const = default;
};

std::string_view attrKindName(AttrKind K);

using ValueId = int32_t;
constexpr ValueId NoValue = -1; ///< an omitted optional input or output

enum class ValueKind { Input, Constant, NodeOutput };

struct Value {
  std::string Name;
  ValueKind Kind = ValueKind::NodeOutput;
  std::optional<TensorType> Type;     ///< absent only in graphs under construction; the verifier rejects it
  std::shared_ptr<const Tensor> Data; ///< the data of a constant (shared: copying a graph shares constants)
};

struct Node {
  std::string Name;
  std::string OpType;
  std::vector<ValueId> Inputs;  ///< NoValue for an omitted optional input
  std::vector<ValueId> Outputs; ///< NoValue for an omitted optional output
  std::vector<Attribute> Attrs; ///< in the order they were given

  bool hasInput(size_t I) const { return I < Inputs.size() && Inputs[I] != NoValue; }
  bool hasOutput(size_t I) const { return I < Outputs.size() && Outputs[I] != NoValue; }
  const Attribute *findAttr(std::string_view Name) const;
  /// Typed getters returning Default when absent (the verifier checks attribute kinds beforehand).
  int64_t getInt(std::string_view Name, int64_t Default) const;
  float getFloat(std::string_view Name, float Default) const;
  std::string getString(std::string_view Name, std::string Default) const;
  std::vector<int64_t> getInts(std::string_view Name, std::vector<int64_t> Default = {}) const;
  std::vector<float> getFloats(std::string_view Name, std::vector<float> Default = {}) const;
  const Tensor *getTensor(std::string_view Name) const;
  void setAttr(std::string Name, Attribute::Storage Val);
  void removeAttr(std::string_view Name);
};

/// A dataflow graph. Nodes are kept in a topological order (the verifier checks it).
class Graph {
public:
  std::string Name;
  std::vector<ValueId> Inputs;
  std::vector<ValueId> Outputs;

  size_t numValues() const { return Values.size(); }
  Value &value(ValueId Id) { return Values[static_cast<size_t>(Id)]; }
  const Value &value(ValueId Id) const { return Values[static_cast<size_t>(Id)]; }
  const TensorType &type(ValueId Id) const { return *Values[static_cast<size_t>(Id)].Type; }
  /// The value named Name (the first one when names repeat), or NoValue.
  ValueId findValue(std::string_view Name) const;

  /// Adds a graph input (also appended to Inputs).
  ValueId addInput(std::string Name, TensorType Type);
  /// Adds a constant holding Data; its type is Data's type.
  ValueId addConstant(std::string Name, Tensor Data);
  ValueId addConstant(std::string Name, std::shared_ptr<const Tensor> Data, std::optional<TensorType> Type);
  /// Adds a value to be defined by a node.
  ValueId addValue(std::string Name, std::optional<TensorType> Type);
  /// Appends a node.
  Node &addNode(std::string OpType, std::vector<ValueId> Inputs, std::vector<ValueId> Outputs,
                std::string Name = "");

  std::vector<Node> &nodes() { return Nodes; }
  const std::vector<Node> &nodes() const { return Nodes; }

  /// A value name starting with Base that no value has yet.
  std::string uniqueName(const std::string &Base) const;

private:
  ValueId addValueImpl(Value V);
  std::vector<Value> Values;
  std::vector<Node> Nodes;
  std::unordered_map<std::string, ValueId> ByName;
};

} // namespace npu::ir
