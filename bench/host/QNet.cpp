// Writes the int8 benchmark's QLinearConv model and its float twin with the project's ONNX writer.
#include "QNet.h"

#include "OnnxWriter.h"

#include <cmath>
#include <random>
#include <vector>

namespace npubench {

using npu::modelgen::OnnxWriter;

namespace {

struct Layer {
  int64_t Cin, Cout, K, Stride;
};

/// One bottleneck per ResNet-50 stage (1x1 reduce, 3x3, 1x1 expand), the 3x3 of stages 2-4 with stride 2.
const std::vector<Layer> Layers = {{64, 64, 1, 1},    {64, 64, 3, 1},    {64, 256, 1, 1},   {256, 128, 1, 1},
                                   {128, 128, 3, 2},  {128, 512, 1, 1},  {512, 256, 1, 1},  {256, 256, 3, 2},
                                   {256, 1024, 1, 1}, {1024, 512, 1, 1}, {512, 512, 3, 2},  {512, 2048, 1, 1}};

/// Every activation uses one scale and zero point 128, range [-1, 1): weights with standard deviation
/// 1/sqrt(fan-in) keep each activation's spread about that of the input (uniform in [-0.5, 0.5), 0.29), so
/// little is clipped.
constexpr float ActScale = 2.0f / 255.0f;
constexpr uint8_t ActZp = 128;

} // namespace

npu::Status writeQNet(const std::string &QPath, const std::string &FPath) {
  OnnxWriter Q("qnet", 13), F("qnet_float", 13);
  const std::vector<int64_t> In = {1, 64, 56, 56};
  int64_t H = 56;
  for (OnnxWriter *W : {&Q, &F})
    W->addInput("x", In);
  Q.addInitializer("act_scale", {}, std::vector<float>{ActScale});
  Q.addInitializer("act_zp", {}, std::vector<uint8_t>{ActZp});
  Q.addNode("QuantizeLinear", "quant_in", {"x", "act_scale", "act_zp"}, {"q0"});
  std::mt19937 Rng(20261207);
  std::string QPrev = "q0", FPrev = "x";
  for (size_t L = 0; L < Layers.size(); ++L) {
    const Layer &Ly = Layers[L];
    const std::string S = std::to_string(L);
    const int64_t Fan = Ly.Cin * Ly.K * Ly.K, Pad = Ly.K / 2;
    std::uniform_int_distribution<int> WD(-127, 127), BD(-2000, 2000);
    std::uniform_real_distribution<float> SD(0.8f, 1.2f);
    std::vector<int8_t> Wq(size_t(Ly.Cout * Fan));
    std::vector<float> Ws(size_t(Ly.Cout)), Wf(Wq.size()), Bf(size_t(Ly.Cout));
    std::vector<int32_t> Bq(size_t(Ly.Cout));
    for (int8_t &V : Wq)
      V = int8_t(WD(Rng));
    for (int64_t O = 0; O < Ly.Cout; ++O) {
      // uniform in [-127, 127] has standard deviation 127 / sqrt(3); scaled to sqrt(1 / fan-in), per channel.
      Ws[size_t(O)] = SD(Rng) * std::sqrt(3.0f / float(Fan)) / 127.0f;
      Bq[size_t(O)] = BD(Rng);
      Bf[size_t(O)] = float(Bq[size_t(O)]) * ActScale * Ws[size_t(O)];
      for (int64_t I = 0; I < Fan; ++I)
        Wf[size_t(O * Fan + I)] = float(Wq[size_t(O * Fan + I)]) * Ws[size_t(O)];
    }
    const std::vector<int64_t> WDims = {Ly.Cout, Ly.Cin, Ly.K, Ly.K};
    Q.addInitializer("w" + S, WDims, Wq);
    Q.addInitializer("ws" + S, {Ly.Cout}, Ws);
    Q.addInitializer("wz" + S, {Ly.Cout}, std::vector<int8_t>(size_t(Ly.Cout), 0));
    Q.addInitializer("b" + S, {Ly.Cout}, Bq);
    F.addInitializer("w" + S, WDims, Wf);
    F.addInitializer("b" + S, {Ly.Cout}, Bf);
    const std::vector<int64_t> Kernel = {Ly.K, Ly.K}, Strides = {Ly.Stride, Ly.Stride}, Pads = {Pad, Pad, Pad, Pad};
    Q.addNode("QLinearConv", "conv" + S,
              {QPrev, "act_scale", "act_zp", "w" + S, "ws" + S, "wz" + S, "act_scale", "act_zp", "b" + S},
              {"q" + std::to_string(L + 1)})
        .attr("kernel_shape", Kernel)
        .attr("strides", Strides)
        .attr("pads", Pads);
    F.addNode("Conv", "conv" + S, {FPrev, "w" + S, "b" + S}, {"f" + std::to_string(L + 1)})
        .attr("kernel_shape", Kernel)
        .attr("strides", Strides)
        .attr("pads", Pads);
    QPrev = "q" + std::to_string(L + 1);
    FPrev = "f" + std::to_string(L + 1);
    H = (H + 2 * Pad - Ly.K) / Ly.Stride + 1;
  }
  Q.addNode("DequantizeLinear", "dequant_out", {QPrev, "act_scale", "act_zp"}, {"y"});
  F.addNode("Identity", "out", {FPrev}, {"y"});
  const std::vector<int64_t> Out = {1, Layers.back().Cout, H, H};
  Q.addOutput("y", Out);
  F.addOutput("y", Out);
  NPU_TRY(Q.writeFile(QPath));
  return F.writeFile(FPath);
}

} // namespace npubench
