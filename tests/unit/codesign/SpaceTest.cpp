// Space files: the issue's 36-point grid, ranges, constraints, random draws, derived configs and errors that
// name the file, line and key.
#include "npu/codesign/Space.h"

#include <gtest/gtest.h>

#include <set>

using namespace npu;
using namespace npu::codesign;

namespace {

const std::string Src = NPU_SOURCE_DIR;

Space parse(const std::string &Text) {
  auto S = parseSpace(Text, "space.yaml", Src);
  EXPECT_TRUE(S) << (S ? "" : S.message());
  return S ? S.takeValue() : Space();
}

std::string errorOf(const std::string &Text) {
  auto S = parseSpace(Text, "space.yaml", Src);
  if (!S)
    return S.message();
  auto P = enumeratePoints(*S);
  return P ? "" : P.message();
}

std::vector<std::string> values(const Space &S, const std::string &Key) {
  for (const Parameter &P : S.Params)
    if (P.Key == Key)
      return P.Values;
  return {};
}

} // namespace

TEST(Space, IssueExampleIs36Points) {
  Space S = parse("base: configs/default.yaml\n"
                  "parameters:\n"
                  "  core.block_in: [8, 16, 32]\n"
                  "  core.block_out: [8, 16, 32]\n"
                  "  buffers.input: [16KiB, 32KiB]\n"
                  "  dram.bandwidth: [8, 16]\n"
                  "strategy: grid\n");
  EXPECT_EQ(S.gridSize(), 36u);
  auto P = enumeratePoints(S);
  ASSERT_TRUE(P) << P.message();
  ASSERT_EQ(P->size(), 36u);
  EXPECT_EQ((*P)[0].label(), "core.block_in=8 core.block_out=8 buffers.input=16KiB dram.bandwidth=8");
  EXPECT_EQ((*P)[35].label(), "core.block_in=32 core.block_out=32 buffers.input=32KiB dram.bandwidth=16");
  // Point 19 sets the values default.yaml has: its config is the base config, hash and all.
  EXPECT_EQ((*P)[19].label(), "core.block_in=16 core.block_out=16 buffers.input=32KiB dram.bandwidth=16");
  auto Base = loadHardwareConfig(Src + "/configs/default.yaml");
  ASSERT_TRUE(Base);
  auto C19 = pointConfig(S, (*P)[19]);
  ASSERT_TRUE(C19) << C19.message();
  EXPECT_EQ(C19->Hash, Base->Hash);
  auto C0 = pointConfig(S, (*P)[0]);
  ASSERT_TRUE(C0) << C0.message();
  EXPECT_EQ(C0->BlockIn, 8u);
  EXPECT_EQ(C0->InputBufferBytes, 16384u);
  EXPECT_EQ(C0->DramBandwidth, 8u);
  EXPECT_EQ(C0->WeightBufferBytes, Base->WeightBufferBytes); // untouched keys keep the base's values
  std::set<std::string> Hashes;
  for (const Point &Pt : *P)
    Hashes.insert(pointConfig(S, Pt)->Hash);
  EXPECT_EQ(Hashes.size(), 36u);
}

TEST(Space, Ranges) {
  Space S = parse("parameters:\n"
                  "  core.block_in: {min: 8, max: 32, step: 8}\n"
                  "  buffers.input: {min: 16KiB, max: 128KiB, scale: pow2}\n");
  EXPECT_EQ(values(S, "core.block_in"), (std::vector<std::string>{"8", "16", "24", "32"}));
  EXPECT_EQ(values(S, "buffers.input"), (std::vector<std::string>{"16384", "32768", "65536", "131072"}));
  EXPECT_EQ(S.gridSize(), 16u);
  EXPECT_EQ(S.BaseYaml, "{}"); // no base: the defaults
}

TEST(Space, Constraints) {
  Space S = parse("parameters:\n"
                  "  core.block_in: [8, 16, 32]\n"
                  "  core.block_out: [8, 16, 32]\n"
                  "constraints:\n"
                  "  - core.block_out % core.block_in == 0\n");
  uint64_t Excluded = 0;
  auto P = enumeratePoints(S, &Excluded);
  ASSERT_TRUE(P) << P.message();
  std::set<std::string> Labels;
  for (const Point &Pt : *P)
    Labels.insert(Pt.label());
  EXPECT_EQ(Labels,
            (std::set<std::string>{"core.block_in=8 core.block_out=8", "core.block_in=8 core.block_out=16",
                                   "core.block_in=8 core.block_out=32", "core.block_in=16 core.block_out=16",
                                   "core.block_in=16 core.block_out=32", "core.block_in=32 core.block_out=32"}));
  EXPECT_EQ(Excluded, 3u);
  // A budget over keys swept and not swept (weight 256 KiB, accumulator 128 KiB from default.yaml).
  Space B = parse("base: configs/default.yaml\n"
                  "parameters:\n"
                  "  buffers.input: [16KiB, 32KiB, 64KiB]\n"
                  "constraints:\n"
                  "  - buffers.input + buffers.weight + buffers.accumulator <= 416KiB\n");
  auto PB = enumeratePoints(B, &Excluded);
  ASSERT_TRUE(PB) << PB.message();
  EXPECT_EQ(PB->size(), 2u);
  EXPECT_EQ(Excluded, 1u);
}

