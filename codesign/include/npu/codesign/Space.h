// Design spaces of npuc sweep: a base config, parameters with value lists or ranges, constraints between keys
// and a strategy (grid, random N, adaptive K), and the points they describe.
#pragma once

#include "npu/config/HardwareConfig.h"
#include "npu/support/Status.h"

#include <cstdint>
#include <functional>
#include <string>
#include <utility>
#include <vector>

namespace npu::codesign {

/// One swept config key and its values as YAML scalars ("16", "32KiB"), in the order they are tried.
struct Parameter {
  std::string Key; ///< "core.block_in"
  std::vector<std::string> Values;
  int Line = 0;
};

/// A boolean expression over config keys (docs/codesign.md): "core.block_out % core.block_in == 0".
struct Constraint {
  std::string Text;
  int Line = 0, Column = 0;
};

enum class StrategyKind { Grid, Random, Adaptive };

struct Space {
  std::string Path;     ///< the space file ("<text>" when parsed from a string)
  std::string BasePath; ///< the base config, resolved against the space file's folder (or the working folder)
  std::string BaseYaml; ///< its text
  std::vector<Parameter> Params;
  std::vector<Constraint> Constraints;
  StrategyKind Strategy = StrategyKind::Grid;
  uint64_t Count = 0;              ///< random: points drawn; adaptive: points simulated
  uint64_t Seed = 1;               ///< random: the generator's seed
  std::vector<std::string> Models; ///< models listed in the space file, resolved like the base
  /// Grid points before constraints (the product of the parameters' value counts).
  uint64_t gridSize() const;
};

/// One design point: its position in the grid and the value of every parameter.
struct Point {
  uint64_t Index = 0;
  std::vector<std::pair<std::string, std::string>> Values; ///< (key, YAML scalar)
  std::string Yaml;                                        ///< the derived config: the base with the values set
  /// "core.block_in=8 core.block_out=16".
  std::string label() const;
  /// {"core.block_in": "8", ...} as JSON text.
  std::string json() const;
};

/// Reads and checks a space file. Errors name the file, line, column and key.
Expected<Space> loadSpace(const std::string &Path);
/// Same, from text; relative paths resolve against BaseDir.
Expected<Space> parseSpace(const std::string &Text, const std::string &SourceName, const std::string &BaseDir);

/// Evaluates a constraint's expression; Lookup gives the value of a key. Errors name the problem.
Expected<double> evaluateExpression(const std::string &Text,
                                    const std::function<Expected<double>(const std::string &)> &Lookup);

/// The points of S in grid order (the first parameter varies slowest) that satisfy every constraint; for
/// the random strategy, Count of them drawn with Seed (in grid order). Excluded counts the grid points a
/// constraint removed. Errors name the constraint's file and line.
Expected<std::vector<Point>> enumeratePoints(const Space &S, uint64_t *Excluded = nullptr);

/// The config of a point, loaded and validated by the config loader; errors name the point.
Expected<HardwareConfig> pointConfig(const Space &S, const Point &P);

} // namespace npu::codesign
