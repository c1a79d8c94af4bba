// JSON text helpers shared by the statistics and trace writers (func and SystemC simulators).
#pragma once

#include <cstdio>
#include <string>

namespace npu {

/// S as a JSON string literal (quotes, backslashes and control characters escaped).
inline std::string jsonString(const std::string &S) {
  std::string Out = "\"";
  for (char Ch : S) {
    const unsigned char U = static_cast<unsigned char>(Ch);
    if (Ch == '"' || Ch == '\\') {
      Out += '\\';
      Out += Ch;
    } else if (U < 0x20) {
      char Buf[8];
      std::snprintf(Buf, sizeof(Buf), "\\u%04x", U);
      Out += Buf;
    } else {
      Out += Ch;
    }
  }
  return Out + "\"";
}

} // namespace npu
