// numpy arrays <-> runtime tensors (copies, little-endian like the runtime), and JSON text to Python objects.
#include "Convert.h"

#include <cstring>

namespace npupy {

using namespace npu;

runtime::ElemType runtimeType(ir::ElemType T, const std::string &What) {
  switch (T) {
  case ir::ElemType::Float32:
    return runtime::ElemType::Float32;
  case ir::ElemType::Int8:
    return runtime::ElemType::Int8;
  case ir::ElemType::UInt8:
    return runtime::ElemType::UInt8;
  case ir::ElemType::Int16:
    return runtime::ElemType::Int16;
  case ir::ElemType::Int32:
    return runtime::ElemType::Int32;
  case ir::ElemType::Int64:
    return runtime::ElemType::Int64;
  default:
    throw NpuError(What + ": element type " + std::string(ir::elemTypeName(T)) + " cannot cross the runtime interface");
  }
}

py::dtype numpyType(runtime::ElemType T) { return py::dtype(runtime::elemTypeName(T)); }

runtime::Tensor toTensor(const std::string &Name, const py::handle &Array, runtime::ElemType Want) {
  py::module_ Np = py::module_::import("numpy");
  py::array Given = Np.attr("asarray")(Array);
  py::dtype To = numpyType(Want);
  if (!Np.attr("can_cast")(Given.dtype(), To, "same_kind").cast<bool>())
    throw NpuError(Name + ": a " + py::str(Given.dtype()).cast<std::string>() + " array, expected " +
                   runtime::elemTypeName(Want));
  auto C = py::array::ensure(Np.attr("ascontiguousarray")(Given, To));
  runtime::Tensor T;
  T.Name = Name;
  T.Type = Want;
  for (py::ssize_t D = 0; D < C.ndim(); ++D)
    T.Shape.push_back(C.shape(D));
  T.Data.resize(size_t(C.nbytes()));
  if (!T.Data.empty())
    std::memcpy(T.Data.data(), C.data(), T.Data.size());
  return T;
}

py::array toNumpy(const runtime::Tensor &T) {
  std::vector<py::ssize_t> Shape(T.Shape.begin(), T.Shape.end());
  py::array A(numpyType(T.Type), Shape);
  if (size_t(A.nbytes()) != T.Data.size())
    throw NpuError(T.describe() + ": holds " + std::to_string(T.Data.size()) + " bytes, not " +
                   std::to_string(A.nbytes()));
  if (!T.Data.empty())
    std::memcpy(A.mutable_data(), T.Data.data(), T.Data.size());
  return A;
}

std::vector<std::string> pathList(const py::object &Items) {
  if (Items.is_none())
    return {};
  if (py::isinstance<py::str>(Items) || py::hasattr(Items, "__fspath__"))
    return {py::str(Items).cast<std::string>()};
  std::vector<std::string> Out;
  for (const py::handle &Item : Items)
    Out.push_back(py::str(Item).cast<std::string>());
  return Out;
}

py::object parseJson(const std::string &Text) { return py::module_::import("json").attr("loads")(Text); }

} // namespace npupy
