// Plain int8 graphs with grouped/depthwise convolutions, channel Concats, npu.QAdd with constant operands
// (scalar, per channel, full), npu.QLeakyRelu and npu.QLut go through the layout pass and the NPU backend on every
// config; the func-sim run of the artifact must equal the reference interpreter's run of the plain graph bit
// for bit, and the new operators must run on the NPU.
#include "NpuTestUtil.h"

#include "npu/compiler/ir/Verifier.h"
#include "npu/compiler/passes/PassManager.h"

#include <random>

namespace npu::test {
namespace {

using ir::ElemType;
using ir::Shape;

struct PlainBuilder {
  std::mt19937 Rng;
  ir::Graph G;
  int Count = 0;
  explicit PlainBuilder(unsigned Seed) : Rng(Seed) {}

  ir::Tensor random(ElemType T, Shape Dims, int64_t Lo, int64_t Hi) { return randomTensor(T, Dims, Rng, Lo, Hi); }
  ir::ValueId input(Shape Dims) { return G.addInput("x", ir::TensorType(ElemType::Int8, Dims)); }
  ir::ValueId out(const std::string &Prefix) {
    return G.addValue(Prefix + std::to_string(++Count), std::nullopt);
  }

  ir::ValueId conv(ir::ValueId X, int64_t Cin, int64_t O, int64_t Group, int64_t K, int64_t S, int64_t P) {
    ir::ValueId Y = out("c");
    std::string Id = std::to_string(Count);
    ir::ValueId W = G.addConstant("w" + Id, random(ElemType::Int8, {O, Cin / Group, K, K}, -127, 127));
    ir::ValueId B = G.addConstant("b" + Id, random(ElemType::Int32, {O}, -3000, 3000));
    ir::Node &N = G.addNode("npu.QConv", {X, W, B}, {Y}, "conv" + Id);
    N.setAttr("kernel_shape", Shape{K, K});
    N.setAttr("strides", Shape{S, S});
    N.setAttr("pads", Shape{P, P, P, P});
    N.setAttr("dilations", Shape{1, 1});
    N.setAttr("group", Group);
    std::uniform_int_distribution<int64_t> M(int64_t(1) << 28, (int64_t(1) << 30) - 1);
    std::vector<int64_t> Ms;
    for (int64_t C = 0; C < O; ++C)
      Ms.push_back(M(Rng));
    N.setAttr("multiplier", Ms);
    N.setAttr("shift", int64_t(38));
    N.setAttr("x_zero_point", int64_t(0));
    N.setAttr("y_zero_point", int64_t(0));
    N.setAttr("act_min", int64_t(Count % 2 ? 0 : -128));
    N.setAttr("act_max", int64_t(127));
    return Y;
  }

  /// A constant int8 tensor of zeros [1, P, H, H] (channel padding).
  ir::ValueId zeros(int64_t P, int64_t H) {
    return G.addConstant("zeros" + std::to_string(++Count), ir::Tensor(ElemType::Int8, {1, P, H, H}));
  }

  ir::ValueId concat(std::vector<ir::ValueId> Ins) {
    ir::ValueId Y = out("cat");
    G.addNode("Concat", Ins, {Y}, "concat" + std::to_string(Count)).setAttr("axis", int64_t(1));
    return Y;
  }

  ir::ValueId addConst(ir::ValueId X, Shape KDims) {
    ir::ValueId Y = out("s");
    std::string Id = std::to_string(Count);
    ir::ValueId K = G.addConstant("k" + Id, random(ElemType::Int8, KDims, -127, 127));
    ir::Node &N = G.addNode("npu.QAdd", {X, K}, {Y}, "add" + Id);
    N.setAttr("a_multiplier", int64_t(2500000));
    N.setAttr("b_multiplier", int64_t(1300000));
    N.setAttr("shift", int64_t(22));
    N.setAttr("a_zero_point", int64_t(0));
    N.setAttr("b_zero_point", int64_t(3));
    N.setAttr("y_zero_point", int64_t(0));
    N.setAttr("act_min", int64_t(-128));
    N.setAttr("act_max", int64_t(127));
    return Y;
  }

  ir::ValueId globalPool(ir::ValueId X) {
    ir::ValueId Y = out("g");
    ir::Node &N = G.addNode("npu.QGlobalAvgPool", {X}, {Y}, "pool" + std::to_string(Count));
    N.setAttr("multiplier", int64_t(1) << 28);
    N.setAttr("shift", int64_t(33));
    return Y;
  }

