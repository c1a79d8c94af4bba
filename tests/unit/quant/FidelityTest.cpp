// Fidelity tools and the accuracy methods of quantization: SQNR/cosine/top-k figures, the per-layer report,
// cross-layer equalization (same float function, better int8), the mse and entropy estimators, bias correction.
#include "QuantTestUtil.h"

#include "../../../compiler/quant/QuantCalibrate.h"
#include "../../../compiler/quant/QuantReport.h"
#include "npu/compiler/check/Fidelity.h"
#include "npu/compiler/ir/Verifier.h"
#include "npu/compiler/ref/Interpreter.h"

#include <cmath>
#include <sstream>

using namespace npu;
using namespace npu::ir;
using namespace npu::qtest;

namespace {

/// x -> depthwise 3x3 conv whose channels differ by up to 10^4 in gain [-> Act] -> 1x1 conv reading the
/// narrow channels with large weights: a per-tensor scale of the middle tensor serves only the wide channels.
/// Positive biases keep every channel alive after a Relu (a channel dead on the calibration sets keeps scale 1).
Graph imbalancedPair(const std::string &Act = "") {
  Graph G;
  G.Name = "pair";
  ValueId X = G.addInput("x", TensorType(ElemType::Float32, {1, 4, 8, 8}));
  Tensor W1 = randomFloats({4, 1, 3, 3}, 11, 0.2f, 1.0f);
  const float Gain[4] = {100.0f, 1.0f, 0.01f, 10.0f};
  for (int64_t I = 0; I < W1.numElements(); ++I)
    W1.data<float>()[I] *= Gain[I / 9];
  Tensor W2 = randomFloats({6, 4, 1, 1}, 12);
  for (int64_t I = 0; I < W2.numElements(); ++I)
    W2.data<float>()[I] /= Gain[I % 4];
  ValueId D = addOp(G, "Conv", {X, G.addConstant("w1", W1), G.addConstant("b1", randomFloats({4}, 13, 0.2f, 1.0f))},
                    {ints("kernel_shape", {3, 3}), ints("pads", {1, 1, 1, 1}), i64("group", 4)});
  if (Act == "relu")
    D = addOp(G, "Relu", {D});
  else if (Act == "relu6")
    D = addOp(G, "Clip", {D, G.addConstant("lo", Tensor::fromValues<float>(ElemType::Float32, {}, {0.0f})),
                          G.addConstant("hi", Tensor::fromValues<float>(ElemType::Float32, {}, {6.0f}))});
  G.Outputs = {addOp(G, "Conv", {D, G.addConstant("w2", W2)}, {ints("kernel_shape", {1, 1})})};
  EXPECT_TRUE(verifyGraph(G).isOk());
  return G;
}

std::vector<std::vector<Tensor>> sets(int N, uint32_t Seed) { return randomInputSets(N, Seed, {1, 4, 8, 8}, -1, 1); }


} // namespace

TEST(Fidelity, FiguresOfAKnownPair) {
  Tensor Ref = Tensor::fromValues<float>(ElemType::Float32, {1, 4}, {1, 2, 3, 4});
  Tensor Got = Tensor::fromValues<float>(ElemType::Float32, {1, 4}, {1, 2, 3, 5});
  check::Fidelity F = check::measureFidelity(Got, Ref);
  EXPECT_NEAR(F.SqnrDb, 10 * std::log10(30.0), 1e-9); // signal 1+4+9+16, noise 1
  EXPECT_NEAR(F.Cosine, 34.0 / std::sqrt(30.0 * 39.0), 1e-12);
  EXPECT_EQ(F.MaxAbsError, 1.0);
  EXPECT_TRUE(F.Scores);
  EXPECT_EQ(F.Top1, 3);
  EXPECT_EQ(F.RefTop1, 3);
  EXPECT_EQ(F.K, 4);
  EXPECT_EQ(F.TopKOverlap, 4);
  EXPECT_TRUE(std::isinf(check::measureFidelity(Ref, Ref).SqnrDb));
  // A [1,2,2] tensor is not a score row.
  Tensor Box = Tensor::fromValues<float>(ElemType::Float32, {1, 2, 2}, {1, 2, 3, 4});
  EXPECT_FALSE(check::measureFidelity(Box, Box).Scores);
  Tensor Swapped = Tensor::fromValues<float>(ElemType::Float32, {6}, {0, 9, 1, 2, 3, 4});
  Tensor Scores = Tensor::fromValues<float>(ElemType::Float32, {6}, {9, 0, 1, 2, 3, 4});
  F = check::measureFidelity(Swapped, Scores);
  EXPECT_EQ(F.Top1, 1);
  EXPECT_EQ(F.RefTop1, 0);
  EXPECT_EQ(F.TopKOverlap, 4); // top-5 {1,5,4,3,2} against {0,5,4,3,2}
  EXPECT_NE(check::formatFidelity(F).find("DIFFERENT"), std::string::npos);
}

