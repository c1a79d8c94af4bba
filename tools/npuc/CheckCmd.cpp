// npuc check: run ONNX backend-test folders through a target and compare with their stored outputs.
#include "Command.h"

#include "npu/compiler/check/Conformance.h"

#include <iostream>

namespace npuc {

static int runCheckCmd(const Command &Self, const Args &A) {
  if (A.Positional.empty())
    return usageError(Self, "missing the test folders (DIR...)");
  std::string Target = A.get("--target", "ref");
  if (Target != "ref")
    return fail("check --target " + Target +
                ": only the reference interpreter (--target ref) runs ONNX tests in this build");
  npu::check::CheckOptions Opts;
  Opts.Filter = A.get("--filter");
  Opts.Quiet = A.has("--quiet");
  return npu::check::runCheck(A.Positional, Opts, std::cout) == 0 ? ExitOk : ExitFailure;
}

const Command CheckCommand = {
    "check",
    "Run ONNX backend-test folders and compare with their reference outputs",
    "npuc check DIR... [--target ref] [--filter TEXT] [--quiet]",
    "Each DIR is an ONNX backend-test folder (model.onnx + test_data_set_N/input_K.pb, output_K.pb) or a\n"
    "folder containing many. Every data set is imported, run on the target and compared with output_K.pb\n"
    "(float32: rtol 1e-3, atol 1e-7; integers exactly). Prints one line per test (PASS, FAIL with the first\n"
    "difference, or UNSUPPORTED with the reason) and last 'N passed, N failed, N unsupported'.\n"
    "Exit status 0 when no test failed.\n\n"
    "examples:\n"
    "  npuc check ../shared/testdata/onnx-node --target ref\n"
    "  npuc check ../shared/testdata/onnx-node --filter conv --quiet\n",
    {{"--target", true, "where to run: ref (the reference interpreter)"},
     {"--filter", true, "only tests whose folder name contains this text"},
     {"--quiet", false, "print only failures and the summary"}},
    runCheckCmd,
};

} // namespace npuc
