// Kernel builder implementation: task function skeleton, loops, typed loads/stores, conversions, math calls.
#include "Emit.h"

#include <llvm/IR/Intrinsics.h>
#include <llvm/IR/MDBuilder.h>
#include <llvm/Support/raw_ostream.h>

#include "npu/compiler/ops/OpHelpers.h"

namespace npu::host {

using namespace llvm;
using ir::ElemType;

ModuleEnv::ModuleEnv(Module &Mod, TargetInfo TI) : Ctx(Mod.getContext()), M(Mod), T(std::move(TI)) {
  I1 = Type::getInt1Ty(Ctx);
  I8 = Type::getInt8Ty(Ctx);
  I16 = Type::getInt16Ty(Ctx);
  I32 = Type::getInt32Ty(Ctx);
  I64 = Type::getInt64Ty(Ctx);
  F16 = Type::getHalfTy(Ctx);
  F32 = Type::getFloatTy(Ctx);
  F64 = Type::getDoubleTy(Ctx);
  Ptr = PointerType::get(Ctx, 0);
  Void = Type::getVoidTy(Ctx);
}

std::string ModuleEnv::uniqueName(const std::string &Base) {
  std::string Clean;
  for (char C : Base)
    Clean += (isalnum(static_cast<unsigned char>(C)) || C == '_') ? C : '_';
  int N = Names[Clean]++;
  return N ? Clean + "_" + std::to_string(N) : Clean;
}

namespace {
template <typename T>
GlobalVariable *constArray(ModuleEnv &E, std::map<std::string, GlobalVariable *> &Globals, const std::vector<T> &V,
                           Constant *Init, const char *Tag) {
  std::string Key(Tag);
  Key.append(reinterpret_cast<const char *>(V.data()), V.size() * sizeof(T));
  auto It = Globals.find(Key);
  if (It != Globals.end())
    return It->second;
  auto *G = new GlobalVariable(E.M, Init->getType(), true, GlobalValue::InternalLinkage, Init,
                               "tbl" + std::to_string(Globals.size()));
  G->setAlignment(Align(64));
  Globals[Key] = G;
  return G;
}
} // namespace

GlobalVariable *ModuleEnv::constI64s(const std::vector<int64_t> &V) {
  std::vector<uint64_t> U(V.begin(), V.end());
  return constArray(*this, Globals, V, ConstantDataArray::get(Ctx, U), "i64");
}
GlobalVariable *ModuleEnv::constF32s(const std::vector<float> &V) {
  return constArray(*this, Globals, V, ConstantDataArray::get(Ctx, V), "f32");
}
GlobalVariable *ModuleEnv::constF64s(const std::vector<double> &V) {
  return constArray(*this, Globals, V, ConstantDataArray::get(Ctx, V), "f64");
}

KB::KB(ModuleEnv &Env, const std::string &Name) : E(Env), B(Env.Ctx) {
  auto *FT = FunctionType::get(E.Void, {E.Ptr, E.I64, E.I64, E.Ptr}, false);
  F = Function::Create(FT, GlobalValue::ExternalLinkage, Name, E.M);
  F->addFnAttr(Attribute::NoUnwind);
  if (!E.T.Gpu) {
    F->addFnAttr("target-cpu", E.T.Cpu);
    F->addFnAttr("target-features", E.T.Features);
  }
  F->addParamAttr(0, Attribute::NoAlias);
  F->addParamAttr(3, Attribute::NoAlias);
  Bufs = F->getArg(0);
  Lo = F->getArg(1);
  Hi = F->getArg(2);
  Scratch = F->getArg(3);
  Bufs->setName("bufs");
  Lo->setName("lo");
  Hi->setName("hi");
  Scratch->setName("scratch");
  Entry = BasicBlock::Create(E.Ctx, "entry", F);
  B.SetInsertPoint(BasicBlock::Create(E.Ctx, "body", F));
}

KB::KB(ModuleEnv &Env, Function *Helper) : E(Env), B(Env.Ctx), F(Helper) {
  Bufs = Lo = Hi = Scratch = nullptr;
  Entry = BasicBlock::Create(E.Ctx, "entry", F);
  B.SetInsertPoint(BasicBlock::Create(E.Ctx, "body", F));
}

void KB::finishHelper() {
  B.CreateRetVoid();
  IRBuilder<> EB(Entry);
  EB.CreateBr(&*std::next(F->begin()));
  Finished = true;
}

KB::~KB() {
  if (!Finished && F)
    F->eraseFromParent();
}

Buf KB::buf(int Slot, ElemType Elem) {
  E.UsedSlots.insert(Slot);
  auto It = SlotPtrs.find(Slot);
  if (It == SlotPtrs.end()) {
    IRBuilder<> EB(Entry);
    uint64_t Arg = ArgSlots.size();
    ArgSlots.push_back(Slot);
    Value *Addr = EB.CreateConstInBoundsGEP1_64(E.Ptr, Bufs, Arg);
    std::string Name = "a"; // appended, not "a" + to_string(...): GCC 12 warns falsely on that form
    Name += std::to_string(Arg);
    LoadInst *L = EB.CreateLoad(E.Ptr, Addr, Name);
    L->setMetadata(LLVMContext::MD_invariant_load, MDNode::get(E.Ctx, {}));
    It = SlotPtrs.emplace(Slot, L).first;
  }
  return Buf{It->second, Slot, Elem};
}

Buf KB::scratch(ElemType Elem, int64_t ByteOffset) {
  IRBuilder<> EB(Entry);
  return Buf{EB.CreateConstInBoundsGEP1_64(E.I8, Scratch, static_cast<uint64_t>(ByteOffset)), -1, Elem};
}

Value *KB::cf(double V, ElemType T) { return ConstantFP::get(T == ElemType::Float64 ? E.F64 : E.F32, V); }

AllocaInst *KB::var(Type *T, Value *Init) {
  IRBuilder<> EB(Entry, Entry->begin());
  AllocaInst *A = EB.CreateAlloca(T);
  if (Init)
    B.CreateStore(Init, A);
  return A;
}

void KB::loop(Value *Begin, Value *End, const std::function<void(Value *)> &Body) {
  BasicBlock *Pre = B.GetInsertBlock();
  BasicBlock *Head = BasicBlock::Create(E.Ctx, "loop", F);
  BasicBlock *BodyBB = BasicBlock::Create(E.Ctx, "loop.body", F);
  BasicBlock *Exit = BasicBlock::Create(E.Ctx, "loop.end", F);
  B.CreateBr(Head);
  B.SetInsertPoint(Head);
  PHINode *IV = B.CreatePHI(E.I64, 2, "i");
  IV->addIncoming(Begin, Pre);
  B.CreateCondBr(B.CreateICmpSLT(IV, End), BodyBB, Exit);
  B.SetInsertPoint(BodyBB);
  Body(IV);
  Value *Next = B.CreateAdd(IV, c64(1), "", true, true);
  IV->addIncoming(Next, B.GetInsertBlock());
  B.CreateBr(Head);
  B.SetInsertPoint(Exit);
}

void KB::ifThen(Value *Cond, const std::function<void()> &Then) {
  BasicBlock *T = BasicBlock::Create(E.Ctx, "then", F), *J = BasicBlock::Create(E.Ctx, "endif", F);
  B.CreateCondBr(Cond, T, J);
  B.SetInsertPoint(T);
  Then();
  B.CreateBr(J);
  B.SetInsertPoint(J);
}

void KB::ifThenElse(Value *Cond, const std::function<void()> &Then, const std::function<void()> &Else) {
  BasicBlock *T = BasicBlock::Create(E.Ctx, "then", F), *El = BasicBlock::Create(E.Ctx, "else", F),
             *J = BasicBlock::Create(E.Ctx, "endif", F);
  B.CreateCondBr(Cond, T, El);
  B.SetInsertPoint(T);
  Then();
  B.CreateBr(J);
  B.SetInsertPoint(El);
  Else();
  B.CreateBr(J);
  B.SetInsertPoint(J);
}

namespace {
Type *storageType(ModuleEnv &E, ElemType T) {
  switch (T) {
  case ElemType::Float32:
    return E.F32;
  case ElemType::Float16:
    return E.F16;
  case ElemType::BFloat16:
  case ElemType::Int16:
  case ElemType::UInt16:
    return E.I16;
  case ElemType::Float64:
    return E.F64;
  case ElemType::Int8:
  case ElemType::UInt8:
  case ElemType::Bool:
    return E.I8;
  case ElemType::Int32:
  case ElemType::UInt32:
    return E.I32;
  case ElemType::Int64:
  case ElemType::UInt64:
    return E.I64;
  }
  return E.F32;
}
} // namespace

Type *computeType(ModuleEnv &E, ElemType T) {
  switch (T) {
  case ElemType::Float32:
  case ElemType::Float16:
  case ElemType::BFloat16:
    return E.F32;
  case ElemType::Float64:
    return E.F64;
  case ElemType::Bool:
    return E.I1;
  default:
    return storageType(E, T);
  }
}

void KB::tag(Instruction *Inst, int Slot) {
  if (Slot >= -1) // -2: a helper's raw pointer, no alias information
    MemOps.push_back({Inst, Slot});
}

Value *KB::load(const Buf &Bf, Value *I) {
  Type *ST = storageType(E, Bf.Elem);
  LoadInst *L = B.CreateLoad(ST, B.CreateInBoundsGEP(ST, Bf.Ptr, I));
  tag(L, Bf.Slot);
  switch (Bf.Elem) {
  case ElemType::Float16:
    return B.CreateFPExt(L, E.F32);
  case ElemType::BFloat16:
    return B.CreateBitCast(B.CreateShl(B.CreateZExt(L, E.I32), 16), E.F32);
  case ElemType::Bool:
    return B.CreateICmpNE(L, ConstantInt::get(E.I8, 0));
  default:
    return L;
  }
}

void KB::store(const Buf &Bf, Value *I, Value *V) {
  Type *ST = storageType(E, Bf.Elem);
  switch (Bf.Elem) {
  case ElemType::Float16:
    V = B.CreateFPTrunc(V, E.F16);
    break;
  case ElemType::BFloat16: { // round to nearest even; NaN stays a quiet NaN (as ir::floatToBFloat16Bits)
    Value *Bits = B.CreateBitCast(V, E.I32);
    Value *IsNan = B.CreateICmpUGT(B.CreateAnd(Bits, c32(0x7fffffff)), c32(0x7f800000));
    Value *NanBits = B.CreateOr(B.CreateLShr(Bits, 16), c32(0x40));
    Value *Round = B.CreateAdd(B.CreateAdd(Bits, c32(0x7fff)), B.CreateAnd(B.CreateLShr(Bits, 16), c32(1)));
    V = B.CreateTrunc(B.CreateSelect(IsNan, NanBits, B.CreateLShr(Round, 16)), E.I16);
    break;
  }
  case ElemType::Bool:
    V = B.CreateZExt(V, E.I8);
    break;
  default:
    break;
  }
  tag(B.CreateStore(V, B.CreateInBoundsGEP(ST, Bf.Ptr, I)), Bf.Slot);
}

Value *KB::loadVec(const Buf &Bf, Value *I, unsigned N, unsigned Al) {
  auto *VT = FixedVectorType::get(E.F32, N);
  LoadInst *L = B.CreateAlignedLoad(VT, B.CreateInBoundsGEP(E.F32, Bf.Ptr, I), Align(Al));
  tag(L, Bf.Slot);
  return L;
}

void KB::storeVec(const Buf &Bf, Value *I, Value *V, unsigned Al) {
  tag(B.CreateAlignedStore(V, B.CreateInBoundsGEP(E.F32, Bf.Ptr, I), Align(Al)), Bf.Slot);
}

void KB::maskedStoreVec(const Buf &Bf, Value *I, Value *V, unsigned Lanes) {
  unsigned N = cast<FixedVectorType>(V->getType())->getNumElements();
  std::vector<Constant *> Bits;
  for (unsigned L = 0; L < N; ++L)
    Bits.push_back(ConstantInt::get(E.I1, L < Lanes));
  Instruction *S = B.CreateMaskedStore(V, B.CreateInBoundsGEP(E.F32, Bf.Ptr, I), Align(4), ConstantVector::get(Bits));
  tag(S, Bf.Slot);
}

void KB::setStatus(int Code) {
  Buf S = buf(0, ElemType::Int32);
  tag(B.CreateStore(c32(Code), S.Ptr), 0);
}

KernelOut KB::finish(int64_t Items, double CostPerItem, size_t ScratchBytes) {
  B.CreateRetVoid();
  IRBuilder<> EB(Entry);
  EB.CreateBr(&*std::next(F->begin()));
  // A kernel identical to one already emitted (same shapes, other buffers) reuses it.
  std::string Body;
  {
    raw_string_ostream OS(Body);
    F->print(OS);
  }
  Body.erase(0, Body.find('('));
  auto Known = E.KernelBodies.find(Body);
  if (Known != E.KernelBodies.end()) {
    F->eraseFromParent();
    F = nullptr;
    Finished = true;
    return KernelOut{Known->second, ArgSlots, Items, CostPerItem, ScratchBytes, false, {}};
  }
  E.KernelBodies.emplace(std::move(Body), F->getName().str());
  // Every slot is a separate buffer: give each its alias scope so loops vectorize without run-time checks.
  std::map<int, MDNode *> Scopes;
  MDBuilder MDB(E.Ctx);
  MDNode *Domain = MDB.createAnonymousAliasScopeDomain(F->getName());
  for (auto &[I, S] : MemOps)
    if (!Scopes.count(S))
      Scopes[S] = MDB.createAnonymousAliasScope(Domain, "slot" + std::to_string(S));
  if (Scopes.size() > 1)
    for (auto &[I, S] : MemOps) {
      std::vector<Metadata *> Others;
      for (auto &[OS, Scope] : Scopes)
        if (OS != S)
          Others.push_back(Scope);
      I->setMetadata(LLVMContext::MD_alias_scope, MDNode::get(E.Ctx, {Scopes[S]}));
      I->setMetadata(LLVMContext::MD_noalias, MDNode::get(E.Ctx, Others));
    }
  Finished = true;
  return KernelOut{F->getName().str(), ArgSlots, Items, CostPerItem, ScratchBytes, true, {}};
}

Value *constOf(KB &K, ElemType T, double V) {
  Type *Ty = computeType(K.E, T);
  if (Ty->isFloatingPointTy())
    return ConstantFP::get(Ty, V);
  return ConstantInt::get(Ty, static_cast<uint64_t>(static_cast<int64_t>(V)), true);
}

Value *cmpLt(KB &K, Value *A, Value *B, ElemType T) {
  if (A->getType()->isFloatingPointTy())
    return K.B.CreateFCmpOLT(A, B);
  return ir::isSignedIntegerType(T) ? K.B.CreateICmpSLT(A, B) : K.B.CreateICmpULT(A, B);
}

Value *cmpGt(KB &K, Value *A, Value *B, ElemType T) { return cmpLt(K, B, A, T); }

Value *convert(KB &K, Value *V, ElemType From, ElemType To) {
  auto &B = K.B;
  Type *DT = computeType(K.E, To);
  bool FromF = ir::isFloatType(From), ToF = ir::isFloatType(To);
  if (To == ElemType::Bool) {
    if (From == ElemType::Bool)
      return V;
    return FromF ? B.CreateFCmpUNE(V, ConstantFP::get(V->getType(), 0.0))
                 : B.CreateICmpNE(V, ConstantInt::get(V->getType(), 0));
  }
  if (From == ElemType::Bool)
    return ToF ? B.CreateUIToFP(V, DT) : B.CreateZExt(V, DT);
  if (FromF && !ToF) {
    Intrinsic::ID Id = ir::isSignedIntegerType(To) ? Intrinsic::fptosi_sat : Intrinsic::fptoui_sat;
    return B.CreateIntrinsic(Id, {DT, V->getType()}, {V});
  }
  if (!FromF && ToF)
    return ir::isSignedIntegerType(From) ? B.CreateSIToFP(V, DT) : B.CreateUIToFP(V, DT);
  if (FromF && ToF)
    return B.CreateFPCast(V, DT);
  return B.CreateIntCast(V, DT, ir::isSignedIntegerType(From));
}

Value *math(KB &K, const std::string &Name, Value *X, Value *Y) {
  auto &B = K.B;
  Type *T = X->getType();
  bool Dbl = T->isDoubleTy();
  if (K.E.T.Gpu) {
    if (Name == "fabs" || Name == "sqrt" || Name == "floor" || Name == "ceil")
      ; // NVPTX has instructions for these: use the intrinsics below
    else {
      std::string Fn = "__nv_" + Name + (Dbl ? "" : "f");
      std::vector<Type *> Args(Y ? 2 : 1, T);
      FunctionCallee C = K.E.M.getOrInsertFunction(Fn, FunctionType::get(T, Args, false));
      return Y ? B.CreateCall(C, {X, Y}) : B.CreateCall(C, {X});
    }
  }
  static const std::map<std::string, Intrinsic::ID> Intr = {
      {"exp", Intrinsic::exp},     {"log", Intrinsic::log},     {"sqrt", Intrinsic::sqrt},
      {"sin", Intrinsic::sin},     {"cos", Intrinsic::cos},     {"floor", Intrinsic::floor},
      {"ceil", Intrinsic::ceil},   {"rint", Intrinsic::nearbyint}, {"fabs", Intrinsic::fabs},
      {"pow", Intrinsic::pow}};
  auto It = Intr.find(Name);
  if (It != Intr.end())
    return Y ? B.CreateIntrinsic(It->second, {T}, {X, Y}) : B.CreateIntrinsic(It->second, {T}, {X});
  std::string Fn = Name + (Dbl ? "" : "f");
  FunctionCallee C = K.E.M.getOrInsertFunction(Fn, FunctionType::get(T, {T}, false));
  if (auto *F = dyn_cast<Function>(C.getCallee())) {
    F->addFnAttr(Attribute::NoUnwind);
    F->setOnlyAccessesInaccessibleMemory(); // libm only writes errno
  }
  return B.CreateCall(C, {X});
}

std::vector<Value *> unflatten(KB &K, Value *Flat, const ir::Shape &S) {
  std::vector<Value *> Idx(S.size());
  ir::Shape Str = ir::stridesOf(S);
  for (size_t D = 0; D < S.size(); ++D) {
    Value *Q = Str[D] == 1 ? Flat : K.B.CreateUDiv(Flat, K.c64(Str[D]));
    Idx[D] = D == 0 ? Q : K.B.CreateURem(Q, K.c64(S[D]));
  }
  return Idx;
}

void emitItems(KB &K, const std::function<void(Value *)> &Body) { K.loop(K.Lo, K.Hi, Body); }

int64_t emitNest(KB &K, const ir::Shape &Out, const std::function<void(const std::vector<Value *> &, Value *)> &Body) {
  int64_t Total = ir::shapeNumElements(Out);
  if (Total <= 0)
    return 0;
  size_t R = Out.size();
  if (R == 0) {
    emitItems(K, [&](Value *) { Body({}, K.c64(0)); });
    return 1;
  }
  if (K.E.T.Gpu) {
    emitItems(K, [&](Value *Item) { Body(unflatten(K, Item, Out), Item); });
    return Total;
  }
  int64_t D = Out[R - 1], Rows = Total / D;
  int64_t Chunk = D;
  if (Rows < 64 && D >= 8192)
    Chunk = 4096;
  int64_t Chunks = (D + Chunk - 1) / Chunk;
  ir::Shape OuterShape(Out.begin(), Out.end() - 1);
  emitItems(K, [&](Value *Item) {
    Value *Row = Chunks > 1 ? K.B.CreateUDiv(Item, K.c64(Chunks)) : Item;
    Value *J0 = K.c64(0), *J1 = K.c64(D);
    if (Chunks > 1) {
      J0 = K.B.CreateMul(K.B.CreateURem(Item, K.c64(Chunks)), K.c64(Chunk));
      Value *End = K.B.CreateAdd(J0, K.c64(Chunk));
      J1 = K.B.CreateSelect(K.B.CreateICmpSLT(End, K.c64(D)), End, K.c64(D));
    }
    std::vector<Value *> Outer = unflatten(K, Row, OuterShape);
    Value *RowBase = K.B.CreateMul(Row, K.c64(D));
    K.loop(J0, J1, [&](Value *J) {
      std::vector<Value *> Idx = Outer;
      Idx.push_back(J);
      Body(Idx, K.B.CreateAdd(RowBase, J));
    });
  });
  return Rows * Chunks;
}

} // namespace npu::host
