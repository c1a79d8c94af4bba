// Regression driver for the fuzz targets without libFuzzer (GCC builds): runs LLVMFuzzerTestOneInput on every
// file of the folders named on the command line, so every input that once crashed keeps being run.
#include "FuzzTarget.h"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <iterator>
#include <sys/resource.h>

#if defined(__has_feature)
#if __has_feature(address_sanitizer)
#define NPU_DRIVER_ASAN 1
#endif
#endif
#if defined(__SANITIZE_ADDRESS__)
#define NPU_DRIVER_ASAN 1
#endif

namespace fs = std::filesystem;

namespace {

/// The regular files under Dir, sorted (so runs are reproducible); empty when Dir does not exist.
std::vector<fs::path> filesUnder(const fs::path &Dir) {
  std::vector<fs::path> Files;
  if (fs::is_regular_file(Dir))
    return {Dir};
  if (!fs::is_directory(Dir))
    return Files;
  for (const auto &E : fs::recursive_directory_iterator(Dir))
    if (E.is_regular_file())
      Files.push_back(E.path());
  std::sort(Files.begin(), Files.end());
  return Files;
}

/// Bounds the address space (not under ASan, which reserves terabytes), so an input that makes the code under
/// test allocate without bound fails with std::bad_alloc instead of swapping: the largest tensor the readers
/// accept is 4 GiB.
void limitMemory() {
#ifndef NPU_DRIVER_ASAN
  constexpr rlim_t Limit = rlim_t(6) << 30;
  rlimit R{Limit, Limit};
  setrlimit(RLIMIT_AS, &R);
#endif
}

} // namespace

/// Usage: fuzz-TARGET DIR_OR_FILE [...]. Absent folders are skipped, but at least one file must run (a test
/// that runs nothing must not pass).
int main(int Argc, char **Argv) {
  if (Argc < 2) {
    std::cerr << "usage: " << Argv[0] << " DIR_OR_FILE [...]\n";
    return 2;
  }
  limitMemory();
  size_t Runs = 0;
  for (int A = 1; A < Argc; ++A) {
    std::vector<fs::path> Files = filesUnder(Argv[A]);
    for (const fs::path &F : Files) {
      std::ifstream In(F, std::ios::binary);
      std::vector<uint8_t> Bytes((std::istreambuf_iterator<char>(In)), std::istreambuf_iterator<char>());
      if (!In.eof() && !In) {
        std::cerr << Argv[0] << ": cannot read '" << F.string() << "'\n";
        return 1;
      }
      LLVMFuzzerTestOneInput(Bytes.data(), Bytes.size());
      ++Runs;
    }
  }
  if (Runs == 0) {
    std::cerr << Argv[0] << ": no input files under the folders given\n";
    return 1;
  }
  std::cout << Argv[0] << ": " << Runs << " inputs ran without a crash\n";
  return 0;
}