  ir::ValueId add(ir::ValueId A, ir::ValueId B) {
    ir::ValueId Y = out("s");
    ir::Node &N = G.addNode("npu.QAdd", {A, B}, {Y}, "add" + std::to_string(Count));
    N.setAttr("a_multiplier", int64_t(2100000));
    N.setAttr("b_multiplier", int64_t(3300000));
    N.setAttr("shift", int64_t(22));
    N.setAttr("a_zero_point", int64_t(-1));
    N.setAttr("b_zero_point", int64_t(2));
    N.setAttr("y_zero_point", int64_t(1));
    N.setAttr("act_min", int64_t(-128));
    N.setAttr("act_max", int64_t(127));
    return Y;
  }

  /// ShuffleNet's channel shuffle of X [N, C, H, W] in Groups: Reshape, Transpose, Reshape.
  ir::ValueId shuffle(ir::ValueId X, Shape D, int64_t Groups) {
    std::string Id = std::to_string(++Count);
    ir::ValueId S1 =
        G.addConstant("sh1_" + Id, ir::Tensor::fromInt64s({D[0], Groups, D[1] / Groups, D[2], D[3]}));
    ir::ValueId S2 = G.addConstant("sh2_" + Id, ir::Tensor::fromInt64s(D));
    ir::ValueId U = G.addValue("u" + Id, std::nullopt), T = G.addValue("t" + Id, std::nullopt),
                Y = G.addValue("v" + Id, std::nullopt);
    G.addNode("Reshape", {X, S1}, {U}, "reshape_a" + Id);
    G.addNode("Transpose", {U}, {T}, "transpose" + Id).setAttr("perm", Shape{0, 2, 1, 3, 4});
    G.addNode("Reshape", {T, S2}, {Y}, "reshape_b" + Id);
    return Y;
  }

  ir::ValueId leakyRelu(ir::ValueId X, int64_t Pos, int64_t Neg, int64_t XZp) {
    ir::ValueId Y = out("l");
    ir::Node &N = G.addNode("npu.QLeakyRelu", {X}, {Y}, "leaky" + std::to_string(Count));
    N.setAttr("pos_multiplier", Pos);
    N.setAttr("neg_multiplier", Neg);
    N.setAttr("shift", int64_t(21));
    N.setAttr("x_zero_point", XZp);
    N.setAttr("y_zero_point", int64_t(-2));
    N.setAttr("act_min", int64_t(-100));
    N.setAttr("act_max", int64_t(120));
    return Y;
  }

  /// npu.QLut with a random table (drawn from the builder's generator).
  ir::ValueId lut(ir::ValueId X) {
    ir::ValueId Y = out("t");
    std::uniform_int_distribution<int64_t> D(-128, 127);
    std::vector<int64_t> Table(256);
    for (int64_t &V : Table)
      V = D(Rng);
    ir::Node &N = G.addNode("npu.QLut", {X}, {Y}, "lut" + std::to_string(Count));
    N.setAttr("table", Table);
    N.setAttr("function", std::string("random"));
    return Y;
  }

  /// Resize (nearest) of X by Scales, with the given coordinate and rounding modes.
  ir::ValueId resize(ir::ValueId X, std::vector<float> Scales, const std::string &Ctm, const std::string &Nm) {
    std::string Id = std::to_string(++Count);
    ir::ValueId S = G.addConstant("scales" + Id, ir::Tensor::fromValues(ElemType::Float32, {int64_t(Scales.size())}, Scales)), Y = out("r");
    ir::Node &N = G.addNode("Resize", {X, ir::NoValue, S}, {Y}, "resize" + Id);
    N.setAttr("mode", std::string("nearest"));
    N.setAttr("coordinate_transformation_mode", Ctm);
    N.setAttr("nearest_mode", Nm);
    return Y;
  }

  /// Zero Pad of X's H and W (top, left, bottom, right).
  ir::ValueId pad(ir::ValueId X, int64_t T, int64_t L, int64_t B, int64_t R) {
    std::string Id = std::to_string(++Count);
    ir::ValueId P = G.addConstant("pads" + Id, ir::Tensor::fromInt64s({0, 0, T, L, 0, 0, B, R})), Y = out("p");
    G.addNode("Pad", {X, P}, {Y}, "pad" + Id);
    return Y;
  }

