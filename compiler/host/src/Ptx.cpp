// NVPTX back end: kernel entry points over the task functions (one thread per work item), libdevice linking for
// the math functions, the O3 pipeline with the NVPTX target machine, and PTX emission.
#include "GpuCompile.h"
#include "LowerDriver.h"

#include <llvm/Bitcode/BitcodeReader.h>
#include <llvm/IR/IntrinsicsNVPTX.h>
#include <llvm/IR/LegacyPassManager.h>
#include <llvm/Linker/Linker.h>
#include <llvm/MC/TargetRegistry.h>
#include <llvm/Passes/PassBuilder.h>
#include <llvm/Support/MemoryBuffer.h>
#include <llvm/Target/TargetMachine.h>
#include <llvm/Transforms/IPO/Internalize.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <mutex>

extern "C" {
void LLVMInitializeNVPTXTargetInfo();
void LLVMInitializeNVPTXTarget();
void LLVMInitializeNVPTXTargetMC();
void LLVMInitializeNVPTXAsmPrinter();
}

namespace npu::host {

using namespace llvm;
namespace fs = std::filesystem;

namespace {

constexpr const char *NvTriple = "nvptx64-nvidia-cuda";

std::string findLibdevice(const std::string &Given) {
  if (!Given.empty())
    return Given;
  std::vector<fs::path> Roots;
  if (const char *H = std::getenv("CUDA_HOME"))
    Roots.emplace_back(H);
  Roots.emplace_back("/usr/local/cuda");
  std::error_code EC;
  for (const auto &E : fs::directory_iterator("/usr/local", EC))
    if (E.path().filename().string().rfind("cuda", 0) == 0)
      Roots.push_back(E.path());
  for (const fs::path &R : Roots) {
    fs::path P = R / "nvvm" / "libdevice" / "libdevice.10.bc";
    if (fs::exists(P, EC))
      return P.string();
  }
  return "";
}

/// `name_gpu(ptr args, i64 n)`: thread t < n runs work item t of the task function.
void addEntry(Module &M, Function *Task, std::vector<std::string> &Entries) {
  LLVMContext &Ctx = M.getContext();
  auto *I64 = Type::getInt64Ty(Ctx);
  auto *PtrT = PointerType::get(Ctx, 0);
  auto *FT = FunctionType::get(Type::getVoidTy(Ctx), {PtrT, I64}, false);
  std::string Name = Task->getName().str() + "_gpu";
  Function *F = Function::Create(FT, GlobalValue::ExternalLinkage, Name, M);
  BasicBlock *Entry = BasicBlock::Create(Ctx, "entry", F), *Run = BasicBlock::Create(Ctx, "run", F),
             *Done = BasicBlock::Create(Ctx, "done", F);
  IRBuilder<> B(Entry);
  auto Sreg = [&](Intrinsic::ID Id) { return B.CreateZExt(B.CreateIntrinsic(Id, {}, {}), I64); };
  Value *Tid = B.CreateAdd(B.CreateMul(Sreg(Intrinsic::nvvm_read_ptx_sreg_ctaid_x), Sreg(Intrinsic::nvvm_read_ptx_sreg_ntid_x)),
                           Sreg(Intrinsic::nvvm_read_ptx_sreg_tid_x));
  B.CreateCondBr(B.CreateICmpULT(Tid, F->getArg(1)), Run, Done);
  B.SetInsertPoint(Run);
  B.CreateCall(Task, {F->getArg(0), Tid, B.CreateAdd(Tid, B.getInt64(1)), ConstantPointerNull::get(PtrT)});
  B.CreateBr(Done);
  B.SetInsertPoint(Done);
  B.CreateRetVoid();
  Task->setLinkage(GlobalValue::InternalLinkage);
  Task->addFnAttr(Attribute::AlwaysInline);
  Metadata *MD[] = {ValueAsMetadata::get(F), MDString::get(Ctx, "kernel"),
                    ValueAsMetadata::get(ConstantInt::get(Type::getInt32Ty(Ctx), 1))};
  M.getOrInsertNamedMetadata("nvvm.annotations")->addOperand(MDNode::get(Ctx, MD));
  Entries.push_back(Name);
}

} // namespace

Expected<PtxModule> compileProgramPtx(Program &P, const ir::Graph &G, const PtxOptions &Opts) {
  static std::once_flag Once;
  std::call_once(Once, [] {
    LLVMInitializeNVPTXTargetInfo();
    LLVMInitializeNVPTXTarget();
    LLVMInitializeNVPTXTargetMC();
    LLVMInitializeNVPTXAsmPrinter();
  });
  auto T0 = std::chrono::steady_clock::now();
  std::string Err;
  const Target *T = TargetRegistry::lookupTarget(NvTriple, Err);
  if (!T)
    return npu::makeError("the NVPTX back end is not available: ", Err);
  // PTX 7.8 is the first to know sm_90; ptxas and drivers of CUDA 12 and later accept it for sm_80 too.
  std::unique_ptr<TargetMachine> TM(T->createTargetMachine(NvTriple, Opts.Arch, "+ptx78", TargetOptions(),
                                                           std::nullopt, std::nullopt,
                                                           Opts.OptLevel >= 3 ? CodeGenOpt::Aggressive
                                                                              : CodeGenOpt::Default));
  if (!TM)
    return npu::makeError("cannot create the NVPTX target machine for ", Opts.Arch);
  LLVMContext Ctx;
  auto M = std::make_unique<Module>("npu_gpu", Ctx);
  M->setTargetTriple(NvTriple);
  M->setDataLayout(TM->createDataLayout());
  TargetInfo TI;
  TI.Gpu = true;
  TI.Triple = NvTriple;
  TI.Cpu = Opts.Arch;
  HostOptions HO;
  HO.Fuse = false;
  HO.AllowFallback = Opts.AllowFallback;
  HostStats Stats;
  ModuleEnv E(*M, TI);
  NPU_TRY(lowerProgram(P, E, HO, Stats));
  PtxModule Out;
  Out.FallbackNodes = Stats.FallbackNodes;
  std::vector<std::string> Entries;
  std::map<std::string, std::string> EntryOf;
  for (Step &S : P.Steps)
    if (S.Kind == StepKind::Kernel) {
      if (!EntryOf.count(S.Symbol)) {
        Function *Task = M->getFunction(S.Symbol);
        if (!Task)
          return npu::makeError("internal error: kernel ", S.Symbol, " is missing");
        addEntry(*M, Task, Entries);
        EntryOf[S.Symbol] = Entries.back();
      }
      S.Symbol = EntryOf[S.Symbol];
    }
  bool NeedsLibdevice = false;
  for (Function &F : *M)
    NeedsLibdevice |= F.isDeclaration() && F.getName().startswith("__nv_");
  if (NeedsLibdevice) {
    std::string Path = findLibdevice(Opts.LibdevicePath);
    if (Path.empty())
      return npu::makeError("the model needs math functions and libdevice.10.bc was not found (set CUDA_HOME)");
    auto Buf = MemoryBuffer::getFile(Path);
    if (!Buf)
      return npu::makeError("cannot read ", Path);
    auto LD = parseBitcodeFile((*Buf)->getMemBufferRef(), Ctx);
    if (!LD)
      return npu::makeError("cannot parse ", Path, ": ", toString(LD.takeError()));
    (*LD)->setTargetTriple(NvTriple);
    (*LD)->setDataLayout(M->getDataLayout());
    if (Linker::linkModules(*M, std::move(*LD), Linker::LinkOnlyNeeded))
      return npu::makeError("cannot link ", Path);
  }
  std::set<std::string> Keep(Entries.begin(), Entries.end());
  internalizeModule(*M, [&](const GlobalValue &GV) { return Keep.count(GV.getName().str()) != 0; });
  {
    LoopAnalysisManager LAM;
    FunctionAnalysisManager FAM;
    CGSCCAnalysisManager CGAM;
    ModuleAnalysisManager MAM;
    PassBuilder PB(TM.get());
    PB.registerModuleAnalyses(MAM);
    PB.registerCGSCCAnalyses(CGAM);
    PB.registerFunctionAnalyses(FAM);
    PB.registerLoopAnalyses(LAM);
    PB.crossRegisterProxies(LAM, FAM, CGAM, MAM);
    ModulePassManager MPM = PB.buildPerModuleDefaultPipeline(Opts.OptLevel >= 3 ? OptimizationLevel::O3
                                                                                : OptimizationLevel::O2);
    MPM.run(*M, MAM);
  }
  SmallVector<char, 0> Text;
  raw_svector_ostream OS(Text);
  legacy::PassManager CPM;
  if (TM->addPassesToEmitFile(CPM, OS, nullptr, CGFT_AssemblyFile))
    return npu::makeError("the NVPTX target cannot emit PTX");
  CPM.run(*M);
  Out.Ptx.assign(Text.begin(), Text.end());
  Out.Kernels = Entries;
  Out.CompileMs = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - T0).count();
  (void)G;
  return Out;
}

Expected<PtxModule> emitPtx(const ir::Graph &G, const PtxOptions &Opts) {
  HostStats Stats;
  HostOptions HO;
  HO.AllowFallback = Opts.AllowFallback;
  auto P = buildProgram(G, HO, Stats);
  if (!P)
    return P.error();
  return compileProgramPtx(*P, G, Opts);
}

} // namespace npu::host
