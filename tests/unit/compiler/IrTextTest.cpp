// Graph IR text form: print/parse round trips of hand-built graphs, elision, parse errors, f16 conversions.
#include "TestUtil.h"
#include "npu/compiler/ir/Printer.h"
#include "npu/compiler/ir/Verifier.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <limits>

using namespace npu;
using namespace npu::ir;

namespace {

/// A graph exercising every attribute kind, several constant encodings, quantized types and odd names.
Graph richGraph() {
  Graph G;
  G.Name = "rich \"graph\"";
  TensorType XT(ElemType::UInt8, {1, 3, 4, 4});
  XT.Quant = QuantParams{{0.0078125f}, {128}, std::nullopt};
  ValueId X = G.addInput("x/in:0", XT);
  Tensor W(ElemType::Int8, {3, 1, 2, 2});
  for (int64_t I = 0; I < W.numElements(); ++I)
    W.data<int8_t>()[I] = static_cast<int8_t>(I * 7 - 40);
  ValueId WId = G.addConstant("w", W);
  TensorType WT = W.type();
  WT.Quant = QuantParams{{0.5f, 0.25f, 1e-30f}, {0, -1, 3}, 0};
  G.value(WId).Type = WT;
  ValueId Big = G.addConstant("big", test::randomFloats({5, 7}, 1));
  Tensor Nan(ElemType::Float32, {3});
  Nan.data<float>()[0] = std::numeric_limits<float>::quiet_NaN();
  Nan.data<float>()[1] = -0.0f;
  Nan.data<float>()[2] = std::numeric_limits<float>::denorm_min();
  ValueId NanId = G.addConstant("nan", Nan);
  Tensor Half(ElemType::Float16, {2});
  Half.data<uint16_t>()[0] = 0x3c00;
  Half.data<uint16_t>()[1] = 0xfc00;
  G.addConstant("half", Half);
  Tensor U64(ElemType::UInt64, {2});
  U64.data<uint64_t>()[0] = UINT64_MAX;
  U64.data<uint64_t>()[1] = 5;
  G.addConstant("u64", U64);
  Tensor I64(ElemType::Int64, {2});
  I64.data<int64_t>()[0] = INT64_MIN;
  I64.data<int64_t>()[1] = INT64_MAX;
  G.addConstant("i64", I64);
  Tensor B(ElemType::Bool, {3});
  B.data<bool>()[1] = true;
  G.addConstant("flags", B);
  Tensor Splat(ElemType::Float32, {100});
  for (int64_t I = 0; I < 100; ++I)
    Splat.data<float>()[I] = 0.1f;
  G.addConstant("splat", Splat);
  G.addConstant("scalar", Tensor::fromValues<double>(ElemType::Float64, {}, {1.0 / 3.0}));
  G.addConstant("empty", Tensor(ElemType::Float32, {0, 4}));

  ValueId Y = G.addValue("y", TensorType(ElemType::Float32, {1, 3, 3, 3}));
  Node &N = G.addNode("Conv", {X, WId, NoValue}, {Y}, "conv \x01 node");
  N.Attrs.push_back({"i", int64_t(-3)});
  N.Attrs.push_back({"f", 1e-5f});
  N.Attrs.push_back({"f2", 3.0f});
  N.Attrs.push_back({"inf", -std::numeric_limits<float>::infinity()});
  N.Attrs.push_back({"s", std::string("tab\there \"q\" \\ \xff")});
  N.Attrs.push_back({"is", std::vector<int64_t>{1, -2, 3}});
  N.Attrs.push_back({"is0", std::vector<int64_t>{}});
  N.Attrs.push_back({"fs", std::vector<float>{0.5f, 1.0f, 1e30f}});
  N.Attrs.push_back({"fs0", std::vector<float>{}});
  N.Attrs.push_back({"ss", std::vector<std::string>{"a", ""}});
  N.Attrs.push_back({"ss0", std::vector<std::string>{}});
  N.Attrs.push_back({"t", Tensor::fromInt64s({4, 5})});
  N.Attrs.push_back({"t2", test::randomFloats({20}, 2)});
  ValueId A = G.addValue("a", TensorType(ElemType::Float32, {5, 7}));
  G.addNode("Split", {Big}, {A, NoValue});
  G.Outputs = {Y, A, NanId};
  return G;
}

void expectRoundTrip(const Graph &G) {
  std::string T1 = printGraph(G);
  auto G2 = parseGraph(T1);
  ASSERT_TRUE(G2.isOk()) << G2.message() << "\n" << T1;
  EXPECT_EQ(printGraph(*G2), T1);
}

} // namespace

