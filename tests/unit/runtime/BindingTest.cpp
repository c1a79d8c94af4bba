// Binding tensors to a program's DRAM: type, shape and layout checks, int4 packing, input matching, outputs.
#include "TestUtil.h"

#include "npu/runtime/Binding.h"

using namespace npu;
using namespace npu::runtime;
using namespace npu::runtime::test;

namespace {

bool contains(const std::string &Text, const std::string &Part) {
  return Text.find(Part) != std::string::npos;
}

class BindingTest : public ::testing::Test {
protected:
  HardwareConfig C = defaultHardwareConfig();
  std::vector<uint8_t> Dram = std::vector<uint8_t>(4096, 0);
};

} // namespace

TEST_F(BindingTest, WritesRowMajorData) {
  isa::TensorBinding B = binding("A", true, "int16", {2, 2}, 100);
  NamedTensor T{"A", ir::Tensor::of<int16_t>({2, 2}, {1, -2, 300, -32768})};
  ASSERT_TRUE(writeBinding(B, T, Dram).isOk());
  // Little-endian int16 values, in row-major order, from byte 100.
  std::vector<uint8_t> Want = {0x01, 0x00, 0xFE, 0xFF, 0x2C, 0x01, 0x00, 0x80};
  EXPECT_EQ(std::vector<uint8_t>(Dram.begin() + 100, Dram.begin() + 108), Want);
  EXPECT_EQ(Dram[99], 0);
  EXPECT_EQ(Dram[108], 0);
  auto Back = readBinding(B, Dram);
  ASSERT_TRUE(Back.isOk()) << Back.message();
  EXPECT_EQ(Back->Data.values<int16_t>(), T.Data.values<int16_t>());
  EXPECT_EQ(Back->Name, "A");
}

TEST_F(BindingTest, WrongElementType) {
  isa::TensorBinding B = binding("A", true, "int8", {4}, 0);
  Status S = writeBinding(B, NamedTensor{"x", ir::Tensor::of<float>({4}, {1, 2, 3, 4})}, Dram);
  ASSERT_FALSE(S.isOk());
  EXPECT_TRUE(contains(S.message(), "input 'A' is int8")) << S.message();
  EXPECT_TRUE(contains(S.message(), "float32")) << S.message();
  // uint8 is not int8.
  EXPECT_FALSE(writeBinding(B, NamedTensor{"x", ir::Tensor::of<uint8_t>({4}, {1, 2, 3, 4})}, Dram).isOk());
}

TEST_F(BindingTest, Shapes) {
  isa::TensorBinding B = binding("A", true, "int8", {2, 3}, 0);
  Status S = writeBinding(B, NamedTensor{"x", ir::Tensor::of<int8_t>({3, 2}, {1, 2, 3, 4, 5, 6})}, Dram);
  ASSERT_FALSE(S.isOk());
  EXPECT_TRUE(contains(S.message(), "[2,3]") && contains(S.message(), "[3,2]")) << S.message();
  // Same element count, different rank: still a different shape.
  EXPECT_FALSE(writeBinding(B, NamedTensor{"x", ir::Tensor::of<int8_t>({6}, {1, 2, 3, 4, 5, 6})}, Dram).isOk());
  // Leading 1s may differ.
  EXPECT_TRUE(writeBinding(B, NamedTensor{"x", ir::Tensor::of<int8_t>({1, 2, 3}, {1, 2, 3, 4, 5, 6})}, Dram).isOk());
  isa::TensorBinding B1 = binding("B", true, "int8", {1, 1, 6}, 0);
  EXPECT_TRUE(writeBinding(B1, NamedTensor{"x", ir::Tensor::of<int8_t>({6}, {1, 2, 3, 4, 5, 6})}, Dram).isOk());
}

TEST_F(BindingTest, LayoutLabelsAreStorageOrderButConversionsAreRefused) {
  isa::TensorBinding L = binding("A", true, "int8", {2}, 0);
  L.Layout = "NCHWc";
  EXPECT_TRUE(writeBinding(L, NamedTensor{"x", ir::Tensor::of<int8_t>({2}, {1, 2})}, Dram).isOk());
  isa::TensorBinding B = binding("A", true, "int8", {2}, 0);
  B.Layout = "nchw16c>NCHW";
  Status S = writeBinding(B, NamedTensor{"x", ir::Tensor::of<int8_t>({2}, {1, 2})}, Dram);
  ASSERT_FALSE(S.isOk());
  EXPECT_TRUE(contains(S.message(), "'nchw16c>NCHW'")) << S.message();
  auto R = readBinding(B, Dram);
  ASSERT_FALSE(R.isOk());
  EXPECT_TRUE(contains(R.message(), "'nchw16c>NCHW'")) << R.message();
}

TEST_F(BindingTest, OutsideDram) {
  isa::TensorBinding B = binding("A", true, "int32", {4}, 4090);
  Status S = writeBinding(B, NamedTensor{"x", ir::Tensor::of<int32_t>({4}, {1, 2, 3, 4})}, Dram);
  ASSERT_FALSE(S.isOk());
  EXPECT_TRUE(contains(S.message(), "outside DRAM")) << S.message();
}

