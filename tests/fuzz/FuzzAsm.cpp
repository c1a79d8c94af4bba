// Fuzz target "asm": assembly text through the assembler; an accepted program must verify, serialize and
// disassemble.
#include "FuzzTarget.h"

#include "npu/isa/Assembler.h"

using namespace npu;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *Data, size_t Size) {
  auto P = isa::assemble(fuzz::asText(Data, Size), fuzz::fuzzConfig(), "fuzz.s");
  if (!P)
    return 0;
  if (Status S = P->verify(); !S)
    fuzz::invariantFailed("an assembled program does not verify: " + S.message());
  if (!isa::writeContainer(*P))
    fuzz::invariantFailed("an assembled program does not serialize");
  (void)isa::disassemble(*P);
  return 0;
}
