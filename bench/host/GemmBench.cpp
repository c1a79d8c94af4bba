// npu-host-gemm-bench: GFLOP/s of the host path's generated GEMM and convolution kernels against OpenBLAS sgemm
// on DeepBench-like sizes, same thread count. Every result timed (ours and OpenBLAS's) is first checked
// against a plain C++ loop; a wrong one stops the bench before its figure.
#include "Check.h"

#include "npu/host/HostModel.h"

#include <cblas.h>

#include <algorithm>
#include <chrono>
#include <cctype>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <random>
#include <string>
#include <thread>
#include <vector>

using namespace npu;

extern "C" void openblas_set_num_threads(int);
extern "C" char *openblas_get_corename();
extern "C" char *openblas_get_config();

namespace {

double bestMs(int Reps, const std::function<void()> &Fn) {
  Fn(); // warm up (first-touch of buffers, thread start)
  double Best = 1e30;
  for (int R = 0; R < Reps; ++R) {
    auto T0 = std::chrono::steady_clock::now();
    Fn();
    Best = std::min(Best, std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - T0).count());
  }
  return Best;
}

ir::Tensor randomTensor(ir::Shape Dims, unsigned Seed) {
  std::mt19937 Rng(Seed);
  std::uniform_real_distribution<float> D(-1, 1);
  ir::Tensor T(ir::ElemType::Float32, std::move(Dims));
  for (int64_t I = 0; I < T.numElements(); ++I)
    T.data<float>()[I] = D(Rng);
  return T;
}

/// A float32 result's reference: the exact-as-double value of each output and the bound its float32
/// computation must meet.
struct Reference {
  std::vector<double> Want, Bound;
  /// Any float32 summation of N products (any order, blocking or FMA) is within gamma_N * sum |a_i b_i| of the
  /// exact sum, gamma_N = N u / (1 - N u), u = 2^-24 (Higham, Accuracy and Stability, 3.1). Twice N u covers
  /// gamma_N's denominator and the double reference's own rounding by a wide margin.
  void setBound(const std::vector<double> &SumAbs, int64_t N) {
    Bound.resize(SumAbs.size());
    for (size_t I = 0; I < SumAbs.size(); ++I)
      Bound[I] = 2.0 * double(N) * std::ldexp(1.0, -24) * SumAbs[I];
  }
};

/// C = A[M,K] x B[K,N] in double, with each output's sum of |products| for its bound.
Reference gemmReference(const float *A, const float *B, int64_t M, int64_t N, int64_t K) {
  Reference R;
  R.Want.assign(size_t(M * N), 0.0);
  std::vector<double> SumAbs(size_t(M * N), 0.0);
  for (int64_t I = 0; I < M; ++I)
    for (int64_t P = 0; P < K; ++P) {
      const double Av = A[I * K + P];
      for (int64_t J = 0; J < N; ++J) {
        const double Prod = Av * double(B[P * N + J]);
        R.Want[size_t(I * N + J)] += Prod;
        SumAbs[size_t(I * N + J)] += std::fabs(Prod);
      }
    }
  R.setBound(SumAbs, K);
  return R;
}

/// Conv NCHW (batch 1, square, zero padding Pad) with bias, in double, with the bounds.
Reference convReference(const ir::Tensor &X, const ir::Tensor &W, const ir::Tensor &Bias, int64_t Stride, int64_t Pad,
                        int64_t OH) {
  const int64_t C = X.shape()[1], H = X.shape()[2], M = W.shape()[0], Kh = W.shape()[2];
  const float *Xp = X.data<float>(), *Wp = W.data<float>();
  Reference R;
  R.Want.assign(size_t(M * OH * OH), 0.0);
  std::vector<double> SumAbs(R.Want.size(), 0.0);
  for (int64_t Mo = 0; Mo < M; ++Mo)
    for (int64_t Y = 0; Y < OH; ++Y)
      for (int64_t Xo = 0; Xo < OH; ++Xo) {
        double Sum = Bias.data<float>()[Mo], Abs = std::fabs(Sum);
        for (int64_t Ci = 0; Ci < C; ++Ci)
          for (int64_t Ky = 0; Ky < Kh; ++Ky)
            for (int64_t Kx = 0; Kx < Kh; ++Kx) {
              const int64_t Iy = Y * Stride + Ky - Pad, Ix = Xo * Stride + Kx - Pad;
              if (Iy < 0 || Iy >= H || Ix < 0 || Ix >= H)
                continue;
              const double Prod = double(Xp[(Ci * H + Iy) * H + Ix]) * Wp[((Mo * C + Ci) * Kh + Ky) * Kh + Kx];
              Sum += Prod, Abs += std::fabs(Prod);
            }
        R.Want[size_t((Mo * OH + Y) * OH + Xo)] = Sum;
        SumAbs[size_t((Mo * OH + Y) * OH + Xo)] = Abs;
      }
  R.setBound(SumAbs, C * Kh * Kh + 1);
  return R;
}

