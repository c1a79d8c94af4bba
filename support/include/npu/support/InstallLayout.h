// Where an installed program finds what `cmake --install` put beside it (shipped configs, RTL sources and
// models), so an install works from any folder and can be moved; a program in the build tree uses the sources.
#pragma once

#include <string>

namespace npu {

/// PREFIX when the running executable is PREFIX/bin/NAME of an install (PREFIX/share/npu exists beside it),
/// else "" (a program in the build tree, or one outside any npu install).
std::string installPrefix();

/// PREFIX/share/npu of the install the running executable belongs to, else "".
std::string installedDataDir();

/// PREFIX/share/npu/rtl of that install when it carries the RTL (rtl/: hw/rtl's sources, verilator/: the model
/// build script and shim), else "".
std::string installedRtlDir();

} // namespace npu
