// The insert-tokens backend pass: dependency tokens (Tokens.cpp) with the serial chain as the fallback where
// their bound cannot be shown, or the serial chain alone for --serial-schedule; both end the program with
// `finish`.
#include "InsertTokens.h"

namespace npu::backend {

namespace {

class InsertTokensPass : public BackendPass {
public:
  const char *name() const override { return "insert-tokens"; }

  Status run(BackendState &S) override {
    S.Tokens = TokenStats{};
    if (S.Serial) {
      insertSerialTokens(S.Program);
      return Status::ok();
    }
    S.Tokens = insertDependencyTokens(S.Program, S.Config);
    if (S.Tokens.Unproven) // the program was left as it was: the serial chain is safe
      insertSerialTokens(S.Program);
    return Status::ok();
  }
};

} // namespace

std::unique_ptr<BackendPass> createInsertTokensPass() { return std::make_unique<InsertTokensPass>(); }

} // namespace npu::backend
