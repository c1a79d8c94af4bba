// fuse-activations: every recognized form computes the same numbers as the primitives it replaces (reference
// interpreter, random inputs over the interesting range), and the fused operator is what the pass wrote.
#include "PassTestUtil.h"


#include <gtest/gtest.h>

#include <random>

using namespace npu;
using namespace npu::ir;

namespace {

struct Form {
  const char *Name, *Body, *Fused;
};

/// Each body defines %y from %x : f32[4,64] with the constants below.
const Form Forms[] = {
    {"hardswish_hardsigmoid", "%h: f32[4,64] = HardSigmoid(%x) {alpha = 0.16666667, beta = 0.5}\n"
                              "%y: f32[4,64] = Mul(%h, %x)",
     "HardSwish"},
    {"hardswish_relu6", "%a: f32[4,64] = Add(%x, %three)\n%c: f32[4,64] = Clip(%a, %zero, %six)\n"
                        "%m: f32[4,64] = Mul(%x, %c)\n%y: f32[4,64] = Div(%m, %six)",
     "HardSwish"},
    {"hardsigmoid_relu6", "%a: f32[4,64] = Add(%three, %x)\n%c: f32[4,64] = Clip(%a, %zero, %six)\n"
                          "%y: f32[4,64] = Mul(%c, %sixth)",
     "HardSigmoid"},
    {"silu", "%s: f32[4,64] = Sigmoid(%x)\n%y: f32[4,64] = Mul(%x, %s)", "npu.SiLU"},
    {"gelu_erf", "%q: f32[4,64] = Div(%x, %sqrt2)\n%e: f32[4,64] = Erf(%q)\n%p: f32[4,64] = Add(%e, %one)\n"
                 "%m: f32[4,64] = Mul(%x, %p)\n%y: f32[4,64] = Mul(%m, %half)",
     "Gelu"},
};

Graph parse(const Form &F) {
  std::string Text = std::string("graph \"t\" {\n  input %x: f32[4,64]\n"
                                 "  const %three: f32[] = [3.0]\n  const %zero: f32[] = [0.0]\n"
                                 "  const %six: f32[] = [6.0]\n  const %sixth: f32[] = [0.16666667]\n"
                                 "  const %one: f32[] = [1.0]\n  const %half: f32[] = [0.5]\n"
                                 "  const %sqrt2: f32[] = [1.4142135]\n") +
                     F.Body + "\n  output %y\n}\n";
  auto G = parseGraph(Text);
  EXPECT_TRUE(G.isOk()) << F.Name << ": " << (G ? "" : G.message());
  return G.takeValue();
}

} // namespace

TEST(FuseActivations, FusedFormsComputeTheSameNumbers) {
  std::mt19937 Rng(7);
  std::uniform_real_distribution<float> D(-6.0f, 6.0f); // across the kinks at -3 and 3
  Tensor X(ElemType::Float32, {4, 64});
  for (int64_t I = 0; I < X.numElements(); ++I)
    X.data<float>()[I] = D(Rng);
  for (const Form &F : Forms) {
    SCOPED_TRACE(F.Name);
    Graph Before = parse(F), After = Before;
    ASSERT_TRUE(test::runPasses(After, {"fuse-activations"}).isOk());
    ASSERT_EQ(After.nodes().size(), 1u) << printGraph(After);
    EXPECT_EQ(After.nodes()[0].OpType, F.Fused);
    auto A = ref::interpret(Before, {X}), B = ref::interpret(After, {X});
    ASSERT_TRUE(A.isOk() && B.isOk());
    for (int64_t I = 0; I < X.numElements(); ++I)
      EXPECT_NEAR((*B)[0].getDouble(I), (*A)[0].getDouble(I), 1e-5 * std::max(1.0, std::fabs((*A)[0].getDouble(I))))
          << "at x = " << X.getDouble(I);
  }
}
