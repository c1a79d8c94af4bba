// The short human-readable statistics summary printed after every run.
#include "npu/runtime/Runner.h"

#include <sstream>

namespace npu::runtime {

std::string formatStatsSummary(const sim::SimStats &S, const HardwareConfig &C) {
  std::ostringstream OS;
  OS << "config       " << C.Name << " (hash " << C.shortHash() << ")\n";
  OS << "instructions " << S.Instructions << ": load " << S.Loads << ", store " << S.Stores << ", gemm "
     << S.Gemms << ", alu " << S.Alus << ", finish " << S.Finishes << "\n";
  OS << "compute      " << S.Macs << " MACs in " << S.GemmUops << " gemm micro-ops; " << S.AluLaneOps
     << " ALU lane ops in " << S.AluUops << " alu micro-ops\n";
  auto PerBuffer = [&](const uint64_t(&Bytes)[isa::NumMemTypes]) {
    std::string Out;
    uint64_t Total = 0;
    for (isa::MemType M : isa::allMemTypes()) {
      uint64_t B = Bytes[unsigned(M)];
      Total += B;
      if (B)
        Out += std::string(Out.empty() ? "" : ", ") + isa::memTypeName(M) + " " + std::to_string(B);
    }
    return std::to_string(Total) + " B" + (Out.empty() ? "" : " (" + Out + ")");
  };
  OS << "dram loaded  " << PerBuffer(S.BytesLoaded) << "\n";
  OS << "dram stored  " << PerBuffer(S.BytesStored) << "\n";
  return OS.str();
}

} // namespace npu::runtime
