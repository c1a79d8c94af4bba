// Reference computations of the bundled example programs: direct loops over the math each header describes.
#include "ExampleReference.h"
#include "npu/runtime/Binding.h"

#include <algorithm>

namespace npu::examples {

using ir::NamedTensor;
using ir::Tensor;

namespace {

int64_t sat(int64_t V, int64_t Lo, int64_t Hi) { return std::min(std::max(V, Lo), Hi); }

/// Fixed-point requantization as the examples' comments define it: ((x * m + 2^(s-1)) >> s) + zp, saturated.
int64_t requant(int64_t X, int64_t M, int S, int64_t Zp) {
  int64_t P = X * M;
  int64_t R = (P + (int64_t(1) << (S - 1))) >> S; // arithmetic shift (floor) on the rounded product
  return sat(R + Zp, -128, 127);
}

/// B[k][n] from tiles W[n/16][k/16][n%16][k%16] with KB k-blocks.
int64_t tiled(const std::vector<int8_t> &W, int KB, int K, int N) {
  return W[(((N / 16) * KB + K / 16) * 16 + N % 16) * 16 + K % 16];
}

std::vector<NamedTensor> matmulTiled(const std::vector<Tensor> &In) {
  auto A = In[0].values<int8_t>(), W = In[1].values<int8_t>();
  const int M = 20, K = 64, N = 32;
  std::vector<int32_t> C(M * N);
  for (int m = 0; m < M; ++m)
    for (int n = 0; n < N; ++n) {
      int64_t S = 0;
      for (int k = 0; k < K; ++k)
        S += int64_t(A[m * K + k]) * tiled(W, K / 16, k, n);
      C[m * N + n] = int32_t(S);
    }
  return {{"C", Tensor::of({M, N}, C)}};
}

std::vector<NamedTensor> requantExample(const std::vector<Tensor> &In) {
  auto X = In[0].values<int32_t>(), Mul = In[1].values<int32_t>(), Z = In[2].values<int32_t>();
  std::vector<int8_t> Y(4 * 16), Zq(2 * 16);
  for (int m = 0; m < 4; ++m)
    for (int c = 0; c < 16; ++c) {
      int64_t V = requant(X[m * 16 + c], Mul[c], 25, -5);
      Y[m * 16 + c] = int8_t(sat(V, -5, 127));
    }
  for (int m = 0; m < 2; ++m)
    for (int c = 0; c < 16; ++c)
      Zq[m * 16 + c] = int8_t(requant(Z[m * 16 + c], 1518500250, 40, 3));
  return {{"Y", Tensor::of({4, 16}, Y)}, {"Zq", Tensor::of({2, 16}, Zq)}};
}

std::vector<NamedTensor> pipelined(const std::vector<Tensor> &In) {
  auto A = In[0].values<int8_t>(), W = In[1].values<int8_t>();
  const int M = 64, K = 32, N = 32;
  std::vector<int8_t> Y(M * N);
  for (int m = 0; m < M; ++m)
    for (int n = 0; n < N; ++n) {
      int64_t P = 0;
      for (int k = 0; k < K; ++k)
        P += int64_t(A[m * K + k]) * tiled(W, K / 16, k, n);
      Y[m * N + n] = int8_t(requant(std::max<int64_t>(P, 0), 1193046, 29, -128));
    }
  return {{"Y", Tensor::of({M, N}, Y)}};
}

std::vector<NamedTensor> conv3x3(const std::vector<Tensor> &In) {
  auto X = In[0].values<int8_t>(), W = In[1].values<int8_t>();
  const int H = 6, Wd = 6, C = 16;
  std::vector<int32_t> Y(H * Wd * C);
  for (int oh = 0; oh < H; ++oh)
    for (int ow = 0; ow < Wd; ++ow)
      for (int o = 0; o < C; ++o) {
        int64_t S = 0;
        for (int kh = 0; kh < 3; ++kh)
          for (int kw = 0; kw < 3; ++kw) {
            int h = oh + kh - 1, w = ow + kw - 1;
            if (h < 0 || h >= H || w < 0 || w >= Wd)
              continue;
            for (int i = 0; i < C; ++i)
              S += int64_t(X[(h * Wd + w) * C + i]) * W[((kh * 3 + kw) * C + o) * C + i];
          }
        Y[(oh * Wd + ow) * C + o] = int32_t(S);
      }
  return {{"Y", Tensor::of({1, 1, H, Wd, C}, Y)}};
}

std::vector<NamedTensor> lutExample(const std::vector<Tensor> &In) {
  const auto X = In[0].values<int32_t>();
  const auto T = In[1].values<int8_t>();
  std::vector<int32_t> Y(4 * 16);
  std::vector<int8_t> Yq(4 * 16);
  for (size_t I = 0; I < Y.size(); ++I) {
    const int8_t V = T[size_t(sat(X[I], -128, 127) + 128)];
    Y[I] = V;
    Yq[I] = V;
  }
  return {{"Y", Tensor::of({4, 16}, Y)}, {"Yq", Tensor::of({4, 16}, Yq)}};
}

} // namespace

std::vector<std::string> knownExamples() { return {"matmul_tiled", "requant", "pipelined", "conv3x3", "lut"}; }

Expected<std::vector<NamedTensor>> referenceOutputs(const std::string &Name, const std::vector<Tensor> &Inputs) {
  struct Entry {
    const char *Name;
    size_t Inputs;
    std::vector<NamedTensor> (*Fn)(const std::vector<Tensor> &);
  };
  static const Entry Table[] = {
      {"matmul_tiled", 2, matmulTiled}, {"requant", 3, requantExample}, {"pipelined", 2, pipelined},
      {"conv3x3", 2, conv3x3}, {"lut", 2, lutExample}};
  for (const Entry &E : Table)
    if (Name == E.Name) {
      if (Inputs.size() != E.Inputs)
        return makeError("example '", Name, "' takes ", E.Inputs, " inputs, got ", Inputs.size());
      return E.Fn(Inputs);
    }
  return makeError("no reference for example '", Name, "'");
}

Expected<std::vector<NamedTensor>> referenceForProgram(const isa::Program &P) {
  std::string Name;
  for (auto &[K, V] : P.Meta)
    if (K == "example")
      Name = V;
  if (Name.empty())
    return makeError("the program has no `.meta example` name");
  auto Dram = P.dramImage();
  if (!Dram)
    return Dram.error();
  std::vector<Tensor> Inputs;
  for (const isa::TensorBinding *B : runtime::inputBindings(P)) {
    auto T = runtime::readBinding(*B, *Dram);
    if (!T)
      return T.error();
    Inputs.push_back(T->Data);
  }
  return referenceOutputs(Name, Inputs);
}

} // namespace npu::examples
