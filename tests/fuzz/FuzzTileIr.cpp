// Fuzz target "tile_ir": text through the tile IR parser (elided constants allowed), then the printer and the
// program emitter (DRAM planning, encoding).
#include "FuzzTarget.h"

#include "npu/backend/TileIR.h"

using namespace npu;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *Data, size_t Size) {
  const HardwareConfig &C = fuzz::fuzzConfig();
  auto P = backend::parseTileProgram(fuzz::asText(Data, Size), C, /*AllowElided=*/true);
  if (!P)
    return fuzz::note("parse", P.message());
  (void)backend::printTileProgram(*P, C);
  auto Program = backend::emitProgram(*P, C);
  return fuzz::note("emit", Program ? "ok" : Program.message());
}