TEST(IrText, RoundTripHandBuiltGraph) {
  Graph G = richGraph();
  expectRoundTrip(G);
  auto G2 = parseGraph(printGraph(G));
  ASSERT_TRUE(G2.isOk());
  // The parsed graph holds the same data, byte for byte (NaN included).
  for (size_t I = 0; I < G.numValues(); ++I) {
    const Value &V = G.value(static_cast<ValueId>(I));
    ValueId Id = G2->findValue(V.Name);
    ASSERT_NE(Id, NoValue) << V.Name;
    EXPECT_EQ(G2->value(Id).Type, V.Type) << V.Name;
    if (V.Data) {
      ASSERT_TRUE(G2->value(Id).Data);
      EXPECT_EQ(*G2->value(Id).Data, *V.Data) << V.Name;
    }
  }
  const Node &N = G2->nodes()[0];
  EXPECT_EQ(N.Name, "conv \x01 node");
  EXPECT_EQ(N.Inputs[2], NoValue);
  EXPECT_EQ(N.Attrs, G.nodes()[0].Attrs);
  EXPECT_EQ(G2->nodes()[1].Outputs[1], NoValue);
  EXPECT_EQ(G2->Name, G.Name);
}

TEST(IrText, PrintIsReadable) {
  Graph G;
  G.Name = "g";
  ValueId X = G.addInput("x", TensorType(ElemType::Float32, {2, 3}));
  ValueId S = G.addConstant("shape", Tensor::fromInt64s({3, 2}));
  ValueId Y = G.addValue("y", TensorType(ElemType::Float32, {3, 2}));
  G.addNode("Reshape", {X, S}, {Y}, "r");
  G.Outputs = {Y};
  EXPECT_EQ(printGraph(G), "graph \"g\" {\n"
                           "  input %x: f32[2,3]\n"
                           "  const %shape: i64[2] = [3, 2]\n"
                           "  %y: f32[3,2] = Reshape(%x, %shape) name \"r\"\n"
                           "  output %y\n"
                           "}\n");
  EXPECT_TRUE(verifyGraph(G).isOk());
}

TEST(IrText, ElidedConstantsShowAHashAndDoNotParse) {
  Graph G = richGraph();
  PrintOptions O;
  O.ElideConstantsAbove = 64;
  std::string T = printGraph(G, O);
  EXPECT_NE(T.find("elided \"sha256:"), std::string::npos);
  auto P = parseGraph(T);
  ASSERT_FALSE(P.isOk());
  EXPECT_NE(P.message().find("elided"), std::string::npos);
}

