// Tile IR: the text printer (parsed back by TileIRParse.cpp). The passes over the program (tokens, DRAM
// planning, emission) are in BackendPasses.def.
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
  OS << "  uops " << P.Uops.size() << " at 0x" << std::hex << P.UopAddress << std::dec << " {";
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

} // namespace npu::backend
