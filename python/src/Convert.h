// Conversions shared by the Python bindings: Status/Expected to exceptions, numpy arrays to and from tensors,
// and JSON text to Python objects.
#pragma once

#include "npu/runtime/DType.h"
#include "npu/support/Status.h"

#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>

#include <stdexcept>
#include <string>
#include <vector>

namespace npupy {

namespace py = pybind11;

/// What every failure of the libraries raises in Python (npu.Error, a RuntimeError), with the Status message.
class NpuError : public std::runtime_error {
public:
  using std::runtime_error::runtime_error;
};

inline void check(const npu::Status &S) {
  if (!S)
    throw NpuError(S.message());
}

template <typename T> T unwrap(npu::Expected<T> E) {
  if (!E)
    throw NpuError(E.message());
  return E.takeValue();
}

/// T itself when it is a runtime element type (npu/runtime/DType.h); int4 and float16 have no numpy form here
/// (an error naming What).
npu::ir::ElemType runtimeType(npu::ir::ElemType T, const std::string &What);
/// The numpy dtype ("int8", "float32", ...) of a runtime element type.
py::dtype numpyType(npu::ir::ElemType T);

/// A copy of Array as a tensor named Name of element type Want. The array is converted when numpy can do so
/// within the same kind (float64 to float32, int64 to int8 is refused); the shape is the array's.
npu::ir::NamedTensor toTensor(const std::string &Name, const py::handle &Array, npu::ir::ElemType Want);
/// A numpy array holding a copy of T's elements, in T's shape.
py::array toNumpy(const npu::ir::Tensor &T);

/// None as no strings, a str or path-like object as one, any other iterable as its items (str() of each).
std::vector<std::string> pathList(const py::object &Items);

/// Parses JSON text with Python's json module (dicts, lists, numbers, strings).
py::object parseJson(const std::string &Text);

} // namespace npupy
