// Fuzz target "asm": assembly text through the assembler; an accepted program must verify, serialize and
// disassemble.
#include "FuzzTarget.h"

#include "npu/isa/Assembler.h"

using namespace npu;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *Data, size_t Size) {
  // 16 MiB of data at most (--max-memory's job, tested by max_memory_asm_*): generating more under the
  // sanitizers outlasts libFuzzer's timeout without exercising anything new.
  static const MemoryLimit Limit{uint64_t(16) << 20};
  auto P = isa::assemble(fuzz::asText(Data, Size), fuzz::fuzzConfig(), "fuzz.s", Limit);
  if (!P)
    return 0;
  if (Status S = P->verify(); !S)
    fuzz::invariantFailed("an assembled program does not verify: " + S.message());
  if (!isa::writeContainer(*P))
    fuzz::invariantFailed("an assembled program does not serialize");
  (void)isa::disassemble(*P);
  return 0;
}
