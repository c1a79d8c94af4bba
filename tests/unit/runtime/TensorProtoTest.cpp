// TensorProto files: round trips for every element type checked with the protobuf API, typed fields, errors.
#include "TestUtil.h"

#include "npu/runtime/TensorProto.h"

#include <onnx/onnx_pb.h>

#include <fstream>

using namespace npu;
using namespace npu::runtime;
using npu::runtime::test::ScratchDir;

namespace {

onnx::TensorProto readProtoDirectly(const std::string &Path) {
  onnx::TensorProto P;
  std::ifstream In(Path, std::ios::binary);
  EXPECT_TRUE(P.ParseFromIstream(&In)) << Path;
  return P;
}

void writeBytes(const std::string &Path, const std::string &Bytes) {
  std::ofstream Out(Path, std::ios::binary);
  Out << Bytes;
}

/// Decodes little-endian raw_data by hand, independent of the runtime's memcpy path.
int64_t rawInt(const std::string &Raw, size_t I, unsigned Bytes, bool Signed) {
  uint64_t V = 0;
  for (unsigned B = 0; B < Bytes; ++B)
    V |= uint64_t(uint8_t(Raw[I * Bytes + B])) << (8 * B);
  if (Signed && Bytes < 8 && (V >> (8 * Bytes - 1)) & 1)
    V |= ~uint64_t(0) << (8 * Bytes);
  return int64_t(V);
}

template <typename E>
void roundTrip(const std::vector<E> &Values, int32_t OnnxType, const std::vector<int64_t> &Shape) {
  ScratchDir Dir;
  NamedTensor T{"t", ir::Tensor::of<E>(Shape, Values)};
  std::string Path = Dir.file("t.pb");
  ASSERT_TRUE(writeTensorProto(T, Path).isOk());

  onnx::TensorProto P = readProtoDirectly(Path);
  EXPECT_EQ(P.name(), "t");
  EXPECT_EQ(P.data_type(), OnnxType);
  ASSERT_EQ(std::vector<int64_t>(P.dims().begin(), P.dims().end()), Shape);
  ASSERT_EQ(P.raw_data().size(), Values.size() * sizeof(E));
  for (size_t I = 0; I < Values.size(); ++I) {
    if constexpr (std::is_same_v<E, float>) {
      uint32_t Bits = uint32_t(rawInt(P.raw_data(), I, 4, false));
      float F;
      std::memcpy(&F, &Bits, 4);
      EXPECT_EQ(F, Values[I]) << I;
    } else {
      EXPECT_EQ(rawInt(P.raw_data(), I, sizeof(E), std::is_signed_v<E>), int64_t(Values[I])) << I;
    }
  }

  auto Back = readTensorProto(Path);
  ASSERT_TRUE(Back.isOk()) << Back.message();
  EXPECT_EQ(Back->Name, "t");
  EXPECT_EQ(Back->Data.elemType(), T.Data.elemType());
  EXPECT_EQ(Back->Data.shape(), Shape);
  EXPECT_EQ(Back->Data.values<E>(), Values);
}

} // namespace

TEST(TensorProto, RoundTripEveryType) {
  roundTrip<int8_t>({-128, -1, 0, 1, 127, 42}, onnx::TensorProto::INT8, {2, 3});
  roundTrip<uint8_t>({0, 1, 128, 255}, onnx::TensorProto::UINT8, {4});
  roundTrip<int16_t>({-32768, -2, 0, 300, 32767, 7}, onnx::TensorProto::INT16, {3, 2});
  roundTrip<int32_t>({INT32_MIN, -70000, 0, 70000, INT32_MAX, 5}, onnx::TensorProto::INT32, {1, 2, 3});
  roundTrip<int64_t>({INT64_MIN, -1, 0, int64_t(1) << 40, INT64_MAX, 9}, onnx::TensorProto::INT64, {6});
  roundTrip<float>({-1.5f, 0.0f, 3.25f, 1e-30f, -7e20f, 0.1f}, onnx::TensorProto::FLOAT, {2, 1, 3});
}

TEST(TensorProto, ScalarAndEmpty) {
  roundTrip<int32_t>({17}, onnx::TensorProto::INT32, {});
  roundTrip<float>({}, onnx::TensorProto::FLOAT, {0, 4});
}

