// CPU back end: host target machine, O3 pipeline, object emission, object cache and ORC LLJIT loading.
#include "Compile.h"
#include "LowerDriver.h"
#include "ObjectCache.h"

#include <llvm/ADT/StringMap.h>
#include <llvm/ExecutionEngine/Orc/ExecutionUtils.h>
#include <llvm/ExecutionEngine/Orc/JITTargetMachineBuilder.h>
#include <llvm/ExecutionEngine/Orc/LLJIT.h>
#include <llvm/IR/LegacyPassManager.h>
#include <llvm/Config/llvm-config.h>
#include <llvm/Passes/PassBuilder.h>
#include <llvm/Support/SHA256.h>
#include <llvm/Support/TargetSelect.h>
#include <llvm/Support/raw_ostream.h>
#include <llvm/Target/TargetMachine.h>
#include <llvm/TargetParser/Host.h>

#include <chrono>
#include <mutex>

namespace npu::host {

using namespace llvm;

CompiledCode::~CompiledCode() = default;

namespace {

double msSince(std::chrono::steady_clock::time_point T0) {
  return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - T0).count();
}

void initNative() {
  static std::once_flag Once;
  std::call_once(Once, [] {
    InitializeNativeTarget();
    InitializeNativeTargetAsmPrinter();
  });
}

std::string errorText(llvm::Error E) { return toString(std::move(E)); }

class JitCode : public CompiledCode {
public:
  std::unique_ptr<orc::LLJIT> J;
};

/// The host's CPU name and features (or the options' overrides), and the SIMD width they give.
TargetInfo hostTarget(const HostOptions &Opts) {
  TargetInfo T;
  T.Triple = sys::getProcessTriple();
  T.Cpu = Opts.Cpu.empty() ? sys::getHostCPUName().str() : Opts.Cpu;
  if (!Opts.Features.empty()) {
    T.Features = Opts.Features;
  } else if (Opts.Cpu.empty()) {
    StringMap<bool> F;
    if (sys::getHostCPUFeatures(F)) {
      std::vector<std::string> On;
      for (auto &KV : F)
        On.push_back((KV.second ? "+" : "-") + KV.first().str());
      std::sort(On.begin(), On.end());
      for (const std::string &S : On)
        T.Features += (T.Features.empty() ? "" : ",") + S;
    }
  }
  auto Has = [&](const char *Feat) { return T.Features.find(std::string("+") + Feat) != std::string::npos; };
  T.VectorBits = Has("avx512f") ? 512 : Has("avx") ? 256 : 128;
  return T;
}

Expected<std::string> emitObject(Module &M, TargetMachine &TM, int OptLevel) {
  {
    LoopAnalysisManager LAM;
    FunctionAnalysisManager FAM;
    CGSCCAnalysisManager CGAM;
    ModuleAnalysisManager MAM;
    PipelineTuningOptions PTO;
    PTO.LoopVectorization = OptLevel >= 2;
    PTO.SLPVectorization = OptLevel >= 2;
    // The kernels' inner loops are memory-bound or hand-blocked: one vector per iteration and no unrolling keep
    // the code (and JIT time) small at no cost in speed.
    PTO.LoopInterleaving = false;
    PTO.LoopUnrolling = false;
    PassBuilder PB(&TM, PTO);
    PB.registerModuleAnalyses(MAM);
    PB.registerCGSCCAnalyses(CGAM);
    PB.registerFunctionAnalyses(FAM);
    PB.registerLoopAnalyses(LAM);
    PB.crossRegisterProxies(LAM, FAM, CGAM, MAM);
    OptimizationLevel L = OptLevel <= 0   ? OptimizationLevel::O0
                          : OptLevel == 1 ? OptimizationLevel::O1
                          : OptLevel == 2 ? OptimizationLevel::O2
                                          : OptimizationLevel::O3;
    ModulePassManager MPM = OptLevel <= 0 ? PB.buildO0DefaultPipeline(L) : PB.buildPerModuleDefaultPipeline(L);
    MPM.run(M, MAM);
  }
  SmallVector<char, 0> Buf;
  raw_svector_ostream OS(Buf);
  legacy::PassManager CPM;
  if (TM.addPassesToEmitFile(CPM, OS, nullptr, CGFT_ObjectFile))
    return npu::makeError("internal error: the target cannot emit object files");
  CPM.run(M);
  return std::string(Buf.begin(), Buf.end());
}

} // namespace

