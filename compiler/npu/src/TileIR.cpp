// Tile IR: the text printer (parsed back by TileIRParse.cpp), serial dependency tokens and the DRAM planner
// that turns a TileProgram into an isa::Program.
#include "npu/backend/TileIR.h"

#include "npu/isa/Assembler.h"

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <cstring>
#include <sstream>

namespace npu::backend {

namespace {

const char *kindName(TileTensor::Kind K) {
  switch (K) {
  case TileTensor::Input:
    return "input";
  case TileTensor::Output:
    return "output";
  case TileTensor::Const:
    return "const";
  case TileTensor::Temp:
    return "temp";
  }
  return "?";
}

uint64_t alignUp(uint64_t V, uint64_t A) { return (V + A - 1) / A * A; }

isa::Instruction computeNop() {
  isa::Instruction I;
  I.H.Op = int64_t(isa::Opcode::Load);
  I.Mem.Mem = int64_t(isa::MemType::Uop);
  return I;
}

/// Sets the flags for "Next waits for Prev" where the two queues share a token FIFO; false where they do not.
bool chain(isa::Instruction &Prev, isa::Instruction &Next) {
  using isa::Queue;
  Queue P = Prev.queue(), N = Next.queue();
  if (P == Queue::Load && N == Queue::Compute)
    return Prev.H.PushNext = 1, Next.H.PopPrev = 1, true;
  if (P == Queue::Compute && N == Queue::Load)
    return Prev.H.PushPrev = 1, Next.H.PopNext = 1, true;
  if (P == Queue::Compute && N == Queue::Store)
    return Prev.H.PushNext = 1, Next.H.PopPrev = 1, true;
  if (P == Queue::Store && N == Queue::Compute)
    return Prev.H.PushPrev = 1, Next.H.PopNext = 1, true;
  return false;
}

/// Name in double quotes with \" \\ and \xHH escapes (the parser reads the same).
std::string quoted(const std::string &Name) {
  std::string R = "\"";
  for (char Ch : Name) {
    const unsigned char U = static_cast<unsigned char>(Ch);
    if (Ch == '"' || Ch == '\\') {
      R += '\\';
      R += Ch;
    } else if (U < 0x20 || U >= 0x7f) {
      char Buf[8];
      std::snprintf(Buf, sizeof(Buf), "\\x%02x", U);
      R += Buf;
    } else {
      R += Ch;
    }
  }
  return R + "\"";
}

/// A tensor name: bare when it is made of [A-Za-z0-9_./-], else quoted.
std::string tileName(const std::string &Name) {
  auto Plain = [](char Ch) {
    return std::isalnum(static_cast<unsigned char>(Ch)) || std::strchr("_./-", Ch);
  };
  return !Name.empty() && std::all_of(Name.begin(), Name.end(), Plain) ? Name : quoted(Name);
}

} // namespace

std::string printTileProgram(const TileProgram &P, const HardwareConfig &C, bool WithData) {
  std::ostringstream OS;
  OS << "tile_program config " << tileName(C.Name) << " hash " << C.shortHash() << " {\n";
  for (const TileTensor &T : P.Tensors) {
    OS << "  " << kindName(T.K) << " %" << tileName(T.Name) << " : " << T.Bytes << " bytes";
    if (!T.Shape.empty()) {
      OS << " [";
      for (size_t I = 0; I < T.Shape.size(); ++I)
        OS << (I ? "x" : "") << T.Shape[I];
      OS << "]";
    }
    if (T.DType != "int8")
      OS << " " << T.DType;
    if (T.AliasOf >= 0)
      OS << " in %" << tileName(P.Tensors[size_t(T.AliasOf)].Name) << "+" << T.AliasOffset;
    OS << " at 0x" << std::hex << T.Address << std::dec;
    if (T.K == TileTensor::Const) {
      OS << " = ";
      if (!WithData) {
        OS << "elided";
      } else {
        static const char *Hex = "0123456789abcdef";
        OS << "0x";
        for (uint8_t B : T.Data)
          OS << Hex[B >> 4] << Hex[B & 15];
      }
    }
    OS << "\n";
  }
  OS << "  uops " << P.Uops.size() << " {";
  for (size_t I = 0; I < P.Uops.size(); ++I)
    OS << (I % 8 ? " " : "\n    ") << "(" << P.Uops[I].Dst << "," << P.Uops[I].Src << "," << P.Uops[I].Wgt
       << ")";
  OS << "\n  }\n";
  isa::IsaLayout L(C);
  std::string Node = "\x01";
  for (const TileInsn &T : P.Insns) {
    if (T.Node != Node) {
      OS << "  node " << quoted(T.Node) << "\n";
      Node = T.Node;
    }
    isa::Instruction I = T.I;
    I.Mem.DramBase = 0;
    std::string Line = isa::formatInstruction(L, I);
    if (T.Tensor != -1) {
      Line += T.Tensor == UopTable ? " dram=@uops" : " dram=%";
      if (T.Tensor != UopTable)
        Line += tileName(P.Tensors[size_t(T.Tensor)].Name);
      Line.append("+").append(std::to_string(T.Offset));
    }
    OS << "    " << Line << "\n";
  }
  OS << "}\n";
  return OS.str();
}

void insertSerialTokens(TileProgram &P) {
  std::vector<TileInsn> Out;
  Out.reserve(P.Insns.size() + P.Insns.size() / 4 + 2);
  TileInsn Finish;
  Finish.I.H.Op = int64_t(isa::Opcode::Finish);
  P.Insns.push_back(Finish);
  for (TileInsn &T : P.Insns) {
    if (!Out.empty() && Out.back().I.queue() != T.I.queue() && !chain(Out.back().I, T.I)) {
      // Load and store share no FIFO: a token-only compute no-op relays the dependency.
      TileInsn Nop;
      Nop.I = computeNop();
      Nop.Tensor = -1;
      Nop.Node = T.Node;
      chain(Out.back().I, Nop.I);
      chain(Nop.I, T.I);
      Out.push_back(Nop);
    }
    Out.push_back(T);
  }
  P.Insns = std::move(Out);
}

Expected<isa::Program> emitProgram(TileProgram &P, const HardwareConfig &C) {
  constexpr uint64_t Align = 64;
  isa::Program Prog;
  Prog.Config = C;
  uint64_t Next = 0;
  // Constants, inputs and outputs get their own space; temporaries share by liveness below.
  // An alias is placed with the tensor it lives in (its root); its uses count as the root's.
  auto Root = [&](size_t K) {
    for (size_t Hops = 0; P.Tensors[K].AliasOf >= 0 && Hops <= P.Tensors.size(); ++Hops)
      K = size_t(P.Tensors[K].AliasOf);
    return K;
  };
  for (TileTensor &T : P.Tensors)
    if (T.K != TileTensor::Temp && T.AliasOf < 0) {
      T.Address = Next;
      Next = alignUp(Next + std::max<uint64_t>(T.Bytes, 1), Align);
    }
  Prog.UopBase = Next;
  Next = alignUp(Next + P.Uops.size() * C.D.UopRowBytes, Align);
  // Temporaries: live from the first to the last instruction naming them; first fit over earlier intervals.
  std::vector<std::pair<size_t, size_t>> Live(P.Tensors.size(), {SIZE_MAX, 0});
  for (size_t I = 0; I < P.Insns.size(); ++I)
    if (int T = P.Insns[I].Tensor; T >= 0) {
      const size_t R = Root(size_t(T));
      Live[R] = {std::min(Live[R].first, I), std::max(Live[R].second, I)};
    }
  struct Placed {
    uint64_t Begin, End;
    size_t First, Last;
  };
  std::vector<Placed> Done;
  const uint64_t TempBase = Next;
  for (size_t K = 0; K < P.Tensors.size(); ++K) {
    TileTensor &T = P.Tensors[K];
    if (T.K != TileTensor::Temp || T.AliasOf >= 0)
      continue;
    uint64_t Addr = TempBase;
    for (bool Moved = true; Moved;) {
      Moved = false;
      for (const Placed &D : Done) {
        bool Overlap = Addr < D.End && D.Begin < Addr + T.Bytes;
        bool Alive = !(Live[K].second < D.First || D.Last < Live[K].first);
        if (Overlap && Alive) {
          Addr = alignUp(D.End, Align);
          Moved = true;
        }
      }
    }
    T.Address = Addr;
    Done.push_back({Addr, Addr + T.Bytes, Live[K].first, Live[K].second});
    Next = std::max(Next, alignUp(Addr + T.Bytes, Align));
  }
  for (size_t K = 0; K < P.Tensors.size(); ++K) {
    if (P.Tensors[K].AliasOf < 0)
      continue;
    if (P.Tensors[Root(K)].AliasOf >= 0)
      return makeError("tensor '", P.Tensors[K].Name, "' is an alias in a cycle");
    uint64_t Offset = 0;
    for (size_t A = K; P.Tensors[A].AliasOf >= 0; A = size_t(P.Tensors[A].AliasOf))
      Offset += P.Tensors[A].AliasOffset;
    P.Tensors[K].Address = P.Tensors[Root(K)].Address + Offset;
  }
  Prog.DramBytes = std::max<uint64_t>(4096, alignUp(Next, 4096));
  if (Prog.DramBytes > (uint64_t(1) << C.DramAddressBits))
    return makeError("the segment needs ", Prog.DramBytes, " bytes of DRAM, more than the ",
                     C.DramAddressBits, "-bit address space");
  for (const TileTensor &T : P.Tensors) {
    if (T.K == TileTensor::Const)
      Prog.Segments.push_back({T.Name, T.Address, T.Data});
    if (T.K == TileTensor::Input || T.K == TileTensor::Output) {
      isa::TensorBinding B;
      B.Name = T.Name;
      B.IsInput = T.K == TileTensor::Input;
      B.DType = T.DType;
      B.Shape = T.Shape;
      B.Address = T.Address;
      B.Layout = "NCHWnc";
      Prog.IO.push_back(B);
    }
  }
  Prog.Uops = P.Uops;
  for (size_t I = 0; I < P.Insns.size(); ++I) {
    const TileInsn &T = P.Insns[I];
    isa::Instruction Insn = T.I;
    if (T.Tensor == UopTable)
      Insn.Mem.DramBase = int64_t(Prog.UopBase + T.Offset);
    else if (T.Tensor >= 0)
      Insn.Mem.DramBase = int64_t(P.Tensors[size_t(T.Tensor)].Address + T.Offset);
    Prog.Insns.push_back(Insn);
  }
  for (size_t I = 0; I < P.Insns.size(); ++I)
    if (!P.Insns[I].Node.empty())
      Prog.setNode(I, P.Insns[I].Node);
  if (!Prog.InsnNode.empty())
    Prog.InsnNode.resize(Prog.Insns.size(), isa::Program::NoNode);
  Prog.Meta.push_back({"tool", "npuc compile"});
  if (Status S = Prog.verify(); !S)
    return S.error();
  return Prog;
}

} // namespace npu::backend
