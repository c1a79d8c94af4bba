// CPU back end: host target machine, O3 pipeline, object emission, object cache and ORC LLJIT loading.
#include "Compile.h"
#include "LowerDriver.h"
#include "ObjectCache.h"

#include "npu/support/Sha256.h"

#include <llvm/ADT/StringMap.h>
#include <llvm/ExecutionEngine/Orc/ExecutionUtils.h>
#include <llvm/ExecutionEngine/Orc/JITTargetMachineBuilder.h>
#include <llvm/ExecutionEngine/Orc/LLJIT.h>
#include <llvm/IR/LegacyPassManager.h>
#include <llvm/Config/llvm-config.h>
#include <llvm/Passes/PassBuilder.h>
#include <llvm/Bitcode/BitcodeReader.h>
#include <llvm/Bitcode/BitcodeWriter.h>
#include <llvm/Transforms/Utils/SplitModule.h>
#include <llvm/Support/TargetSelect.h>
#include <llvm/Support/raw_ostream.h>
#include <llvm/Target/TargetMachine.h>
#include <llvm/TargetParser/Host.h>

#include <chrono>
#include <mutex>
#include <thread>

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
        On.push_back(std::string(KV.second ? "+" : "-").append(KV.first().str()));
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

/// Objects of a module split into Parts partitions compiled on as many threads (each thread parses its part
/// into its own context). One part: the module itself.
Expected<std::vector<std::string>> emitObjects(Module &M, orc::JITTargetMachineBuilder &JTMB, int OptLevel,
                                               unsigned Parts) {
  if (Parts <= 1) {
    auto TM = JTMB.createTargetMachine();
    if (!TM)
      return npu::makeError("cannot create the host target machine: ", errorText(TM.takeError()));
    auto O = emitObject(M, **TM, OptLevel);
    if (!O)
      return O.error();
    return std::vector<std::string>{O.takeValue()};
  }
  std::vector<SmallVector<char, 0>> Bitcode;
  SplitModule(M, Parts, [&](std::unique_ptr<Module> Part) {
    Bitcode.emplace_back();
    raw_svector_ostream OS(Bitcode.back());
    WriteBitcodeToFile(*Part, OS);
  });
  std::vector<std::string> Objects(Bitcode.size()), Errors(Bitcode.size());
  std::vector<std::thread> Threads;
  for (size_t I = 0; I < Bitcode.size(); ++I)
    Threads.emplace_back([&, I] {
      LLVMContext Ctx;
      auto Part = parseBitcodeFile(MemoryBufferRef(StringRef(Bitcode[I].data(), Bitcode[I].size()), "part"), Ctx);
      if (!Part) {
        Errors[I] = errorText(Part.takeError());
        return;
      }
      auto TM = JTMB.createTargetMachine();
      if (!TM) {
        Errors[I] = errorText(TM.takeError());
        return;
      }
      auto O = emitObject(**Part, **TM, OptLevel);
      if (!O)
        Errors[I] = O.message();
      else
        Objects[I] = O.takeValue();
    });
  for (std::thread &T : Threads)
    T.join();
  for (const std::string &E : Errors)
    if (!E.empty())
      return npu::makeError("internal error compiling a module part: ", E);
  return Objects;
}

/// Several objects as one cache entry: "npuobjs\n", the count, then each size and its bytes.
std::string packObjects(const std::vector<std::string> &Objs) {
  std::string R = "npuobjs\n" + std::to_string(Objs.size()) + "\n";
  for (const std::string &O : Objs)
    R += std::to_string(O.size()) + "\n" + O;
  return R;
}

std::optional<std::vector<std::string>> unpackObjects(const std::string &Blob) {
  std::vector<std::string> R;
  if (Blob.rfind("npuobjs\n", 0) != 0)
    return std::nullopt;
  size_t At = 8;
  auto Num = [&]() -> std::optional<size_t> {
    size_t End = Blob.find('\n', At);
    if (End == std::string::npos)
      return std::nullopt;
    size_t V = std::strtoull(Blob.c_str() + At, nullptr, 10);
    At = End + 1;
    return V;
  };
  auto Count = Num();
  if (!Count)
    return std::nullopt;
  for (size_t I = 0; I < *Count; ++I) {
    auto Size = Num();
    if (!Size || At + *Size > Blob.size())
      return std::nullopt;
    R.push_back(Blob.substr(At, *Size));
    At += *Size;
  }
  return R;
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
  // (The project's one SHA-256, npu/support/Sha256.h: the same digest LLVM's SHA256 gave over these bytes.)
  std::string Key = sha256Hex(IrText + "\n" + TI.Triple + "\n" + TI.Cpu + "\n" + TI.Features + "\nO" +
                              std::to_string(Opts.OptLevel) + "\nLLVM " LLVM_VERSION_STRING "\nnpu-host-2");
  Stats.LowerMs = msSince(T0);

  std::string Dir = Opts.UseDiskCache ? (Opts.CacheDir.empty() ? defaultCacheDir() : Opts.CacheDir) : "";
  auto T1 = std::chrono::steady_clock::now();
  std::vector<std::string> Objs;
  if (auto Hit = cacheLookup(Key, Dir, Opts.UseMemoryCache); Hit && unpackObjects(Hit->Bytes)) {
    Objs = *unpackObjects(Hit->Bytes);
    Stats.CacheHit = true;
    Stats.CacheSource = Hit->Source;
  } else {
    // Big modules compile in parts on several threads (a part per ~24 kernels, at most one per core).
    unsigned Cores = std::max(1u, std::thread::hardware_concurrency());
    unsigned Parts = std::min<unsigned>({Cores, 8u, static_cast<unsigned>(P.Steps.size() / 24 + 1)});
    auto O = emitObjects(*M, JTMB, Opts.OptLevel, Parts);
    if (!O)
      return O.error();
    Objs = O.takeValue();
    cacheStore(Key, packObjects(Objs), Dir, Opts.UseMemoryCache);
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
  for (size_t I = 0; I < Objs.size(); ++I)
    if (auto Err = (*J)->addObjectFile(
            MemoryBuffer::getMemBufferCopy(Objs[I], "npu_host_" + Key + "_" + std::to_string(I) + ".o")))
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