/// Stops the bench unless Got (N floats) is within the reference's bounds; else prints what was checked.
void requireClose(const std::string &Case, const float *Got, const Reference &R, const std::string &Who) {
  npubench::requireMatch(Case, npubench::boundDifference(Got, R.Want.data(), R.Bound.data(), R.Want.size()),
                         std::to_string(R.Want.size()) + " " + Who +
                             " outputs within the float32 summation bound of a C++ loop in double");
}

struct Row {
  std::string Name;
  double Flops, OursMs, BlasMs, CompileMs;
};

/// SIMD generations, for comparing the kernels OpenBLAS picked with what the CPU has.
enum class Isa { Sse, Avx, Avx2, Avx512 };
const char *isaName(Isa I) { return I == Isa::Avx512 ? "AVX-512" : I == Isa::Avx2 ? "AVX2" : I == Isa::Avx ? "AVX" : "SSE"; }

Isa cpuIsa() {
  if (__builtin_cpu_supports("avx512f"))
    return Isa::Avx512;
  if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma"))
    return Isa::Avx2;
  return __builtin_cpu_supports("avx") ? Isa::Avx : Isa::Sse;
}

/// The SIMD generation of OpenBLAS's kernels for its core name (DYNAMIC_ARCH names: Zen runs the Haswell
/// kernels; Prescott, Katmai, Core2, Nehalem, ... are the generic SSE ones it falls back to for a CPU it does not
/// recognize).
Isa openblasIsa(std::string Core) {
  for (char &Ch : Core)
    Ch = char(std::tolower(static_cast<unsigned char>(Ch)));
  for (const char *N : {"skylakex", "cooperlake", "sapphirerapids"})
    if (Core.find(N) != std::string::npos)
      return Isa::Avx512;
  for (const char *N : {"haswell", "zen", "excavator", "skylake"})
    if (Core.find(N) != std::string::npos)
      return Isa::Avx2;
  for (const char *N : {"sandybridge", "bulldozer", "piledriver", "steamroller"})
    if (Core.find(N) != std::string::npos)
      return Isa::Avx;
  return Isa::Sse;
}

/// True when OpenBLAS runs SSE kernels on a CPU with AVX2 or better: its times then say nothing about a BLAS.
bool PeerCrippled = false;

void print(const Row &R) {
  double Ours = R.Flops / R.OursMs / 1e6, Blas = R.Flops / R.BlasMs / 1e6;
  std::printf("%-34s %9.2f ms %8.1f GF/s | openblas %9.2f ms %8.1f GF/s | ratio %5.2f%s | jit %6.0f ms\n",
              R.Name.c_str(), R.OursMs, Ours, R.BlasMs, Blas, Ours / Blas, PeerCrippled ? " (generic peer)" : "",
              R.CompileMs);
}

std::string gemmName(int64_t M, int64_t N, int64_t K, bool ConstB) {
  char Name[96];
  std::snprintf(Name, sizeof(Name), "gemm %ldx%ldx%ld%s", M, N, K, ConstB ? "" : " (B input)");
  return Name;
}

/// Pad: the zero padding on each side; Kh / 2 is left out of the name.
std::string convName(int64_t C, int64_t H, int64_t M, int64_t Kh, int64_t Stride, int64_t Pad) {
  char Name[96];
  std::snprintf(Name, sizeof(Name), "conv %ldx%ldx%ld k%ld s%ld%s -> %ld", C, H, H, Kh, Stride,
                Pad == Kh / 2 ? "" : (" p" + std::to_string(Pad)).c_str(), M);
  return Name;
}

