// The runtime's element types and their binding/numpy names.
#include "npu/runtime/DType.h"

#include <bit>
#include <utility>

static_assert(std::endian::native == std::endian::little,
              "tensor data is stored little-endian and moved to and from DRAM with memcpy");

namespace npu::runtime {

namespace {

constexpr std::pair<ir::ElemType, const char *> RuntimeTypes[] = {
    {ir::ElemType::Int8, "int8"},   {ir::ElemType::UInt8, "uint8"}, {ir::ElemType::Int16, "int16"},
    {ir::ElemType::Int32, "int32"}, {ir::ElemType::Int64, "int64"}, {ir::ElemType::Float32, "float32"}};

} // namespace

bool isRuntimeType(ir::ElemType T) {
  for (const auto &[Elem, Name] : RuntimeTypes)
    if (Elem == T)
      return true;
  return false;
}

Status checkRuntimeType(ir::ElemType T) {
  if (!isRuntimeType(T))
    return makeError("element type ", ir::elemTypeName(T), " cannot cross the runtime interface");
  return Status::ok();
}

std::string dtypeName(ir::ElemType T) {
  for (const auto &[Elem, Name] : RuntimeTypes)
    if (Elem == T)
      return Name;
  return std::string(ir::elemTypeName(T));
}

Expected<ir::ElemType> parseDType(std::string_view Name) {
  for (const auto &[Elem, Spelled] : RuntimeTypes)
    if (Name == Spelled)
      return Elem;
  return makeError("unknown tensor element type '", Name, "' (expected int8, uint8, int16, int32, int64 or float32)");
}

std::string describe(const NamedTensor &T) {
  return T.Name + " " + dtypeName(T.Data.elemType()) + " " + ir::formatShape(T.Data.shape());
}

} // namespace npu::runtime
