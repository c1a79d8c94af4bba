// npu-host-tool: runs ONNX test folders on the host path, compiles models and prints their op mix and timings
// (after checking the model's output against the reference interpreter).
#include "Check.h"
#include "RefCheck.h"

#include "npu/compiler/frontend/OnnxImporter.h"
#include "npu/host/Gpu.h"
#include "npu/host/HostCheck.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <iostream>
#include <map>
#include <string>

using namespace npu;

namespace {

int usage() {
  std::cerr << "usage: npu-host-tool check DIR... [--filter TEXT] [--quiet] [--no-fallback] [--threads N]\n"
               "       npu-host-tool compile MODEL.onnx [--threads N] [--runs N] [--ir]\n"
               "       npu-host-tool ops MODEL.onnx\n"
               "       npu-host-tool ptx MODEL.onnx [sm_80]\n";
  return 2;
}

} // namespace

int main(int Argc, char **Argv) {
  if (Argc < 3)
    return usage();
  std::string Cmd = Argv[1];
  std::vector<std::string> Pos;
  check::RunOptions RO;
  host::HostOptions HO;
  int Runs = 5;
  bool PrintIr = false, StepOrder = false;
  for (int I = 2; I < Argc; ++I) {
    std::string A = Argv[I];
    if (A == "--filter" && I + 1 < Argc)
      RO.Filter = Argv[++I];
    else if (A == "--quiet")
      RO.Quiet = true;
    else if (A == "--no-fallback")
      HO.AllowFallback = false;
    else if (A == "--no-fuse")
      HO.Fuse = false;
    else if (A == "--no-cache")
      HO.UseDiskCache = HO.UseMemoryCache = false;
    else if (A == "--threads" && I + 1 < Argc)
      HO.Threads = std::atoi(Argv[++I]);
    else if (A == "--runs" && I + 1 < Argc)
      Runs = std::atoi(Argv[++I]);
    else if (A == "--ir")
      PrintIr = true;
    else if (A == "--profile")
      HO.Profile = true;
    else if (A == "--profile-steps")
      HO.Profile = StepOrder = true;
    else
      Pos.push_back(A);
  }
  if (Cmd == "check") {
    host::HostExecutor E(check::CheckOptions(), HO);
    auto C = check::runConformance(Pos, E, RO, std::cout);
    return C ? check::exitStatus(*C) : 1;
  }
  auto G = frontend::importOnnx(Pos.at(0));
  if (!G) {
    std::cerr << G.message() << "\n";
    return 1;
  }
  if (Cmd == "ops") {
    std::map<std::string, int> Ops;
    for (const auto &N : G->nodes())
      ++Ops[N.OpType];
    for (auto &[Op, N] : Ops)
      std::cout << Op << " " << N << "\n";
    for (auto V : G->Inputs)
      std::cout << "input " << G->value(V).Name << " " << ir::formatType(G->type(V)) << "\n";
    return 0;
  }
  if (Cmd == "ptx") {
    host::PtxOptions PO;
    if (Pos.size() > 1)
      PO.Arch = Pos[1];
    auto Ptx = host::emitPtx(*G, PO);
    if (!Ptx) {
      std::cerr << Ptx.message() << "\n";
      return 1;
    }
    std::cout << Ptx->Ptx;
    std::cerr << Ptx->Kernels.size() << " kernels, " << Ptx->FallbackNodes << " fallback nodes, " << Ptx->CompileMs
              << " ms\n";
    return 0;
  }
  if (Cmd != "compile")
    return usage();
  auto M = host::compileHostModel(*G, HO);
  if (!M) {
    std::cerr << M.message() << "\n";
    return 1;
  }
  const host::HostStats &S = (*M)->stats();
  if (PrintIr)
    std::cout << (*M)->irText();
  std::cout << "cpu " << S.Cpu << " vector " << S.VectorBits << " bits; lower " << S.LowerMs << " ms, compile "
            << S.CompileMs << " ms, link " << S.LinkMs << " ms" << (S.CacheHit ? " (cache: " + S.CacheSource + ")" : "")
            << "; " << S.Kernels << " kernels, " << S.FusedNodes << " fused, " << S.FoldedNodes << " folded, "
            << S.FallbackNodes << " fallback\n";
  std::vector<ir::Tensor> Ins;
  for (auto V : G->Inputs) {
    ir::Tensor T(G->type(V).Elem, G->type(V).Dims);
    if (T.elemType() == ir::ElemType::Float32)
      for (int64_t I = 0; I < T.numElements(); ++I)
        T.data<float>()[I] = static_cast<float>((I * 2654435761u) % 1000) / 1000.0f - 0.5f;
    Ins.push_back(std::move(T));
  }
  // Checked once, before the timed runs: they compute the same values.
  auto Checked = (*M)->run(Ins);
  if (!Checked)
    npubench::checkFailed(Pos.at(0), Checked.message());
  npubench::requireReferenceMatch(Pos.at(0), *G, Ins, *Checked);
  double Best = 1e30;
  for (int R = 0; R < Runs; ++R) {
    auto T0 = std::chrono::steady_clock::now();
    auto Out = (*M)->run(Ins);
    double Ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - T0).count();
    if (!Out) {
      std::cerr << Out.message() << "\n";
      return 1;
    }
    Best = std::min(Best, Ms);
  }
  std::cout << "run best of " << Runs << ": " << Best << " ms\n";
  if (HO.Profile) {
    auto Prof = (*M)->profile();
    if (StepOrder) {
      for (const auto &P : Prof)
        std::printf("%9.4f %12.0f %s %s\n", P.Ms / P.Runs, P.Work, P.Kernel.c_str(), P.Ops.c_str());
      return 0;
    }
    std::sort(Prof.begin(), Prof.end(), [](const auto &A, const auto &B) { return A.Ms > B.Ms; });
    double Total = 0;
    std::map<std::string, double> ByOp;
    for (const auto &P : Prof) {
      Total += P.Ms;
      ByOp[P.Ops] += P.Ms / P.Runs;
    }
    for (size_t I = 0; I < Prof.size() && I < 25; ++I)
      std::printf("%8.3f ms %5.1f%% %7.1f GOP/s  %-36s %s\n", Prof[I].Ms / Prof[I].Runs, 100 * Prof[I].Ms / Total,
                  Prof[I].Work / (Prof[I].Ms / Prof[I].Runs) / 1e6, Prof[I].Kernel.c_str(), Prof[I].Ops.c_str());
    std::printf("by operators:\n");
    for (auto &[Ops, Ms] : ByOp)
      std::printf("%8.3f ms  %s\n", Ms, Ops.c_str());
  }
  return 0;
}