/// MatMul [M,K] x [K,N]: B constant (weights, packed at compile time) or a second input.
Row gemm(int64_t M, int64_t N, int64_t K, bool ConstB, const host::HostOptions &HO, int Reps) {
  ir::Graph G;
  G.Name = "gemm";
  ir::ValueId A = G.addInput("a", ir::TensorType(ir::ElemType::Float32, {M, K}));
  ir::Tensor BT = randomTensor({K, N}, 2);
  ir::ValueId B = ConstB ? G.addConstant("b", BT) : G.addInput("b", ir::TensorType(ir::ElemType::Float32, {K, N}));
  ir::ValueId Y = G.addValue("y", ir::TensorType(ir::ElemType::Float32, {M, N}));
  G.addNode("MatMul", {A, B}, {Y}, "mm");
  G.Outputs.push_back(Y);
  auto Model = host::compileHostModel(G, HO);
  if (!Model) {
    std::fprintf(stderr, "%s\n", Model.message().c_str());
    std::exit(1);
  }
  std::vector<ir::Tensor> In = {randomTensor({M, K}, 1)};
  if (!ConstB)
    In.push_back(BT);
  const std::string NameS = gemmName(M, N, K, ConstB);
  const char *Name = NameS.c_str();
  std::vector<ir::Tensor> Outs; // reused: times the kernels, not the allocation of a fresh result
  std::vector<float> C(static_cast<size_t>(M * N));
  auto Blas = [&] {
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, static_cast<int>(M), static_cast<int>(N),
                static_cast<int>(K), 1.0f, In[0].data<float>(), static_cast<int>(K), BT.data<float>(),
                static_cast<int>(N), 0.0f, C.data(), static_cast<int>(N));
  };
  // Checked once, before the timing: the timed runs compute the same values into the same buffers.
  if (Status S = (*Model)->runInto(In, Outs); !S)
    npubench::checkFailed(Name, S.message());
  Blas();
  const Reference R = gemmReference(In[0].data<float>(), BT.data<float>(), M, N, K);
  requireClose(Name, Outs.at(0).data<float>(), R, "host-kernel");
  requireClose(Name, C.data(), R, "openblas");
  double Ours = bestMs(Reps, [&] { (void)(*Model)->runInto(In, Outs); });
  double BlasMs = bestMs(Reps, Blas);
  return {Name, 2.0 * M * N * K, Ours, BlasMs, (*Model)->stats().totalMs()};
}

/// Conv NCHW 3x3/1x1 against OpenBLAS sgemm on the equivalent im2col GEMM (sgemm time only).
Row conv(int64_t C, int64_t H, int64_t M, int64_t Kh, int64_t Stride, int64_t Pad, const host::HostOptions &HO,
         int Reps) {
  int64_t OH = (H + 2 * Pad - Kh) / Stride + 1;
  ir::Graph G;
  G.Name = "conv";
  ir::ValueId X = G.addInput("x", ir::TensorType(ir::ElemType::Float32, {1, C, H, H}));
  const ir::Tensor WT = randomTensor({M, C, Kh, Kh}, 3), BiasT = randomTensor({M}, 4);
  ir::ValueId W = G.addConstant("w", WT);
  ir::ValueId Bv = G.addConstant("b", BiasT);
  ir::ValueId Y = G.addValue("y", ir::TensorType(ir::ElemType::Float32, {1, M, OH, OH}));
  ir::Node &N = G.addNode("Conv", {X, W, Bv}, {Y}, "conv");
  N.setAttr("kernel_shape", std::vector<int64_t>{Kh, Kh});
  N.setAttr("pads", std::vector<int64_t>{Pad, Pad, Pad, Pad});
  N.setAttr("strides", std::vector<int64_t>{Stride, Stride});
  G.Outputs.push_back(Y);
  auto Model = host::compileHostModel(G, HO);
  if (!Model) {
    std::fprintf(stderr, "%s\n", Model.message().c_str());
    std::exit(1);
  }
  const std::string NameS = convName(C, H, M, Kh, Stride, Pad);
  const char *Name = NameS.c_str();
  std::vector<ir::Tensor> In = {randomTensor({1, C, H, H}, 1)}, Outs;
  int64_t Kk = C * Kh * Kh, P = OH * OH;
  std::vector<float> Wm(static_cast<size_t>(M * Kk), 0.5f);
  std::vector<float> Col(static_cast<size_t>(Kk * P), 0.25f), Out(static_cast<size_t>(M * P));
  auto Blas = [&] {
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, static_cast<int>(M), static_cast<int>(P),
                static_cast<int>(Kk), 1.0f, Wm.data(), static_cast<int>(Kk), Col.data(), static_cast<int>(P), 0.0f,
                Out.data(), static_cast<int>(P));
  };
  // Checked once, before the timing. OpenBLAS's operands are constant: every output is Kk x 0.125, and every
  // partial sum is a multiple of 1/8 far below 2^21, so exact in float32 in any order.
  if (Status S = (*Model)->runInto(In, Outs); !S)
    npubench::checkFailed(Name, S.message());
  requireClose(Name, Outs.at(0).data<float>(), convReference(In[0], WT, BiasT, Stride, Pad, OH), "host-kernel");
  Blas();
  const std::vector<float> BlasWant(Out.size(), 0.125f * float(Kk));
  npubench::requireMatch(Name, npubench::exactDifference(Out.data(), BlasWant.data(), Out.size()),
                         std::to_string(Out.size()) + " openblas outputs exact (constant operands)");
  double Ours = bestMs(Reps, [&] { (void)(*Model)->runInto(In, Outs); });
  double BlasMs = bestMs(Reps, Blas);
  return {Name, 2.0 * M * P * Kk, Ours, BlasMs, (*Model)->stats().totalMs()};
}

} // namespace

