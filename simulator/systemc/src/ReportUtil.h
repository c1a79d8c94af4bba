// Small text helpers shared by the stats, summary and trace writers of the SystemC model.
#pragma once

#include "npu/support/Json.h"

#include <cstdio>
#include <string>

namespace npu::sim::report {

inline std::string fixed(double V, int Digits) {
  char Buf[64];
  std::snprintf(Buf, sizeof(Buf), "%.*f", Digits, V);
  return Buf;
}

inline double ratio(double A, double B) { return B > 0 ? A / B : 0.0; }

} // namespace npu::sim::report
