// The backend pass registry built from BackendPasses.def and the pipeline runner: verification on entry and
// after every pass, tile IR printed after the passes asked for, a stop after one.
#include "npu/backend/BackendPass.h"

#include "DedupUops.h"
#include "EmitProgram.h"
#include "InsertTokens.h"
#include "PlanDram.h"

namespace npu::backend {

const std::vector<BackendPassInfo> &allBackendPasses() {
  static const std::vector<BackendPassInfo> Passes = {
#define NPU_BACKEND_PASS(Factory, Name, Summary) {Name, Summary, Factory},
#include "npu/backend/BackendPasses.def"
  };
  return Passes;
}

int backendPassIndex(const std::string &Name) {
  const auto &Passes = allBackendPasses();
  for (size_t I = 0; I < Passes.size(); ++I)
    if (Name == Passes[I].Name)
      return int(I);
  return -1;
}

const BackendPassInfo *findBackendPass(const std::string &Name) {
  const int I = backendPassIndex(Name);
  return I < 0 ? nullptr : &allBackendPasses()[size_t(I)];
}

bool BackendState::hasRun(const std::string &Name) const {
  const int I = backendPassIndex(Name);
  return I >= 0 && size_t(I) < Stage;
}

Status runBackendPipeline(BackendState &S, const BackendPipelineOptions &Pipe) {
  const auto &Passes = allBackendPasses();
  const std::string Where = Pipe.Label.empty() ? "" : " (segment " + Pipe.Label + ")";
  if (Pipe.VerifyEach)
    if (Status V = verifyBackendState(S); !V)
      return V.withContext(S.Stage
                               ? std::string("the tile program read after pass ") + Passes[S.Stage - 1].Name
                               : std::string("the lowered tile program"));
  while (S.Stage < Passes.size()) {
    const BackendPassInfo &Info = Passes[S.Stage];
    if (Status St = Info.Create()->run(S); !St)
      return St.withContext(std::string("backend pass ") + Info.Name);
    ++S.Stage;
    if (Pipe.VerifyEach)
      if (Status V = verifyBackendState(S); !V)
        return V.withContext(std::string("the tile program after pass ") + Info.Name + " does not verify");
    if (Pipe.Out && (Pipe.PrintAfterAll || Pipe.PrintAfter.count(Info.Name)))
      *Pipe.Out << "# ----- tile IR after " << Info.Name << Where << " -----\n"
                << printTileProgram(S.Program, S.Config);
    if (Info.Name == Pipe.StopAfter)
      break;
  }
  return Status::ok();
}

Expected<isa::Program> emitProgram(TileProgram &P, const HardwareConfig &C) {
  BackendState S(C);
  S.Program = std::move(P);
  S.Stage = size_t(backendPassIndex("insert-tokens") + 1);
  Status St = runBackendPipeline(S, {});
  P = std::move(S.Program);
  if (!St)
    return St.error();
  return std::move(S.Emitted);
}

} // namespace npu::backend
