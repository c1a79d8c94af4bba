// Config files by name: `--config edge` finds the shipped configs/edge.yaml of an install or of the source tree.
#pragma once

#include "npu/config/HardwareConfig.h"

#include <string>
#include <vector>

namespace npu {

/// Where shipped configs are looked up by name, in order: the install's share/npu/configs (for an installed
/// program), then the source tree's configs/ (for a program in the build tree). Only existing folders.
std::vector<std::string> shippedConfigDirs();

/// The names (file names without .yaml) of the configs in shippedConfigDirs(), sorted, without repeats.
std::vector<std::string> shippedConfigNames();

/// A config given as a path or by name. An existing file, a value with '/' and a value ending in .yaml are
/// paths, taken as they are; any other value is a NAME, looked up as NAME.yaml in shippedConfigDirs(). An
/// unknown name's error lists the shipped names. loadHardwareConfig resolves its argument with this.
Expected<std::string> resolveConfigPath(const std::string &PathOrName);

} // namespace npu