int main(int Argc, char **Argv) {
  int Threads = Argc > 1 ? std::atoi(Argv[1]) : static_cast<int>(std::thread::hardware_concurrency());
  int Reps = Argc > 2 ? std::atoi(Argv[2]) : 5;
  // quick: the first two sizes of each kind; tiny: small sizes that only check (the ctest smoke run); any other
  // word: only the rows whose name contains it (e.g. "k7" for ResNet-50's stem), to time one layer repeatedly.
  std::string Mode = Argc > 3 ? Argv[3] : "";
  bool Quick = Mode == "quick", Tiny = Mode == "tiny";
  std::string Only = Quick || Tiny ? "" : Mode;
  openblas_set_num_threads(Threads);
  host::HostOptions HO;
  HO.Threads = Threads;
  HO.UseDiskCache = false;
  std::printf("threads %d; OpenBLAS %s, core %s (its sgemm time excludes im2col for the conv rows)\n", Threads,
              openblas_get_config(), openblas_get_corename());
  const Isa Cpu = cpuIsa(), Peer = openblasIsa(openblas_get_corename());
  PeerCrippled = Peer == Isa::Sse && Cpu >= Isa::Avx2;
  std::printf("peer kernels: OpenBLAS core %s uses %s; this CPU has %s (the host JIT uses the CPU's widest)\n",
              openblas_get_corename(), isaName(Peer), isaName(Cpu));
  if (Peer < Cpu)
    std::printf("WARNING: OpenBLAS runs kernels below this CPU's ISA (%s < %s)%s; try OPENBLAS_CORETYPE=%s.\n"
                "         The ratios compare with that peer, not with the best BLAS for this CPU.\n",
                isaName(Peer), isaName(Cpu), PeerCrippled ? ": generic kernels, the ratios are no comparison" : "",
                Cpu == Isa::Avx512 ? "SkylakeX" : "Haswell");
  std::vector<std::tuple<int64_t, int64_t, int64_t, bool>> Gemms = {
      {1760, 128, 1760, true}, {2048, 64, 2048, true}, {2560, 128, 2560, true}, {1024, 1024, 1024, true},
      {512, 3136, 576, true},  {35, 700, 2048, true},  {1024, 1024, 1024, false}, {1, 4096, 4096, true}};
  if (Quick)
    Gemms.resize(2);
  if (Tiny)
    Gemms = {{37, 48, 70, true}, {20, 33, 64, false}};
  for (auto [M, N, K, ConstB] : Gemms)
    if (gemmName(M, N, K, ConstB).find(Only) != std::string::npos)
      print(gemm(M, N, K, ConstB, HO, Reps));
  // (C, H, M, Kh, stride, pad; -1: Kh / 2). SqueezeNet 1.1's stem twice: padded (112x112 outputs) and as it is in
  // the model (unpadded: 111x111 outputs, rows of 111 floats). The last five: VGG-19's 28x28, 224x224, 112x112
  // and 56x56 layers.
  std::vector<std::tuple<int64_t, int64_t, int64_t, int64_t, int64_t, int64_t>> Convs = {
      {64, 56, 64, 3, 1, -1},   {128, 28, 128, 3, 1, -1},  {256, 14, 256, 3, 1, -1}, {512, 7, 512, 3, 1, -1},
      {256, 56, 64, 1, 1, -1},  {64, 56, 256, 1, 1, -1},   {3, 224, 64, 7, 2, -1},   {512, 7, 2048, 1, 1, -1},
      {48, 13, 192, 3, 1, -1},  {512, 13, 1000, 1, 1, -1}, {3, 224, 64, 3, 2, -1},   {3, 224, 64, 3, 2, 0},
      {256, 28, 512, 3, 1, -1}, {512, 28, 512, 3, 1, -1}, {64, 224, 64, 3, 1, -1},  {128, 112, 128, 3, 1, -1},
      {256, 56, 256, 3, 1, -1}};
  if (Quick)
    Convs.resize(2);
  if (Tiny)
    Convs = {{4, 10, 8, 3, 1, -1}, {3, 16, 8, 7, 2, -1}};
  for (auto [C, H, M, Kh, S, Pad] : Convs) {
    int64_t Pd = Pad < 0 ? Kh / 2 : Pad;
    if (convName(C, H, M, Kh, S, Pd).find(Only) != std::string::npos)
      print(conv(C, H, M, Kh, S, Pd, HO, Reps));
  }
  return 0;
}
