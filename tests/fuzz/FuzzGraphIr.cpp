// Fuzz target "graph_ir": text through the Graph IR parser and the verifier; a verified graph must print and
// parse back.
#include "FuzzTarget.h"

#include "npu/compiler/ir/Printer.h"
#include "npu/compiler/ir/Verifier.h"

using namespace npu;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *Data, size_t Size) {
  auto G = ir::parseGraph(fuzz::asText(Data, Size));
  if (!G || !ir::verifyGraph(*G))
    return 0;
  std::string Text = ir::printGraph(*G);
  auto Again = ir::parseGraph(Text);
  if (!Again)
    fuzz::invariantFailed("a printed graph does not parse: " + Again.message());
  return 0;
}
