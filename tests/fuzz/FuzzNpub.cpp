// Fuzz target "npub": bytes through the .npub readers, the model artifact's (magic NPUM) or the program
// container's (NPUB); what they accept must serialize again, and a program must build its DRAM image or
// refuse with an error.
#include "FuzzTarget.h"

#include "npu/backend/Artifact.h"
#include "npu/isa/Assembler.h"
#include "npu/support/Sha256.h"

#include <algorithm>

using namespace npu;

namespace {
constexpr uint64_t MaxDramBytes = 64 << 20;
} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *Data, size_t Size) {
  std::vector<uint8_t> Bytes = fuzz::asBytes(Data, Size);
  if (backend::isModelArtifact(Bytes)) {
    // A model artifact ends with the SHA-256 of what precedes it: almost every mutation would stop at that
    // check, so the digest is recomputed (the checksum check itself is covered by ArtifactTest).
    if (Bytes.size() >= 40) {
      size_t Body = Bytes.size() - 32;
      auto Digest = sha256(std::string_view(reinterpret_cast<const char *>(Bytes.data()), Body));
      std::copy(Digest.begin(), Digest.end(), Bytes.begin() + std::ptrdiff_t(Body));
    }
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