TEST(Fidelity, PerLayerSqnrOfAnOutputMatchesTheOutputError) {
  // A final Relu keeps the output int8 (an output without an activation keeps its int32 accumulators).
  Graph G0 = imbalancedPair();
  G0.Outputs = {addOp(G0, "Relu", {G0.Outputs[0]})};
  Graph Float = compileWith(G0, {}, {});
  std::string Dir = tempDir("layer_sqnr");
  std::vector<std::string> Calib = writeSets(Dir, sets(2, 50));
  Graph Quant = compileWith(Float, {"quantize"}, Calib);
  std::vector<passes::CalibSet> Sets;
  for (const auto &S : sets(2, 50))
    Sets.push_back({"", S});
  auto Layers = passes::compareLayers(Float, Quant, Sets);
  ASSERT_TRUE(Layers.isOk()) << Layers.message();
  const std::string OutName = Float.value(Float.Outputs[0]).Name;
  const passes::LayerError *Out = nullptr;
  for (const auto &L : *Layers)
    if (L.Name == OutName)
      Out = &L;
  ASSERT_NE(Out, nullptr) << "no layer entry for the graph output";
  // The graph output is DequantizeLinear(the int8 tensor): the per-layer figure is the output's SQNR.
  double S = 0, N = 0;
  for (const auto &In : sets(2, 50)) {
    auto F = ref::interpret(Float, In), Q = ref::interpret(Quant, In);
    ASSERT_TRUE(F.isOk() && Q.isOk());
    for (int64_t I = 0; I < (*F)[0].numElements(); ++I) {
      double A = (*F)[0].getDouble(I), B = (*Q)[0].getDouble(I);
      S += A * A, N += (A - B) * (A - B);
    }
  }
  EXPECT_NEAR(Out->SqnrDb, 10 * std::log10(S / N), 1e-6);
  EXPECT_GE(Out->RoundSqnrDb, Out->SqnrDb - 1e-9); // rounding the exact value is the best the scale allows
  EXPECT_EQ(Out->Clipped, 0);                      // calibrated on these very sets
}

TEST(Equalize, KeepsTheFloatFunctionAndLiftsInt8Accuracy) {
  for (const std::string Act : {"", "relu"}) {
    SCOPED_TRACE("activation '" + Act + "'");
    Graph Base = compileWith(imbalancedPair(Act), {}, {});
    std::string Dir = tempDir("equalize" + Act);
    std::vector<std::string> Calib = writeSets(Dir, sets(3, 70));
    const EqualizeGain G = measureEqualize(Base, Calib, sets(2, 90)); // held-out inputs
    const double Plain = G.Plain, Equalized = G.Equalized;
    EXPECT_GT(Equalized, Plain + 10) << "plain " << Plain << " dB, equalized " << Equalized << " dB";
    EXPECT_GT(Equalized, 30);
  }
}

TEST(Equalize, LeavesPairsItCannotRescale) {
  // Relu6 does not commute with a per-channel scale; a graph output and a non-conv reader pin the tensor.
  Graph Clip = compileWith(imbalancedPair("relu6"), {}, {});
  Graph After = compileWith(Clip, {"equalize"}, {});
  EXPECT_EQ(printGraph(After), printGraph(Clip));

  Graph G = compileWith(imbalancedPair(), {}, {});
  G.Outputs.push_back(G.nodes()[0].Outputs[0]); // the middle tensor is also a graph output
  Graph Pinned = compileWith(G, {"equalize"}, {});
  EXPECT_EQ(printGraph(Pinned), printGraph(G));

  // Data-free (no calibration): weights only, the function still the same.
  Graph Base = compileWith(imbalancedPair(), {}, {});
  Graph Free = compileWith(Base, {"equalize"}, {});
  EXPECT_NE(printGraph(Free), printGraph(Base));
  auto In = sets(1, 5)[0];
  auto A = ref::interpret(Base, In), B = ref::interpret(Free, In);
  ASSERT_TRUE(A.isOk() && B.isOk());
  EXPECT_GT(sqnrOf((*A)[0], (*B)[0]), 100);
}