TEST(IrText, ParseErrorsNameTheLine) {
  const char *Bad[] = {
      "",
      "graph",
      "graph \"g\" {",
      "graph \"g\" {\n  input %x: f33[1]\n}",
      "graph \"g\" {\n  input %x: f32[1]\n  input %x: f32[1]\n}",
      "graph \"g\" {\n  const %c: f32[2] = [1.0]\n}",
      "graph \"g\" {\n  const %c: i8[1] = [300]\n}",
      "graph \"g\" {\n  const %c: f32[1] = 0x0000\n}",
      "graph \"g\" {\n  %y: f32[1] = Relu(%nope)\n  output %y\n}",
      "graph \"g\" {\n  %y: f32[1] = Relu(%y) {a = [1, 2.0]}\n}",
      "graph \"g\" {\n  %y: f32[1] = Relu(\n}",
      "graph \"g\" {\n  input %x: f32[1]\n  output %x\n  output %x\n}",
      "graph \"g\" {\n  input %x: f32[1] \"unterminated\n}",
      "graph \"g\" {} trailing",
      "graph \"g\" {\n  input %x: f32[1]{scale=1.0}\n}",
  };
  for (const char *T : Bad) {
    auto G = parseGraph(T);
    EXPECT_FALSE(G.isOk()) << T;
  }
  auto G = parseGraph("graph \"g\" {\n  input %x: f32[1]\n  input %x: f32[1]\n}");
  ASSERT_FALSE(G.isOk());
  EXPECT_NE(G.message().find("line 3"), std::string::npos) << G.message();
}

TEST(IrText, ParsesCommentsAndForwardReferences) {
  auto G = parseGraph("# a comment\ngraph \"g\" {\n"
                      "  input %x: f32[2]\n"
                      "  %b: f32[2] = Relu(%a)  # uses %a before its line\n"
                      "  %a: f32[2] = Neg(%x)\n"
                      "  output %b\n}\n");
  ASSERT_TRUE(G.isOk()) << G.message();
  Status S = verifyGraph(*G);
  ASSERT_FALSE(S.isOk());
  EXPECT_NE(S.message().find("before its definition"), std::string::npos) << S.message();
}

TEST(IrText, FloatTextIsExact) {
  std::mt19937 Rng(7);
  Graph G;
  G.Name = "floats";
  Tensor T(ElemType::Float32, {16});
  Tensor D(ElemType::Float64, {16});
  for (int I = 0; I < 16; ++I) {
    uint32_t Bits = Rng();
    float F;
    std::memcpy(&F, &Bits, 4);
    T.data<float>()[I] = std::isnan(F) ? 1.5f : F;
    D.data<double>()[I] = std::ldexp(static_cast<double>(Rng()), static_cast<int>(Rng() % 200) - 100);
  }
  G.addConstant("f", T);
  G.addConstant("d", D);
  auto P = parseGraph(printGraph(G));
  ASSERT_TRUE(P.isOk()) << P.message();
  EXPECT_EQ(*P->value(P->findValue("f")).Data, T);
  EXPECT_EQ(*P->value(P->findValue("d")).Data, D);
}

TEST(ElemType, HalfConversionIsExactAndRoundsToEven) {
  for (uint32_t H = 0; H < 0x10000; ++H) {
    float F = halfBitsToFloat(static_cast<uint16_t>(H));
    if (std::isnan(F))
      continue;
    EXPECT_EQ(floatToHalfBits(F), H) << H;
  }
  EXPECT_EQ(floatToHalfBits(1.0f + std::ldexp(1.0f, -11)), 0x3c00);     // tie to even (down)
  EXPECT_EQ(floatToHalfBits(1.0f + 3 * std::ldexp(1.0f, -11)), 0x3c02); // tie to even (up)
  EXPECT_EQ(floatToHalfBits(65519.0f), 0x7bff);                         // largest finite
  EXPECT_EQ(floatToHalfBits(65520.0f), 0x7c00);                         // overflows to inf
  EXPECT_EQ(floatToHalfBits(std::ldexp(1.0f, -25)), 0x0000);            // tie to even zero
  EXPECT_EQ(floatToHalfBits(std::ldexp(1.5f, -25)), 0x0001);            // smallest subnormal
  EXPECT_EQ(floatToBFloat16Bits(1.0f + std::ldexp(1.0f, -8)), 0x3f80);  // tie to even
  EXPECT_EQ(bfloat16BitsToFloat(0x3f81), 1.0f + std::ldexp(1.0f, -7));
}
