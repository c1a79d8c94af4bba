// npu-host-gemm-bench: GFLOP/s of the host path's generated GEMM and convolution kernels against OpenBLAS sgemm
// on DeepBench-like sizes, same thread count. Prints figures only.
#include "npu/host/HostModel.h"

#include <cblas.h>

#include <algorithm>
#include <chrono>
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

struct Row {
  std::string Name;
  double Flops, OursMs, BlasMs, CompileMs;
};

void print(const Row &R) {
  double Ours = R.Flops / R.OursMs / 1e6, Blas = R.Flops / R.BlasMs / 1e6;
  std::printf("%-34s %9.2f ms %8.1f GF/s | openblas %9.2f ms %8.1f GF/s | ratio %5.2f | jit %6.0f ms\n",
              R.Name.c_str(), R.OursMs, Ours, R.BlasMs, Blas, Ours / Blas, R.CompileMs);
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
  std::vector<ir::Tensor> Outs; // reused: times the kernels, not the allocation of a fresh result
  double Ours = bestMs(Reps, [&] { (void)(*Model)->runInto(In, Outs); });
  std::vector<float> C(static_cast<size_t>(M * N));
  double Blas = bestMs(Reps, [&] {
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, static_cast<int>(M), static_cast<int>(N),
                static_cast<int>(K), 1.0f, In[0].data<float>(), static_cast<int>(K), BT.data<float>(),
                static_cast<int>(N), 0.0f, C.data(), static_cast<int>(N));
  });
  char Name[96];
  std::snprintf(Name, sizeof(Name), "gemm %ldx%ldx%ld%s", M, N, K, ConstB ? "" : " (B input)");
  return {Name, 2.0 * M * N * K, Ours, Blas, (*Model)->stats().totalMs()};
}

/// Conv NCHW 3x3/1x1 against OpenBLAS sgemm on the equivalent im2col GEMM (sgemm time only).
Row conv(int64_t C, int64_t H, int64_t M, int64_t Kh, int64_t Stride, const host::HostOptions &HO, int Reps) {
  int64_t Pad = Kh / 2, OH = (H + 2 * Pad - Kh) / Stride + 1;
  ir::Graph G;
  G.Name = "conv";
  ir::ValueId X = G.addInput("x", ir::TensorType(ir::ElemType::Float32, {1, C, H, H}));
  ir::ValueId W = G.addConstant("w", randomTensor({M, C, Kh, Kh}, 3));
  ir::ValueId Bv = G.addConstant("b", randomTensor({M}, 4));
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
  std::vector<ir::Tensor> In = {randomTensor({1, C, H, H}, 1)}, Outs;
  double Ours = bestMs(Reps, [&] { (void)(*Model)->runInto(In, Outs); });
  int64_t Kk = C * Kh * Kh, P = OH * OH;
  std::vector<float> Wm(static_cast<size_t>(M * Kk), 0.5f);
  std::vector<float> Col(static_cast<size_t>(Kk * P), 0.25f), Out(static_cast<size_t>(M * P));
  double Blas = bestMs(Reps, [&] {
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, static_cast<int>(M), static_cast<int>(P),
                static_cast<int>(Kk), 1.0f, Wm.data(), static_cast<int>(Kk), Col.data(), static_cast<int>(P), 0.0f,
                Out.data(), static_cast<int>(P));
  });
  char Name[96];
  std::snprintf(Name, sizeof(Name), "conv %ldx%ldx%ld k%ld s%ld -> %ld", C, H, H, Kh, Stride, M);
  return {Name, 2.0 * M * P * Kk, Ours, Blas, (*Model)->stats().totalMs()};
}

} // namespace

int main(int Argc, char **Argv) {
  int Threads = Argc > 1 ? std::atoi(Argv[1]) : static_cast<int>(std::thread::hardware_concurrency());
  int Reps = Argc > 2 ? std::atoi(Argv[2]) : 5;
  bool Quick = Argc > 3 && std::string(Argv[3]) == "quick";
  openblas_set_num_threads(Threads);
  host::HostOptions HO;
  HO.Threads = Threads;
  HO.UseDiskCache = false;
  std::printf("threads %d; OpenBLAS %s, core %s (its sgemm time excludes im2col for the conv rows)\n", Threads,
              openblas_get_config(), openblas_get_corename());
  std::vector<std::tuple<int64_t, int64_t, int64_t, bool>> Gemms = {
      {1760, 128, 1760, true}, {2048, 64, 2048, true}, {2560, 128, 2560, true}, {1024, 1024, 1024, true},
      {512, 3136, 576, true},  {35, 700, 2048, true},  {1024, 1024, 1024, false}, {1, 4096, 4096, true}};
  if (Quick)
    Gemms.resize(2);
  for (auto [M, N, K, ConstB] : Gemms)
    print(gemm(M, N, K, ConstB, HO, Reps));
  std::vector<std::tuple<int64_t, int64_t, int64_t, int64_t, int64_t>> Convs = {
      {64, 56, 64, 3, 1}, {128, 28, 128, 3, 1}, {256, 14, 256, 3, 1}, {512, 7, 512, 3, 1}, {256, 56, 64, 1, 1},
      {64, 56, 256, 1, 1}, {3, 224, 64, 7, 2}};
  if (Quick)
    Convs.resize(2);
  for (auto [C, H, M, Kh, S] : Convs)
    print(conv(C, H, M, Kh, S, HO, Reps));
  return 0;
}