TEST(Calibration, MseThresholdIsTheArgminOfRoundingPlusClipping) {
  // A bulk of small values and a few far outliers: clipping the outliers costs less than coarse steps.
  std::vector<double> Hist(256, 0.0);
  for (size_t B = 0; B < 32; ++B)
    Hist[B] = 1e6;
  Hist[255] = 2;
  const double Max = 10.0;
  auto Err = [&](double T) { // the same error model, summed bin by bin
    double E = 0, Step = T / 127;
    for (size_t B = 0; B < Hist.size(); ++B) {
      double X = Max * (double(B) + 0.5) / double(Hist.size());
      E += Hist[B] * (X <= T ? Step * Step / 12 : (X - T) * (X - T));
    }
    return E;
  };
  double Best = Max, BestErr = Err(Max);
  for (size_t I = 1; I <= Hist.size(); ++I)
    if (double T = Max * double(I) / double(Hist.size()); Err(T) < BestErr)
      BestErr = Err(T), Best = T;
  EXPECT_DOUBLE_EQ(passes::mseThreshold(Hist, Max), Best);
  EXPECT_LT(Best, Max / 2);
  // A few outliers against a small bulk: keeping them in range pays.
  Hist.assign(256, 0.0);
  for (size_t B = 0; B < 32; ++B)
    Hist[B] = 10;
  Hist[255] = 2;
  EXPECT_GT(passes::mseThreshold(Hist, Max), 0.99 * Max);
}

TEST(Calibration, EntropyThatClipsTheSignalFallsBackAndSaysSo) {
  // Mostly tiny values and a sparse tail of large ones (a detector's few high scores).
  Graph G;
  G.Name = "scores";
  ValueId X = G.addInput("x", TensorType(ElemType::Float32, {1, 4096}));
  G.Outputs = {addOp(G, "Relu", {X})};
  Tensor In(ElemType::Float32, {1, 4096});
  for (int64_t I = 0; I < In.numElements(); ++I)
    In.data<float>()[I] = I < 32 ? 1.0f + 9.0f * float(I % 13) / 13.0f : 0.01f * float(1 + I % 17) / 17.0f;
  std::vector<std::string> Notes;
  auto R = passes::calibrateRanges(G, {{"set", {In}}}, "entropy", &Notes);
  ASSERT_TRUE(R.isOk()) << R.message();
  const double Out = (*R)[size_t(G.Outputs[0])];
  EXPECT_GT(Out, 9.0) << "the entropy range clips the large scores";
  ASSERT_FALSE(Notes.empty());
  EXPECT_NE(Notes[0].find("using the 99.99th percentile"), std::string::npos) << Notes[0];
}

TEST(BiasCorrection, RemovesTheMeanErrorOfAConvOnItsCalibrationSets) {
  Graph G;
  G.Name = "one_conv";
  ValueId X = G.addInput("x", TensorType(ElemType::Float32, {1, 4, 8, 8}));
  // Weights with values just off the int8 grid in one direction: their rounding errors add up per channel.
  Tensor W = randomFloats({6, 4, 3, 3}, 21, 0.5f, 1.0f);
  ValueId Y = addOp(G, "Conv", {X, G.addConstant("w", W), G.addConstant("b", randomFloats({6}, 22))},
                    {ints("kernel_shape", {3, 3}), ints("pads", {1, 1, 1, 1})});
  G.Outputs = {addOp(G, "Relu", {Y})}; // an int8 output: one without an activation stays int32
  std::vector<std::vector<Tensor>> In = randomInputSets(3, 30, {1, 4, 8, 8}, 0, 1);
  std::vector<std::string> Calib = writeSets(tempDir("bias_correction"), In);
  auto MeanAbs = [&](bool Correct) {
    Graph Q = G;
    passes::PassOptions Opts;
    Opts.CalibDirs = Calib;
    Opts.BiasCorrection = Correct;
    EXPECT_TRUE(runPasses(Q, {"quantize"}, Opts).isOk());
    std::vector<double> Sum(6, 0.0);
    for (const auto &S : In) {
      auto F = ref::interpret(G, S), A = ref::interpret(Q, S);
      for (int64_t I = 0; I < (*F)[0].numElements(); ++I)
        Sum[size_t(I / 64)] += (*F)[0].getDouble(I) - (*A)[0].getDouble(I);
    }
    double M = 0;
    for (double V : Sum)
      M += std::fabs(V) / (64.0 * double(In.size()));
    return M / 6;
  };
  const double Before = MeanAbs(false), After = MeanAbs(true);
  EXPECT_LT(After, Before / 2) << "mean |error| per channel before " << Before << ", after " << After;
}

