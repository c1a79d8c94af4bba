// runProgram: the one sequence every front end (npuc run, tests, later sessions) uses to execute a program.
#include "npu/runtime/Runner.h"
#include "npu/runtime/Binding.h"

namespace npu::runtime {

Expected<RunOutcome> runProgram(Device &D, const isa::Program &P, const std::vector<std::optional<NamedTensor>> &Inputs,
                                const MemoryLimit &Limit) {
  auto Dram = P.dramImage(Limit);
  if (!Dram)
    return Dram.error();
  RunOutcome R;
  auto Sources = bindInputs(P, Inputs, *Dram);
  if (!Sources)
    return Sources.error();
  R.InputSources = Sources.takeValue();
  auto Result = D.run(P, *Dram);
  if (!Result)
    return Result.error().withContext(D.name() + " backend");
  R.Result = Result.takeValue();
  auto Outputs = readOutputs(P, *Dram);
  if (!Outputs)
    return Outputs.error();
  R.Outputs = Outputs.takeValue();
  return R;
}

} // namespace npu::runtime
