// npu-example-ref: writes the expected outputs of a bundled example program (output_K.pb), from plain C++.
#include "ExampleReference.h"
#include "npu/runtime/TensorProto.h"

#include <filesystem>
#include <iostream>

int main(int Argc, char **Argv) {
  if (Argc != 3) {
    std::cerr << "usage: npu-example-ref PROGRAM.npub OUTDIR\n"
                 "Computes the expected outputs of a bundled example (examples/asm/*.s, by its `.meta example`)\n"
                 "from the inputs embedded in the program, with plain C++ loops, and writes OUTDIR/output_K.pb.\n";
    return 2;
  }
  auto P = npu::isa::readContainerFile(Argv[1]);
  if (!P) {
    std::cerr << "npu-example-ref: error: " << P.message() << "\n";
    return 1;
  }
  auto Outs = npu::examples::referenceForProgram(*P);
  if (!Outs) {
    std::cerr << "npu-example-ref: error: " << Argv[1] << ": " << Outs.message() << "\n";
    return 1;
  }
  std::filesystem::create_directories(Argv[2]);
  for (size_t K = 0; K < Outs->size(); ++K) {
    std::string Path = std::string(Argv[2]) + "/output_" + std::to_string(K) + ".pb";
    if (npu::Status S = npu::runtime::writeTensorProto((*Outs)[K], Path); !S) {
      std::cerr << "npu-example-ref: error: " << S.message() << "\n";
      return 1;
    }
  }
  std::cout << "reference: wrote " << Outs->size() << " expected output(s) to " << Argv[2] << "\n";
  return 0;
}
