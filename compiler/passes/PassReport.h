// One summary line per pass for `npuc compile --report`: node counts before and after, plus pass details.
#pragma once

#include "npu/compiler/passes/Pass.h"

#include <string>

namespace npu::passes {

/// Writes "NAME: B -> A nodes (-D)[; DETAILS]" to Opts.Report when it is set.
inline void reportPass(const PassOptions &Opts, const char *Name, size_t Before, size_t After,
                       const std::string &Details = "") {
  if (!Opts.Report)
    return;
  *Opts.Report << Name << ": " << Before << " -> " << After << " nodes (" << (After > Before ? "+" : "-")
               << (After > Before ? After - Before : Before - After) << ")";
  if (!Details.empty())
    *Opts.Report << "; " << Details;
  *Opts.Report << "\n";
}

} // namespace npu::passes