TEST_F(BindingTest, Int4Packing) {
  std::vector<int8_t> Values = {-8, -1, 0, 7, 3, -5, 1};
  isa::TensorBinding B = binding("Q", true, "int4", {7}, 10);
  ASSERT_TRUE(writeBinding(B, NamedTensor{"q", ir::Tensor::of<int8_t>({7}, Values)}, Dram).isOk());
  // Two per byte, low nibble first: the nibble of V is V & 15 (two's complement).
  std::vector<uint8_t> Want = {uint8_t(0x8 | 0xF << 4), uint8_t(0x0 | 0x7 << 4), uint8_t(0x3 | 0xB << 4),
                               0x1};
  EXPECT_EQ(std::vector<uint8_t>(Dram.begin() + 10, Dram.begin() + 14), Want);
  EXPECT_EQ(Dram[14], 0);
  auto Back = readBinding(B, Dram);
  ASSERT_TRUE(Back.isOk()) << Back.message();
  EXPECT_EQ(Back->Data.elemType(), ir::ElemType::Int8);
  EXPECT_EQ(Back->Data.values<int8_t>(), Values);

  Status TooBig = writeBinding(B, NamedTensor{"q", ir::Tensor::of<int8_t>({7}, {0, 0, 8, 0, 0, 0, 0})}, Dram);
  ASSERT_FALSE(TooBig.isOk());
  EXPECT_TRUE(contains(TooBig.message(), "element 2 = 8")) << TooBig.message();
  EXPECT_FALSE(writeBinding(B, NamedTensor{"q", ir::Tensor::of<int8_t>({7}, {0, 0, 0, 0, 0, 0, -9})}, Dram).isOk());
  Status Wrong = writeBinding(B, NamedTensor{"q", ir::Tensor::of<int16_t>({7}, {0, 0, 0, 0, 0, 0, 0})}, Dram);
  ASSERT_FALSE(Wrong.isOk());
  EXPECT_TRUE(contains(Wrong.message(), "int4")) << Wrong.message();
}

TEST_F(BindingTest, BindInputsByPositionAndName) {
  isa::Program P = finishOnlyProgram(C);
  P.IO = {binding("A", true, "int8", {2}, 0), binding("Y", false, "int8", {2}, 64),
          binding("B", true, "int8", {2}, 32)};
  std::vector<uint8_t> D(4096, 0);
  std::vector<std::optional<NamedTensor>> In(2);
  In[0] = NamedTensor{"", ir::Tensor::of<int8_t>({2}, {1, 2})};  // unnamed: position 0 -> A
  In[1] = NamedTensor{"B", ir::Tensor::of<int8_t>({2}, {3, 4})}; // named B
  auto Src = bindInputs(P, In, D);
  ASSERT_TRUE(Src.isOk()) << Src.message();
  ASSERT_EQ(Src->size(), 2u);
  EXPECT_EQ((*Src)[0], std::optional<size_t>(0));
  EXPECT_EQ((*Src)[1], std::optional<size_t>(1));
  EXPECT_EQ(D[0], 1);
  EXPECT_EQ(D[33], 4);

  // A name wins over the position: "B" given as input_0 feeds B; A keeps its data.
  std::vector<uint8_t> D2(4096, 0x55);
  std::vector<std::optional<NamedTensor>> Swapped(1);
  Swapped[0] = NamedTensor{"B", ir::Tensor::of<int8_t>({2}, {7, 8})};
  auto Src2 = bindInputs(P, Swapped, D2);
  ASSERT_TRUE(Src2.isOk()) << Src2.message();
  EXPECT_FALSE((*Src2)[0]);
  EXPECT_EQ((*Src2)[1], std::optional<size_t>(0));
  EXPECT_EQ(D2[0], 0x55);
  EXPECT_EQ(D2[32], 7);
}

TEST_F(BindingTest, BindInputsErrors) {
  isa::Program P = finishOnlyProgram(C);
  P.IO = {binding("A", true, "int8", {2}, 0)};
  std::vector<uint8_t> D(4096, 0);
  std::vector<std::optional<NamedTensor>> Extra(2);
  Extra[1] = NamedTensor{"Z", ir::Tensor::of<int8_t>({2}, {1, 2})};
  auto E1 = bindInputs(P, Extra, D);
  ASSERT_FALSE(E1.isOk());
  EXPECT_TRUE(contains(E1.message(), "input_1")) << E1.message();

  std::vector<std::optional<NamedTensor>> Twice(2);
  Twice[0] = NamedTensor{"A", ir::Tensor::of<int8_t>({2}, {1, 2})};
  Twice[1] = NamedTensor{"A", ir::Tensor::of<int8_t>({2}, {1, 2})};
  auto E2 = bindInputs(P, Twice, D);
  ASSERT_FALSE(E2.isOk());
  EXPECT_TRUE(contains(E2.message(), "both feed input 'A'")) << E2.message();

  std::vector<std::optional<NamedTensor>> Bad(1);
  Bad[0] = NamedTensor{"", ir::Tensor::of<int32_t>({2}, {1, 2})};
  auto E3 = bindInputs(P, Bad, D);
  ASSERT_FALSE(E3.isOk());
  EXPECT_TRUE(contains(E3.message(), "input_0: input 'A' is int8")) << E3.message();
}

TEST_F(BindingTest, ReadOutputsInOrder) {
  isa::Program P = finishOnlyProgram(C);
  P.IO = {binding("X", true, "int8", {1}, 0), binding("O1", false, "int32", {1}, 8),
          binding("O2", false, "float32", {2}, 16)};
  std::vector<uint8_t> D(4096, 0);
  int32_t V = -5;
  float F[2] = {1.5f, -0.25f};
  std::memcpy(D.data() + 8, &V, 4);
  std::memcpy(D.data() + 16, F, 8);
  auto Out = readOutputs(P, D);
  ASSERT_TRUE(Out.isOk()) << Out.message();
  ASSERT_EQ(Out->size(), 2u);
  EXPECT_EQ((*Out)[0].Name, "O1");
  EXPECT_EQ((*Out)[0].Data.values<int32_t>(), std::vector<int32_t>{-5});
  EXPECT_EQ((*Out)[1].Data.values<float>(), (std::vector<float>{1.5f, -0.25f}));
}
