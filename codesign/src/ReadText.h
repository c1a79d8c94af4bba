// The whole text of a file, or an error naming it (space files, base configs, technology files, models).
#pragma once

#include "npu/support/Status.h"

#include <fstream>
#include <sstream>
#include <string>

namespace npu::codesign {

/// Reads Path; the error reads "PATH: cannot open the WHAT".
inline Expected<std::string> readText(const std::string &Path, const std::string &What) {
  std::ifstream In(Path, std::ios::binary);
  if (!In)
    return makeError(Path, ": cannot open the ", What);
  std::stringstream SS;
  SS << In.rdbuf();
  return SS.str();
}

} // namespace npu::codesign
