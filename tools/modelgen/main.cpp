// npu-modelgen: writes the project's own demo model (ONNX, fixed seeds) and its input/reference sets.
#include "DemoCnn.h"

#include <iostream>
#include <string>

namespace {

const char *const Usage =
    "usage: npu-modelgen OUTDIR [--seed N] [--sets N]\n\n"
    "Writes OUTDIR/model.onnx, a small image classifier with fixed-seed He-uniform weights (conv3x3+relu,\n"
    "maxpool, a residual block, a stride-2 conv, global average pool, softmax; the gemm before the softmax\n"
    "fitted to ten synthetic image classes), and OUTDIR/test_data_set_K/input_0.pb (a 1x3x32x32 image of\n"
    "one class) with output_0.pb (the reference interpreter's fp32 class probabilities): the ONNX\n"
    "backend-test layout that npuc compile --calib and npuc check read. The same seed gives byte-identical\n"
    "files; test_data_set_K folders with K >= N left by an earlier run are removed.\n"
    "Defaults: --seed 20261124 --sets 6.\n";

bool parseCount(const std::string &Text, uint64_t Max, uint64_t &Out) {
  if (Text.empty() || Text.find_first_not_of("0123456789") != std::string::npos || Text.size() > 19)
    return false;
  Out = std::stoull(Text);
  return Out <= Max;
}

} // namespace

int main(int Argc, char **Argv) {
  std::string Dir;
  npu::modelgen::DemoCnnOptions Opts;
  for (int I = 1; I < Argc; ++I) {
    std::string A = Argv[I];
    if (A == "--help" || A == "-h") {
      std::cout << Usage;
      return 0;
    }
    uint64_t V = 0;
    if ((A == "--seed" || A == "--sets") && I + 1 < Argc) {
      bool Sets = A == "--sets";
      if (!parseCount(Argv[++I], Sets ? 1000 : UINT64_MAX, V) || (Sets && V == 0)) {
        std::cerr << "npu-modelgen: error: " << A << " needs a number" << (Sets ? " from 1 to 1000" : "")
                  << ", got '" << Argv[I] << "'\n"
                  << Usage;
        return 2;
      }
      if (Sets)
        Opts.Sets = int(V);
      else
        Opts.Seed = V;
      continue;
    }
    if (!A.empty() && A[0] == '-') {
      std::cerr << "npu-modelgen: error: unknown option '" << A << "'\n" << Usage;
      return 2;
    }
    if (!Dir.empty()) {
      std::cerr << "npu-modelgen: error: one output folder expected\n" << Usage;
      return 2;
    }
    Dir = A;
  }
  if (Dir.empty()) {
    std::cerr << "npu-modelgen: error: missing the output folder\n" << Usage;
    return 2;
  }
  auto Summary = npu::modelgen::writeDemoCnn(Dir, Opts);
  if (!Summary) {
    std::cerr << "npu-modelgen: error: " << Summary.message() << "\n";
    return 1;
  }
  std::cout << *Summary;
  return 0;
}