  /// Layout for C, compile, run; compare with the plain graph on the interpreter; the ops in OnNpu must be
  /// placed on the NPU.
  void check(ir::ValueId Out, const HardwareConfig &C, const std::vector<std::string> &OnNpu,
             const std::string &What, std::string *TileText = nullptr,
             const std::vector<std::string> &Gone = {}) {
    G.Outputs = {Out};
    auto Run = runPlainGraph(G, C, Rng);
    ASSERT_TRUE(Run.isOk()) << What << " on " << C.Name << ": " << Run.message();
    const backend::CompileResult &R = Run->R;
    for (const backend::NodePlacement &P : R.Placements)
      if (std::find(OnNpu.begin(), OnNpu.end(), P.OpType) != OnNpu.end()) {
        EXPECT_TRUE(P.Npu) << What << " on " << C.Name << ": " << P.Node
                           << " stayed on the host: " << P.Reason;
      }
    for (const backend::NodePlacement &P : R.Placements)
      EXPECT_EQ(std::find(Gone.begin(), Gone.end(), P.OpType), Gone.end())
          << What << ": " << P.Node << " is left";
    EXPECT_EQ(Run->Got[0].byteVector(), Run->Expected[0].byteVector()) << What << " on " << C.Name;
    if (TileText)
      *TileText = R.TileText;
  }
};

/// Tile tensors living inside another one (" in %" in the tile IR text): Concat inputs stored in place.
size_t aliases(const std::string &Tile) {
  size_t N = 0;
  for (size_t P = Tile.find(" in %"); P != std::string::npos; P = Tile.find(" in %", P + 1))
    ++N;
  return N;
}

/// NPU segments of a compiled graph.
size_t npuSegments(const backend::CompileResult &R) {
  return size_t(std::count_if(R.Artifact.Segments.begin(), R.Artifact.Segments.end(),
                              [](const backend::ArtifactSegment &S) { return S.K == backend::ArtifactSegment::Npu; }));
}

TEST(NpuGroupConv, DepthwiseAndGrouped) {
  struct Case {
    int64_t Cin, O, Group, H, K, S, P;
  };
  // Depthwise (one and several channel blocks, stride 2), groups aligned and not aligned with the blocks,
  // channel multiplier 2 (O = 2 * Cin).
  const std::vector<Case> Cases = {{16, 16, 16, 7, 3, 1, 1}, {40, 40, 40, 9, 3, 2, 1},
                                   {24, 48, 24, 6, 3, 1, 1}, {32, 32, 2, 6, 3, 1, 1},
                                   {36, 24, 3, 5, 1, 1, 0},  {8, 8, 8, 10, 5, 1, 2}};
  unsigned Seed = 700;
  for (const std::string &Name : configNames()) {
    HardwareConfig C = loadConfig(Name);
    for (const Case &K : Cases) {
      PlainBuilder B(Seed++);
      ir::ValueId X = B.input({1, K.Cin, K.H, K.H});
      ir::ValueId Y = B.conv(X, K.Cin, K.O, K.Group, K.K, K.S, K.P);
      B.check(B.conv(Y, K.O, 8, 1, 1, 1, 0), C, {"npu.QConv"},
              "group conv " + std::to_string(K.Cin) + "->" + std::to_string(K.O) + " g" +
                  std::to_string(K.Group));
    }
  }
}

TEST(NpuConcat, ByAddressingAndCopy) {
  unsigned Seed = 800;
  for (const std::string &Name : configNames()) {
    HardwareConfig C = loadConfig(Name);
    const int64_t Bo = int64_t(C.BlockOut);
    {
      // Both inputs made in the segment: stored straight into their slices; the last one partial.
      PlainBuilder B(Seed++);
      ir::ValueId X = B.input({1, 8, 6, 6});
      ir::ValueId L = B.conv(X, 8, Bo, 1, 3, 1, 1), R = B.conv(X, 8, Bo + 3, 1, 1, 1, 0);
      ir::ValueId Cat = B.concat({L, R});
      std::string Tile;
      B.check(B.conv(Cat, 2 * Bo + 3, 8, 1, 1, 1, 0), C, {"npu.QConv", "Concat"}, "concat of two convs",
              &Tile);
      // Both conv outputs live inside the concat output: no copy.
      EXPECT_EQ(aliases(Tile), 2u) << Tile.substr(0, 2000);
    }
    {
      // An input concatenated twice and one read after the concat: the second use is copied.
      PlainBuilder B(Seed++);
      ir::ValueId X = B.input({1, 8, 5, 5});
      ir::ValueId L = B.conv(X, 8, 2 * Bo, 1, 3, 1, 1);
      ir::ValueId Cat = B.concat({L, L});
      ir::ValueId Y = B.conv(Cat, 4 * Bo, Bo, 1, 1, 1, 0);
      ir::ValueId Cat2 = B.concat({Y, B.conv(L, 2 * Bo, Bo, 1, 3, 1, 1)});
      B.check(Cat2, C, {"npu.QConv", "Concat"}, "concat twice");
    }
  }
}

TEST(NpuConstAdd, ScalarPerChannelAndFull) {
  unsigned Seed = 900;
  for (const std::string &Name : configNames()) {
    HardwareConfig C = loadConfig(Name);
    for (const Shape &K : std::vector<Shape>{{}, {1, 20, 1, 1}, {20, 1, 1}, {1, 20, 5, 5}, {5}}) {
      PlainBuilder B(Seed++);
      ir::ValueId X = B.input({1, 6, 5, 5});
      ir::ValueId Y = B.addConst(B.conv(X, 6, 20, 1, 3, 1, 1), K);
      B.check(Y, C, {"npu.QConv", "npu.QAdd"}, "add of a constant of rank " + std::to_string(K.size()));
    }
  }
}

TEST(NpuGroupConv, AbsorbsChannelShuffle) {
  unsigned Seed = 1200;
  for (const std::string &Name : configNames()) {
    HardwareConfig C = loadConfig(Name);
    for (auto [Channels, Groups, DwGroups] : std::vector<std::array<int64_t, 3>>{{24, 3, 24}, {36, 4, 2}}) {
      // Grouped 1x1 conv, channel shuffle, grouped 3x3 conv (depthwise or not): the shuffle disappears into
      // the second conv's weights and the whole chain runs on the NPU.
      PlainBuilder B(Seed++);
      ir::ValueId X = B.input({1, Channels, 6, 6});
      ir::ValueId Y = B.conv(X, Channels, Channels, Groups, 1, 1, 0);
      Y = B.shuffle(Y, {1, Channels, 6, 6}, Groups);
      B.check(B.conv(Y, Channels, Channels, DwGroups, 3, 1, 1), C, {"npu.QConv"},
              "shuffle " + std::to_string(Groups) + " then group conv " + std::to_string(DwGroups), nullptr,
              {"Reshape", "Transpose"});
    }
  }
}

TEST(NpuBroadcastAdd, PerChannelActivation) {
  unsigned Seed = 1100;
  for (const std::string &Name : configNames()) {
    HardwareConfig C = loadConfig(Name);
    for (bool RowFirst : {false, true}) {
      // A global pool's [1, C, 1, 1] result added to every position of a conv's output (SE-style).
      PlainBuilder B(Seed++);
      ir::ValueId X = B.input({1, 6, 7, 5});
      ir::ValueId F = B.conv(X, 6, 20, 1, 3, 1, 1), P = B.globalPool(B.conv(X, 6, 20, 1, 1, 1, 0));
      B.check(RowFirst ? B.add(P, F) : B.add(F, P), C, {"npu.QConv", "npu.QAdd", "npu.QGlobalAvgPool"},
              std::string("per-channel add") + (RowFirst ? " (row first)" : ""));
    }
  }
}

TEST(NpuLeakyRelu, AfterConvAndAlone) {
  unsigned Seed = 1000;
  for (const std::string &Name : configNames()) {
    HardwareConfig C = loadConfig(Name);
    {
      PlainBuilder B(Seed++);
      ir::ValueId X = B.input({1, 6, 5, 5});
      B.check(B.leakyRelu(B.conv(X, 6, 20, 1, 3, 1, 1), 1900000, 21000, 0), C,
              {"npu.QConv", "npu.QLeakyRelu"}, "conv-leaky relu");
    }
    {
      // Alone (it anchors its own chain), with an input zero point and a negative slope.
      PlainBuilder B(Seed++);
      ir::ValueId X = B.input({2, 5, 3, 4});
      B.check(B.leakyRelu(X, 3000000, -1500000, 7), C, {"npu.QLeakyRelu"}, "leaky relu alone");
    }
  }
}

// alu.lut after a conv and alone: the NPU's rows through LOAD lut / widen / alu.lut / store equal the
// interpreter's table lookup byte for byte (a random table, so a wrong index or entry shows).
TEST(NpuLut, AfterConvAndAlone) {
  unsigned Seed = 2000;
  for (const std::string &Name : configNames()) {
    HardwareConfig C = loadConfig(Name);
    {
      PlainBuilder B(Seed++);
      ir::ValueId X = B.input({1, 6, 5, 5});
      B.check(B.lut(B.conv(X, 6, 20, 1, 3, 1, 1)), C, {"npu.QConv", "npu.QLut"}, "conv-lut");
    }
    {
      PlainBuilder B(Seed++);
      ir::ValueId X = B.input({2, 21, 3, 4});
      B.check(B.lut(B.lut(X)), C, {"npu.QLut"}, "two luts alone");
    }
  }
}

// Nearest upsampling by integer factors (FPN / detector heads) after a conv: on the NPU, bit-exact with the
// interpreter's Resize, for the coordinate modes that replicate (half_pixel, asymmetric + floor).
TEST(NpuResize, NearestUpsamplingOnTheNpu) {
  unsigned Seed = 3000;
  struct Case {
    std::vector<float> Scales;
    const char *Ctm, *Nm;
  };
  for (const std::string &Name : configNames()) {
    HardwareConfig C = loadConfig(Name);
    for (const Case &K : {Case{{1, 1, 2, 2}, "half_pixel", "round_prefer_floor"},
                          Case{{1, 1, 3, 2}, "asymmetric", "floor"}, Case{{1, 1, 1, 4}, "half_pixel", "round_prefer_ceil"}}) {
      PlainBuilder B(Seed++);
      ir::ValueId X = B.input({1, 6, 5, 4});
      B.check(B.resize(B.conv(X, 6, 20, 1, 3, 1, 1), K.Scales, K.Ctm, K.Nm), C, {"npu.QConv", "Resize"},
              std::string("resize ") + K.Ctm);
    }
  }
}

// Zero padding of H and W between two convs (MobileNet-style explicit Pad): on the NPU through LOAD's pad fields,
// bit-exact with the interpreter's Pad.
TEST(NpuPad, ZeroPadOnTheNpu) {
  unsigned Seed = 4000;
  for (const std::string &Name : configNames()) {
    HardwareConfig C = loadConfig(Name);
    for (auto [T, L, B, R] : {std::array<int64_t, 4>{1, 1, 1, 1}, {0, 2, 3, 0}, {2, 0, 0, 1}}) {
      PlainBuilder Bd(Seed++);
      ir::ValueId X = Bd.input({1, 6, 5, 4});
      Bd.check(Bd.conv(Bd.pad(Bd.conv(X, 6, 20, 1, 1, 1, 0), T, L, B, R), 20, 8, 1, 3, 1, 0), C,
               {"npu.QConv", "Pad"}, "pad " + std::to_string(T) + std::to_string(L) + std::to_string(B) + std::to_string(R));
    }
  }
}

TEST(NpuConcat, ZeroChannelsAfterAPartialBlock) {
  // BlazeFace's channel padding Concat(x[C], zeros[P]): x's blocks (its padding lanes are the first zeros)
  // and ceil((C+P)/c) - ceil(C/c) zero blocks written by the NPU; x made in the segment is not copied.
  struct Case {
    int64_t C, P;
  };
  unsigned Seed = 1200;
  for (const std::string &Name : configNames()) {
    HardwareConfig C = loadConfig(Name);
    for (const Case &K : std::vector<Case>{{24, 4}, {28, 8}, {8, 24}, {32, 4}}) {
      PlainBuilder B(Seed++);
      ir::ValueId X = B.input({1, 8, 6, 6});
      // The first conv's temporary dies before the concat output is written, so the output reuses its DRAM:
      // the zero blocks must really be written.
      ir::ValueId A = B.conv(B.conv(X, 8, 48, 1, 3, 1, 1), 48, K.C, 1, 3, 1, 1);
      ir::ValueId Cat = B.concat({A, B.zeros(K.P, 6)});
      const std::string What = "conv -> Concat(zeros " + std::to_string(K.C) + "+" + std::to_string(K.P) + ") -> conv";
      std::string Tile;
      B.check(B.conv(Cat, K.C + K.P, 8, 1, 1, 1, 0), C, {"npu.QConv", "Concat"}, What, &Tile);
      auto Run = runPlainGraph(B.G, C, B.Rng);
      ASSERT_TRUE(Run.isOk()) << Run.message();
      EXPECT_EQ(npuSegments(Run->R), 1u) << What << " on " << Name;
      // The conv stores straight into the concat output.
      EXPECT_EQ(aliases(Tile), 1u) << What << " on " << Name << "\n" << Tile.substr(0, 2000);
    }
  }
}

TEST(NpuConcat, ZeroChannelsCopiedOrGuarded) {
  unsigned Seed = 1300;
  for (const std::string &Name : configNames()) {
    HardwareConfig C = loadConfig(Name);
    {
      // x is the segment's input (blocked on the host, padding lanes at its zero point 0): copied, then zeros.
      PlainBuilder B(Seed++);
      ir::ValueId X = B.input({1, 12, 5, 5});
      ir::ValueId Cat = B.concat({X, B.zeros(20, 5)});
      B.check(B.conv(Cat, 32, 8, 1, 3, 1, 1), C, {"npu.QConv", "Concat"}, "Concat(input, zeros)");
    }
    {
      // Zeros after two inputs, through a MaxPool and a QAdd whose padding lanes stay 0.
      PlainBuilder B(Seed++);
      ir::ValueId X = B.input({1, 8, 6, 6});
      const int64_t Bo = int64_t(C.BlockOut); // inputs but the last fill whole blocks
      ir::ValueId L = B.conv(X, 8, Bo, 1, 3, 1, 1), R = B.conv(X, 8, 20, 1, 1, 1, 0);
      ir::ValueId Pool = B.out("p");
      ir::Node &M = B.G.addNode("MaxPool", {R}, {Pool}, "pool");
      M.setAttr("kernel_shape", Shape{2, 2});
      M.setAttr("strides", Shape{1, 1});
      M.setAttr("pads", Shape{1, 1, 0, 0});
      ir::ValueId Cat = B.concat({L, Pool, B.zeros(14, 6)});
      B.check(B.conv(Cat, Bo + 34, 8, 1, 1, 1, 0), C, {"npu.QConv", "Concat"}, "Concat(conv, maxpool, zeros)");
    }
    {
      // A producer whose padding lanes are not 0 (clip to [5, 127]): the zeros may not reuse them; the result
      // is still exact (the Concat leaves the blocked layout when C is not a multiple of the block).
      PlainBuilder B(Seed++);
      ir::ValueId X = B.input({1, 8, 6, 6});
      ir::ValueId A = B.conv(X, 8, 20, 1, 3, 1, 1);
      B.G.nodes().back().setAttr("act_min", int64_t(5));
      B.check(B.conv(B.concat({A, B.zeros(4, 6)}), 24, 8, 1, 1, 1, 0), C, {"npu.QConv"}, "Concat(clipped conv, zeros)");
    }
  }
}

TEST(NpuPartition, HeadsSeparatedByHostNodesJoinOneSegment) {
  // Two heads, each conv -> Transpose (host) in node order: trunk, head 1, its Transpose, head 2, its
  // Transpose. The list schedule runs head 2 before head 1's host nodes: one NPU segment.
  unsigned Seed = 1400;
  for (const std::string &Name : configNames()) {
    HardwareConfig C = loadConfig(Name);
    PlainBuilder B(Seed++);
    ir::ValueId X = B.input({1, 8, 6, 6});
    ir::ValueId T = B.conv(X, 8, 16, 1, 3, 1, 1);
    std::vector<ir::ValueId> Outs;
    for (int64_t O : {6, 10}) {
      ir::ValueId H = B.conv(T, 16, O, 1, 1, 1, 0), Y = B.out("t");
      B.G.addNode("Transpose", {H}, {Y}, "transpose" + std::to_string(O)).setAttr("perm", Shape{0, 2, 3, 1});
      Outs.push_back(Y);
    }
    B.G.Outputs = Outs;
    auto Run = runPlainGraph(B.G, C, B.Rng);
    ASSERT_TRUE(Run.isOk()) << Run.message();
    EXPECT_EQ(npuSegments(Run->R), 1u) << Name;
    ASSERT_EQ(Run->Got.size(), 2u);
    for (size_t K = 0; K < 2; ++K)
      EXPECT_EQ(Run->Got[K].byteVector(), Run->Expected[K].byteVector()) << Name << " output " << K;
    // Deterministic: the same graph compiles to the same artifact.
    auto Again = runPlainGraph(B.G, C, B.Rng);
    ASSERT_TRUE(Again.isOk());
    EXPECT_EQ(backend::writeModelArtifact(Again->R.Artifact).takeValue(),
              backend::writeModelArtifact(Run->R.Artifact).takeValue());
  }
}

} // namespace
} // namespace npu::test
