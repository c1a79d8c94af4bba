// The JSON text conventions of the project (support/include/npu/support/Json.h).
#include "npu/support/Json.h"

#include <cstdio>
#include <cstdlib>

namespace npu {

double jsonNumber(double V, const char *Format) {
  char Buf[64];
  std::snprintf(Buf, sizeof(Buf), Format, V);
  return std::strtod(Buf, nullptr);
}

std::string jsonText(const Json &J) { return J.dump(2, ' ', false, Json::error_handler_t::replace) + "\n"; }

std::string jsonLine(const Json &J) { return J.dump(-1, ' ', false, Json::error_handler_t::replace); }

Expected<Json> parseJson(std::string_view Text, const std::string &What) {
  try {
    return Json::parse(Text);
  } catch (const Json::parse_error &E) {
    return makeError(What, ": not JSON: ", E.what());
  }
}

} // namespace npu