TEST(Int32Outputs, AnOutputWithoutActivationKeepsItsAccumulators) {
  // The conv's result only leaves the graph: npu.QConv without a multiplier (int32), dequantized per channel
  // with s_x * s_w[o]. Nothing is rounded to 8 bits or clipped to the calibrated output range, so an input
  // within the input's range but four times stronger than the calibration data still comes out right.
  Graph G;
  G.Name = "head";
  ValueId X = G.addInput("x", TensorType(ElemType::Float32, {1, 4, 8, 8}));
  G.Outputs = {addOp(G, "Conv", {X, G.addConstant("w", randomFloats({6, 4, 3, 3}, 41))},
                     {ints("kernel_shape", {3, 3}), ints("pads", {1, 1, 1, 1})})};
  std::vector<std::vector<Tensor>> Weak = randomInputSets(2, 42, {1, 4, 8, 8}, -0.25f, 0.25f);
  for (auto &S : Weak)
    S[0].data<float>()[0] = 1.0f, S[0].data<float>()[1] = -1.0f; // the input's range is [-1, 1]
  Graph Q = compileWith(G, {"quantize"}, writeSets(tempDir("int32_out"), Weak));
  int Int32Convs = 0;
  for (const Node &N : Q.nodes())
    Int32Convs += N.OpType == "npu.QConv" && Q.type(N.Outputs[0]).Elem == ElemType::Int32 &&
                  !N.findAttr("multiplier");
  EXPECT_EQ(Int32Convs, 1) << printGraph(Q);
  std::vector<Tensor> Strong = {randomFloats({1, 4, 8, 8}, 43, -1, 1)};
  auto F = ref::interpret(G, Strong), A = ref::interpret(Q, Strong);
  ASSERT_TRUE(F.isOk() && A.isOk());
  EXPECT_GT(sqnrOf((*F)[0], (*A)[0]), 30);
}

TEST(CalibHeadroom, Int16RangesLeaveRoomForStrongerInputs) {
  // x -> conv -> relu -> conv (an output kept in int32): the relu tensor is int16 on edge16. Calibrated on weak
  // inputs, a held-out input three times stronger clips it unless the ranges have headroom, which int16 can
  // afford (the default there is 4x; 1x is the int8 default).
  Graph G;
  G.Name = "headroom";
  ValueId X = G.addInput("x", TensorType(ElemType::Float32, {1, 4, 8, 8}));
  ValueId C1 = addOp(G, "Conv", {X, G.addConstant("w1", randomFloats({8, 4, 3, 3}, 51))},
                     {ints("kernel_shape", {3, 3}), ints("pads", {1, 1, 1, 1})});
  ValueId R = addOp(G, "Relu", {C1});
  G.Outputs = {addOp(G, "Conv", {R, G.addConstant("w2", randomFloats({4, 8, 1, 1}, 52))},
                     {ints("kernel_shape", {1, 1})})};
  std::vector<std::vector<Tensor>> Weak = randomInputSets(2, 53, {1, 4, 8, 8}, -0.3f, 0.3f);
  for (auto &S : Weak)
    S[0].data<float>()[0] = 1.0f, S[0].data<float>()[1] = -1.0f; // the input's range is [-1, 1]
  const std::vector<std::string> Calib = writeSets(tempDir("headroom"), Weak);
  const HardwareConfig C = loadConfig("edge16");
  auto Quantized = [&](double Headroom) {
    Graph Q = G;
    passes::PassOptions Opts;
    Opts.Config = &C;
    Opts.CalibDirs = Calib;
    Opts.CalibHeadroom = Headroom;
    Status S = runPasses(Q, {"shape-inference", "fuse", "quantize"}, Opts);
    EXPECT_TRUE(S.isOk()) << S.message();
    return Q;
  };
  const std::vector<Tensor> Strong = {randomFloats({1, 4, 8, 8}, 54, -1, 1)};
  auto F = ref::interpret(G, Strong);
  ASSERT_TRUE(F.isOk());
  auto SqnrWith = [&](double Headroom) {
    auto A = ref::interpret(Quantized(Headroom), Strong);
    EXPECT_TRUE(A.isOk());
    return A.isOk() ? sqnrOf((*F)[0], (*A)[0]) : 0.0;
  };
  const double Tight = SqnrWith(1), Default = SqnrWith(0);
  EXPECT_GT(Default, Tight + 10) << "1x: " << Tight << " dB, default (4x): " << Default << " dB";
  EXPECT_GT(Default, 35);
}
