// Host model outputs against the reference interpreter (see RefCheck.h).
#include "RefCheck.h"

#include "Check.h"

#include "npu/compiler/check/Conformance.h"
#include "npu/compiler/ref/Interpreter.h"

#include <cstdio>

namespace npubench {

using namespace npu;

void requireReferenceMatch(const std::string &Case, const ir::Graph &G, const std::vector<ir::Tensor> &Inputs,
                           const std::vector<ir::Tensor> &Got, double Atol) {
  auto Want = ref::interpret(G, Inputs);
  if (!Want)
    checkFailed(Case, "reference interpreter: " + Want.message());
  if (Got.size() != Want->size())
    checkFailed(Case, std::to_string(Got.size()) + " outputs, the reference has " + std::to_string(Want->size()));
  // The conformance runner's tolerances (check::CheckOptions defaults): one definition of "matches".
  check::CheckOptions Opts;
  if (Atol >= 0)
    Opts.Float32.Atol = Atol;
  int64_t Values = 0;
  for (size_t K = 0; K < Got.size(); ++K) {
    if (std::string D = check::compareTensors(Got[K], (*Want)[K], Opts); !D.empty())
      checkFailed(Case, "output " + std::to_string(K) + " (" + G.value(G.Outputs[K]).Name + "): " + D);
    Values += Got[K].numElements();
  }
  char Tol[64];
  std::snprintf(Tol, sizeof Tol, "rtol %g, atol %g", Opts.Float32.Rtol, Opts.Float32.Atol);
  requireMatch(Case, "",
               std::to_string(Values) + " output values of " + std::to_string(Got.size()) +
                   " outputs against the reference interpreter (" + Tol + ")");
}

} // namespace npubench
