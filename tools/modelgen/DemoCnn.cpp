// The demo CNN: fixed-seed backbone weights, a classifier head fitted in closed form to synthetic image
// classes, written as ONNX and TensorProto files; the fp32 outputs come from the project's reference
// interpreter.
#include "DemoCnn.h"

#include "OnnxWriter.h"

#include "npu/compiler/frontend/LoadModel.h"
#include "npu/compiler/frontend/TensorProto.h"
#include "npu/compiler/ref/Interpreter.h"

#include <cmath>
#include <filesystem>
#include <sstream>

namespace npu::modelgen {

namespace {

/// splitmix64: a tiny generator whose output is fixed by its definition (std:: distributions are not portable
/// across standard libraries, and the files must be byte-identical everywhere).
class SeededRng {
public:
  explicit SeededRng(uint64_t Seed) : State(Seed) {}
  uint64_t next() {
    uint64_t Z = (State += 0x9E3779B97F4A7C15ull);
    Z = (Z ^ (Z >> 30)) * 0xBF58476D1CE4E5B9ull;
    Z = (Z ^ (Z >> 27)) * 0x94D049BB133111EBull;
    return Z ^ (Z >> 31);
  }
  /// Uniform in [Lo, Hi): 24 random bits, exact in float.
  float uniform(float Lo, float Hi) { return Lo + (Hi - Lo) * (float(next() >> 40) / 16777216.0f); }

private:
  uint64_t State;
};

constexpr int64_t ImageSize = 32, Classes = 10, Features = 32;

struct Conv {
  std::string Name;
  int64_t In, Out, Stride;
  bool Relu;
  std::vector<float> Weights, Bias;
};

struct Params {
  std::vector<Conv> Convs; ///< conv1, res.conv1, res.conv2, conv2
  std::vector<float> Fc, FcBias;
};

/// He-uniform weights (bound sqrt(6 / fan_in)) keep the activations' scale through the ReLU layers.
Conv makeConv(SeededRng &R, const std::string &Name, int64_t In, int64_t Out, int64_t Stride, bool Relu) {
  Conv C{Name,
         In,
         Out,
         Stride,
         Relu,
         std::vector<float>(static_cast<size_t>(Out * In * 9)),
         std::vector<float>(static_cast<size_t>(Out))};
  float Bound = std::sqrt(6.0f / float(In * 9));
  for (float &V : C.Weights)
    V = R.uniform(-Bound, Bound);
  for (float &V : C.Bias)
    V = R.uniform(-0.1f, 0.1f);
  return C;
}

std::string addConv(OnnxWriter &W, const Conv &C, const std::string &Input) {
  W.addInitializer(C.Name + ".weight", {C.Out, C.In, 3, 3}, C.Weights);
  W.addInitializer(C.Name + ".bias", {C.Out}, C.Bias);
  std::string Out = C.Relu ? C.Name + ".conv" : C.Name;
  W.addNode("Conv", C.Name, {Input, C.Name + ".weight", C.Name + ".bias"}, {Out})
      .attr("kernel_shape", std::vector<int64_t>{3, 3})
      .attr("pads", std::vector<int64_t>{1, 1, 1, 1})
      .attr("strides", std::vector<int64_t>{C.Stride, C.Stride});
  if (C.Relu)
    W.addNode("Relu", C.Name + ".relu", {Out}, {C.Name});
  return C.Name;
}

/// The whole classifier, or (WithHead false) the backbone up to the flattened features.
OnnxWriter buildModel(const Params &P, bool WithHead) {
  OnnxWriter W("demo_cnn", 13);
  W.addInput("image", {1, 3, ImageSize, ImageSize});
  std::string X = addConv(W, P.Convs[0], "image");
  W.addNode("MaxPool", "pool1", {X}, {"pool1"})
      .attr("kernel_shape", std::vector<int64_t>{2, 2})
      .attr("strides", std::vector<int64_t>{2, 2});
  X = addConv(W, P.Convs[1], "pool1");
  X = addConv(W, P.Convs[2], X);
  W.addNode("Add", "res.add", {X, "pool1"}, {"res.sum"});
  W.addNode("Relu", "res.relu", {"res.sum"}, {"res"});
  X = addConv(W, P.Convs[3], "res");
  W.addNode("GlobalAveragePool", "gap", {X}, {"gap"});
  W.addNode("Flatten", "flatten", {"gap"}, {"features"}).attr("axis", int64_t(1));
  if (!WithHead) {
    W.addOutput("features", {1, Features});
    return W;
  }
  W.addInitializer("fc.weight", {Classes, Features}, P.Fc);
  W.addInitializer("fc.bias", {Classes}, P.FcBias);
  W.addNode("Gemm", "fc", {"features", "fc.weight", "fc.bias"}, {"logits"}).attr("transB", int64_t(1));
  W.addNode("Softmax", "softmax", {"logits"}, {"probabilities"}).attr("axis", int64_t(-1));
  W.addOutput("probabilities", {1, Classes});
  return W;
}

/// What makes a synthetic class: per channel a base level and a tilted stripe pattern of its own frequency.
struct ImageStyle {
  float Base[3], Amp[3], Fx[3], Fy[3], Phase[3];
};

ImageStyle makeStyle(SeededRng &R) {
  ImageStyle S;
  for (int C = 0; C < 3; ++C) {
    S.Base[C] = R.uniform(0.2f, 0.8f), S.Amp[C] = R.uniform(0.0f, 0.4f);
    S.Fx[C] = R.uniform(-0.2f, 0.2f), S.Fy[C] = R.uniform(-0.2f, 0.2f), S.Phase[C] = R.uniform(0.0f, 1.0f);
  }
  return S;
}

/// A triangle wave in [-1, 1] with period 1: arithmetic only, so images are the same bytes on every libm.
float triangle(float T) { return 4.0f * std::fabs(T - std::floor(T) - 0.5f) - 1.0f; }

/// An image of style S in [0, 1]; with R, the style is jittered and pixel noise added (a sample of the
/// class), without it the clean prototype.
ir::Tensor render(ImageStyle S, SeededRng *R) {
  if (R)
    for (int C = 0; C < 3; ++C)
      S.Base[C] += R->uniform(-0.05f, 0.05f), S.Phase[C] += R->uniform(-0.15f, 0.15f);
  ir::Tensor T(ir::ElemType::Float32, {1, 3, ImageSize, ImageSize});
  float *P = T.data<float>();
  for (int64_t C = 0; C < 3; ++C)
    for (int64_t Y = 0; Y < ImageSize; ++Y)
      for (int64_t X = 0; X < ImageSize; ++X) {
        float V = S.Base[C] + S.Amp[C] * triangle(S.Fx[C] * float(X) + S.Fy[C] * float(Y) + S.Phase[C]) +
                  (R ? R->uniform(-0.1f, 0.1f) : 0.0f);
        P[(C * ImageSize + Y) * ImageSize + X] = std::fmin(1.0f, std::fmax(0.0f, V));
      }
  return T;
}

/// The head as a nearest-centroid classifier over the prototypes' backbone features F[k]: logit_k =
/// s (f . (F_k - mean) - (|F_k|^2 - mean_j |F_j|^2) / 2), which ranks classes as -|f - F_k|^2 does, with
/// centred weights that quantize well; s makes the typical gap between classes a few logits.
void fitHead(const std::vector<std::vector<float>> &F, Params &P) {
  std::vector<double> Mean(Features, 0.0), Norm2(Classes, 0.0);
  for (const auto &Fk : F)
    for (int64_t I = 0; I < Features; ++I)
      Mean[I] += Fk[I] / double(Classes);
  double MeanNorm2 = 0, Dist2 = 0;
  for (int64_t K = 0; K < Classes; ++K) {
    for (int64_t I = 0; I < Features; ++I)
      Norm2[K] += double(F[K][I]) * F[K][I];
    MeanNorm2 += Norm2[K] / double(Classes);
    for (int64_t J = 0; J < Classes; ++J)
      for (int64_t I = 0; I < Features; ++I)
        Dist2 += (double(F[K][I]) - F[J][I]) * (double(F[K][I]) - F[J][I]) / double(Classes * (Classes - 1));
  }
  double Scale = Dist2 > 0 ? 16.0 / Dist2 : 1.0;
  P.Fc.assign(static_cast<size_t>(Classes * Features), 0.0f);
  P.FcBias.assign(static_cast<size_t>(Classes), 0.0f);
  for (int64_t K = 0; K < Classes; ++K) {
    for (int64_t I = 0; I < Features; ++I)
      P.Fc[K * Features + I] = float(Scale * (F[K][I] - Mean[I]));
    P.FcBias[K] = float(-Scale * (Norm2[K] - MeanNorm2) / 2);
  }
}

int64_t argmax(const ir::Tensor &T) {
  int64_t Best = 0;
  for (int64_t I = 1; I < T.numElements(); ++I)
    if (T.getDouble(I) > T.getDouble(Best))
      Best = I;
  return Best;
}

} // namespace

Expected<std::string> writeDemoCnn(const std::string &Dir, const DemoCnnOptions &Opts) {
  if (Opts.Sets < 1)
    return makeError("demo CNN: at least one input set is needed");
  std::error_code Ec;
  std::filesystem::create_directories(Dir, Ec);
  if (Ec)
    return makeError(Dir, ": cannot create the folder: ", Ec.message());
  // Separate streams, so more sets never change the weights or the earlier sets.
  SeededRng Weights(Opts.Seed), Styles(Opts.Seed ^ 0x5DEECE66Dull),
      Samples(Opts.Seed ^ 0x1A2B3C4D5E6F7081ull);
  Params P;
  P.Convs = {makeConv(Weights, "conv1", 3, 16, 1, true), makeConv(Weights, "res.conv1", 16, 16, 1, true),
             makeConv(Weights, "res.conv2", 16, 16, 1, false),
             makeConv(Weights, "conv2", 16, Features, 2, true)};
  std::vector<ImageStyle> ClassStyles;
  for (int64_t K = 0; K < Classes; ++K)
    ClassStyles.push_back(makeStyle(Styles));

  // The backbone's features of each class prototype, from the reference interpreter, fit the head.
  std::string Backbone = buildModel(P, false).serialize();
  auto B = frontend::importOnnxBytes(Backbone, {}, Dir, "demo CNN backbone");
  if (!B)
    return B.error();
  std::vector<std::vector<float>> ProtoFeatures;
  for (const ImageStyle &S : ClassStyles) {
    auto F = ref::interpret(*B, {render(S, nullptr)});
    if (!F)
      return F.error().withContext("demo CNN backbone");
    const float *V = (*F)[0].data<float>();
    ProtoFeatures.emplace_back(V, V + Features);
  }
  fitHead(ProtoFeatures, P);

  // Sets left by an earlier run with more of them would join the calibration of `--calib DIR`.
  std::vector<std::filesystem::path> Stale;
  const std::string Prefix = "test_data_set_";
  for (const std::filesystem::directory_entry &E : std::filesystem::directory_iterator(Dir, Ec)) {
    const std::string Name = E.path().filename().string();
    if (Name.rfind(Prefix, 0) == 0 && Name.size() > Prefix.size() && Name.size() <= Prefix.size() + 9 &&
        Name.find_first_not_of("0123456789", Prefix.size()) == std::string::npos &&
        std::stol(Name.substr(Prefix.size())) >= Opts.Sets)
      Stale.push_back(E.path());
  }
  for (const std::filesystem::path &P : Stale)
    std::filesystem::remove_all(P, Ec);
  const std::string ModelPath = (std::filesystem::path(Dir) / "model.onnx").string();
  NPU_TRY(buildModel(P, true).writeFile(ModelPath));
  // The model as the compiler reads it, so the fp32 references are the reference interpreter's.
  auto G = frontend::loadModel(ModelPath);
  if (!G)
    return G.error();
  std::ostringstream OS;
  OS << "demo CNN (seed " << Opts.Seed << "): image 1x3x32x32 -> conv3x3 16 + relu -> maxpool 2x2 -> "
     << "residual (conv3x3 16 + relu, conv3x3 16, add, relu) -> conv3x3/2 32 + relu -> global avg pool -> "
     << "gemm 10 -> softmax; " << Classes << " synthetic image classes\n";
  for (int S = 0; S < Opts.Sets; ++S) {
    std::filesystem::path Set = std::filesystem::path(Dir) / ("test_data_set_" + std::to_string(S));
    std::filesystem::create_directories(Set, Ec);
    if (Ec)
      return makeError(Set.string(), ": cannot create the folder: ", Ec.message());
    int64_t Label = int64_t(Samples.next() % Classes);
    ir::Tensor X = render(ClassStyles[Label], &Samples);
    auto Y = ref::interpret(*G, {X});
    if (!Y)
      return Y.error().withContext(ModelPath);
    NPU_TRY(frontend::writeTensorProtoFile((Set / "input_0.pb").string(), "image", X));
    NPU_TRY(frontend::writeTensorProtoFile((Set / "output_0.pb").string(), "probabilities", (*Y)[0]));
    int64_t Top = argmax((*Y)[0]);
    OS << "  " << Set.filename().string() << ": an image of class " << Label << "; fp32 class " << Top
       << " (p=" << (*Y)[0].getDouble(Top) << ")\n";
  }
  return OS.str();
}

} // namespace npu::modelgen
