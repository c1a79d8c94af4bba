// --max-memory in the importer and the reference interpreter: huge shapes, inferred outputs and initializers
// that claim more than their data are refused with an error naming them, before anything is allocated.
#include "OnnxBuilder.h"
#include "npu/compiler/ref/Interpreter.h"

#include <gtest/gtest.h>

using namespace npu;
using test::OnnxBuilder;

namespace {

/// The import's error text ("" when it succeeded).
std::string importError(const OnnxBuilder &B, uint64_t LimitBytes = MemoryLimit::DefaultBytes) {
  frontend::ImportOptions O;
  O.Memory.Bytes = LimitBytes;
  auto G = B.import(O);
  return G ? std::string() : G.message();
}

/// An initializer with Dims whose raw_data holds only RawBytes bytes.
void shortInitializer(OnnxBuilder &B, const std::vector<int64_t> &Dims, size_t RawBytes) {
  auto *T = B.M.mutable_graph()->add_initializer();
  T->set_name("w");
  T->set_data_type(onnx::TensorProto::FLOAT);
  for (int64_t D : Dims)
    T->add_dims(D);
  T->set_raw_data(std::string(RawBytes, '\0'));
}

} // namespace

TEST(MemoryLimit, InputShapeAboveTheLimitOrOverflowing) {
  OnnxBuilder B(13);
  B.input("x", test::OnnxFloat, {int64_t(1) << 20, int64_t(1) << 20}); // 2^40 elements
  B.node("Relu", {"x"}, {"y"}, "relu");
  B.output("y");
  EXPECT_NE(importError(B).find("input 'x' f32[1048576,1048576] needs 4398046511104 bytes, above the memory "
                                "limit of 2 GiB (--max-memory)"),
            std::string::npos)
      << importError(B);
  OnnxBuilder Over(13);
  Over.input("x", test::OnnxFloat, {int64_t(1) << 40, int64_t(1) << 40}); // 2^80: overflows int64
  Over.node("Relu", {"x"}, {"y"}, "relu");
  Over.output("y");
  EXPECT_NE(importError(Over).find("needs more elements than int64 counts, above the memory limit"), std::string::npos)
      << importError(Over);
}

TEST(MemoryLimit, ExpandAndConstantOfShapeToAHugeSizeNameTheNode) {
  OnnxBuilder B(13);
  B.input("x", test::OnnxFloat, {1});
  B.initializerInts("shape", {int64_t(1) << 20, int64_t(1) << 20});
  B.node("Expand", {"x", "shape"}, {"y"}, "grow");
  B.output("y");
  std::string E = importError(B);
  EXPECT_NE(E.find("grow"), std::string::npos) << E;
  EXPECT_NE(E.find("output 0 f32[1048576,1048576] needs 4398046511104 bytes, above the memory limit of 2 GiB"),
            std::string::npos)
      << E;
  OnnxBuilder C(13);
  C.initializerInts("shape", {1024, 1024});
  C.node("ConstantOfShape", {"shape"}, {"y"}, "fill");
  C.output("y");
  EXPECT_EQ(importError(C), ""); // 4 MiB: within the default limit
  E = importError(C, 1 << 20);
  EXPECT_NE(E.find("fill"), std::string::npos) << E;
  EXPECT_NE(E.find("output 0 f32[1024,1024] needs 4194304 bytes, above the memory limit of 1 MiB"), std::string::npos)
      << E;
}

TEST(MemoryLimit, InitializerClaimingMoreThanItsDataIsRefusedBeforeAllocating) {
  OnnxBuilder Huge(13); // 10 GB claimed by 1 KB of data: above the limit
  Huge.input("x", test::OnnxFloat, {1});
  shortInitializer(Huge, {2500000000}, 1024);
  Huge.node("Add", {"x", "x"}, {"y"}, "add");
  Huge.output("y");
  std::string E = importError(Huge);
  EXPECT_NE(E.find("initializer 'w': f32[2500000000] needs 10000000000 bytes, above the memory limit of 2 GiB"),
            std::string::npos)
      << E;
  OnnxBuilder Short(13); // 1 GB claimed, within the limit: the data's size is checked before the allocation
  Short.input("x", test::OnnxFloat, {1});
  shortInitializer(Short, {250000000}, 1024);
  Short.node("Add", {"x", "x"}, {"y"}, "add");
  Short.output("y");
  E = importError(Short);
  EXPECT_NE(E.find("initializer 'w': raw data has 1024 bytes, f32[250000000] needs 1000000000"), std::string::npos)
      << E;
  OnnxBuilder Typed(13);
  Typed.input("x", test::OnnxFloat, {1});
  Typed.initializer("w", {1.0f, 2.0f, 3.0f}, {250000000});
  Typed.node("Add", {"x", "x"}, {"y"}, "add");
  Typed.output("y");
  E = importError(Typed);
  EXPECT_NE(E.find("initializer 'w': float_data has 3 values, the dims need 250000000"), std::string::npos) << E;
}

TEST(MemoryLimit, InterpreterRefusesOutputsAboveTheLimit) {
  OnnxBuilder B(13);
  B.input("x", test::OnnxFloat, {1024});
  B.node("Relu", {"x"}, {"r"}, "relu");
  B.node("Neg", {"r"}, {"y"}, "neg");
  B.output("y");
  auto G = B.import();
  ASSERT_TRUE(G.isOk()) << G.message();
  std::vector<ir::Tensor> In{ir::Tensor(ir::ElemType::Float32, {1024})};
  EXPECT_TRUE(ref::interpret(*G, In, MemoryLimit{8192}).isOk()); // r and y alive together: 8 KiB
  auto R = ref::interpret(*G, In, MemoryLimit{6000});
  ASSERT_FALSE(R.isOk());
  EXPECT_NE(R.message().find("node 'neg' (Neg): outputs need 4096 bytes beside the 4096 bytes of live values, "
                             "above the memory limit of 6000 bytes (--max-memory)"),
            std::string::npos)
      << R.message();
}
