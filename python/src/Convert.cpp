// numpy arrays <-> tensors (copies, little-endian like the runtime), and JSON text to Python objects.
#include "Convert.h"

#include <cstring>

namespace npupy {

using namespace npu;

ir::ElemType runtimeType(ir::ElemType T, const std::string &What) {
  if (Status S = runtime::checkRuntimeType(T); !S)
    throw NpuError(What + ": " + S.message());
  return T;
}

py::dtype numpyType(ir::ElemType T) { return py::dtype(runtime::dtypeName(T)); }

ir::NamedTensor toTensor(const std::string &Name, const py::handle &Array, ir::ElemType Want) {
  py::module_ Np = py::module_::import("numpy");
  py::array Given = Np.attr("asarray")(Array);
  py::dtype To = numpyType(Want);
  if (!Np.attr("can_cast")(Given.dtype(), To, "same_kind").cast<bool>())
    throw NpuError(Name + ": a " + py::str(Given.dtype()).cast<std::string>() + " array, expected " +
                   runtime::dtypeName(Want));
  auto C = py::array::ensure(Np.attr("ascontiguousarray")(Given, To));
  ir::Shape Shape;
  for (py::ssize_t D = 0; D < C.ndim(); ++D)
    Shape.push_back(C.shape(D));
  ir::Tensor T(Want, std::move(Shape));
  if (T.byteSize())
    std::memcpy(T.bytes(), C.data(), T.byteSize());
  return {Name, std::move(T)};
}

py::array toNumpy(const ir::Tensor &T) {
  std::vector<py::ssize_t> Shape(T.shape().begin(), T.shape().end());
  py::array A(numpyType(T.elemType()), Shape);
  if (T.byteSize())
    std::memcpy(A.mutable_data(), T.bytes(), T.byteSize());
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
