// The quantize pass's command-line options, read the same way by npuc compile / opt and npuc check.
#pragma once

#include "Command.h"

#include "npu/compiler/passes/Pass.h"

namespace npuc {

/// --calib DIR..., --calib-method, --bias-correction, --calib-headroom, --act-zero-point and --weight-rounding into
/// Opts; a usage error naming the flag (its exit status) for a bad value, else ExitOk.
int quantizeFlags(const Command &Self, const Args &A, npu::passes::PassOptions &Opts);

} // namespace npuc