TEST(Space, Expressions) {
  auto Eval = [](const std::string &T) {
    auto V = evaluateExpression(T, [](const std::string &K) -> Expected<double> {
      if (K == "a.b")
        return 6.0;
      return makeError("unknown");
    });
    return V ? *V : -999.0;
  };
  EXPECT_EQ(Eval("2 + 3 * 4"), 14);
  EXPECT_EQ(Eval("(2 + 3) * 4"), 20);
  EXPECT_EQ(Eval("32KiB / 1KiB"), 32);
  EXPECT_EQ(Eval("a.b % 4 == 2 && a.b >= 6"), 1);
  EXPECT_EQ(Eval("!(1 < 2) || a.b != 6"), 0);
  EXPECT_EQ(Eval("-a.b + 10 <= 4"), 1);
  EXPECT_EQ(Eval("1 +"), -999);
  EXPECT_EQ(Eval("x.y > 1"), -999);
  EXPECT_EQ(Eval("1 / 0"), -999);
}

TEST(Space, RandomDrawsAreDistinctAndRepeatable) {
  const std::string Text = "parameters:\n"
                           "  core.block_in: [8, 16, 32]\n"
                           "  core.block_out: [8, 16, 32]\n"
                           "  dram.bandwidth: [8, 16, 32]\n"
                           "strategy: random 5\n"
                           "seed: 7\n";
  Space S = parse(Text);
  EXPECT_EQ(S.Strategy, StrategyKind::Random);
  auto A = enumeratePoints(S), B = enumeratePoints(parse(Text));
  ASSERT_TRUE(A && B);
  ASSERT_EQ(A->size(), 5u);
  std::set<uint64_t> Ids;
  for (size_t K = 0; K < 5; ++K) {
    Ids.insert((*A)[K].Index);
    EXPECT_EQ((*A)[K].Index, (*B)[K].Index);
    EXPECT_LT((*A)[K].Index, 27u);
    if (K)
      EXPECT_LT((*A)[K - 1].Index, (*A)[K].Index);
  }
  EXPECT_EQ(Ids.size(), 5u);
  Space All = parse("parameters:\n  core.block_in: [8, 16]\nstrategy: random 10\n");
  EXPECT_EQ(enumeratePoints(All)->size(), 2u); // more than the grid: every point
  EXPECT_EQ(parse("parameters:\n  core.block_in: [8]\nstrategy: adaptive 4\n").Count, 4u);
}

TEST(Space, InvalidPointNamesIt) {
  Space S = parse("parameters:\n  buffers.input: [1, 32KiB]\n");
  auto P = enumeratePoints(S);
  ASSERT_TRUE(P);
  auto C = pointConfig(S, (*P)[0]);
  ASSERT_FALSE(C);
  EXPECT_EQ(C.message(), "space.yaml:2: point 0 (buffers.input=1): buffers.input: 1 bytes is smaller than one tile "
                         "row of 16 bytes");
  EXPECT_TRUE(pointConfig(S, (*P)[1]));
}

TEST(Space, ErrorsNameFileLineAndKey) {
  EXPECT_EQ(errorOf("parameters:\n  core.blok_in: [8]\n"),
            "space.yaml:2:3: core.blok_in: not a config key (docs/config-schema.md lists them)");
  EXPECT_EQ(errorOf("parameters:\n  core.block_in: [8]\nstrategy: best 3\n"),
            "space.yaml:3:11: strategy: expected grid, random N or adaptive K (N, K > 0), got 'best 3'");
  EXPECT_EQ(errorOf("parameters:\n  core.block_in: [8]\nstrategy: random 0\n").substr(0, 16), "space.yaml:3:11:");
  EXPECT_EQ(errorOf("parameters:\n  core.block_in: 8\n"),
            "space.yaml:2:18: core.block_in: expected a list of values [a, b] or a range {min, max, step | "
            "scale: pow2}");
  EXPECT_EQ(errorOf("parameters:\n  core.block_in: {min: 8}\n"),
            "space.yaml:2:18: core.block_in: a range needs min and max");
  EXPECT_EQ(errorOf("parameters:\n  core.block_in: [8]\nconstraints:\n  - core.block_in >> 2\n").substr(0, 31),
            "space.yaml:4:5: constraint in '");
  EXPECT_NE(errorOf("parameters:\n  core.block_in: [8]\nconstraints:\n  - core.widht > 2\n")
                .find("space.yaml:4:5: constraint in 'core.widht > 2' at column 11: core.widht: not a config key"),
            std::string::npos);
  EXPECT_EQ(errorOf("parameters:\n  core.block_in: [8]\nbogus: 1\n"),
            "space.yaml:3:1: unknown key 'bogus' (base, parameters, constraints, strategy, seed, models)");
  EXPECT_EQ(errorOf("base: no/such.yaml\nparameters:\n  core.block_in: [8]\n"),
            "space.yaml:1:7: base: cannot open the config file 'no/such.yaml'");
  EXPECT_EQ(errorOf("strategy: grid\n"), "space.yaml: parameters: no parameter to sweep");
  EXPECT_EQ(errorOf("parameters: [\n").substr(0, 11), "space.yaml:");
}

TEST(Space, ModelsResolveAgainstTheSpaceFile) {
  // configs/default.yaml exists under the source tree (the base folder here), no/such.onnx nowhere: kept as given.
  Space S = parse("parameters:\n  core.block_in: [8]\nmodels: [configs/default.yaml, no/such.onnx]\n");
  ASSERT_EQ(S.Models.size(), 2u);
  EXPECT_EQ(S.Models[0], Src + "/configs/default.yaml");
  EXPECT_EQ(S.Models[1], "no/such.onnx");
}
