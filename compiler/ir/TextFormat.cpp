// Exact float and quoted-name formatting for the Graph IR text form.
#include "TextFormat.h"

#include <cctype>
#include <charconv>
#include <cmath>

namespace npu::ir {

namespace {
template <typename T> std::string formatFp(T V) {
  if (std::isnan(V))
    return "nan";
  if (std::isinf(V))
    return V < 0 ? "-inf" : "inf";
  char Buf[64];
  auto R = std::to_chars(Buf, Buf + sizeof(Buf), V);
  std::string S(Buf, R.ptr);
  if (S.find_first_of(".e") == std::string::npos)
    S += ".0";
  return S;
}
} // namespace

std::string formatFloat(float F) { return formatFp(F); }
std::string formatDouble(double D) { return formatFp(D); }

std::string quoteString(std::string_view S) {
  static const char Hex[] = "0123456789abcdef";
  std::string R = "\"";
  for (char C : S) {
    unsigned char U = static_cast<unsigned char>(C);
    if (C == '"' || C == '\\') {
      R += '\\';
      R += C;
    } else if (C == '\n') {
      R += "\\n";
    } else if (C == '\t') {
      R += "\\t";
    } else if (U < 0x20 || U >= 0x7f) {
      R += "\\x";
      R += Hex[U >> 4];
      R += Hex[U & 15];
    } else {
      R += C;
    }
  }
  return R + "\"";
}

std::string formatName(std::string_view S) {
  bool Bare = !S.empty();
  for (char C : S)
    if (!(std::isalnum(static_cast<unsigned char>(C)) || C == '_' || C == '.' || C == '/' || C == '-'))
      Bare = false;
  return Bare ? std::string(S) : quoteString(S);
}

} // namespace npu::ir

namespace npu::ir {
std::string formatIdent(std::string_view S) {
  if (S.empty() || !(std::isalpha(static_cast<unsigned char>(S[0])) || S[0] == '_') || S == "_")
    return quoteString(S);
  return formatName(S);
}
} // namespace npu::ir
