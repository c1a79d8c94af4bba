// Fuzz target "npub": bytes through the .npub readers, the model artifact's (magic NPUM) or the program
// container's (NPUB); what they accept must serialize again, and a program must build its DRAM image or
// refuse with an error.
#include "FuzzTarget.h"

#include "npu/backend/Artifact.h"
#include "npu/isa/Assembler.h"

using namespace npu;

namespace {
constexpr uint64_t MaxDramBytes = 64 << 20;
} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *Data, size_t Size) {
  std::vector<uint8_t> Bytes = fuzz::asBytes(Data, Size);
  if (backend::isModelArtifact(Bytes)) {
    auto A = backend::readModelArtifact(Bytes, "fuzz.npub");
    if (A && !backend::writeModelArtifact(*A))
      fuzz::invariantFailed("an accepted artifact does not serialize");
    return 0;
  }
  auto P = isa::readContainer(Bytes, "fuzz.npub");
  if (!P)
    return 0;
  if (!isa::writeContainer(*P))
    fuzz::invariantFailed("an accepted container does not serialize");
  (void)isa::disassemble(*P);
  // The DRAM image is allocated at the size the program declares (up to the config's address space):
  // bounding that is --max-memory's job (issue 13 point 4), not the reader's.
  if (P->DramBytes <= MaxDramBytes)
    (void)P->dramImage();
  return 0;
}