Expected<std::unique_ptr<CompiledCode>> compileForHost(Program &P, const HostOptions &Opts, HostStats &Stats,
                                                       std::string &IrText) {
  initNative();
  auto T0 = std::chrono::steady_clock::now();
  TargetInfo TI = hostTarget(Opts);
  Stats.Cpu = TI.Cpu;
  Stats.Features = TI.Features;
  Stats.Triple = TI.Triple;
  Stats.VectorBits = TI.VectorBits;
  orc::JITTargetMachineBuilder JTMB{Triple(TI.Triple)};
  JTMB.setCPU(TI.Cpu);
  SubtargetFeatures SF(TI.Features);
  JTMB.addFeatures(SF.getFeatures());
  JTMB.setCodeGenOptLevel(Opts.OptLevel >= 3 ? CodeGenOpt::Aggressive
                          : Opts.OptLevel == 0 ? CodeGenOpt::None
                                               : CodeGenOpt::Default);
  auto TM = JTMB.createTargetMachine();
  if (!TM)
    return npu::makeError("cannot create the host target machine: ", errorText(TM.takeError()));

  auto Ctx = std::make_unique<LLVMContext>();
  auto M = std::make_unique<Module>("npu_host", *Ctx);
  M->setTargetTriple(TI.Triple);
  M->setDataLayout((*TM)->createDataLayout());
  ModuleEnv E(*M, TI);
  NPU_TRY(lowerProgram(P, E, Opts, Stats));
  {
    raw_string_ostream OS(IrText);
    M->print(OS, nullptr);
  }
  // The cache key covers everything that decides the object's bytes.
  SHA256 H;
  H.update(IrText);
  H.update("\n" + TI.Triple + "\n" + TI.Cpu + "\n" + TI.Features + "\nO" + std::to_string(Opts.OptLevel) +
           "\nLLVM " LLVM_VERSION_STRING "\nnpu-host-1");
  std::string Key = toHex(H.result(), true);
  Stats.LowerMs = msSince(T0);

  std::string Dir = Opts.UseDiskCache ? (Opts.CacheDir.empty() ? defaultCacheDir() : Opts.CacheDir) : "";
  auto T1 = std::chrono::steady_clock::now();
  std::string Obj;
  if (auto Hit = cacheLookup(Key, Dir, Opts.UseMemoryCache)) {
    Obj = std::move(Hit->Bytes);
    Stats.CacheHit = true;
    Stats.CacheSource = Hit->Source;
  } else {
    auto O = emitObject(*M, **TM, Opts.OptLevel);
    if (!O)
      return O.error();
    Obj = O.takeValue();
    cacheStore(Key, Obj, Dir, Opts.UseMemoryCache);
    Stats.CompileMs = msSince(T1);
  }

  auto T2 = std::chrono::steady_clock::now();
  auto J = orc::LLJITBuilder().setJITTargetMachineBuilder(JTMB).create();
  if (!J)
    return npu::makeError("cannot create the JIT: ", errorText(J.takeError()));
  auto Gen = orc::DynamicLibrarySearchGenerator::GetForCurrentProcess((*J)->getDataLayout().getGlobalPrefix());
  if (!Gen)
    return npu::makeError("cannot search the process for symbols: ", errorText(Gen.takeError()));
  (*J)->getMainJITDylib().addGenerator(std::move(*Gen));
  if (auto Err = (*J)->addObjectFile(MemoryBuffer::getMemBufferCopy(Obj, "npu_host_" + Key + ".o")))
    return npu::makeError("cannot load the compiled object: ", errorText(std::move(Err)));
  for (Step &S : P.Steps) {
    if (S.Kind != StepKind::Kernel)
      continue;
    auto Addr = (*J)->lookup(S.Symbol);
    if (!Addr)
      return npu::makeError("cannot find kernel ", S.Symbol, ": ", errorText(Addr.takeError()));
    S.Fn = Addr->toPtr<TaskFn>();
  }
  Stats.LinkMs = msSince(T2);
  auto Code = std::make_unique<JitCode>();
  Code->J = std::move(*J);
  return std::unique_ptr<CompiledCode>(std::move(Code));
}

} // namespace npu::host
