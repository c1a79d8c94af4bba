// Small text helpers shared by the stats, summary and trace writers of the SystemC model.
#pragma once

#include <cstdio>
#include <string>

namespace npu::sim::report {

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

inline std::string fixed(double V, int Digits) {
  char Buf[64];
  std::snprintf(Buf, sizeof(Buf), "%.*f", Digits, V);
  return Buf;
}

/// A number as std::ostream prints it by default for config values ("200", "1.5").
inline std::string real(double V) {
  char Buf[64];
  std::snprintf(Buf, sizeof(Buf), "%.15g", V);
  return Buf;
}

inline double ratio(double A, double B) { return B > 0 ? A / B : 0.0; }

} // namespace npu::sim::report
