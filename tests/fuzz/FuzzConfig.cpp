// Fuzz target "config": YAML text through the hardware config loader; an accepted config must round-trip
// through its canonical YAML to the same hash and give an ISA layout.
#include "FuzzTarget.h"

#include "npu/isa/Isa.h"

using namespace npu;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *Data, size_t Size) {
  auto C = parseHardwareConfig(fuzz::asText(Data, Size), "fuzz.yaml");
  if (!C)
    return 0;
  auto Again = parseHardwareConfig(C->canonicalYaml(), "fuzz-canonical.yaml");
  if (!Again)
    fuzz::invariantFailed("canonical YAML of an accepted config is refused: " + Again.message());
  if (Again->Hash != C->Hash)
    fuzz::invariantFailed("canonical YAML of an accepted config has another hash");
  isa::IsaLayout L(*C);
  (void)L.instructionBytes();
  (void)C->describe();
  return 0;
}