TEST(TensorProto, TypedFields) {
  onnx::TensorProto P;
  P.set_data_type(onnx::TensorProto::INT8);
  P.add_dims(3);
  for (int V : {-128, 5, 127})
    P.add_int32_data(V);
  auto T = parseTensorProto(P.SerializeAsString(), "int8.pb");
  ASSERT_TRUE(T.isOk()) << T.message();
  EXPECT_EQ(T->Data.values<int8_t>(), (std::vector<int8_t>{-128, 5, 127}));

  onnx::TensorProto U;
  U.set_data_type(onnx::TensorProto::UINT8);
  U.add_dims(2);
  U.add_int32_data(255), U.add_int32_data(0);
  auto TU = parseTensorProto(U.SerializeAsString(), "u8.pb");
  ASSERT_TRUE(TU.isOk()) << TU.message();
  EXPECT_EQ(TU->Data.values<uint8_t>(), (std::vector<uint8_t>{255, 0}));

  onnx::TensorProto S;
  S.set_data_type(onnx::TensorProto::INT16);
  S.add_dims(2);
  S.add_int32_data(-32768), S.add_int32_data(1234);
  auto TS = parseTensorProto(S.SerializeAsString(), "i16.pb");
  ASSERT_TRUE(TS.isOk()) << TS.message();
  EXPECT_EQ(TS->Data.values<int16_t>(), (std::vector<int16_t>{-32768, 1234}));

  onnx::TensorProto F;
  F.set_data_type(onnx::TensorProto::FLOAT);
  F.add_dims(1), F.add_dims(2);
  F.add_float_data(1.5f), F.add_float_data(-2.0f);
  auto TF = parseTensorProto(F.SerializeAsString(), "f.pb");
  ASSERT_TRUE(TF.isOk()) << TF.message();
  EXPECT_EQ(TF->Data.shape(), (std::vector<int64_t>{1, 2}));
  EXPECT_EQ(TF->Data.values<float>(), (std::vector<float>{1.5f, -2.0f}));

  onnx::TensorProto L;
  L.set_data_type(onnx::TensorProto::INT64);
  L.add_dims(2);
  L.add_int64_data(INT64_MIN), L.add_int64_data(3);
  auto TL = parseTensorProto(L.SerializeAsString(), "i64.pb");
  ASSERT_TRUE(TL.isOk()) << TL.message();
  EXPECT_EQ(TL->Data.values<int64_t>(), (std::vector<int64_t>{INT64_MIN, 3}));
}

static std::string errorOf(const onnx::TensorProto &P, const std::string &Name = "bad.pb") {
  auto T = parseTensorProto(P.SerializeAsString(), Name);
  EXPECT_FALSE(T.isOk());
  return T.isOk() ? "" : T.message();
}

TEST(TensorProto, MalformedFiles) {
  ScratchDir Dir;
  auto Missing = readTensorProto(Dir.file("nope.pb"));
  ASSERT_FALSE(Missing.isOk());
  EXPECT_NE(Missing.message().find("nope.pb"), std::string::npos);
  EXPECT_NE(Missing.message().find("cannot open"), std::string::npos);

  // Bytes that protobuf itself rejects (a truncated length-delimited field).
  writeBytes(Dir.file("junk.pb"), std::string("\x4a\x7f\x01\x02", 4));
  auto Junk = readTensorProto(Dir.file("junk.pb"));
  ASSERT_FALSE(Junk.isOk());
  EXPECT_NE(Junk.message().find("junk.pb"), std::string::npos) << Junk.message();

  // An empty file parses as an empty message: no data type.
  writeBytes(Dir.file("empty.pb"), "");
  auto Empty = readTensorProto(Dir.file("empty.pb"));
  ASSERT_FALSE(Empty.isOk());
  EXPECT_NE(Empty.message().find("no data type"), std::string::npos) << Empty.message();

  auto IsDir = readTensorProto(Dir.str());
  EXPECT_FALSE(IsDir.isOk());
}

