// One design point of a sweep: derive and validate its config, compile every model for it, run each on the
// chosen backend (the cost model's estimate, systemc or rtl) and measure cycles, utilization, area and energy.
#pragma once

#include "npu/codesign/ResultDb.h"
#include "npu/codesign/Space.h"
#include "npu/codesign/Tech.h"

#include <string>
#include <vector>

namespace npu::codesign {

/// A model of the sweep with what compiling and running it needs.
struct ModelSpec {
  std::string Path;
  std::vector<std::string> CalibDirs;   ///< --calib, else the model's folder when it has test_data_set_*
  std::vector<std::string> InputShapes; ///< --input-shape NAME=DIMS
  std::string InputsDir; ///< test_data_set_0 beside the model (inputs of systemc/rtl runs), or "" for zeros
  std::string Hash;      ///< SHA-256 of the model file, the calibration folders' names and the input shapes
};

/// Describes a model for the sweep; Calib and Shapes as given on the command line.
Expected<ModelSpec> makeModelSpec(const std::string &Path, const std::vector<std::string> &Calib,
                                  const std::vector<std::string> &Shapes);

struct EvalOptions {
  std::string Backend = "estimate"; ///< estimate, systemc or rtl
  TechModel Tech;
  bool YosysArea = false; ///< datapath area from npuc hw area's Yosys transistor counts
  std::string CompilerVersion;
};

/// The sweep's name for the config of a point: its content hash, or "invalid-" and the SHA-256 of the
/// derived YAML when it does not validate.
std::string pointConfigHash(const Space &S, const Point &P);

/// Evaluates P for every model: one row each, whatever the outcome (invalid config, compile failure, run
/// failure rows carry the reason).
std::vector<PointResult> evaluatePoint(const Space &S, const Point &P, const std::vector<ModelSpec> &Models,
                                       const EvalOptions &O);

/// The compiler's version recorded with every row: `git describe` at configure time, or the project version.
const char *compilerVersion();

} // namespace npu::codesign