TEST(TensorProto, BadContents) {
  onnx::TensorProto Half;
  Half.set_data_type(onnx::TensorProto::FLOAT16);
  Half.add_dims(1);
  Half.set_raw_data(std::string(2, '\0'));
  std::string E = errorOf(Half, "half.pb");
  EXPECT_NE(E.find("half.pb"), std::string::npos) << E;
  EXPECT_NE(E.find("FLOAT16"), std::string::npos) << E;

  onnx::TensorProto Short;
  Short.set_data_type(onnx::TensorProto::INT32);
  Short.add_dims(4);
  Short.set_raw_data(std::string(12, '\0'));
  E = errorOf(Short);
  EXPECT_NE(E.find("raw data has 12 bytes"), std::string::npos) << E;

  onnx::TensorProto Wide;
  Wide.set_data_type(onnx::TensorProto::INT8);
  Wide.add_dims(1);
  Wide.add_int32_data(200);
  E = errorOf(Wide);
  EXPECT_NE(E.find("does not fit INT8"), std::string::npos) << E;

  onnx::TensorProto Neg;
  Neg.set_data_type(onnx::TensorProto::INT8);
  Neg.add_dims(-1);
  E = errorOf(Neg);
  EXPECT_NE(E.find("negative"), std::string::npos) << E;

  onnx::TensorProto Few;
  Few.set_data_type(onnx::TensorProto::FLOAT);
  Few.add_dims(3);
  Few.add_float_data(1);
  E = errorOf(Few);
  EXPECT_NE(E.find("float_data has 1 values"), std::string::npos) << E;

  onnx::TensorProto Both;
  Both.set_data_type(onnx::TensorProto::INT32);
  Both.add_dims(1);
  Both.add_int32_data(1);
  Both.set_raw_data(std::string(4, '\0'));
  E = errorOf(Both);
  EXPECT_NE(E.find("both"), std::string::npos) << E;

  onnx::TensorProto Ext;
  Ext.set_data_type(onnx::TensorProto::FLOAT);
  Ext.add_dims(1);
  Ext.set_data_location(onnx::TensorProto::EXTERNAL);
  E = errorOf(Ext);
  EXPECT_NE(E.find("external"), std::string::npos) << E;

  onnx::TensorProto Huge;
  Huge.set_data_type(onnx::TensorProto::INT8);
  for (int I = 0; I < 4; ++I)
    Huge.add_dims(int64_t(1) << 20);
  E = errorOf(Huge);
  EXPECT_NE(E.find("too large dims"), std::string::npos) << E;
}

TEST(TensorProto, ReadDirectory) {
  ScratchDir Dir;
  ASSERT_TRUE(writeTensorProto(NamedTensor{"a", ir::Tensor::of<int8_t>({2}, {1, 2})}, Dir.file("input_0.pb")).isOk());
  ASSERT_TRUE(writeTensorProto(NamedTensor{"c", ir::Tensor::of<int8_t>({1}, {3})}, Dir.file("input_2.pb")).isOk());
  ASSERT_TRUE(writeTensorProto(NamedTensor{"o", ir::Tensor::of<int8_t>({1}, {9})}, Dir.file("output_0.pb")).isOk());
  writeBytes(Dir.file("input_01.pb"), "not read");
  writeBytes(Dir.file("input_x.pb"), "not read");
  auto In = readTensorDir(Dir.str(), "input");
  ASSERT_TRUE(In.isOk()) << In.message();
  ASSERT_EQ(In->size(), 3u);
  ASSERT_TRUE((*In)[0] && (*In)[2]);
  EXPECT_FALSE((*In)[1]);
  EXPECT_EQ((*In)[0]->Name, "a");
  EXPECT_EQ((*In)[2]->Data.values<int8_t>(), std::vector<int8_t>{3});

  auto None = readTensorDir(Dir.file("missing"), "input");
  ASSERT_FALSE(None.isOk());
  EXPECT_NE(None.message().find("not a directory"), std::string::npos);

  writeBytes(Dir.file("input_1.pb"), std::string("\x4a\x7f", 2));
  auto Bad = readTensorDir(Dir.str(), "input");
  ASSERT_FALSE(Bad.isOk());
  EXPECT_NE(Bad.message().find("input_1.pb"), std::string::npos) << Bad.message();
}
